"""How the website source finds a site's contact pages: language-root home pages, meta refreshes, the
order pages are requested in, when a crawl stops, and pages fetched side by side up to the per-host
cap. Against the fixture sites (tuning and held-out) served on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from scraping.extract import PageFacts
from scraping.http import HttpClient
from scraping.sources import REGISTRY, SourceContext
from scraping.sources.website import language_of, language_root, link_score
from scraping.types import Criteria, Lead, ScrapeSettings
from tests.scraping.conftest import FixtureServer, make_settings, truth

SITEMAP_PATHS = ("/robots.txt", "/sitemap.xml", "/sitemap_index.xml", "/wp-sitemap.xml")


@dataclass
class Crawl:
    lead: Lead | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)
    done: int = 0
    planned: int = 0


def crawl(
    server: FixtureServer, host: str, settings: ScrapeSettings | None = None, geography: str | None = None
) -> Crawl:
    """Crawl one fixture site with the website source, as a job would."""
    facts = truth(host)
    criteria = Criteria(
        urls=(server.url(host, facts["start"]),),
        geography=facts["geography"] if geography is None else geography,
        keywords=tuple(facts["keywords"]),
    )
    settings = settings or make_settings()
    result = Crawl()

    def progress(done: int, planned: int) -> None:
        result.done += done
        result.planned += planned

    async def main() -> None:
        async with HttpClient(settings, allowed_addresses={"127.0.0.1"}) as http:
            ctx = SourceContext(
                source="website",
                http=http,
                settings=settings,
                warn=lambda url, message: result.warnings.append((url, message)),
                progress=progress,
            )
            async for batch in REGISTRY["website"](criteria, ctx):
                result.lead = batch[0]

    asyncio.run(main())
    return result


def pages_requested(server: FixtureServer, host: str) -> list[str]:
    """The page paths the server was asked for, in order, without robots.txt and sitemaps."""
    return [path for path in server.log.paths(host) if path not in SITEMAP_PATHS and "sitemap" not in path]


def stub(url: str, *, text: str = "", refresh: str = "", links: tuple[str, ...] = ()) -> PageFacts:
    return PageFacts(url=url, text=text, meta_refresh=refresh, links=[(link, "") for link in links])


def same_site(url: str) -> bool:
    return url.startswith("https://a.example/")


# --- language-root home pages and meta refreshes -------------------------------------------------


def test_a_meta_refresh_home_page_leads_to_the_language_root_as_home(server, fake_dns):
    host = "www.vardaris-freight.gr"
    result = crawl(server, host)
    requested = pages_requested(server, host)
    assert requested[:2] == ["/", "/en/"]  # the empty refresh page, then its target as the home page
    assert "/en/contact" in requested
    assert requested.count("/") == 1
    assert result.lead is not None
    assert result.lead.website == server.url(host, "/")
    assert result.lead.email == "info@vardaris-freight.gr"
    assert result.lead.phone == "+302310541230"


def test_a_refresh_to_one_language_is_followed_to_the_geographys_language(server, fake_dns):
    host = "www.groenkade.nl"  # / refreshes to /nl/ and also links /en/
    result = crawl(server, host, geography="Utrecht, Netherlands")
    requested = pages_requested(server, host)
    assert requested[:2] == ["/", "/nl/"]
    assert "/en/" not in requested
    assert "/nl/contact" in requested
    assert result.lead is not None and result.lead.email == "info@groenkade.nl"


def test_a_language_chooser_without_javascript_leads_to_the_geographys_language(server, fake_dns):
    host = "www.ljungbergsnickeri.se"  # / only links /sv/ and /en/
    result = crawl(server, host, geography="Umeå, Sweden")
    requested = pages_requested(server, host)
    assert requested[:2] == ["/", "/sv/"]
    assert "/sv/kontakt" in requested
    assert result.lead is not None
    assert result.lead.email == "info@ljungbergsnickeri.se"
    assert result.lead.phone == "+4690142730"


def test_a_meta_refresh_to_an_ordinary_page_is_followed_first(server, fake_dns):
    host = "www.cobaltharbour.ca"
    refresh = '<html><head><meta http-equiv="refresh" content="0; url=/start"></head><body></body></html>'
    server.route(host, "/", body=refresh)
    server.route(host, "/start", file="index.html")
    settings = ScrapeSettings(**{**make_settings().__dict__, "per_host_concurrency": 1})
    result = crawl(server, host, settings)
    assert pages_requested(server, host)[:3] == ["/", "/start", "/contact"]
    assert result.lead is not None and result.lead.email == "hello@cobaltharbour.ca"


def test_language_roots_are_chosen_by_language_then_english_then_the_refresh():
    chooser = stub("https://a.example/", links=("https://a.example/sv/", "https://a.example/de-at/"))
    assert language_root(chooser, "de", same_site) == "https://a.example/de-at/"
    assert language_root(chooser, "fr", same_site) == "https://a.example/sv/"  # no English: the first
    both = stub("https://a.example/", links=("https://a.example/sv/", "https://a.example/en/"))
    assert language_root(both, "", same_site) == "https://a.example/en/"  # no language known: English
    refresh = stub(
        "https://a.example/",
        refresh="https://a.example/nl/",
        links=("https://a.example/en/", "https://a.example/x"),
    )
    assert language_root(refresh, "fi", same_site) == "https://a.example/en/"
    assert language_root(refresh, "nl", same_site) == "https://a.example/nl/"
    assert language_of("GR") == "el" and language_of("DE") == "de" and language_of(None) == ""
    # an intro page whose links name the language homes' index files
    intro = stub(
        "https://a.example/", links=("https://a.example/ko/index.html", "https://a.example/en/index.html")
    )
    assert language_root(intro, "ko", same_site) == "https://a.example/ko/index.html"


def test_a_real_home_page_is_not_a_language_chooser():
    long_text = "We build pumps. " * 60
    assert (
        language_root(
            stub("https://a.example/", text=long_text, links=("https://a.example/en/",)), "", same_site
        )
        == ""
    )
    # Links to ordinary pages beside the language links: a small home page, not a chooser.
    mixed = stub("https://a.example/", links=("https://a.example/en/", "https://a.example/pricing"))
    assert language_root(mixed, "en", same_site) == ""
    # A refresh to an ordinary page is followed as any refresh is, not as a language root.
    assert (
        language_root(stub("https://a.example/", refresh="https://a.example/home.html"), "", same_site) == ""
    )
    # Language links to another site are not the site's roots.
    assert language_root(stub("https://a.example/", links=("https://b.example/en/",)), "", same_site) == ""


# --- ranking, stopping and concurrency -----------------------------------------------------------


def test_contact_words_of_many_languages_rank_first():
    for path in ("/impressum", "/mentions-legales", "/aviso-legal", "/note-legali", "/colofon"):
        assert link_score("https://a.example" + path, "") == 9, path
    for path in (
        "/kontakt",
        "/contatti",
        "/contacto",
        "/yhteystiedot",
        "/kontakty",
        "/fale-conosco",
        "/get-in-touch",
    ):
        assert link_score("https://a.example" + path, "") == 10, path
    assert link_score("https://a.example/x", "Mentions légales") == 9
    assert link_score("https://a.example/x", "Über uns") == 6
    assert link_score("https://a.example/custom-osmosis", "") == 0
    assert 0 < link_score("https://a.example/chi-siamo", "") < 10
    assert 0 < link_score("https://a.example/over-ons", "") < 10
    assert link_score("https://a.example/get-a-quote/", "") > link_score("https://a.example/about-us/", "")


def test_contact_and_legal_pages_are_requested_before_the_others(server, fake_dns):
    host = "www.talleresalbufera.es"  # contacto and aviso-legal are listed only in a gzip child sitemap
    crawl(server, host)
    requested = pages_requested(server, host)
    assert requested[0] == "/"
    assert set(requested[1:3]) == {"/contacto", "/aviso-legal"}
    assert len(requested) > 3  # others came after them, not instead of them


def test_the_crawl_stops_when_the_contacts_are_found(server, fake_dns):
    host = "www.cobaltharbour.ca"
    settings = ScrapeSettings(
        **{**make_settings().__dict__, "max_pages_per_site": 20, "per_host_concurrency": 1}
    )
    result = crawl(server, host, settings)
    # Its own e-mail and a phone found, the contact, team and careers pages read: the lesser pages
    # (services, case studies, blog) are left although the budget would allow them.
    assert pages_requested(server, host) == ["/", "/contact", "/team", "/careers"]
    assert result.done == result.planned == 4  # the pages left unread left the plan too
    assert result.lead is not None and result.lead.email == "hello@cobaltharbour.ca"


def test_the_page_budget_caps_a_crawl(server, fake_dns):
    host = "www.talleresalbufera.es"
    settings = ScrapeSettings(**{**make_settings().__dict__, "max_pages_per_site": 2})
    result = crawl(server, host, settings)
    assert pages_requested(server, host) == ["/", "/contacto"]
    assert result.done <= result.planned


def pages_started_during(server: FixtureServer, host: str, slow_path: str, seconds: float) -> list[str]:
    """Pages (not sitemaps) whose request reached the server while `slow_path` was being answered."""
    starts = [
        (path, started)
        for (request_host, path, _), (_, started) in zip(server.log.requests, server.log.started, strict=True)
        if request_host == host
    ]
    slow_start = next(started for path, started in starts if path == slow_path)
    return [
        path
        for path, started in starts
        if slow_start < started < slow_start + seconds and path in pages_requested(server, host)
    ]


def test_pages_of_one_site_are_fetched_side_by_side_up_to_the_per_host_cap(server, fake_dns):
    host = "www.talleresalbufera.es"
    # A slow contact page: with a cap of 2 the next page starts while it is in flight.
    server.route(host, "/contacto", delay=0.25, file="contacto.html")
    settings = ScrapeSettings(**{**make_settings().__dict__, "per_host_concurrency": 2})
    result = crawl(server, host, settings)
    assert pages_started_during(server, host, "/contacto", 0.25) != []
    assert server.log.max_in_flight[host] == 2
    assert result.lead is not None and "presupuestos@talleresalbufera.es" in result.lead.emails


def test_one_page_at_a_time_when_the_per_host_cap_is_one(server, fake_dns):
    host = "www.talleresalbufera.es"
    server.route(host, "/contacto", delay=0.25, file="contacto.html")
    settings = ScrapeSettings(**{**make_settings().__dict__, "per_host_concurrency": 1})
    result = crawl(server, host, settings)
    assert pages_started_during(server, host, "/contacto", 0.25) == []
    assert server.log.max_in_flight[host] == 1
    assert result.lead is not None and "presupuestos@talleresalbufera.es" in result.lead.emails
