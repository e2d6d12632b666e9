"""The local company sites bench_crawl and bench_e2e crawl: one site a loopback address, on one port,
each answer after DELAY; the server counts requests in flight per host and in all (see bench_crawl).
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
from pathlib import Path

DELAY = 0.05
CITIES = ["Berlin", "Sydney", "London", "Austin", "Vienna", "Zurich", "Madrid", "Lyon", "Oslo", "Perth"]


def host(index: int) -> str:
    """The loopback address of site `index`: 127.0.0.2-251, then 127.0.1.2-251, ..."""
    return f"127.0.{index // 250}.{index % 250 + 2}"


def index_of(address: str) -> int:
    third, fourth = address.split(".")[2:]
    return int(third) * 250 + int(fourth) - 2


# --- the site ----------------------------------------------------------------------------------------


def homepage(index: int, pages: int) -> bytes:
    links = "\n".join(
        f'<li><a href="/contact/office-{n}">Contact our {CITIES[n % len(CITIES)]} office {n}</a></li>'
        for n in range(1, pages)
    )
    return _html(f"Site {index} Consulting GmbH", f"<p>{_FILLER}</p><ul>{links}</ul>")


def office_page(index: int, number: int) -> bytes:
    city = CITIES[number % len(CITIES)]
    body = (
        f"<h2>Our {city} office</h2><p>{_FILLER}</p>"
        f"<address>Hauptstrasse {number}, 10115 {city}</address>"
        f"<p>Phone: +49 30 {1000000 + index * 100 + number}</p>"
        f'<p>E-mail: <a href="mailto:office{number}@site{index}.example">'
        f"office{number}@site{index}.example</a></p>"
        '<p><a href="/">Home</a></p>'
    )
    return _html(f"Contact - Site {index} Consulting", body)


_FILLER = (
    "We help mid-sized manufacturers plan, build and run their logistics: warehouses, transport and the "
    "software between them. "
) * 12


def _html(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta name='description' content='{title}'></head><body><header><nav><a href='/'>Home</a></nav>"
        f"</header><main><h1>{title}</h1>{body}</main><footer>&copy; {title}</footer></body></html>"
    ).encode()


class Site:
    """Serves every host; counts requests in flight per host and in all, and pages fetched."""

    def __init__(self, hosts: int, pages: int) -> None:
        self.hosts, self.pages = hosts, pages
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.total_in_flight = self.max_total_in_flight = 0
        self.fetched: dict[str, int] = {}  # "host path" -> times
        self.other = 0  # robots.txt, sitemap.xml, 404s

    def answer(self, address: str, path: str) -> tuple[int, str, bytes]:
        index = index_of(address)
        if path == "/robots.txt":
            self.other += 1
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        if path == "/":
            body = homepage(index, self.pages)
        elif path.startswith("/contact/office-") and path[16:].isdigit() and 0 < int(path[16:]) < self.pages:
            body = office_page(index, int(path[16:]))
        else:
            self.other += 1
            return 404, "text/html", b"<html><body>not found</body></html>"
        key = f"{address} {path}"
        self.fetched[key] = self.fetched.get(key, 0) + 1
        return 200, "text/html; charset=utf-8", body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                path = request_line.split(" ")[1]
                close = any(line.lower() == "connection: close" for line in header_lines)
                self.in_flight[address] = self.in_flight.get(address, 0) + 1
                self.max_in_flight[address] = max(self.max_in_flight.get(address, 0), self.in_flight[address])
                self.total_in_flight += 1
                self.max_total_in_flight = max(self.max_total_in_flight, self.total_in_flight)
                try:
                    await asyncio.sleep(DELAY)
                    status, content_type, body = self.answer(address, path)
                    writer.write(
                        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                        f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n".encode()
                        + body
                    )
                    await writer.drain()
                finally:
                    self.in_flight[address] -= 1
                    self.total_in_flight -= 1
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def stats(self) -> dict:
        return {
            "pages": len(self.fetched),
            "fetches": sum(self.fetched.values()),
            "other": self.other,
            "max_in_flight_per_host": max(self.max_in_flight.values(), default=0),
            "max_in_flight_total": self.max_total_in_flight,
        }


def serve(port: int, hosts: int, pages: int, stats_file: str) -> None:
    """The server process: serves until SIGTERM, then writes its counts to `stats_file`."""
    site = Site(hosts, pages)

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        servers = [await asyncio.start_server(site.handle, host(i), port, backlog=512) for i in range(hosts)]
        print("ready", flush=True)
        await stop.wait()
        for server in servers:
            server.close()
        Path(stats_file).write_text(json.dumps(site.stats()))

    asyncio.run(main())


def free_port(hosts: int) -> int:
    """A port free on every host address.

    Probed as the server binds (SO_REUSEADDR, which asyncio sets), and below the ephemeral range:
    after a crawl of many hosts, connections in TIME_WAIT hold ephemeral ports on many addresses.
    """
    while True:
        port = random.randrange(20000, 32000)
        try:
            for index in range(hosts):
                with socket.socket() as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((host(index), port))
            return port
        except OSError:
            continue
