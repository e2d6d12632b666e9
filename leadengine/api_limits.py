"""Bounds on what one API request may ask of the server; wired in through settings.REST_FRAMEWORK.

Kept apart from the views because DRF imports these classes while its own views module loads.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 with a JSON error (Django alone answers an
  HTML 400 page), too many form fields a JSON 400.
- JSON nested deeper than Python's recursion limit is a 400 parse error, not a RecursionError (500).
- `limit` is capped at MAX_PAGE_LIMIT. `count` is exact up to COUNT_CAP rows; past it, the planner's
  estimate, and `count_estimated` says so (a COUNT of a million leads reads them all). `offset`
  goes at most MAX_OFFSET rows deep (a deeper OFFSET reads and throws away every row before it: half
  a second at a million leads); past it the answer is a 400 that names `cursor`, the keyset pages
  that cost the same at any depth.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db.models import QuerySet
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

from leadengine.counting import COUNT_CAP, capped_count

MAX_PAGE_LIMIT = 500
MAX_OFFSET = 10_000


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


class KeysetPagination(CursorPagination):
    """Pages after the position of the previous page's last row, in the view's own order (the first
    field of its `order_by`, which an index serves): the same cost at any depth, no count."""

    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_LIMIT
    # Rows that share the position of a page's last row are skipped by count: a batch of leads shares
    # one scraped_at.
    offset_cutoff = MAX_OFFSET

    def get_ordering(self, request, queryset, view):
        return tuple(queryset.query.order_by) or ("-pk",)


class BoundedPagination(LimitOffsetPagination):
    """`limit`/`offset` pages with a count, up to MAX_OFFSET rows deep; with `cursor` (empty for the
    first page, then the `next` link), keyset pages to any depth."""

    max_limit = MAX_PAGE_LIMIT
    max_offset = MAX_OFFSET
    keyset: KeysetPagination | None = None

    def paginate_queryset(self, queryset, request, view=None):
        if KeysetPagination.cursor_query_param in request.query_params:
            self.keyset = KeysetPagination()
            return self.keyset.paginate_queryset(queryset, request, view)
        # Refused before the count: a deep offset costs nothing.
        offset = self.get_offset(request)
        limit = self.get_limit(request)
        if offset or limit is None or not isinstance(queryset, QuerySet):
            return super().paginate_queryset(queryset, request, view)
        # The first page is read first (one row more than asked): when every row fits on it, the
        # rows read are the count (a search or a narrow filter would otherwise run twice).
        rows = list(queryset[: limit + 1])
        self.request, self.limit, self.offset = request, limit, 0
        if len(rows) <= limit:
            self.count, self.count_estimated = len(rows), False
            return rows
        self.count = self.get_count(queryset)
        if self.template is not None:
            self.display_page_controls = True
        return rows[:limit]

    def get_offset(self, request):
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise ValidationError(
                {
                    self.offset_query_param: [
                        f"At most {self.max_offset}: for deeper pages use `cursor` (empty for the first "
                        "page, then follow `next`), or narrow the list with its filters."
                    ]
                }
            )
        return offset

    def get_count(self, queryset):
        self.count_estimated = False
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        count, self.count_estimated = capped_count(queryset)
        return count

    def get_paginated_response(self, data):
        if self.keyset is not None:
            return self.keyset.get_paginated_response(data)
        response = super().get_paginated_response(data)
        response.data["count_estimated"] = self.count_estimated
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        # Cursor pages have no count.
        schema["required"] = ["results"]
        schema["properties"]["count"]["description"] = "absent from `cursor` pages"
        schema["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": f"true when `count` is the planner's estimate (more than {COUNT_CAP} rows)",
        }
        return schema

    def get_schema_operation_parameters(self, view):
        keyset = KeysetPagination().get_schema_operation_parameters(view)
        name = KeysetPagination.cursor_query_param
        cursor = [parameter for parameter in keyset if parameter["name"] == name]
        return [*super().get_schema_operation_parameters(view), *cursor]


def exception_handler(exc, context):
    """DRF's handler, plus Django's request-size refusals as JSON errors."""
    # Not at the top: rest_framework.views imports this module (BoundedJSONParser, through
    # api_settings) while it loads, so this module cannot import it first.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(f"The request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = ParseError(str(exc))
    return drf_exception_handler(exc, context)
