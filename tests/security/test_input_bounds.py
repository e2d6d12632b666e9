"""Input bounds: every string's length, every list's count, `filters` size and depth, URL schemes,
numbers, query parameters and the request body's size. Each refusal is a 400 naming the field (the
body size a 413), with a JSON error, and stores nothing.
"""

import io
import json

import pytest

from leadengine.jobs.models import ScrapeJob
from leadengine.jobs.serializers import (
    MAX_FILTERS_BYTES,
    MAX_FILTERS_DEPTH,
    MAX_KEYWORDS,
    MAX_URLS,
)
from scraping.sources import source_names

JOBS = "/api/v1/jobs/scrape/"
VALID = {
    "industry": "SaaS",
    "geography": "Sydney",
    "keywords": ["B2B"],
    "source_types": ["website"],
    "search_query": "saas sydney",
    "filters": {"company_size": "11-50"},
    "urls": ["https://acme.example/"],
    "max_results": 10,
    "enrich": True,
}


def nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth):
        value = {"k": value}
    return value


TOO_MUCH = [
    ("industry", "x" * 201),
    ("geography", "x" * 201),
    ("search_query", "x" * 501),
    ("keywords", ["k"] * (MAX_KEYWORDS + 1)),
    ("keywords", ["x" * 101]),
    ("keywords", [""]),
    ("keywords", [{"a": 1}]),
    ("keywords", "B2B"),
    ("source_types", []),
    ("source_types", ["myspace"]),
    ("source_types", ["website"] * (len(source_names()) + 1)),
    ("urls", [f"https://a{i}.example/" for i in range(MAX_URLS + 1)]),
    ("urls", ["https://acme.example/" + "a" * 2000]),
    ("urls", ["ftp://acme.example/"]),
    ("urls", ["file:///etc/passwd"]),
    ("urls", ["javascript:alert(1)"]),
    ("urls", ["gopher://acme.example:70/"]),
    ("urls", ["//acme.example/"]),
    ("urls", ["https://"]),
    ("urls", [None]),
    ("filters", []),
    ("filters", "size=10"),
    ("filters", {"k": "v" * MAX_FILTERS_BYTES}),
    ("filters", nested(MAX_FILTERS_DEPTH + 1)),
    ("filters", {"list": [[[[1]]]]}),
    ("filters", {"size": "11-50"}),
    ("filters", {"company_size": "lots"}),
    ("max_results", 0),
    ("max_results", 501),
    ("max_results", -5),
    ("max_results", 10**30),
    ("max_results", "many"),
    ("enrich", "perhaps"),
    ("industry", "Acme\x00Corp"),
    ("industry", ["SaaS"]),
]


@pytest.mark.parametrize(
    "field, value", TOO_MUCH, ids=[f"{field}-{i}" for i, (field, _) in enumerate(TOO_MUCH)]
)
def test_it_refuses_what_is_out_of_bounds_naming_the_field(api, field, value, settings):
    settings.SCRAPE_MAX_RESULTS_CAP = 500
    response = api.post(JOBS, {**VALID, field: value}, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert field in response.json()
    assert ScrapeJob.objects.count() == 0


def test_values_at_the_bounds_are_accepted(api, settings):
    at_bounds = {
        "industry": "x" * 200,
        "geography": "x" * 200,
        "search_query": "x" * 500,
        "keywords": ["k" * 100] * MAX_KEYWORDS,
        "source_types": source_names(),
        "urls": [f"https://a{i}.example/" for i in range(MAX_URLS)],
        "filters": {"company_size": ["1-10", "11-50", "10001+"], "enrichment": False},
        "max_results": settings.SCRAPE_MAX_RESULTS_CAP,
    }
    response = api.post(JOBS, {**VALID, **at_bounds}, format="json")
    assert response.status_code == 201, response.content
    assert len(ScrapeJob.objects.get().urls) == MAX_URLS


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("/api/v1/leads/", {"search": "x" * 201}, "search"),
        ("/api/v1/leads/", {"job": "not-a-uuid"}, "job"),
        ("/api/v1/leads/", {"source": "myspace"}, "source"),
        ("/api/v1/leads/", {"scraped_after": "yesterday"}, "scraped_after"),
        (JOBS, {"status": "exploded"}, "status"),
        (JOBS, {"source_type": "myspace"}, "source_type"),
        (JOBS, {"created_after": "99999-01-01"}, "created_after"),
    ],
)
def test_it_refuses_bad_query_parameters_naming_them(api, path, params, field):
    response = api.get(path, params)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize(
    "params",
    [{"limit": 10**30}, {"limit": -1, "offset": -1}, {"limit": "x", "offset": "y"}],
)
def test_paging_parameters_of_any_size_answer_a_page(api, user, params):
    ScrapeJob.objects.create(owner=user, source_types=["google"], industry="SaaS")
    response = api.get(JOBS, params)
    assert response.status_code == 200
    assert response.json()["count"] == 1 and len(response.json()["results"]) <= 500


@pytest.mark.parametrize("offset", [10_001, 10**30])
def test_an_offset_past_the_cap_is_a_400_that_names_the_cursor(api, user, offset):
    response = api.get(JOBS, {"offset": offset})
    assert response.status_code == 400
    assert "cursor" in response.json()["offset"][0]


def test_a_body_over_the_size_limit_is_a_json_413(api, settings):
    body = json.dumps({**VALID, "search_query": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = api.post(JOBS, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]
    assert ScrapeJob.objects.count() == 0


def test_the_size_limit_comes_from_the_setting(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(
        JOBS,
        {
            **VALID,
            "search_query": "x" * 490,
            "industry": "y" * 190,
            "geography": "z" * 190,
            "keywords": ["k" * 100] * 2,
        },
        format="json",
    )
    assert response.status_code == 413 and "1000 bytes" in response.json()["detail"]


def test_json_nested_too_deeply_for_the_parser_is_a_400(api):
    body = '{"industry": "x", "filters": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = api.post(JOBS, body, content_type="application/json")
    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("[]", "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(api, body, content_type):
    response = api.post(JOBS, body, content_type=content_type)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml"])
def test_a_body_of_another_media_type_is_a_415(api, content_type):
    response = api.post(JOBS, b"<job/>", content_type=content_type)
    assert response.status_code == 415


def test_a_multipart_body_over_the_upload_limit_is_a_413_and_a_file_a_400(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = api.post(JOBS, {"industry": "x", "urls": "https://acme.example/\n" * 60}, format="multipart")
    assert big.status_code == 413 and big["Content-Type"] == "application/json"
    upload = io.BytesIO(b"https://acme.example/")
    upload.name = "urls.txt"
    with_file = api.post(JOBS, {"industry": "x", "urls": upload}, format="multipart")
    assert with_file.status_code == 400 and "File uploads" in with_file.json()["detail"]
    assert ScrapeJob.objects.count() == 0


def test_too_many_form_fields_are_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"keywords=k{i}" for i in range(20))
    response = api.post(JOBS, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("ids", ["not-a-list", ["x"], {"a": 1}, 5])
def test_an_export_refuses_malformed_ids_naming_filters(api, ids, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    response = api.post("/api/v1/exports/", {"filters": {"ids": ids}}, format="json")
    assert response.status_code == 400 and "filters" in response.json()
