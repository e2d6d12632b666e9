"""The `google` source: from search results to one lead per company domain (enrichment: see the
end-to-end test in test_search_end_to_end.py)."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from scraping.sources.excluded_domains import is_excluded, parse
from scraping.sources.google import company_name, site_root
from scraping.types import Criteria
from tests.scraping.fakes import make_settings, run
from tests.scraping.fakes.providers import FakeSearxng, web_results


def result(url: str, title: str = "Acme Analytics | Home", snippet: str = "") -> dict[str, str]:
    return {"url": url, "title": title, "snippet": snippet}


def searxng(server: HTTPServer):
    return make_settings(searxng_url=server.url_for(""))


def test_it_keeps_directories_social_networks_news_and_marketplaces_out(httpserver: HTTPServer) -> None:
    FakeSearxng(
        [
            result("https://www.yelp.co.uk/biz/acme-analytics-leeds"),
            result("https://de.linkedin.com/company/acme"),
            result("https://www.facebook.com/acme"),
            result("https://techcrunch.com/2025/01/01/acme-raises"),
            result("https://www.amazon.de/acme"),
            result("https://maps.google.com/?cid=1"),
            result(
                "https://acme-analytics.com/en/",
                "Acme Analytics – Data consulting in Leeds",
                "Acme Analytics helps Leeds firms with analytics.",
            ),
        ]
    ).install(httpserver)
    outcome = run(
        Criteria(industry="analytics", geography="Leeds", keywords=("analytics", "python"), enrich=False),
        ["google"],
        searxng(httpserver),
    )
    [lead] = outcome.leads("google")
    assert lead.source == "google"
    assert lead.company_name == "Acme Analytics"
    assert lead.website == "https://acme-analytics.com/"
    assert lead.source_url == "https://acme-analytics.com/en/"
    assert lead.description == "Acme Analytics helps Leeds firms with analytics."
    assert lead.matched_keywords == ["analytics"]
    assert 0 < lead.confidence < 1
    assert lead.extra["search_backend"] == "searxng"


def test_it_makes_one_lead_per_registrable_domain(httpserver: HTTPServer) -> None:
    FakeSearxng(
        [
            result("https://www.acme.com.au/", "Acme | Home"),
            result("https://shop.acme.com.au/products", "Acme shop"),
            result("https://acme.com.au/contact", "Contact Acme"),
            result("https://bolt.com.au/", "Bolt"),
        ]
    ).install(httpserver)
    outcome = run(Criteria(industry="tools", enrich=False), ["google"], searxng(httpserver))
    assert [lead.website for lead in outcome.leads("google")] == [
        "https://www.acme.com.au/",
        "https://bolt.com.au/",
    ]


def test_it_stops_at_max_results_without_asking_for_more_pages(httpserver: HTTPServer) -> None:
    fake = FakeSearxng(web_results(50))
    fake.install(httpserver)
    outcome = run(Criteria(industry="tools", max_results=12, enrich=False), ["google"], searxng(httpserver))
    assert len(outcome.leads("google")) == 12
    assert len(fake.received) == 2


def test_max_results_is_capped_by_the_setting(httpserver: HTTPServer) -> None:
    FakeSearxng(web_results(50)).install(httpserver)
    outcome = run(
        Criteria(industry="tools", max_results=100, enrich=False),
        ["google"],
        make_settings(searxng_url=httpserver.url_for(""), max_results_cap=7),
    )
    assert len(outcome.leads("google")) == 7


def test_a_page_repeating_the_previous_one_ends_the_search(httpserver: HTTPServer) -> None:
    # A backend ignoring `pageno` would otherwise be asked for pages forever.
    fake = FakeSearxng(web_results(5), page_size=10)
    fake.install(httpserver)
    fake.fail_next(200, {"results": [{"url": "https://a.com/", "title": "A", "content": ""}]}, times=3)
    outcome = run(Criteria(industry="tools", enrich=False), ["google"], searxng(httpserver))
    assert [lead.website for lead in outcome.leads("google")] == ["https://a.com/"]
    assert len(fake.received) == 2


def test_criteria_with_nothing_to_search_warn_and_find_nothing(httpserver: HTTPServer) -> None:
    fake = FakeSearxng(web_results(5))
    fake.install(httpserver)
    outcome = run(Criteria(enrich=False), ["google"], searxng(httpserver))
    assert outcome.leads("google") == [] and outcome.error("google") == ""
    assert outcome.warnings and not fake.received


def test_company_names_come_from_the_title_part_that_matches_the_domain() -> None:
    assert company_name("Home | Acme Analytics", "https://acme-analytics.com/") == "Acme Analytics"
    assert company_name("Datenberatung Berlin - Bolt Data GmbH", "https://boltdata.de/") == "Bolt Data GmbH"
    assert company_name("Welcome - Zed Ltd", "https://zzz.co.uk/") == "Zed Ltd"
    assert company_name("", "https://www.quiet.io/x") == "quiet.io"
    assert site_root("https://www.acme.com:8443/en/about?x=1") == "https://www.acme.com:8443/"


def test_the_excluded_list_matches_subdomains_and_any_suffix() -> None:
    assert is_excluded("https://uk.linkedin.com/company/acme")
    assert is_excluded("https://www.yelp.de/biz/x")
    assert is_excluded("https://play.google.com/store/apps")
    assert not is_excluded("https://www.apple.com/")
    assert not is_excluded("https://acme-yelp.com/")
    hosts, names = parse("# comment\nexample.org  # trailing\n\nwww.news.example\nshop.*\n")
    assert hosts == {"example.org", "news.example"} and names == {"shop"}
