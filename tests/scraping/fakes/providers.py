"""Fake SearXNG, SerpApi, Brave Search and Crunchbase servers speaking each provider's documented format.

Each fake is a request handler for pytest-httpserver (`install(httpserver)` mounts it) holding a data
set, serving it page by page as the real API does, and recording the requests it received. Failures
are scripted: `fail_next(status, body, headers)` makes the next calls answer that, in order, before
the data set is served again (429 with Retry-After, 500, 401, malformed JSON, ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers, content_type="application/json")


@dataclass
class Received:
    """What a fake saw of one request."""

    method: str
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    body: Any


class FakeProvider:
    """Common parts: the request log and the scripted failures."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.script: list[Response] = []

    def fail_next(
        self, status: int, body: str | Any = "", headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        for _ in range(times):
            if isinstance(body, str):
                self.script.append(
                    Response(body, status=status, headers=headers, content_type="application/json")
                )
            else:
                self.script.append(json_response(body, status, headers))

    def __call__(self, request: Request) -> Response:
        body = request.get_json(silent=True) if request.method == "POST" else None
        self.received.append(
            Received(request.method, request.path, dict(request.args), dict(request.headers), body)
        )
        if self.script:
            return self.script.pop(0)
        return self.answer(request)

    def answer(self, request: Request) -> Response:
        raise NotImplementedError

    def calls(self, path: str) -> list[Received]:
        return [seen for seen in self.received if seen.path == path]


def web_results(count: int, start: int = 1, host: str = "company{n}.com") -> list[dict[str, str]]:
    """`count` distinct results on distinct company domains, in a neutral form every fake maps."""
    return [
        {
            "url": f"https://www.{host.format(n=n)}/",
            "title": f"Company {n} | Home",
            "snippet": f"Company {n} builds data analytics tools.",
        }
        for n in range(start, start + count)
    ]


class FakeSearxng(FakeProvider):
    """GET /search?q=&format=json&pageno=N; 403 for format=json unless json is enabled."""

    def __init__(self, results: list[dict[str, str]], page_size: int = 10, json_enabled: bool = True) -> None:
        super().__init__()
        self.results = results
        self.page_size = page_size
        self.json_enabled = json_enabled

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/search").respond_with_handler(self)

    def answer(self, request: Request) -> Response:
        if request.args.get("format") != "json":
            return Response("<html>results</html>", content_type="text/html")
        if not self.json_enabled:
            return Response("Forbidden", status=403, content_type="text/html")
        page = int(request.args.get("pageno", "1"))
        chunk = self.results[(page - 1) * self.page_size : page * self.page_size]
        return json_response(
            {
                "query": request.args.get("q", ""),
                "number_of_results": 0,
                "results": [
                    {
                        "url": item["url"],
                        "title": item["title"],
                        "content": item["snippet"],
                        "engine": "duckduckgo",
                        "engines": ["duckduckgo", "brave"],
                        "score": 1.0,
                        "category": "general",
                    }
                    for item in chunk
                ],
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [],
            }
        )


class FakeSerpApi(FakeProvider):
    """GET /search.json?engine=google&q=&start=&num=&location=&gl=&api_key=; 10 results a page."""

    def __init__(
        self,
        results: list[dict[str, str]],
        api_key: str = "serp-key",
        known_locations: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__()
        self.results = results
        self.api_key = api_key
        self.known_locations = known_locations

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/search.json").respond_with_handler(self)

    def answer(self, request: Request) -> Response:
        if request.args.get("api_key") != self.api_key:
            return json_response(
                {"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"},
                401,
            )
        location = request.args.get("location")
        if location and self.known_locations is not None and location not in self.known_locations:
            return json_response({"error": f"Unsupported `{location}` location - location parameter."}, 400)
        start = int(request.args.get("start", "0"))
        chunk = self.results[start : start + 10]
        metadata = {"id": "fake", "status": "Success"}
        if not chunk:
            return json_response(
                {"search_metadata": metadata, "error": "Google hasn't returned any results for this query."}
            )
        data: dict[str, Any] = {
            "search_metadata": metadata,
            "search_parameters": dict(request.args),
            "organic_results": [
                {
                    "position": start + i + 1,
                    "title": item["title"],
                    "link": item["url"],
                    "displayed_link": item["url"],
                    "snippet": item["snippet"],
                }
                for i, item in enumerate(chunk)
            ],
            "serpapi_pagination": {"current": start // 10 + 1},
        }
        if start + 10 < len(self.results):
            data["serpapi_pagination"]["next"] = f"https://serpapi.com/search.json?start={start + 10}"
        return json_response(data)


class FakeBrave(FakeProvider):
    """GET /res/v1/web/search?q=&count=&offset= with X-Subscription-Token; count <= 20, offset <= 9."""

    def __init__(self, results: list[dict[str, str]], api_key: str = "brave-key") -> None:
        super().__init__()
        self.results = results
        self.api_key = api_key

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/res/v1/web/search").respond_with_handler(self)

    def answer(self, request: Request) -> Response:
        if request.headers.get("X-Subscription-Token") != self.api_key:
            return json_response(
                {"type": "ErrorResponse", "error": {"code": "SUBSCRIPTION_TOKEN_INVALID", "status": 401}}, 401
            )
        count = int(request.args.get("count", "20"))
        offset = int(request.args.get("offset", "0"))
        if not 1 <= count <= 20 or not 0 <= offset <= 9:
            error = {"code": "VALIDATION", "status": 422}
            return json_response({"type": "ErrorResponse", "error": error}, 422)
        chunk = self.results[offset * count : (offset + 1) * count]
        more = (offset + 1) * count < len(self.results)
        return json_response(
            {
                "type": "search",
                "query": {"original": request.args.get("q", ""), "more_results_available": more},
                "web": {
                    "type": "search",
                    "results": [
                        {
                            "title": item["title"],
                            "url": item["url"],
                            "description": f"<strong>{item['snippet']}</strong>",
                            "type": "search_result",
                        }
                        for item in chunk
                    ],
                },
            }
        )


@dataclass
class Organization:
    """One organization of the fake Crunchbase, with its searchable facts."""

    uuid: str
    name: str
    permalink: str
    website: str = ""
    description: str = ""
    locations: list[dict[str, str]] = field(default_factory=list)  # {"uuid", "value", "location_type"}
    categories: list[dict[str, str]] = field(default_factory=list)  # {"uuid", "value"}
    employees: str = ""
    linkedin: str = ""
    email: str = ""
    phone: str = ""

    def properties(self, field_ids: list[str]) -> dict[str, Any]:
        available: dict[str, Any] = {
            "identifier": {
                "uuid": self.uuid,
                "value": self.name,
                "permalink": self.permalink,
                "entity_def_id": "organization",
            },
            "website_url": self.website or None,
            "short_description": self.description or None,
            "location_identifiers": [{**item, "entity_def_id": "location"} for item in self.locations],
            "categories": [{**item, "entity_def_id": "category"} for item in self.categories],
            "num_employees_enum": self.employees or None,
            "linkedin": {"value": self.linkedin} if self.linkedin else None,
            "contact_email": self.email or None,
            "phone_number": self.phone or None,
        }
        # Crunchbase leaves out fields an organization has no value for.
        return {key: value for key, value in available.items() if key in field_ids and value}


class FakeCrunchbase(FakeProvider):
    """POST /api/v4/searches/organizations and GET /api/v4/autocompletes, key in X-cb-user-key."""

    def __init__(
        self,
        organizations: list[Organization],
        locations: dict[str, str],
        categories: dict[str, str],
        api_key: str = "cb-key",
    ) -> None:
        super().__init__()
        self.organizations = sorted(organizations, key=lambda org: org.uuid)
        self.locations = locations  # name -> uuid
        self.categories = categories  # name -> uuid
        self.api_key = api_key

    def install(self, server: HTTPServer) -> None:
        server.expect_request("/api/v4/searches/organizations", method="POST").respond_with_handler(self)
        server.expect_request("/api/v4/autocompletes").respond_with_handler(self)

    def answer(self, request: Request) -> Response:
        if request.headers.get("X-cb-user-key") != self.api_key:
            return json_response({"code": "AUTH_ERROR", "message": "invalid user key"}, 401)
        if request.path.endswith("/autocompletes"):
            return self.autocomplete(request)
        return self.search(request.get_json())

    def autocomplete(self, request: Request) -> Response:
        collection = request.args.get("collection_ids", "")
        names = self.locations if collection.startswith("location") else self.categories
        text = request.args.get("query", "").lower()
        entities = [
            {
                "identifier": {
                    "uuid": uuid,
                    "value": name,
                    "permalink": name.lower(),
                    "entity_def_id": "location" if names is self.locations else "category",
                }
            }
            for name, uuid in names.items()
            if name.lower().startswith(text)
        ]
        return json_response({"count": len(entities), "entities": entities})

    def matches(self, org: Organization, predicate: dict[str, Any]) -> bool:
        values = set(predicate["values"])
        if predicate["field_id"] == "facet_ids":
            return True
        if predicate["field_id"] == "location_identifiers":
            return bool(values & {item["uuid"] for item in org.locations})
        if predicate["field_id"] == "categories":
            return bool(values & {item["uuid"] for item in org.categories})
        if predicate["field_id"] == "num_employees_enum":
            return org.employees in values
        raise AssertionError(f"unexpected predicate {predicate}")

    def search(self, body: dict[str, Any]) -> Response:
        for item in body["query"]:
            assert item["type"] == "predicate" and item["operator_id"] == "includes", item
        hits = [org for org in self.organizations if all(self.matches(org, p) for p in body["query"])]
        total = len(hits)
        after = body.get("after_id")
        if after:
            hits = [org for org in hits if org.uuid > after]
        page = hits[: body.get("limit", 100)]
        return json_response(
            {
                "count": total,
                "entities": [
                    {"uuid": org.uuid, "properties": org.properties(body["field_ids"])} for org in page
                ],
            }
        )
