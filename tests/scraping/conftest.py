"""Fixture company websites served on 127.0.0.1, and the settings the scraping tests run with.

One threaded server serves every site under tests/scraping/fixtures/sites/<host>/ and
tests/scraping/fixtures/sites_heldout/<host>/, chosen by the Host header; the HTTP client reaches
these names because the tests replace the module's resolver so that they resolve to 127.0.0.1, and
the address guard stays on with exactly 127.0.0.1 let through. The server logs every request and the
most requests it ever had in flight per host, so politeness is
asserted where it matters: at the server.

A site may have a routes.json for behaviours files cannot show: redirects, delays, oversized or
non-HTML answers, failures before success. `{{BASE}}` in a served file becomes http://host:port.
"""

from __future__ import annotations

import gzip
import json
import ssl
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import pytest

from scraping.extract import social_profile
from scraping.http import guard
from scraping.types import ScrapeSettings

SITES = Path(__file__).parent / "fixtures" / "sites"
HELDOUT_SITES = Path(__file__).parent / "fixtures" / "sites_heldout"
SERVER_LATENCY = 0.02  # every answer waits a little, so overlapping requests would show


@dataclass
class RequestLog:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (host, path, user agent)
    started: list[tuple[str, float]] = field(default_factory=list)  # (host, monotonic time)
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_total: int = 0
    counters: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def paths(self, host: str) -> list[str]:
        return [path for request_host, path, _ in self.requests if request_host == host]


class FixtureServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.log = RequestLog()
        self.server_names: list[str] = []  # TLS server names (SNI) the clients sent
        self.extra_routes: dict[tuple[str, str], dict[str, Any]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self)

            def do_POST(self) -> None:
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, host: str, path: str = "/") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def route(self, host: str, path: str, **spec: Any) -> None:
        """Add a behaviour for one path of one host (tests that need their own)."""
        self.extra_routes[(host, path)] = spec

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        handler.rfile.read(length)  # a POST body is read so the kept-alive connection stays in step
        host = (handler.headers.get("Host") or "").rsplit(":", 1)[0]
        path = handler.path.split("?", 1)[0]
        log = self.log
        with log.lock:
            log.requests.append((host, handler.path, handler.headers.get("User-Agent", "")))
            log.started.append((host, time.monotonic()))
            log.in_flight[host] += 1
            log.max_in_flight[host] = max(log.max_in_flight[host], log.in_flight[host])
            log.max_total = max(log.max_total, sum(log.in_flight.values()))
            log.counters[(host, path)] += 1
            count = log.counters[(host, path)]
        try:
            time.sleep(SERVER_LATENCY)
            self._answer(handler, host, path, count)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
        finally:
            with log.lock:
                log.in_flight[host] -= 1

    def _routes(self, host: str) -> dict[str, Any]:
        routes_file = site_root(host) / "routes.json"
        routes = json.loads(routes_file.read_text()) if routes_file.exists() else {}
        routes.update(
            {path: spec for (route_host, path), spec in self.extra_routes.items() if route_host == host}
        )
        return routes

    def _answer(self, handler: BaseHTTPRequestHandler, host: str, path: str, count: int) -> None:
        spec = self._routes(host).get(path)
        if spec is None:
            file = self._file(host, path)
            if file is None:
                return self._send(handler, 404, b"<html><body>Not found</body></html>")
            spec = {"file": str(file.relative_to(site_root(host)))}
        time.sleep(spec.get("delay", 0))
        if count <= spec.get("fail_times", 0):
            headers = {"Retry-After": spec["retry_after"]} if "retry_after" in spec else {}
            return self._send(handler, spec.get("status_when_failing", 503), b"busy", headers=headers)
        if "location" in spec:
            location = spec["location"].replace("{{BASE}}", f"http://{host}:{self.port}")
            return self._send(handler, spec.get("status", 302), b"", headers={"Location": location})
        if "big" in spec:
            return self._send_big(handler, spec["big"])
        if "json" in spec:
            body = json.dumps(spec["json"]).encode()
            return self._send(handler, spec.get("status", 200), body, "application/json")
        if "data" in spec:
            body = spec["data"]  # bytes as they are (a gzip file, say)
        elif "file" in spec:
            body = (site_root(host) / spec["file"]).read_bytes()
        else:
            body = spec.get("body", "").encode()
        base = f"http://{host}:{self.port}".encode()
        if body[:2] == b"\x1f\x8b":  # a gzip sitemap: its <loc>s may name {{BASE}} too
            body = gzip.compress(gzip.decompress(body).replace(b"{{BASE}}", base))
        body = body.replace(b"{{BASE}}", base)
        content_type = spec.get("content_type") or _content_type(spec.get("file", ".html"))
        self._send(handler, spec.get("status", 200), body, content_type, spec.get("headers", {}))

    @staticmethod
    def _file(host: str, path: str) -> Path | None:
        root = site_root(host)
        if not root.is_dir() or ".." in path:
            return None
        relative = path.strip("/")
        for candidate in ([root / relative] if relative else []) + [
            root / f"{relative}.html",
            root / relative / "index.html",
        ]:
            if candidate.is_file() and candidate.name not in ("truth.json", "routes.json"):
                return candidate
        return None

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def _send_big(handler: BaseHTTPRequestHandler, size: int) -> None:
        # No Content-Length: the client must stop reading the stream itself.
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        chunk = b"<p>" + b"x" * 1020 + b"</p>"
        sent = 0
        while sent < size:
            handler.wfile.write(chunk)
            sent += len(chunk)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _content_type(name: str) -> str:
    if name.endswith(".xml"):
        return "application/xml"
    if name.endswith(".txt"):
        return "text/plain"
    return "text/html; charset=utf-8"


def site_root(host: str) -> Path:
    """The folder a host's files are served from: the tuning sites', else the held-out sites'."""
    return HELDOUT_SITES / host if (HELDOUT_SITES / host).is_dir() else SITES / host


def site_hosts() -> list[str]:
    return sorted(path.name for path in SITES.iterdir() if (path / "truth.json").exists())


def heldout_hosts() -> list[str]:
    return sorted(path.name for path in HELDOUT_SITES.iterdir() if (path / "truth.json").exists())


def truth(host: str) -> dict[str, Any]:
    """A site's truth.json, its profiles (company and people) in canonical form: one profile is one URL
    whatever the site wrote (case, a trailing slash, twitter.com for x.com)."""
    facts = json.loads((site_root(host) / "truth.json").read_text())
    facts["socials"] = dict(
        social_profile(url) or (network, url) for network, url in facts["socials"].items()
    )
    for person in facts.get("people", []):
        if isinstance(person, dict) and person.get("linkedin"):
            person["linkedin"] = (social_profile(person["linkedin"]) or ("", person["linkedin"]))[1]
    return facts


@pytest.fixture()
def server() -> FixtureServer:
    fixture_server = FixtureServer()
    yield fixture_server
    fixture_server.close()


def install_fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every fixture site resolves to 127.0.0.1, other names to nothing; add entries to simulate more."""
    answers = {host: ["127.0.0.1"] for host in site_hosts() + heldout_hosts()}

    async def resolve(host: str, port: int) -> list[str]:
        if host in answers:
            return answers[host]
        raise httpcore.ConnectError(f"cannot resolve {host}: not in the test's DNS")

    monkeypatch.setattr(guard, "resolve_host", resolve)
    return answers


@pytest.fixture()
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    return install_fake_dns(monkeypatch)


@pytest.fixture()
def scrape_settings() -> ScrapeSettings:
    return make_settings()


def make_settings() -> ScrapeSettings:
    """Small delays and timeouts: the suite stays fast, the guard stays on."""
    return ScrapeSettings(
        allow_private_urls=False,
        connect_timeout=1.0,
        read_timeout=0.5,
        max_response_bytes=200_000,
        per_host_delay=0.01,
        per_host_concurrency=2,
        total_concurrency=8,
        retries=1,
        retry_backoff=0.01,
        max_retry_wait=1.0,
        api_retry_budget=1.0,
        max_crawl_delay=1.0,
        max_depth=2,
        max_pages_per_site=8,
    )


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


def make_certificates(directory: Path, host: str) -> Certificates:
    """A throwaway certificate authority and a certificate it signed for `host` (openssl CLI)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=LeadEngine test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    )
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={host}")
    (directory / "san.ext").write_text(f"subjectAltName=DNS:{host}\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "san.ext",
    )
    return Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
