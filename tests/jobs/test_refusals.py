"""Jobs refused at the door, with the reason: the same rules and messages through the API (a 400 on
the field) and `manage.py scrape` (a CommandError), and nothing stored either way.

Unconfigured sources (only when every source of the job is unconfigured), URL schemes, unknown
`filters` keys, `max_results` above SCRAPE_MAX_RESULTS_CAP, and criteria with nothing to search for.
"""

from dataclasses import dataclass, field

import pytest
from django.core.management import CommandError, call_command

from leadengine.jobs.models import JobStatus, ScrapeJob
from tests.jobs.site import serve_company_site

JOBS = "/api/v1/jobs/scrape/"
SEARCH_NEEDS = "google needs SEARXNG_URL, SERPAPI_API_KEY or BRAVE_API_KEY"
NOT_CONFIGURED = "Not configured on this server: {}. Set it, or add a configured source."


@pytest.fixture(autouse=True)
def nothing_configured(settings):
    for name in ("SEARCH_BACKEND", "SEARXNG_URL", "SERPAPI_API_KEY", "BRAVE_API_KEY", "CRUNCHBASE_API_KEY"):
        setattr(settings, name, "")
    settings.SCRAPE_MAX_RESULTS_CAP = 500


@dataclass
class Refusal:
    body: dict
    args: list[str]
    field: str
    messages: list[str]
    settings: dict = field(default_factory=dict)


REFUSALS = {
    "google without a search backend": Refusal(
        {"industry": "SaaS", "source_types": ["google"]},
        ["--source", "google", "--industry", "SaaS"],
        "source_types",
        [NOT_CONFIGURED.format(SEARCH_NEEDS)],
    ),
    "crunchbase without a key": Refusal(
        {"industry": "SaaS", "source_types": ["crunchbase"]},
        ["--source", "crunchbase", "--industry", "SaaS"],
        "source_types",
        [NOT_CONFIGURED.format("crunchbase needs CRUNCHBASE_API_KEY")],
    ),
    "every source unconfigured": Refusal(
        {"industry": "SaaS", "source_types": ["linkedin", "crunchbase"]},
        ["--source", "linkedin", "--source", "crunchbase", "--industry", "SaaS"],
        "source_types",
        [
            NOT_CONFIGURED.format("linkedin needs SEARXNG_URL, SERPAPI_API_KEY or BRAVE_API_KEY"),
            NOT_CONFIGURED.format("crunchbase needs CRUNCHBASE_API_KEY"),
        ],
    ),
    "a search backend named but not set": Refusal(
        {"industry": "SaaS", "source_types": ["google"]},
        ["--source", "google", "--industry", "SaaS"],
        "source_types",
        [NOT_CONFIGURED.format("google: SEARCH_BACKEND is brave but BRAVE_API_KEY is not set")],
        {"SEARCH_BACKEND": "brave", "SEARXNG_URL": "http://127.0.0.1:9/"},
    ),
    "an ftp URL": Refusal(
        {"urls": ["https://acme.example/", "ftp://acme.example/"]},
        ["--url", "https://acme.example/", "--url", "ftp://acme.example/"],
        "urls",
        ["Item 2 (ftp://acme.example/): Only http and https URLs are allowed."],
    ),
    "a javascript: URL": Refusal(
        {"urls": ["javascript:alert(1)"]},
        ["--url", "javascript:alert(1)"],
        "urls",
        ["Item 1 (javascript:alert(1)): Only http and https URLs are allowed."],
    ),
    "a file: URL": Refusal(
        {"urls": ["file:///etc/passwd"]},
        ["--url", "file:///etc/passwd"],
        "urls",
        ["Item 1 (file:///etc/passwd): Only http and https URLs are allowed."],
    ),
    "unknown filters": Refusal(
        {"urls": ["https://acme.example/"], "filters": {"size": "11-50", "colour": "red"}},
        ["--url", "https://acme.example/", "--filters", '{"size": "11-50", "colour": "red"}'],
        "filters",
        ["Unknown filters: colour, size. The known ones are company_size, enrichment."],
    ),
    "a company size that is no range": Refusal(
        {"urls": ["https://acme.example/"], "filters": {"company_size": "lots"}},
        ["--url", "https://acme.example/", "--filters", '{"company_size": "lots"}'],
        "filters",
        ["crunchbase: company_size 'lots' is not a range like 11-50 or 10001+"],
    ),
    "max_results over the cap": Refusal(
        {"urls": ["https://acme.example/"], "max_results": 501},
        ["--url", "https://acme.example/", "--max-results", "501"],
        "max_results",
        ["Ensure this value is at most 500: SCRAPE_MAX_RESULTS_CAP caps it per source."],
    ),
    "max_results over a lowered cap": Refusal(
        {"urls": ["https://acme.example/"], "max_results": 51},
        ["--url", "https://acme.example/", "--max-results", "51"],
        "max_results",
        ["Ensure this value is at most 50: SCRAPE_MAX_RESULTS_CAP caps it per source."],
        {"SCRAPE_MAX_RESULTS_CAP": 50},
    ),
    "nothing to search for": Refusal(
        {"source_types": ["website"], "geography": "Sydney"},
        ["--source", "website", "--geography", "Sydney"],
        "non_field_errors",
        ["Nothing to search for: give at least one of search_query, industry, keywords or urls."],
    ),
    "a website job without URLs": Refusal(
        {"source_types": ["website"], "industry": "SaaS"},
        ["--source", "website", "--industry", "SaaS"],
        "urls",
        ["The website source needs at least one URL."],
    ),
    "a search source with only URLs": Refusal(
        {"source_types": ["website", "google"], "urls": ["https://acme.example/"]},
        ["--source", "website", "--source", "google", "--url", "https://acme.example/"],
        "non_field_errors",
        [
            "The google source needs search_query, industry, geography or keywords to search for; "
            "urls are visited by the website source only."
        ],
        {"SEARXNG_URL": "http://127.0.0.1:9/"},
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_the_api_refuses_with_a_400_naming_the_field_and_the_reason(api, settings, case):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    response = api.post(JOBS, case.body, format="json")
    assert response.status_code == 400
    assert response.json() == {case.field: case.messages}
    assert not ScrapeJob.objects.exists()


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_the_scrape_command_refuses_with_the_same_message(user, settings, case):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    with pytest.raises(CommandError) as refused:
        call_command("scrape", "--user", "ana", *case.args)
    prefix = "" if case.field == "non_field_errors" else f"{case.field}: "
    assert str(refused.value) == "; ".join(prefix + message for message in case.messages)
    assert not ScrapeJob.objects.exists()


def test_the_scrape_command_refuses_filters_that_are_not_json(user):
    with pytest.raises(CommandError, match=r"^filters: not JSON"):
        call_command("scrape", "--user", "ana", "--url", "https://acme.example/", "--filters", "{size")
    assert not ScrapeJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_unconfigured_source_beside_a_configured_one_is_accepted_and_warns_at_run_time(
    api, httpserver, stub_broker, stub_worker, settings, django_capture_on_commit_callbacks
):
    body = {
        "industry": "SaaS",
        "source_types": ["website", "crunchbase"],
        "urls": [serve_company_site(httpserver)],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(JOBS, body, format="json")
    assert response.status_code == 201, response.json()
    stub_broker.join(settings.SCRAPE_QUEUE, fail_fast=False, timeout=30_000)
    stub_worker.join()
    job = ScrapeJob.objects.get()
    assert job.status == JobStatus.COMPLETED and job.total_processed == 1
    assert any("crunchbase needs CRUNCHBASE_API_KEY" in warning for warning in job.warnings), job.warnings


def test_a_configured_source_is_accepted(api, settings):
    settings.CRUNCHBASE_API_KEY = "key"
    settings.SERPAPI_API_KEY = "key"
    for sources in (["crunchbase"], ["google", "linkedin"]):
        response = api.post(JOBS, {"industry": "SaaS", "source_types": sources}, format="json")
        assert response.status_code == 201, response.json()
    assert ScrapeJob.objects.count() == 2


def test_the_cap_and_the_known_filters_are_accepted(api):
    body = {
        "urls": ["https://acme.example/"],
        "max_results": 500,
        "filters": {"company_size": ["1-10", "10001+"], "enrichment": False},
    }
    response = api.post(JOBS, body, format="json")
    assert response.status_code == 201, response.json()
    assert ScrapeJob.objects.get().max_results == 500
