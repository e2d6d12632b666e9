"""Per-user quotas: the job creation rate (DRF throttle "job_create") and the cap on active jobs.

Both limits are read from settings (JOB_CREATE_RATE, MAX_ACTIVE_JOBS_PER_USER) and answer 429 with
the limit in the message; one user reaching a limit never stops another.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from leadengine.jobs.api.jobs import JobCreateThrottle
from leadengine.jobs.models import JobStatus, ScrapeJob

ROOT = Path(__file__).resolve().parents[2]

JOBS = "/api/v1/jobs/scrape/"
BODY = {"industry": "SaaS", "source_types": ["website"], "urls": ["https://acme.example/"]}


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_creation_rate_follows_the_setting_and_answers_429_with_retry_after(api, other_user, settings):
    settings.JOB_CREATE_RATE = "3/minute"
    settings.MAX_ACTIVE_JOBS_PER_USER = 100
    assert [api.post(JOBS, BODY, format="json").status_code for _ in range(3)] == [201, 201, 201]

    refused = api.post(JOBS, BODY, format="json")

    assert refused.status_code == 429
    assert "throttled" in refused.json()["detail"].lower() and int(refused["Retry-After"]) > 0
    assert ScrapeJob.objects.count() == 3
    # Reading is not throttled, and another user has a rate of their own.
    assert api.get(JOBS).status_code == 200
    assert client_of(other_user).post(JOBS, BODY, format="json").status_code == 201


def test_the_creation_rate_defaults_to_the_documented_120_a_minute_and_follows_the_environment():
    # The settings module read afresh, as a process starting with (or without) the variable would.
    readme = (ROOT / "README.md").read_text()
    assert "| `JOB_CREATE_RATE` | `120/minute` |" in readme
    assert rate_in_a_new_process(JOB_CREATE_RATE=None) == "120/minute"
    assert rate_in_a_new_process(JOB_CREATE_RATE="7/hour") == "7/hour"
    assert JobCreateThrottle().parse_rate("120/minute") == (120, 60)


def rate_in_a_new_process(**environment: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if key not in environment}
    env.update({key: value for key, value in environment.items() if value is not None})
    code = "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']"
    code += "['job_create'], settings.JOB_CREATE_RATE)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "leadengine.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    throttle_rate, setting = result.stdout.split()
    assert throttle_rate == setting
    return setting


def test_the_active_job_cap_answers_429_with_the_limit(api, user, other_user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 2
    created = [api.post(JOBS, BODY, format="json") for _ in range(2)]
    assert [response.status_code for response in created] == [201, 201]

    refused = api.post(JOBS, BODY, format="json")

    assert refused.status_code == 429
    assert "the limit is 2" in refused.json()["detail"]
    assert ScrapeJob.objects.filter(owner=user).count() == 2
    assert client_of(other_user).post(JOBS, BODY, format="json").status_code == 201
    # A finished job frees its place.
    ScrapeJob.objects.filter(id=created[0].json()["job_id"]).update(status=JobStatus.COMPLETED)
    assert api.post(JOBS, BODY, format="json").status_code == 201


@pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING])
def test_every_active_status_counts_against_the_cap(api, user, settings, status):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    ScrapeJob.objects.create(owner=user, status=status, source_types=["google"], industry="x")
    assert api.post(JOBS, BODY, format="json").status_code == 429


def test_retrying_a_job_counts_against_the_cap(api, user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    cancelled = ScrapeJob.objects.create(owner=user, status=JobStatus.CANCELLED, source_types=["google"])
    ScrapeJob.objects.create(owner=user, status=JobStatus.QUEUED, source_types=["google"])

    response = api.post(f"{JOBS}{cancelled.id}/retry/")

    assert response.status_code == 429 and "the limit is 1" in response.json()["detail"]
    cancelled.refresh_from_db()
    assert cancelled.status == JobStatus.CANCELLED


def test_enrichment_jobs_count_against_the_cap(api, user, settings):
    from leadengine.jobs.models import RawLead

    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    job = ScrapeJob.objects.create(owner=user, status=JobStatus.QUEUED, source_types=["google"])
    lead = RawLead.objects.create(
        owner=user,
        job=job,
        source="google",
        company_name="Acme",
        website="https://acme.example/",
        data_hash="b" * 64,
    )
    response = api.post("/api/v1/leads/enrich/", {"lead_ids": [str(lead.id)]}, format="json")
    assert response.status_code == 429 and "the limit is 1" in response.json()["detail"]
