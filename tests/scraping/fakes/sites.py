"""Fake company websites: several sites on one 127.0.0.1 server, told apart by the Host header.

Search results and Crunchbase records point at `http://<company domain>:<port>/`; the tests map those
domains to 127.0.0.1 through the HTTP client's resolver (`scraping.http._resolve`), so every site
keeps a registrable domain of its own and one-lead-per-domain is tested as in production.
"""

from __future__ import annotations

import re

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class CompanySites:
    """Request handler serving `pages[host][path]`; anything else is a 404 (robots.txt included)."""

    def __init__(self, pages: dict[str, dict[str, str]]) -> None:
        self.pages = pages
        self.requests: list[tuple[str, str]] = []

    def install(self, server: HTTPServer) -> None:
        server.expect_request(re.compile(".*")).respond_with_handler(self)

    def __call__(self, request: Request) -> Response:
        host = request.host.split(":", 1)[0].lower()
        self.requests.append((host, request.path))
        page = self.pages.get(host, {}).get(request.path)
        if page is None:
            return Response("not found", status=404, content_type="text/plain")
        return Response(page, content_type="text/html; charset=utf-8")

    def url(self, host: str, port: int, path: str = "/") -> str:
        return f"http://{host}:{port}{path}"
