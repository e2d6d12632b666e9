"""The REST API: create, list, detail, leads, cancel, retry; validation; one user's data only."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob

SEED_BODY = {
    "industry": "SaaS",
    "geography": "Sydney, Australia",
    "keywords": ["B2B", "enterprise"],
    "source_types": ["website"],
    "search_query": "saas companies sydney",
    "filters": {},
    "urls": ["https://acme.example/"],
}
JOBS = "/api/v1/jobs/scrape/"


def job_for(owner, **fields):
    return ScrapeJob.objects.create(
        owner=owner, source_types=["website"], urls=["https://a.example/"], **fields
    )


def test_it_creates_a_queued_job_with_the_seed_fields(
    api, user, stub_broker, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(JOBS, SEED_BODY, format="json")
    assert response.status_code == 201, response.data
    body = response.json()
    for field in [
        "job_id",
        "user_id",
        "status",
        "total_found",
        "total_processed",
        "total_duplicates",
        "progress",
        "attempts",
        "error",
        "created_at",
        "started_at",
        "completed_at",
    ]:
        assert field in body
    assert body["status"] == "queued" and body["user_id"] == user.id
    assert {key: body[key] for key in SEED_BODY} == SEED_BODY
    assert ScrapeJob.objects.get(id=body["job_id"]).owner == user
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 1


def test_the_created_job_reads_as_its_detail_does(api, user):
    body = {**SEED_BODY, "priority": "high", "filters": {"enrichment": True}}
    response = api.post(JOBS, body, format="json")
    assert response.status_code == 201
    detail = api.get(f"{JOBS}{response.json()['job_id']}/")
    assert response.json() == detail.json()  # the create answers from a serializer built once


def test_the_owner_comes_from_the_login_never_the_body(api, user, other_user):
    response = api.post(JOBS, {**SEED_BODY, "user_id": other_user.id, "owner": other_user.id}, format="json")
    assert response.status_code == 201
    assert ScrapeJob.objects.get().owner == user


@pytest.mark.parametrize(
    "change, field",
    [
        ({"source_types": ["myspace"]}, "source_types"),
        ({"source_types": []}, "source_types"),
        ({"urls": ["ftp://acme.example/"]}, "urls"),
        ({"urls": ["javascript:alert(1)"]}, "urls"),
        ({"urls": "https://acme.example/"}, "urls"),
        ({"urls": [f"https://a{i}.example/" for i in range(201)]}, "urls"),
        ({"keywords": ["x" * 101]}, "keywords"),
        ({"keywords": "B2B"}, "keywords"),
        ({"industry": "x" * 201}, "industry"),
        ({"filters": []}, "filters"),
        ({"filters": {"a": {"b": {"c": {"d": 1}}}}}, "filters"),
        ({"filters": {"k": "v" * 5000}}, "filters"),
        ({"max_results": 0}, "max_results"),
        ({"urls": []}, "urls"),
    ],
)
def test_it_refuses_bad_input_with_field_errors_and_stores_nothing(api, stub_broker, change, field):
    response = api.post(JOBS, {**SEED_BODY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ScrapeJob.objects.exists()


def test_it_refuses_empty_criteria(api):
    response = api.post(JOBS, {"source_types": ["google"]}, format="json")
    assert response.status_code == 400
    assert "search_query" in str(response.json())


def test_it_refuses_a_body_that_is_not_json(api):
    response = api.post(JOBS, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_it_lists_the_callers_jobs_newest_first_with_limit_and_offset(api, user, other_user):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    mine = [job_for(user, created_at=now - timedelta(minutes=i)) for i in range(3)]
    job_for(other_user)
    response = api.get(JOBS, {"limit": 2, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [job["job_id"] for job in body["results"]] == [str(mine[1].id), str(mine[2].id)]


def test_it_filters_jobs_by_status_and_source(api, user):
    done = job_for(user, status=JobStatus.COMPLETED)
    job_for(user, status=JobStatus.FAILED)
    google = ScrapeJob.objects.create(owner=user, source_types=["google"], search_query="q")
    assert [j["job_id"] for j in api.get(JOBS, {"status": "completed"}).json()["results"]] == [str(done.id)]
    assert [j["job_id"] for j in api.get(JOBS, {"source_type": "google"}).json()["results"]] == [
        str(google.id)
    ]


def test_it_shows_a_job_and_its_leads(api, user):
    job = job_for(user, status=JobStatus.COMPLETED, total_found=1, total_processed=1)
    RawLead.objects.create(
        owner=user,
        job=job,
        source="website",
        company_name="Acme",
        data_hash="a" * 64,
        raw_payload={"company_name": "Acme"},
    )
    detail = api.get(f"{JOBS}{job.id}/").json()
    assert detail["status"] == "completed" and detail["total_processed"] == 1
    leads = api.get(f"{JOBS}{job.id}/leads/").json()
    assert leads["count"] == 1 and leads["results"][0]["company_name"] == "Acme"
    assert api.get("/api/v1/leads/").json()["count"] == 1


def test_another_users_job_answers_404(api, other_user):
    theirs = job_for(other_user, status=JobStatus.FAILED)
    for response in [
        api.get(f"{JOBS}{theirs.id}/"),
        api.get(f"{JOBS}{theirs.id}/leads/"),
        api.post(f"{JOBS}{theirs.id}/retry/"),
        api.post(f"{JOBS}{theirs.id}/cancel/"),
    ]:
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.FAILED


def test_cancel_and_retry_answer_409_when_the_status_does_not_allow_them(
    api, user, stub_broker, django_capture_on_commit_callbacks
):
    job = job_for(user, status=JobStatus.COMPLETED)
    assert api.post(f"{JOBS}{job.id}/cancel/").status_code == 409
    assert api.post(f"{JOBS}{job.id}/retry/").status_code == 409
    failed = job_for(user, status=JobStatus.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{JOBS}{failed.id}/retry/")
    assert response.status_code == 200 and response.json()["status"] == "queued"
    assert api.post(f"{JOBS}{failed.id}/cancel/").json()["status"] == "cancelled"


def test_it_needs_a_login_and_accepts_a_token(user):
    anonymous = APIClient()
    assert anonymous.get(JOBS).status_code in (401, 403)
    assert anonymous.post(JOBS, SEED_BODY, format="json").status_code in (401, 403)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(JOBS).status_code == 200


def test_it_answers_429_past_the_active_job_limit(api, user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    job_for(user)
    response = api.post(JOBS, SEED_BODY, format="json")
    assert response.status_code == 429
    assert "limit is 1" in response.json()["detail"]


def test_the_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/jobs/scrape/" in schema.content
    assert api.get("/api/docs/").status_code == 200
