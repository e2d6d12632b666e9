"""google, linkedin and crunchbase in one `run_sources` call, on fake providers and fake company sites.

The search provider (SerpApi) and Crunchbase run on pytest-httpserver; the company sites on a second
server on 127.0.0.1, told apart by their Host header. Their domains (acme-analytics.de, bolt-data.de)
resolve to 127.0.0.1 through the HTTP client's resolver hook, so the leads keep distinct registrable
domains and "one lead per company domain" works as it does against real sites.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from scraping.http import guard
from scraping.types import Criteria
from tests.scraping.fakes import make_settings, run
from tests.scraping.fakes.providers import FakeCrunchbase, FakeSerpApi, Organization
from tests.scraping.fakes.sites import CompanySites

ACME_HOME = """<html><head><title>Home | Acme Analytics</title>
<script type="application/ld+json">{"@type": "Organization", "name": "Acme Analytics GmbH"}</script>
</head><body><h1>Acme Analytics</h1><p>Analytics for Berlin's Mittelstand.</p>
<a href="/kontakt">Kontakt</a></body></html>"""
ACME_CONTACT = """<html><head><title>Kontakt | Acme Analytics</title></head><body>
<p>Schreiben Sie uns: <a href="mailto:info@acme-analytics.de">info@acme-analytics.de</a></p>
<p>Telefon: <a href="tel:+49301234567">+49 30 1234567</a></p>
<a href="https://www.linkedin.com/company/acme-analytics">LinkedIn</a></body></html>"""
BOLT_HOME = """<html><head><title>Bolt Data – Datenberatung</title></head><body>
<p>Bolt Data GmbH, Torstraße 1, 10119 Berlin. E-Mail: hallo@bolt-data.de, Tel. 030 7654321</p>
</body></html>"""


@pytest.fixture
def sites(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CompanySites, int]]:
    company_sites = CompanySites(
        {
            "acme-analytics.de": {"/": ACME_HOME, "/kontakt": ACME_CONTACT},
            "bolt-data.de": {"/": BOLT_HOME},
        }
    )
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    company_sites.install(server)
    resolve = guard.resolve_host

    async def fake_dns(host: str, port: int) -> list[str]:
        return ["127.0.0.1"] if host in company_sites.pages else await resolve(host, port)

    monkeypatch.setattr(guard, "resolve_host", fake_dns)
    yield company_sites, server.port
    server.clear()
    server.stop()


def test_all_three_sources_find_and_enrich_companies(
    httpserver: HTTPServer, sites: tuple[CompanySites, int]
) -> None:
    company_sites, port = sites
    acme_url = company_sites.url("acme-analytics.de", port)
    bolt_url = company_sites.url("bolt-data.de", port)
    serpapi = FakeSerpApi(
        [
            {
                "url": acme_url,
                "title": "Home | Acme Analytics",
                "snippet": "Analytics consultancy in Berlin.",
            },
            {
                "url": company_sites.url("acme-analytics.de", port, "/kontakt"),
                "title": "Kontakt | Acme Analytics",
                "snippet": "Contact Acme Analytics.",
            },
            {
                "url": "https://www.yelp.de/biz/acme-analytics-berlin",
                "title": "Acme Analytics - Yelp",
                "snippet": "",
            },
            {
                "url": "https://de.linkedin.com/company/acme-analytics",
                "title": "Acme Analytics | LinkedIn",
                "snippet": "Industry: IT Services. Company size: 11-50 employees. "
                "Headquarters: Berlin, Berlin.",
            },
            {"url": bolt_url, "title": "Bolt Data – Datenberatung", "snippet": "Data consulting, Berlin."},
        ]
    )
    serpapi.install(httpserver)
    cb = FakeCrunchbase(
        [
            Organization(
                uuid="00000000-0000-0000-0000-000000000001",
                name="Acme Analytics",
                permalink="acme-analytics",
                website=acme_url,
                locations=[{"uuid": "loc-berlin", "value": "Berlin", "location_type": "city"}],
                categories=[{"uuid": "cat-analytics", "value": "Analytics"}],
                employees="c_00011_00050",
                email="sales@acme-analytics.de",
            )
        ],
        locations={"Berlin": "loc-berlin"},
        categories={"Analytics": "cat-analytics"},
    )
    cb.install(httpserver)
    scrape_settings = make_settings(
        serpapi_api_key="serp-key",
        serpapi_url=httpserver.url_for(""),
        crunchbase_api_key="cb-key",
        crunchbase_url=httpserver.url_for(""),
    )

    started = time.monotonic()
    outcome = run(
        Criteria(industry="analytics", geography="Berlin", max_results=10),
        ["google", "linkedin", "crunchbase"],
        scrape_settings,
    )

    assert time.monotonic() - started < 15
    assert {name: finished.error for name, finished in outcome.finished.items()} == {
        "google": "",
        "linkedin": "",
        "crunchbase": "",
    }

    acme, bolt = outcome.leads("google")
    assert acme.website == acme_url and bolt.website == bolt_url  # yelp and linkedin kept out, acme once
    assert acme.emails == ["info@acme-analytics.de"] and acme.phone == "+49301234567"
    assert acme.socials["linkedin"] == "https://www.linkedin.com/company/acme-analytics"
    assert acme.company_name == "Acme Analytics"
    assert acme.source_url == acme_url
    assert bolt.email == "hallo@bolt-data.de" and bolt.phone == "+49307654321"
    assert bolt.company_name == "Bolt Data"

    [profile] = outcome.leads("linkedin")
    assert profile.company_name == "Acme Analytics" and profile.extra["employees"] == "11-50"
    assert profile.socials["linkedin"] == "https://www.linkedin.com/company/acme-analytics"

    [record] = outcome.leads("crunchbase")
    assert record.email == "sales@acme-analytics.de"  # the provider's contact first, the site's after it
    assert record.emails == ["sales@acme-analytics.de", "info@acme-analytics.de"]
    assert record.phone == "+49301234567"
    assert record.extra["enriched_from"] == acme_url

    # No page of linkedin.com or yelp was requested, and only the company sites were crawled.
    assert {host for host, _ in company_sites.requests} == {"acme-analytics.de", "bolt-data.de"}
    assert not [w for w in outcome.warnings if "linkedin" in w.url or "yelp" in w.url]
