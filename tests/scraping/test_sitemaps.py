"""Sitemaps: parsed safely (defusedxml, capped gzip), followed from robots.txt or /sitemap.xml through
the guarded client, one index level down, and the pages they list crawled like linked ones. Against
the fixture sites served on 127.0.0.1, and hostile sitemaps served in their place."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from scraping.http import HttpClient
from scraping.sitemaps import (
    MAX_SITEMAP_ENTRIES,
    MAX_SITEMAPS_PER_SITE,
    SitemapError,
    parse_sitemap,
    sitemap_urls,
)
from scraping.sources.website import CONTACT_PAGE_SCORE, link_score
from tests.scraping.conftest import FixtureServer, heldout_hosts, make_settings, site_hosts, truth
from tests.scraping.test_website_discovery import crawl, pages_requested

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n' for n in range(1, 10))
    + f"]>\n<urlset {NS}><url><loc>/x&lol9;</loc></url></urlset>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    f"<urlset {NS}><url><loc>&secret;</loc></url></urlset>"
)
SITEMAP_HOSTS = [host for host in site_hosts() + heldout_hosts() if truth(host).get("sitemap_only")]
# Held-out sites whose sitemap-only contact page the crawl misses: the page's name is none of the crawl's
# contact words. Strict: a rule that reaches them makes the test pass, and the mark must then go (and the
# site move to the tuning set, as any held-out site a rule was fitted to).
SITEMAP_GAPS = {
    "www.warsztatomat-wroclaw.pl": "company details under /dane-firmy/",
    "www.zonnedak-drenthe-assen.nl": "contact details under /klantenservice/",
}


def urlset(*locations: str) -> str:
    entries = "".join(f"<url><loc>{location}</loc></url>" for location in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{entries}</urlset>'


def index(*locations: str) -> str:
    entries = "".join(f"<sitemap><loc>{location}</loc></sitemap>" for location in locations)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {NS}>{entries}</sitemapindex>'


def robots_naming(*sitemaps: str, extra: str = "") -> str:
    return "User-agent: *\nAllow: /\n" + extra + "".join(f"Sitemap: {url}\n" for url in sitemaps)


def read_sitemaps(server: FixtureServer, host: str, **limits: int) -> tuple[list[str], list[tuple[str, str]]]:
    """`sitemap_urls` of a fixture host through the guarded client: (urls, warnings)."""
    settings = make_settings()
    warnings: list[tuple[str, str]] = []

    async def main() -> list[str]:
        async with HttpClient(settings, allowed_addresses={"127.0.0.1"}) as http:
            return await sitemap_urls(
                http,
                server.url(host, "/"),
                same_site=lambda url: f"//{host}:" in url,
                warn=lambda url, message: warnings.append((url, message)),
                **limits,
            )

    return asyncio.run(main()), warnings


# --- parsing ---------------------------------------------------------------------------------------


def test_it_reads_page_locations_and_not_image_locations():
    body = (
        f'<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
        "<url><loc> https://a.example/kontakt </loc><image:image><image:loc>https://a.example/i.png"
        "</image:loc></image:image></url><url><loc>/about?a=1&amp;b=2</loc></url></urlset>"
    ).encode()
    sitemap = parse_sitemap(body, max_bytes=10_000)
    assert not sitemap.is_index and not sitemap.malformed
    assert sitemap.locations == ["https://a.example/kontakt", "/about?a=1&b=2"]


def test_it_tells_an_index_from_a_urlset():
    sitemap = parse_sitemap(index("/pages.xml", "https://a.example/posts.xml").encode(), max_bytes=10_000)
    assert sitemap.is_index and sitemap.locations == ["/pages.xml", "https://a.example/posts.xml"]


def test_it_gunzips_by_magic_bytes():
    sitemap = parse_sitemap(gzip.compress(urlset("/contact").encode()), max_bytes=10_000)
    assert sitemap.locations == ["/contact"]


def test_an_entity_expansion_sitemap_is_refused():
    with pytest.raises(SitemapError, match=r"refused an unsafe sitemap \(EntitiesForbidden\)"):
        parse_sitemap(BILLION_LAUGHS.encode(), max_bytes=1_000_000)


def test_an_external_entity_sitemap_is_refused():
    with pytest.raises(SitemapError, match="refused an unsafe sitemap"):
        parse_sitemap(EXTERNAL_ENTITY.encode(), max_bytes=1_000_000)


def test_a_gzip_bomb_stops_at_the_size_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * 5_000_000 + b"</urlset>")
    assert len(bomb) < 10_000
    with pytest.raises(SitemapError, match="inflates to more than 200000 bytes"):
        parse_sitemap(bomb, max_bytes=200_000)


def test_a_malformed_sitemap_gives_what_a_pattern_finds():
    broken = f"<urlset {NS}><url><loc>/kontakt?a=1&b=2</loc></url><url><loc>/about</loc>".encode()
    sitemap = parse_sitemap(broken, max_bytes=10_000)
    assert sitemap.malformed and sitemap.locations == ["/kontakt?a=1&b=2", "/about"]
    with pytest.raises(SitemapError, match="malformed"):
        parse_sitemap(b"\x00\x01 not xml at all", max_bytes=10_000)
    with pytest.raises(SitemapError, match="malformed gzip"):
        parse_sitemap(b"\x1f\x8b" + b"garbage", max_bytes=10_000)


# --- discovery through the guarded client --------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        pytest.param(host, marks=pytest.mark.xfail(reason=SITEMAP_GAPS[host], strict=True))
        if host in SITEMAP_GAPS
        else host
        for host in SITEMAP_HOSTS
    ],
)
def test_the_crawl_finds_pages_only_a_sitemap_lists(server, fake_dns, host):
    result = crawl(server, host)
    requested = {path.rstrip("/") or "/" for path in pages_requested(server, host)}
    # Contact and legal pages are fetched; others (a privacy policy) may lie past the early stop.
    for path in [path for path in truth(host)["sitemap_only"] if link_score(path, "") >= CONTACT_PAGE_SCORE]:
        assert path.rstrip("/") in requested, (path, requested)
    assert result.lead is not None and truth(host)["email"] in result.lead.emails
    # A sitemap may list the company's other hosts (docs.<domain>): the test's DNS knows only this one.
    assert [warning for warning in result.warnings if "not in the test's DNS" not in warning[1]] == []


def test_a_gzip_child_sitemap_with_relative_locations_is_read(server, fake_dns):
    host = "www.karoosun.co.za"  # robots.txt -> sitemap_index.xml -> sitemap-pages.xml.gz (application/gzip)
    urls, warnings = read_sitemaps(server, host)
    assert server.url(host, "/get-a-quote/") in urls
    assert all(url.startswith(server.url(host, "/")) for url in urls)
    assert "/sitemap-pages.xml.gz" in server.log.paths(host)
    assert not warnings
    result = crawl(server, host)
    assert result.lead is not None and "service@karoosun.co.za" in result.lead.emails  # only on that page


def test_a_child_sitemap_lists_the_contact_page_of_an_index(server, fake_dns):
    host = "www.chautauqua-geo.com"  # robots.txt -> sitemap.xml (an index) -> sitemap-pages.xml
    result = crawl(server, host)
    assert "/get-in-touch" in pages_requested(server, host)
    assert result.lead is not None and "bids@chautauqua-geo.com" in result.lead.emails


def test_sitemap_xml_is_tried_when_robots_txt_names_none(server, fake_dns):
    host = "www.officinebrenta.it"
    server.route(host, "/robots.txt", body=robots_naming(), content_type="text/plain")
    server.route(host, "/sitemap.xml", body=urlset("/contatti"), content_type="text/xml")
    urls, warnings = read_sitemaps(server, host)
    assert urls == [server.url(host, "/contatti")]
    assert not warnings


def test_a_missing_sitemap_xml_is_no_warning(server, fake_dns):
    host = "www.northwind-logistics.com"  # robots.txt names no sitemap and there is none
    urls, warnings = read_sitemaps(server, host)
    assert urls == [] and warnings == []
    assert "/sitemap.xml" in server.log.paths(host)


def test_a_guessed_sitemap_xml_answered_by_a_page_is_no_warning(server, fake_dns):
    host = "www.northwind-logistics.com"  # robots.txt names no sitemap
    server.route(host, "/sitemap.xml", body="<html><body><h1>Page not found</h1></body></html>")
    urls, warnings = read_sitemaps(server, host)
    assert urls == [] and warnings == []
    # Named in robots.txt, the same answer is worth a warning.
    server.route(host, "/robots.txt", body=robots_naming("{{BASE}}/sitemap.xml"), content_type="text/plain")
    urls, warnings = read_sitemaps(server, host)
    assert urls == [] and any("not a sitemap" in message for _, message in warnings)


def test_only_same_site_urls_are_kept_and_other_sites_sitemaps_are_not_fetched(server, fake_dns):
    host = "www.officinebrenta.it"
    server.route(
        host,
        "/robots.txt",
        body=robots_naming("{{BASE}}/mine.xml", "http://www.cobaltharbour.ca/sitemap.xml"),
        content_type="text/plain",
    )
    server.route(
        host, "/mine.xml", body=urlset("/contatti", "https://elsewhere.example/contact", "mailto:x@y.z")
    )
    urls, warnings = read_sitemaps(server, host)
    assert urls == [server.url(host, "/contatti")]
    assert server.log.paths("www.cobaltharbour.ca") == []
    assert not warnings


def test_sitemaps_obey_robots_txt(server, fake_dns):
    host = "www.officinebrenta.it"
    server.route(
        host,
        "/robots.txt",
        body=robots_naming("{{BASE}}/private/sitemap.xml", extra="Disallow: /private/\n"),
        content_type="text/plain",
    )
    server.route(host, "/private/sitemap.xml", body=urlset("/contatti"))
    urls, warnings = read_sitemaps(server, host)
    assert urls == []
    assert "/private/sitemap.xml" not in server.log.paths(host)
    assert any("robots.txt disallows" in message for _, message in warnings)


def test_the_entry_cap_holds(server, fake_dns):
    host = "www.officinebrenta.it"
    locations = [f"/page-{number}" for number in range(MAX_SITEMAP_ENTRIES + 300)]
    server.route(host, "/robots.txt", body=robots_naming("{{BASE}}/many.xml"), content_type="text/plain")
    server.route(host, "/many.xml", body=urlset(*locations))
    urls, _ = read_sitemaps(server, host)
    assert len(urls) == MAX_SITEMAP_ENTRIES
    assert urls[0] == server.url(host, "/page-0")
    urls, _ = read_sitemaps(server, host, max_entries=10)
    assert len(urls) == 10


def test_the_number_of_sitemaps_fetched_is_capped_and_page_sitemaps_come_first(server, fake_dns):
    host = "www.officinebrenta.it"
    children = [f"/post-sitemap{number}.xml" for number in range(12)] + ["/page-sitemap.xml"]
    server.route(
        host, "/robots.txt", body=robots_naming("{{BASE}}/sitemap_index.xml"), content_type="text/plain"
    )
    server.route(host, "/sitemap_index.xml", body=index(*children))
    urls, _ = read_sitemaps(server, host)
    fetched = [path for path in server.log.paths(host) if path.endswith(".xml")]
    assert len(fetched) == MAX_SITEMAPS_PER_SITE
    assert "/page-sitemap.xml" in fetched  # listed last, fetched first
    assert server.url(host, "/contatti") in urls


def test_a_nested_index_is_followed_one_level_only(server, fake_dns):
    host = "www.officinebrenta.it"
    server.route(host, "/robots.txt", body=robots_naming("{{BASE}}/top.xml"), content_type="text/plain")
    server.route(host, "/top.xml", body=index("/middle.xml"))
    server.route(host, "/middle.xml", body=index("/bottom.xml"))
    server.route(host, "/bottom.xml", body=urlset("/contatti"))
    urls, _ = read_sitemaps(server, host)
    assert urls == []
    assert "/bottom.xml" not in server.log.paths(host)


# --- hostile sitemaps: a warning, and the crawl goes on ------------------------------------------


HOSTILE = {
    "entity expansion": ({"body": BILLION_LAUGHS}, "refused an unsafe sitemap"),
    "external entity": ({"body": EXTERNAL_ENTITY}, "refused an unsafe sitemap"),
    "oversized": ({"big": 400_000}, "response too large"),
    "gzip bomb": ({"data": gzip.compress(b" " * 3_000_000), "content_type": "application/gzip"}, "inflates"),
    "garbage": ({"body": "\x00\x01 nothing", "content_type": "text/plain"}, "malformed sitemap"),
    "slow": ({"delay": 2, "body": urlset("/contact")}, "timeout"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_hostile_sitemap_is_a_warning_and_the_crawl_goes_on(server, fake_dns, kind):
    host = "www.cobaltharbour.ca"
    spec, warning = HOSTILE[kind]
    server.route(host, "/robots.txt", body=robots_naming("{{BASE}}/sitemap.xml"), content_type="text/plain")
    server.route(host, "/sitemap.xml", **spec)
    result = crawl(server, host)
    assert any(warning in message for _, message in result.warnings), result.warnings
    assert result.lead is not None and result.lead.email == "hello@cobaltharbour.ca"
    assert "/contact" in pages_requested(server, host)


def test_a_malformed_sitemap_still_leads_to_its_pages(server, fake_dns):
    host = "www.officinebrenta.it"  # its contact page is listed nowhere else
    server.route(host, "/robots.txt", body=robots_naming("{{BASE}}/broken.xml"), content_type="text/plain")
    server.route(host, "/broken.xml", body=f"<urlset {NS}><url><loc>/contatti?utm=a&b</loc></url>")
    result = crawl(server, host)
    assert any("malformed sitemap" in message for _, message in result.warnings)
    assert "/contatti?utm=a&b" in pages_requested(server, host)
    assert result.lead is not None and "commerciale@officinebrenta.it" in result.lead.emails


@pytest.mark.timeout(30)  # a hang guard: the old <loc> pattern was cubic in whitespace
def test_a_malformed_sitemap_with_long_blank_runs_is_read_at_once():
    body = ("<urlset><loc>" + " " * 50_000 + "x<" + "<loc> /contact </loc>").encode()
    assert parse_sitemap(body, max_bytes=1_000_000).locations == ["/contact"]
