"""The search backends (SearXNG, SerpApi, Brave) against fake servers on 127.0.0.1, through `google`.

Each test runs the real source with `run_sources`, the real HTTP client pointed at the fake by its
base-URL setting, and `enrich=False` so that only the search API is called.
"""

from __future__ import annotations

import time

from pytest_httpserver import HTTPServer

from scraping.sources.search import country_code, criteria_query, plain_text
from scraping.types import Criteria
from tests.scraping.fakes import make_settings, run
from tests.scraping.fakes.providers import FakeBrave, FakeSearxng, FakeSerpApi, web_results

CRITERIA = Criteria(
    industry="data analytics",
    geography="Berlin, Germany",
    keywords=("analytics",),
    max_results=100,
    enrich=False,
)


def searxng(server: HTTPServer, **overrides: object):
    return make_settings(searxng_url=server.url_for(""), **overrides)


def serpapi(server: HTTPServer, **overrides: object):
    return make_settings(serpapi_api_key="serp-key", serpapi_url=server.url_for(""), **overrides)


def brave(server: HTTPServer, **overrides: object):
    return make_settings(brave_api_key="brave-key", brave_url=server.url_for(""), **overrides)


# --- SearXNG ---------------------------------------------------------------------------------------


def test_searxng_pages_until_an_empty_page(httpserver: HTTPServer) -> None:
    fake = FakeSearxng(web_results(25))
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], searxng(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 25
    assert [len(batch) for batch in outcome.batches["google"]] == [10, 10, 5]
    calls = fake.calls("/search")
    assert [call.args["pageno"] for call in calls] == ["1", "2", "3", "4"]
    assert calls[0].args["format"] == "json"
    assert calls[0].args["q"] == "data analytics Berlin, Germany analytics"
    assert outcome.pages_done == outcome.pages_planned == 4


def test_searxng_without_json_format_is_a_configuration_error(httpserver: HTTPServer) -> None:
    FakeSearxng(web_results(5), json_enabled=False).install(httpserver)
    outcome = run(CRITERIA, ["google"], searxng(httpserver))
    finished = outcome.finished["google"]
    assert finished.configuration_error
    assert "search.formats" in finished.error
    assert outcome.leads("google") == []


def test_searxng_malformed_json_is_a_source_error(httpserver: HTTPServer) -> None:
    fake = FakeSearxng(web_results(5))
    fake.install(httpserver)
    fake.fail_next(200, "{not json")
    outcome = run(CRITERIA, ["google"], searxng(httpserver))
    assert "malformed JSON" in outcome.error("google")
    assert not outcome.finished["google"].configuration_error
    assert len(fake.received) == 1


def test_searxng_with_no_engine_answering_says_so(httpserver: HTTPServer) -> None:
    fake = FakeSearxng([])
    fake.install(httpserver)
    fake.fail_next(200, {"results": [], "unresponsive_engines": [["google", "timeout"]]})
    outcome = run(CRITERIA, ["google"], searxng(httpserver))
    assert "did not answer (google)" in outcome.error("google")


# --- SerpApi ---------------------------------------------------------------------------------------


def test_serpapi_start_counts_results_and_geography_goes_to_location(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(23))
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 23
    calls = fake.calls("/search.json")
    assert [call.args["start"] for call in calls] == ["0", "10", "20"]
    first = calls[0].args
    assert first["engine"] == "google"
    assert first["location"] == "Berlin, Germany"
    assert first["gl"] == "de"
    assert first["api_key"] == "serp-key"


def test_serpapi_no_results_ends_the_search(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi([])
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    assert outcome.error("google") == ""
    assert outcome.leads("google") == []
    assert len(fake.received) == 1


def test_serpapi_unknown_location_searches_on_without_it(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(3), known_locations=("Austin, Texas, United States",))
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 3
    assert "location" in fake.received[0].args and "location" not in fake.received[1].args
    assert fake.received[1].args["gl"] == "de"
    assert any("does not know the location" in warning.message for warning in outcome.warnings)


def test_serpapi_bad_key_is_a_configuration_error_without_retry(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(3), api_key="another-key")
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    finished = outcome.finished["google"]
    assert finished.configuration_error and "HTTP 401" in finished.error
    assert "serp-key" not in finished.error  # the key never reaches a message
    assert len(fake.received) == 1


def test_serpapi_429_waits_for_retry_after_then_goes_on(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(5))
    fake.install(httpserver)
    fake.fail_next(429, {"error": "Your account has run out of searches."}, {"Retry-After": "1"})
    started = time.monotonic()
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    assert time.monotonic() - started >= 1.0
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 5
    assert len(fake.received) == 2


def test_serpapi_persistent_5xx_fails_after_the_retries(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(5))
    fake.install(httpserver)
    fake.fail_next(500, {"error": "Something went wrong"}, times=10)
    outcome = run(CRITERIA, ["google"], serpapi(httpserver, retries=2))
    assert "HTTP 500" in outcome.error("google")
    assert len(fake.received) == 3  # one call and two retries: never spinning on the provider


def test_serpapi_one_5xx_is_retried(httpserver: HTTPServer) -> None:
    fake = FakeSerpApi(web_results(5))
    fake.install(httpserver)
    fake.fail_next(503, "")
    outcome = run(CRITERIA, ["google"], serpapi(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 5


# --- Brave -----------------------------------------------------------------------------------------


def test_brave_offset_counts_pages_and_token_goes_in_the_header(httpserver: HTTPServer) -> None:
    fake = FakeBrave(web_results(45))
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], brave(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 45
    calls = fake.calls("/res/v1/web/search")
    assert [call.args["offset"] for call in calls] == ["0", "1", "2"]
    assert {call.args["count"] for call in calls} == {"20"}
    assert calls[0].headers["X-Subscription-Token"] == "brave-key"
    assert "brave-key" not in calls[0].args.values()
    assert calls[0].args["country"] == "DE"
    # Brave marks query words up in descriptions; leads carry plain text.
    assert outcome.leads("google")[0].description == "Company 1 builds data analytics tools."


def test_brave_stops_at_offset_9(httpserver: HTTPServer) -> None:
    fake = FakeBrave(web_results(260))
    fake.install(httpserver)
    outcome = run(Criteria(industry="bakery", max_results=500, enrich=False), ["google"], brave(httpserver))
    assert outcome.error("google") == ""
    assert len(outcome.leads("google")) == 200
    assert [call.args["offset"] for call in fake.received][-1] == "9"


def test_brave_leaves_out_countries_it_does_not_serve(httpserver: HTTPServer) -> None:
    fake = FakeBrave(web_results(2))
    fake.install(httpserver)
    run(Criteria(industry="bakery", geography="Lima, Peru", enrich=False), ["google"], brave(httpserver))
    assert "country" not in fake.received[0].args


def test_brave_bad_token_is_a_configuration_error(httpserver: HTTPServer) -> None:
    fake = FakeBrave(web_results(2), api_key="other")
    fake.install(httpserver)
    outcome = run(CRITERIA, ["google"], brave(httpserver))
    assert outcome.finished["google"].configuration_error
    assert len(fake.received) == 1


# --- choosing a backend ----------------------------------------------------------------------------


def test_without_any_backend_google_reports_what_it_needs() -> None:
    outcome = run(CRITERIA, ["google"], make_settings())
    finished = outcome.finished["google"]
    assert finished.configuration_error
    assert finished.error == "google needs SEARXNG_URL, SERPAPI_API_KEY or BRAVE_API_KEY"


def test_searxng_is_preferred_then_serpapi_then_brave(httpserver: HTTPServer) -> None:
    searx, serp, brv = FakeSearxng(web_results(1)), FakeSerpApi(web_results(1)), FakeBrave(web_results(1))
    for fake in (searx, serp, brv):
        fake.install(httpserver)
    everything = make_settings(
        searxng_url=httpserver.url_for(""),
        serpapi_api_key="serp-key",
        serpapi_url=httpserver.url_for(""),
        brave_api_key="brave-key",
        brave_url=httpserver.url_for(""),
    )
    run(CRITERIA, ["google"], everything)
    assert searx.received and not serp.received and not brv.received
    run(CRITERIA, ["google"], make_settings(**{**everything.__dict__, "search_backend": "brave"}))
    assert brv.received and not serp.received


def test_a_chosen_backend_without_its_key_is_a_configuration_error() -> None:
    chosen = make_settings(searxng_url="http://127.0.0.1:9", search_backend="serpapi")
    outcome = run(CRITERIA, ["google"], chosen)
    assert outcome.finished["google"].configuration_error
    assert "SERPAPI_API_KEY" in outcome.error("google")


# --- helpers ---------------------------------------------------------------------------------------


def test_the_query_is_the_search_query_else_industry_geography_keywords() -> None:
    own_query = Criteria(search_query="  tax  advisers  Leeds ", industry="x")
    assert criteria_query(own_query) == "tax advisers Leeds"
    assert (
        criteria_query(Criteria(industry="bakery", geography="Lyon", keywords=("bio", "vegan")))
        == "bakery Lyon bio vegan"
    )
    assert criteria_query(Criteria()) == ""


def test_country_codes_and_plain_text() -> None:
    assert country_code("Leeds, UK") == "GB"
    assert country_code("Berlin") == "DE"
    assert country_code("Atlantis") == "ZA"  # a town in the Western Cape
    assert country_code("Narnia") == ""
    assert plain_text("<strong>Acme</strong> &amp; Co\n ltd") == "Acme & Co ltd"
