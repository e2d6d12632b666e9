"""`run_sources` against a real server on 127.0.0.1: a consumer that stops reading (the database lags)
does not stop the crawl, and no event is lost once it reads again."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scraping.runner import LeadsFound, Progress, SourceFinished, SourceWarning, run_sources
from scraping.types import Criteria
from tests.scraping.fakes import make_settings

SITES = 30
PAGES = 4  # per site: the homepage and three contact pages
LATENCY = 0.01


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pages = 0


@pytest.fixture
def sites():
    """`SITES` sites under /firm<n>/ of one server; counts the pages it served."""
    counter = _Counter()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(LATENCY)
            parts = self.path.strip("/").split("/")
            if parts[0].startswith("firm") and len(parts) <= 2:
                site = parts[0]
                if len(parts) == 1:
                    links = "".join(
                        f'<a href="/{site}/contact-{n}">Contact office {n}</a>' for n in range(1, PAGES)
                    )
                    body = f"<html><head><title>{site} Ltd</title></head><body>{links}</body></html>"
                else:
                    body = f"<html><body><p>Mail {parts[1]}@{site}.example</p></body></html>"
                with counter.lock:
                    counter.pages += 1
                self._answer(200, body)
            else:
                self._answer(404, "<html><body>not found</body></html>")

        def _answer(self, status: int, body: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    urls = [f"http://127.0.0.1:{server.server_port}/firm{n}/" for n in range(SITES)]
    yield urls, counter
    server.shutdown()
    server.server_close()


def test_a_blocked_consumer_does_not_stop_the_crawl_and_loses_no_event(sites):
    urls, counter = sites
    settings = make_settings(per_host_concurrency=4, total_concurrency=8, max_pages_per_site=PAGES)
    events = run_sources(Criteria(urls=tuple(urls), max_results=SITES), ["website"], settings)
    received = [next(events)]

    # The consumer now stands still (a slow database write) while the crawl goes on: every page is
    # fetched although nothing is read. A queue that made the loop wait for the consumer would stop
    # the crawl after its first few dozen events.
    deadline = time.monotonic() + 30
    while counter.pages < SITES * PAGES and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counter.pages == SITES * PAGES

    received.extend(events)
    leads = [lead for event in received if isinstance(event, LeadsFound) for lead in event.leads]
    finished = [event for event in received if isinstance(event, SourceFinished)]
    assert [event for event in received if isinstance(event, SourceWarning)] == []
    assert sorted(lead.website for lead in leads) == sorted(urls_root(url) for url in urls)
    assert sum(event.pages_done for event in received if isinstance(event, Progress)) == SITES * PAGES
    assert len(finished) == 1 and finished[0].error == ""
    assert finished[0].leads == SITES and finished[0].pages == SITES * PAGES


def urls_root(url: str) -> str:
    return url.rsplit("/firm", 1)[0] + "/"


def test_closing_the_generator_while_leads_wait_for_the_consumer_ends_the_loop_thread(sites):
    urls, _ = sites
    settings = make_settings(per_host_concurrency=4, total_concurrency=8, max_pages_per_site=PAGES)
    events = run_sources(Criteria(urls=tuple(urls), max_results=SITES), ["website"], settings)
    next(events)
    time.sleep(1.0)  # leads pile up unread
    events.close()
    assert not any(thread.name == "scraping-loop" and thread.is_alive() for thread in threading.enumerate())
