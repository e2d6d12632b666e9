"""The HTTP client: address guard (with real sockets), robots.txt, pacing, retries, caps, decoding.

Provider API calls are in test_http_api.py."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import time
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from scraping.errors import BlockedURLError, ScrapeError
from scraping.http import HttpClient, decode_body, guard, literal_ip
from scraping.types import ScrapeSettings
from tests.environment import unavailable
from tests.scraping.conftest import FixtureServer, make_certificates

SITE = "www.brightwave.co.uk"


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def fetch(settings: ScrapeSettings, url: str, allowed: set[str] | None = None, **kwargs: Any):
    async with HttpClient(settings, allowed_addresses=allowed or set()) as http:
        return await http.fetch_page(url, **kwargs)


# --- the address guard ------------------------------------------------------------------------------

REFUSED_HOSTS = [
    "127.0.0.1",
    "localhost",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "0.0.0.0",
    "2130706433",
    "0x7f000001",
    "127.1",
    "[::]",
    "100.64.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::]",
]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_the_guard_refuses_private_addresses_before_connecting(server, scrape_settings, host):
    # The fixture server listens on 127.0.0.1:port: a request that got through would be logged.
    with pytest.raises(BlockedURLError, match="refused"):
        run(fetch(scrape_settings, f"http://{host}:{server.port}/"))
    assert server.log.requests == []


def test_the_guard_refuses_a_public_looking_name_that_resolves_to_loopback(server, fake_dns, scrape_settings):
    fake_dns["acme-public.example"] = ["127.0.0.1"]
    with pytest.raises(BlockedURLError, match=r"acme-public.example \(127.0.0.1\): loopback"):
        run(fetch(scrape_settings, f"http://acme-public.example:{server.port}/"))
    assert server.log.requests == []


def test_the_guard_refuses_a_name_when_any_of_its_addresses_is_private(server, fake_dns, scrape_settings):
    fake_dns["mixed.example"] = ["93.184.216.34", "10.0.0.7"]
    with pytest.raises(BlockedURLError, match="10.0.0.7"):
        run(fetch(scrape_settings, "http://mixed.example/"))


def test_the_guard_sees_through_user_info(server, fake_dns, scrape_settings):
    fake_dns["acme-public.example"] = ["127.0.0.1"]
    for url in (
        f"http://evil@127.0.0.1:{server.port}/",
        f"http://127.0.0.1:{server.port}@acme-public.example/",
        f"http://user:pass@[::ffff:7f00:1]:{server.port}/",
    ):
        with pytest.raises(BlockedURLError):
            run(fetch(scrape_settings, url))
    assert server.log.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://files.acme.com/x",
        "gopher://acme.com/",
        "javascript:alert(1)",
        "http:///nohost",
    ],
)
def test_the_guard_takes_only_http_and_https(scrape_settings, url):
    with pytest.raises(BlockedURLError):
        run(fetch(scrape_settings, url))


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/",
        "http://10.0.0.1/",
        "http://[::1]:{port}/",
        "http://rebound.example:{port}/",
    ],
)
def test_the_guard_checks_every_redirect_hop(server, fake_dns, scrape_settings, target):
    # The test server's own address is let through exactly; the redirect's target is not.
    fake_dns["rebound.example"] = ["127.0.0.2"]
    server.route(SITE, "/go", status=302, location=target.format(port=server.port))
    with pytest.raises(BlockedURLError, match="refused"):
        run(fetch(scrape_settings, server.url(SITE, "/go"), allowed={"127.0.0.1"}))
    assert [path for _, path, _ in server.log.requests] == ["/robots.txt", "/go"]


def test_the_client_connects_to_the_address_it_checked_and_keeps_the_host_header(
    server, fake_dns, scrape_settings, monkeypatch
):
    # A rebinding name answers a harmless address first and a private one afterwards: only one
    # lookup happens per connection, and the request goes to the address that lookup gave.
    answers = iter([["127.0.0.1"]] + [["10.0.0.1"]] * 10)
    lookups = []

    async def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    monkeypatch.setattr(guard, "resolve_host", rebinding)
    no_robots = replace(scrape_settings, obey_robots_txt=False)
    page = run(fetch(no_robots, f"http://{SITE}:{server.port}/", allowed={"127.0.0.1"}))
    assert "Brightwave" in page.text
    assert lookups == [SITE]
    assert server.log.requests[0][0] == SITE


def test_tls_uses_the_host_name_while_connecting_to_the_checked_address(tmp_path, fake_dns, scrape_settings):
    if shutil.which("openssl") is None:
        unavailable("needs the openssl command")
    # The socket goes to the address the guard checked (127.0.0.1); the TLS server name and the
    # certificate check still use the URL's host name.
    host = "secure.acme-analytics.com.au"
    certificates = make_certificates(tmp_path, host)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(certificates.cert, certificates.key)
    client_tls = ssl.create_default_context(cafile=str(certificates.ca))
    tls_server = FixtureServer(tls=server_tls)
    fake_dns[host] = ["127.0.0.1"]
    fake_dns["other-name.example"] = ["127.0.0.1"]
    tls_server.route(host, "/", body="<html><body>over TLS</body></html>")
    try:

        async def get(url: str):
            async with HttpClient(
                scrape_settings, allowed_addresses={"127.0.0.1"}, ssl_context=client_tls
            ) as http:
                return await http.fetch_page(url)

        page = run(get(tls_server.url(host, "/")))
        assert "over TLS" in page.text
        assert set(tls_server.server_names) == {host}
        # The same address under a name the certificate does not carry fails the check.
        with pytest.raises(ScrapeError, match="cannot reach"):
            run(get(tls_server.url("other-name.example", "/")))
    finally:
        tls_server.close()


def test_allow_private_urls_opens_the_guard(server, scrape_settings):
    server.route("localhost", "/", body="<html><body>local development</body></html>")
    page = run(fetch(replace(scrape_settings, allow_private_urls=True), f"http://localhost:{server.port}/"))
    assert "local development" in page.text


def test_literal_ip_reads_every_form_a_resolver_accepts():
    forms = ("2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.0.1")
    assert {str(literal_ip(host)) for host in forms} == {"127.0.0.1"}
    assert literal_ip("acme.com") is None and literal_ip("cafe.be") is None


# --- robots.txt and politeness ---------------------------------------------------------------------


def test_robots_txt_disallowed_pages_are_refused_and_never_requested(server, fake_dns, scrape_settings):
    with pytest.raises(BlockedURLError, match="robots.txt disallows"):
        run(
            fetch(
                scrape_settings,
                server.url("www.acme-analytics.com.au", "/private/contact-archive"),
                allowed={"127.0.0.1"},
            )
        )
    assert server.log.paths("www.acme-analytics.com.au") == ["/robots.txt"]


def test_robots_txt_crawl_delay_spaces_requests(server, fake_dns, scrape_settings):
    fake_dns["slow-robots.example"] = ["127.0.0.1"]
    server.route(
        "slow-robots.example",
        "/robots.txt",
        body="User-agent: *\nCrawl-delay: 0.3\n",
        content_type="text/plain",
    )
    for path in ("/a", "/b", "/c"):
        server.route("slow-robots.example", path, body="<html><body>ok</body></html>")

    async def main() -> None:
        async with HttpClient(scrape_settings, allowed_addresses={"127.0.0.1"}) as http:
            await asyncio.gather(
                *(http.fetch_page(server.url("slow-robots.example", path)) for path in ("/a", "/b", "/c"))
            )

    run(main())
    starts = [moment for host, moment in server.log.started if host == "slow-robots.example"][1:]
    gaps = [later - earlier for earlier, later in pairwise(starts)]
    assert len(gaps) == 2 and min(gaps) >= 0.25  # spaced 0.3 s at the client; arrival jitters


def test_the_per_host_and_total_caps_hold_at_the_server(server, fake_dns, scrape_settings):
    hosts = [f"site{number}.example" for number in range(4)]
    for host in hosts:
        fake_dns[host] = ["127.0.0.1"]
        for page in range(5):
            server.route(host, f"/p{page}", body="<html><body>ok</body></html>", delay=0.05)
    capped = replace(scrape_settings, per_host_concurrency=2, total_concurrency=3, per_host_delay=0)

    async def main() -> None:
        async with HttpClient(capped, allowed_addresses={"127.0.0.1"}) as http:
            await asyncio.gather(
                *(http.fetch_page(server.url(host, f"/p{page}")) for host in hosts for page in range(5))
            )

    run(main())
    assert max(server.log.max_in_flight.values()) == 2
    assert server.log.max_total == 3


def test_the_per_host_delay_spaces_request_starts(server, fake_dns, scrape_settings):
    paced = replace(scrape_settings, per_host_delay=0.1, per_host_concurrency=4)

    async def main() -> None:
        async with HttpClient(paced, allowed_addresses={"127.0.0.1"}) as http:
            paths = ("/", "/work", "/get-in-touch")
            await asyncio.gather(*(http.fetch_page(server.url(SITE, path)) for path in paths))

    run(main())
    starts = [moment for host, moment in server.log.started if host == SITE]
    assert all(later - earlier >= 0.07 for earlier, later in pairwise(starts))  # 0.1 s, less jitter


# --- retries, caps, redirects, content ------------------------------------------------------------


def test_a_503_with_retry_after_is_retried_after_the_capped_wait(server, fake_dns, scrape_settings):
    server.route(
        SITE,
        "/busy",
        fail_times=1,
        status_when_failing=503,
        retry_after="5",
        body="<html><body>ready</body></html>",
    )
    started = time.monotonic()
    page = run(
        fetch(replace(scrape_settings, max_retry_wait=0.3), server.url(SITE, "/busy"), allowed={"127.0.0.1"})
    )
    assert "ready" in page.text
    assert 0.3 <= time.monotonic() - started < 2
    assert server.log.paths(SITE).count("/busy") == 2


def test_a_persistent_500_fails_after_the_retries(server, fake_dns, scrape_settings):
    server.route(SITE, "/down", fail_times=99, status_when_failing=500)
    with pytest.raises(ScrapeError, match="HTTP 500"):
        run(fetch(replace(scrape_settings, retries=2), server.url(SITE, "/down"), allowed={"127.0.0.1"}))
    assert server.log.paths(SITE).count("/down") == 3


def test_redirects_are_followed_up_to_the_limit(server, fake_dns, scrape_settings):
    for hop in range(7):
        server.route(SITE, f"/hop{hop}", status=301, location=f"/hop{hop + 1}")
    server.route(SITE, "/hop7", body="<html><body>arrived</body></html>")
    page = run(
        fetch(replace(scrape_settings, max_redirects=7), server.url(SITE, "/hop0"), allowed={"127.0.0.1"})
    )
    assert page.url.endswith("/hop7") and len(page.redirects) == 7
    with pytest.raises(ScrapeError, match="more than 5 redirects"):
        run(
            fetch(replace(scrape_settings, max_redirects=5), server.url(SITE, "/hop0"), allowed={"127.0.0.1"})
        )


def test_a_redirect_loop_is_cut(server, fake_dns, scrape_settings):
    with pytest.raises(ScrapeError, match="redirect loop"):
        run(fetch(scrape_settings, server.url("www.trapdoor-tools.com", "/contact"), allowed={"127.0.0.1"}))


def test_the_size_cap_stops_reading_a_stream_and_refuses_a_declared_size(server, fake_dns, scrape_settings):
    with pytest.raises(ScrapeError, match="response too large"):
        run(fetch(scrape_settings, server.url("www.trapdoor-tools.com", "/about"), allowed={"127.0.0.1"}))
    server.route(SITE, "/declared", body="<html>" + "x" * 5000 + "</html>")
    with pytest.raises(ScrapeError, match="declares"):
        run(
            fetch(
                replace(scrape_settings, max_response_bytes=1000),
                server.url(SITE, "/declared"),
                allowed={"127.0.0.1"},
            )
        )


def test_only_html_is_taken(server, fake_dns, scrape_settings):
    with pytest.raises(ScrapeError, match="not HTML"):
        run(
            fetch(
                scrape_settings, server.url("www.trapdoor-tools.com", "/contact-card"), allowed={"127.0.0.1"}
            )
        )


def test_a_slow_page_times_out(server, fake_dns, scrape_settings):
    started = time.monotonic()
    with pytest.raises(ScrapeError, match="timeout"):
        run(
            fetch(
                replace(scrape_settings, retries=0),
                server.url("www.trapdoor-tools.com", "/team"),
                allowed={"127.0.0.1"},
            )
        )
    assert time.monotonic() - started < 2.0  # the page answers after 3 s


def test_an_unreachable_site_says_so(fake_dns, scrape_settings):
    with pytest.raises(ScrapeError, match="cannot resolve"):
        run(fetch(scrape_settings, "http://nowhere.example.com/?token=abc", allowed={"127.0.0.1"}))


def test_the_windows_1252_page_reads_correctly(server, fake_dns, scrape_settings):
    page = run(
        fetch(scrape_settings, server.url("www.mueller-maschinenbau.de", "/impressum"), allowed={"127.0.0.1"})
    )
    assert "Industriestraße 12" in page.text and "Jürgen Weiß" in page.text
    assert page.encoding == "cp1252"


@pytest.mark.parametrize(
    "body,content_type,expected",
    [
        ("“Señor Muñoz”".encode("cp1252"), "text/html; charset=ISO-8859-1", "“Señor Muñoz”"),
        ('<meta charset="windows-1252"><p>Müller €</p>'.encode("cp1252"), "text/html", "Müller €"),
        ("<p>Straße</p>".encode(), "text/html", "Straße"),
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=latin-1", "café"),
        ("<p>Señor Muñoz, España, año</p>".encode("cp1252"), "", "Señor Muñoz, España, año"),
        ("<p>Müller</p>".encode(), "text/html; charset=nonsense", "Müller"),
        # A declared charset that cannot decode the body is wrong: the meta charset, else the guess.
        (
            '<meta charset="windows-1252"><p>Müller €</p>'.encode("cp1252"),
            "text/html; charset=utf-8",
            "Müller €",
        ),
        ("<p>Señor Muñoz, España, año</p>".encode("cp1252"), "text/html; charset=utf-8", "Señor Muñoz"),
    ],
)
def test_decoding_follows_bom_header_meta_then_a_guess(body, content_type, expected):
    text, _ = decode_body(body, content_type)
    assert expected in text
