"""The `linkedin` source: company pages found by search, leads built from the results alone."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from scraping.http import HttpClient
from scraping.sources.linkedin import canonical_company_url, company_name, snippet_facts
from scraping.types import Criteria
from tests.scraping.fakes import make_settings, run
from tests.scraping.fakes.providers import FakeBrave, FakeSerpApi

RESULTS = [
    {
        "url": "https://de.linkedin.com/company/acme-analytics?trk=public",
        "title": "Acme Analytics | LinkedIn",
        "snippet": "Acme Analytics | 1,234 followers on LinkedIn. Data you can trust. | Industry: IT "
        "Services and IT Consulting. Company size: 11-50 employees. Headquarters: Berlin, Berlin.",
    },
    {
        "url": "https://www.linkedin.com/company/acme-analytics/about/",
        "title": "Acme Analytics: About | LinkedIn",
        "snippet": "The same company again.",
    },
    {
        "url": "https://www.linkedin.com/in/jane-doe",
        "title": "Jane Doe - Acme Analytics | LinkedIn",
        "snippet": "A person, not a company.",
    },
    {
        "url": "https://www.linkedin.com/posts/acme_analytics-activity-1",
        "title": "Post | LinkedIn",
        "snippet": "A post.",
    },
    {
        "url": "https://www.linkedin.com/company/b%C3%A4ckerei-m%C3%BCller/",
        "title": "Bäckerei Müller - LinkedIn",
        "snippet": "Food Production · Berlin, Germany · 2.5K followers",
    },
]


@pytest.fixture
def no_page_fetches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fetched: list[str] = []

    async def fetch_page(self: HttpClient, url: str, **kwargs: object) -> None:
        fetched.append(url)
        raise AssertionError("linkedin must not fetch pages")

    monkeypatch.setattr(HttpClient, "fetch_page", fetch_page)
    return fetched


def test_it_searches_company_pages_and_reads_the_results(
    httpserver: HTTPServer, no_page_fetches: list[str]
) -> None:
    fake = FakeSerpApi(RESULTS)
    fake.install(httpserver)
    criteria = Criteria(industry="analytics", geography="Berlin", keywords=("data", "bakery"))  # enrich on
    outcome = run(
        criteria, ["linkedin"], make_settings(serpapi_api_key="serp-key", serpapi_url=httpserver.url_for(""))
    )
    assert outcome.error("linkedin") == ""
    assert fake.received[0].args["q"] == "site:linkedin.com/company analytics Berlin data bakery"
    acme, baker = outcome.leads("linkedin")
    assert acme.source == "linkedin"
    assert acme.company_name == "Acme Analytics"
    assert acme.source_url == acme.socials["linkedin"] == "https://www.linkedin.com/company/acme-analytics"
    assert acme.website == ""
    assert acme.industry == "IT Services and IT Consulting"
    assert acme.location == "Berlin, Berlin"
    assert acme.extra["followers"] == 1234 and acme.extra["employees"] == "11-50"
    assert acme.matched_keywords == ["data"]
    assert baker.company_name == "Bäckerei Müller"
    assert baker.source_url == "https://www.linkedin.com/company/bäckerei-müller"
    assert (baker.industry, baker.location) == ("Food Production", "Berlin, Germany")
    assert baker.extra["followers"] == 2500
    assert no_page_fetches == []


def test_it_pages_and_stops_at_max_results(httpserver: HTTPServer, no_page_fetches: list[str]) -> None:
    companies = [
        {"url": f"https://www.linkedin.com/company/firm-{n}/", "title": f"Firm {n} | LinkedIn", "snippet": ""}
        for n in range(30)
    ]
    fake = FakeBrave(companies)
    fake.install(httpserver)
    outcome = run(
        Criteria(industry="law", max_results=25),
        ["linkedin"],
        make_settings(brave_api_key="brave-key", brave_url=httpserver.url_for("")),
    )
    assert len(outcome.leads("linkedin")) == 25
    assert [call.args["offset"] for call in fake.received] == ["0", "1"]


def test_without_a_backend_linkedin_reports_what_it_needs() -> None:
    outcome = run(Criteria(industry="law"), ["linkedin"], make_settings())
    assert outcome.finished["linkedin"].configuration_error
    assert outcome.error("linkedin") == "linkedin needs SEARXNG_URL, SERPAPI_API_KEY or BRAVE_API_KEY"


def test_company_urls_are_made_canonical() -> None:
    assert (
        canonical_company_url("https://uk.linkedin.com/company/Acme/jobs?x=1")
        == "https://www.linkedin.com/company/acme"
    )
    assert canonical_company_url("https://www.linkedin.com/in/jane") == ""
    assert canonical_company_url("https://notlinkedin.com/company/acme") == ""


def test_names_and_snippet_facts() -> None:
    assert company_name("Acme GmbH | LinkedIn", "") == "Acme GmbH"
    assert company_name("Acme GmbH: Overview | Berlin | LinkedIn", "") == "Acme GmbH"
    assert company_name("LinkedIn", "https://www.linkedin.com/company/zed-labs/") == "Zed Labs"
    assert snippet_facts("See all 57 employees") == {"employees": "57"}
    assert snippet_facts("Company size: 10,001+ employees · 3M followers") == {
        "employees": "10,001+",
        "followers": 3_000_000,
    }
    assert snippet_facts("Nothing to read here.") == {}
