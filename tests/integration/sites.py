"""Company websites for the worker trials: each on a loopback address of its own, so a lead's identity
is its host; a site can answer slowly (its contact page) or be broken (every page a 503)."""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Site:
    """One company website on a loopback address of its own: a lead's identity is its host."""

    number: int
    contact_delay: float = 0.0
    broken: bool = False  # every page but robots.txt answers 503
    server: http.server.ThreadingHTTPServer | None = None
    requests: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic time, path, user agent)

    def last_visitor(self) -> str:
        """The name of the process that fetched a page last (its user agent is LeadEngineTest/<name>)."""
        return self.requests[-1][2].rpartition("/")[2] if self.requests else ""

    @property
    def host(self) -> str:
        return f"127.0.{1 + self.number // 250}.{2 + self.number % 250}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server.server_port}/"

    @property
    def company(self) -> str:
        return f"Company {self.number} Pty Ltd"

    @property
    def email(self) -> str:
        return f"hello@company{self.number}.com.au"

    def page(self, path: str) -> str | None:
        if path == "/":
            return (
                f"<!doctype html><html><head><title>{self.company}</title>"
                f'<meta property="og:site_name" content="{self.company}"></head><body>'
                f'<h1>{self.company}</h1><p>B2B enterprise software.</p><a href="/contact/">Contact</a>'
                f"</body></html>"
            )
        if path == "/contact/":
            return (
                f"<!doctype html><html><head><title>Contact | {self.company}</title></head><body>"
                f'<p>Email <a href="mailto:{self.email}">{self.email}</a></p>'
                f"<p>Level 3, 100 George Street, Sydney NSW 2000</p></body></html>"
            )
        return None


class Sites:
    """Serves Site objects, each on its own address; `stop()` also wakes requests still sleeping."""

    def __init__(self):
        self.sites: list[Site] = []
        self.closing = threading.Event()

    def add(self, contact_delay: float = 0.0, broken: bool = False) -> Site:
        site = Site(number=len(self.sites), contact_delay=contact_delay, broken=broken)
        site.server = http.server.ThreadingHTTPServer((site.host, 0), _handler(site, self.closing))
        site.server.daemon_threads = True
        threading.Thread(target=site.server.serve_forever, daemon=True).start()
        self.sites.append(site)
        return site

    def stop(self) -> None:
        self.closing.set()
        # Each shutdown waits for its server's poll interval: all at once, not one after another.
        stopping = [threading.Thread(target=site.server.shutdown) for site in self.sites]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        for site in self.sites:
            site.server.server_close()


def _handler(site: Site, closing: threading.Event):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            site.requests.append((time.monotonic(), path, self.headers.get("User-Agent", "")))
            if path == "/robots.txt":
                return self._send(200, "User-agent: *\nAllow: /\n", "text/plain")
            if site.broken:
                return self._send(503, "down for maintenance", "text/plain")
            if path == "/contact/" and site.contact_delay:
                closing.wait(site.contact_delay)
            body = site.page(path)
            if body is None:
                return self._send(404, "not found", "text/plain")
            self._send(200, body, "text/html; charset=utf-8")

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                pass  # the worker went away mid-request: what these tests do to it

        def log_message(self, *args):
            pass

    return Handler
