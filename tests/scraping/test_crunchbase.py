"""The `crunchbase` source against a fake Crunchbase API v4 on 127.0.0.1."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from scraping.errors import ConfigurationError
from scraping.sources import crunchbase
from scraping.sources.crunchbase import employee_enums
from scraping.types import Criteria
from tests.scraping.fakes import make_settings, run
from tests.scraping.fakes.providers import FakeCrunchbase, Organization

BERLIN = {"uuid": "loc-berlin", "value": "Berlin", "location_type": "city"}
BERLIN_REGION = {"uuid": "loc-berlin-region", "value": "Berlin", "location_type": "region"}
GERMANY = {"uuid": "loc-de", "value": "Germany", "location_type": "country"}
EUROPE = {"uuid": "loc-eu", "value": "Europe", "location_type": "continent"}
PARIS = {"uuid": "loc-paris", "value": "Paris", "location_type": "city"}
ANALYTICS = {"uuid": "cat-analytics", "value": "Analytics"}
SAAS = {"uuid": "cat-saas", "value": "SaaS"}
BAKERY = {"uuid": "cat-bakery", "value": "Bakery"}

ACME = Organization(
    uuid="00000000-0000-0000-0000-000000000001",
    name="Acme Analytics",
    permalink="acme-analytics",
    website="https://www.acme-analytics.de",
    description="Acme Analytics builds analytics software.",
    locations=[BERLIN, BERLIN_REGION, GERMANY, EUROPE],
    categories=[ANALYTICS, SAAS],
    employees="c_00011_00050",
    linkedin="https://www.linkedin.com/company/acme-analytics",
    email="Hello@Acme-Analytics.de",
    phone="030 1234567",
)
# A basic licence returns no contact fields: the lead still comes through.
BOLT = Organization(
    uuid="00000000-0000-0000-0000-000000000002",
    name="Bolt Data",
    permalink="bolt-data",
    locations=[BERLIN, GERMANY],
    categories=[ANALYTICS],
    employees="c_00051_00100",
)
LOAF = Organization(
    uuid="00000000-0000-0000-0000-000000000003",
    name="Loaf",
    permalink="loaf",
    locations=[PARIS],
    categories=[BAKERY],
    employees="c_00001_00010",
)

LOCATIONS = {"Berlin": "loc-berlin", "Paris": "loc-paris", "Germany": "loc-de"}
CATEGORIES = {"Analytics": "cat-analytics", "SaaS": "cat-saas", "Bakery": "cat-bakery"}


def fake_crunchbase(server: HTTPServer, organizations: list[Organization]) -> FakeCrunchbase:
    fake = FakeCrunchbase(organizations, LOCATIONS, CATEGORIES)
    fake.install(server)
    return fake


def cb_settings(server: HTTPServer, **overrides: object):
    values = {"crunchbase_api_key": "cb-key", "crunchbase_url": server.url_for(""), **overrides}
    return make_settings(**values)


def test_it_searches_with_resolved_predicates_and_maps_the_entities(httpserver: HTTPServer) -> None:
    fake = fake_crunchbase(httpserver, [ACME, BOLT, LOAF])
    criteria = Criteria(
        industry="analytics",
        geography="Berlin, Germany",
        keywords=("software",),
        filters={"company_size": "11-100"},
        enrich=False,
    )
    outcome = run(criteria, ["crunchbase"], cb_settings(httpserver))
    assert outcome.error("crunchbase") == ""
    [search] = fake.calls("/api/v4/searches/organizations")
    assert search.headers["X-Cb-User-Key"] == "cb-key"
    assert search.body["field_ids"] == crunchbase.FIELD_IDS
    assert search.body["query"] == [
        {"type": "predicate", "field_id": "facet_ids", "operator_id": "includes", "values": ["company"]},
        {
            "type": "predicate",
            "field_id": "location_identifiers",
            "operator_id": "includes",
            "values": ["loc-berlin"],
        },
        {
            "type": "predicate",
            "field_id": "categories",
            "operator_id": "includes",
            "values": ["cat-analytics"],
        },
        {
            "type": "predicate",
            "field_id": "num_employees_enum",
            "operator_id": "includes",
            "values": ["c_00011_00050", "c_00051_00100"],
        },
    ]
    acme, bolt = outcome.leads("crunchbase")
    assert acme.source == "crunchbase"
    assert acme.company_name == "Acme Analytics"
    assert acme.website == "https://www.acme-analytics.de"
    assert acme.description == "Acme Analytics builds analytics software."
    assert acme.location == "Berlin, Berlin, Germany"
    assert acme.industry == "Analytics, SaaS"
    assert acme.email == "hello@acme-analytics.de" and acme.emails == ["hello@acme-analytics.de"]
    assert acme.phone == "+49301234567"
    assert acme.socials == {"linkedin": "https://www.linkedin.com/company/acme-analytics"}
    assert acme.source_url == "https://www.crunchbase.com/organization/acme-analytics"
    assert acme.extra["crunchbase_uuid"] == ACME.uuid
    assert acme.extra["employees"] == "11-50"
    assert acme.matched_keywords == ["software"]
    assert acme.confidence > bolt.confidence > 0
    assert (bolt.company_name, bolt.website, bolt.email, bolt.phone) == ("Bolt Data", "", "", "")


def test_it_pages_with_after_id_until_max_results(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crunchbase, "PAGE_SIZE", 2)
    orgs = [
        Organization(
            uuid=f"00000000-0000-0000-0000-{n:012d}",
            name=f"Firm {n}",
            permalink=f"firm-{n}",
            locations=[PARIS],
            categories=[BAKERY],
        )
        for n in range(1, 8)
    ]
    fake = fake_crunchbase(httpserver, orgs)
    outcome = run(
        Criteria(industry="bakery", max_results=5, enrich=False), ["crunchbase"], cb_settings(httpserver)
    )
    assert [lead.company_name for lead in outcome.leads("crunchbase")] == [f"Firm {n}" for n in range(1, 6)]
    assert [len(batch) for batch in outcome.batches["crunchbase"]] == [2, 2, 1]
    bodies = [call.body for call in fake.calls("/api/v4/searches/organizations")]
    assert [body.get("after_id") for body in bodies] == [None, orgs[1].uuid, orgs[3].uuid]
    assert [body["limit"] for body in bodies] == [2, 2, 1]


def test_it_stops_when_the_results_end(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crunchbase, "PAGE_SIZE", 2)
    fake = fake_crunchbase(httpserver, [ACME, BOLT])
    outcome = run(Criteria(industry="analytics", enrich=False), ["crunchbase"], cb_settings(httpserver))
    assert len(outcome.leads("crunchbase")) == 2
    assert len(fake.calls("/api/v4/searches/organizations")) == 2  # the second page came back empty


def test_an_unknown_geography_warns_and_searches_nothing(httpserver: HTTPServer) -> None:
    fake = fake_crunchbase(httpserver, [ACME])
    outcome = run(
        Criteria(industry="analytics", geography="Atlantis", enrich=False),
        ["crunchbase"],
        cb_settings(httpserver),
    )
    assert outcome.leads("crunchbase") == [] and outcome.error("crunchbase") == ""
    assert "no location 'Atlantis'" in outcome.warnings[0].message
    assert not fake.calls("/api/v4/searches/organizations")


def test_the_parts_of_a_geography_are_tried_most_specific_first(httpserver: HTTPServer) -> None:
    fake = fake_crunchbase(httpserver, [LOAF])
    outcome = run(
        Criteria(industry="bakery", geography="Paris, Ile-de-France, France", enrich=False),
        ["crunchbase"],
        cb_settings(httpserver),
    )
    assert [lead.company_name for lead in outcome.leads("crunchbase")] == ["Loaf"]
    lookups = [
        call.args["query"]
        for call in fake.calls("/api/v4/autocompletes")
        if call.args["collection_ids"] == "locations"
    ]
    assert lookups == ["Paris, Ile-de-France, France", "Paris"]


def test_missing_key_and_refused_key_are_configuration_errors(httpserver: HTTPServer) -> None:
    outcome = run(Criteria(industry="analytics"), ["crunchbase"], make_settings())
    assert outcome.finished["crunchbase"].configuration_error
    assert outcome.error("crunchbase") == "crunchbase needs CRUNCHBASE_API_KEY"
    fake = fake_crunchbase(httpserver, [ACME])
    outcome = run(
        Criteria(industry="analytics"),
        ["crunchbase"],
        cb_settings(httpserver, crunchbase_api_key="wrong-key"),
    )
    assert outcome.finished["crunchbase"].configuration_error and "HTTP 401" in outcome.error("crunchbase")
    assert len(fake.received) == 1


def test_429_is_waited_for_and_malformed_json_is_an_error(httpserver: HTTPServer) -> None:
    fake = fake_crunchbase(httpserver, [ACME])
    fake.fail_next(429, {"message": "rate limited"}, {"Retry-After": "1"})
    outcome = run(Criteria(industry="analytics", enrich=False), ["crunchbase"], cb_settings(httpserver))
    assert [lead.company_name for lead in outcome.leads("crunchbase")] == ["Acme Analytics"]
    fake.received.clear()
    fake.fail_next(200, "<html>maintenance</html>")
    outcome = run(Criteria(industry="analytics", enrich=False), ["crunchbase"], cb_settings(httpserver))
    assert "malformed JSON" in outcome.error("crunchbase")
    assert len(fake.received) == 1


def test_a_bad_company_size_is_a_configuration_error(httpserver: HTTPServer) -> None:
    fake_crunchbase(httpserver, [ACME])
    outcome = run(
        Criteria(industry="analytics", filters={"company_size": "huge"}),
        ["crunchbase"],
        cb_settings(httpserver),
    )
    assert outcome.finished["crunchbase"].configuration_error and "huge" in outcome.error("crunchbase")


def test_company_sizes_map_to_every_overlapping_bucket() -> None:
    assert employee_enums("11-50") == ["c_00011_00050"]
    assert employee_enums("1-50") == ["c_00001_00010", "c_00011_00050"]
    assert employee_enums(["11-50", "51-100", "11-50"]) == ["c_00011_00050", "c_00051_00100"]
    assert employee_enums("10001+") == ["c_10001_max"]
    assert employee_enums("c_00251_00500") == ["c_00251_00500"]
    assert employee_enums("1,001 - 5,000 employees") == ["c_01001_05000"]
    with pytest.raises(ConfigurationError):
        employee_enums("lots")


def test_an_autocomplete_guess_sharing_no_word_is_not_taken_as_the_category(httpserver: HTTPServer) -> None:
    fake = FakeCrunchbase([LOAF], LOCATIONS, {**CATEGORIES, "Pyramid Schemes": "cat-pyramid"})
    fake.install(httpserver)
    outcome = run(Criteria(keywords=("py",), enrich=False), ["crunchbase"], cb_settings(httpserver))
    assert outcome.leads("crunchbase") == []
    assert "no category for 'py'" in outcome.warnings[0].message
    assert not fake.calls("/api/v4/searches/organizations")
