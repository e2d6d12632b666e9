"""The REST API, by audience: jobs, leads (with their enrichment) and exports; `urls` routes them.

Thin views: validate with a serializer, call one service, serialise the result. Every queryset
starts from `request.user`: another user's job, lead or export answers 404, never 403, so ids
cannot be probed.
"""
