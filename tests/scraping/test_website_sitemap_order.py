"""The website crawl reads a site's sitemaps while it fetches the home page's best links, and still
takes pages in rank order: a page a sitemap entry could outrank waits for the sitemap."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scraping.runner import LeadsFound, run_sources
from scraping.types import Criteria
from tests.scraping.fakes import make_settings

SITEMAP_DELAY = 0.4


@pytest.fixture
def site():
    """A home page linking to /about and /kontakt; /contact is only in the (slow) sitemap."""
    log: list[tuple[str, float, float]] = []  # (path, started, answered)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            started = time.monotonic()
            base = f"http://127.0.0.1:{self.server.server_port}"
            status, kind = 200, "text/html; charset=utf-8"
            if self.path == "/":
                body = (
                    '<html><body><a href="/about">About us</a> <a href="/kontakt">Kontakt</a></body></html>'
                )
            elif self.path == "/sitemap.xml":
                time.sleep(SITEMAP_DELAY)
                kind = "application/xml"
                body = (
                    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<url><loc>{base}/contact</loc></url></urlset>"
                )
            elif self.path in ("/about", "/kontakt", "/contact"):
                body = f"<html><body><p>{self.path[1:]} page: mail info@acme.example</p></body></html>"
            else:
                status, body = 404, "<html><body>not found</body></html>"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            with lock:
                log.append((self.path, started, time.monotonic()))

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", log
    server.shutdown()
    server.server_close()


def crawl(url: str, pages: int) -> list:
    settings = make_settings(per_host_concurrency=2, max_pages_per_site=pages)
    events = list(run_sources(Criteria(urls=(url,)), ["website"], settings))
    return [lead for event in events if isinstance(event, LeadsFound) for lead in event.leads]


def test_a_contact_link_is_fetched_while_the_sitemap_is_read(site):
    url, log = site
    assert len(crawl(url, pages=4)) == 1
    times = {path: (started, answered) for path, started, answered in log}
    # /kontakt (a contact page, outranked by nothing) started while the slow sitemap was in flight.
    assert times["/sitemap.xml"][0] <= times["/kontakt"][0] < times["/sitemap.xml"][1]
    # /about (an about page, which a sitemap's contact page would outrank) waited for the sitemap, and
    # went out with the sitemap's /contact on the two slots then free (which of two requests sent at
    # once the server starts first is the network's choice; ranking under a scarce budget is the next
    # test's).
    assert times["/about"][0] >= times["/sitemap.xml"][1]
    assert times["/contact"][0] >= times["/sitemap.xml"][1]


def test_the_budget_goes_to_the_pages_of_best_rank_the_sitemaps_included(site):
    url, log = site
    assert len(crawl(url, pages=3)) == 1
    read = {path for path, _, _ in log} - {"/robots.txt", "/sitemap.xml"}
    assert read == {"/", "/kontakt", "/contact"}
