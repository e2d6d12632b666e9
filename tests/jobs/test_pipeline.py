"""A job from the API to its end, run by an in-process Dramatiq worker on the stub broker."""

import logging

import pytest

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.jobs.site import serve_company_site

JOBS = "/api/v1/jobs/scrape/"


def run_all(stub_broker, stub_worker, settings):
    stub_broker.join(settings.SCRAPE_QUEUE, fail_fast=False, timeout=30_000)
    stub_worker.join()


@pytest.fixture
def create_job(api, django_capture_on_commit_callbacks):
    def create(**body):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                JOBS,
                {
                    "industry": "SaaS",
                    "geography": "Sydney, Australia",
                    "keywords": ["B2B", "enterprise"],
                    **body,
                },
                format="json",
            )
        assert response.status_code == 201, response.content
        return ScrapeJob.objects.get(id=response.json()["job_id"])

    return create


@pytest.mark.django_db(transaction=True)
def test_a_job_runs_to_completed_with_its_leads(
    create_job, httpserver, stub_broker, stub_worker, settings, caplog, api
):
    url = serve_company_site(httpserver)
    caplog.set_level(logging.INFO, logger="leadengine.jobs")
    job = create_job(source_types=["website"], urls=[url])

    run_all(stub_broker, stub_worker, settings)

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED, (job.error, job.warnings)
    assert job.started_at and job.completed_at and job.progress == 100 and job.attempts == 1
    assert (job.total_found, job.total_processed, job.total_duplicates) == (1, 1, 0)
    assert job.pages_done >= 2 and job.pages_done == job.pages_planned
    (run,) = job.source_runs.all()
    assert (run.source, run.pages, run.leads, run.error) == ("website", job.pages_done, 1, "")
    lead = RawLead.objects.get(job=job)
    assert lead.company_name == "Harbour Analytics"
    assert lead.email == "hello@harbour-analytics.com.au"
    assert lead.phone == "+61291234567"
    assert lead.raw_payload["socials"]["linkedin"].startswith(
        "https://www.linkedin.com/company/harbour-analytics"
    )
    assert lead.raw_payload["matched_keywords"] == ["B2B", "enterprise"]
    # The worker's log tells the job's story.
    log = "\n".join(record.getMessage() for record in caplog.records)
    for line in ["received", "running", "found 1", "saved 1 new and 0 duplicates", "completed in"]:
        assert line in log
    detail = api.get(f"{JOBS}{job.id}/").json()
    assert detail["status"] == "completed" and detail["total_processed"] == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_site_again_is_counted_as_a_duplicate(
    create_job, httpserver, stub_broker, stub_worker, settings
):
    url = serve_company_site(httpserver)
    create_job(source_types=["website"], urls=[url])
    run_all(stub_broker, stub_worker, settings)
    second = create_job(source_types=["website"], urls=[url])
    run_all(stub_broker, stub_worker, settings)
    second.refresh_from_db()
    assert second.status == JobStatus.COMPLETED
    assert (second.total_found, second.total_processed, second.total_duplicates) == (1, 0, 1)
    assert RawLead.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_every_url_fails_ends_failed_with_the_reasons(
    create_job, stub_broker, stub_worker, settings, monkeypatch
):
    from leadengine.jobs.tasks import run_scrape_job

    monkeypatch.setitem(run_scrape_job.options, "max_retries", 0)
    job = create_job(source_types=["website"], urls=["http://127.0.0.1:9/"])
    run_all(stub_broker, stub_worker, settings)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "127.0.0.1:9" in job.error
    assert job.completed_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_message_delivered_twice_runs_once(create_job, httpserver, stub_broker, stub_worker, settings):
    from leadengine.jobs.tasks import run_scrape_job

    url = serve_company_site(httpserver)
    job = create_job(source_types=["website"], urls=[url])
    run_all(stub_broker, stub_worker, settings)
    run_scrape_job.send(str(job.id))
    run_all(stub_broker, stub_worker, settings)
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.attempts == 1
    assert RawLead.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_for_an_unknown_or_malformed_id_is_acknowledged(stub_broker, stub_worker, settings):
    from leadengine.jobs.tasks import run_scrape_job

    run_scrape_job.send("8d3f0f5e-1111-4222-8333-944455556666")
    run_scrape_job.send("not-a-uuid")
    run_all(stub_broker, stub_worker, settings)
    assert stub_broker.dead_letters == []


def test_a_jobs_warnings_are_kept_to_a_bounded_list(user):
    from leadengine.jobs.pipeline import MAX_WARNINGS, _JobRun
    from scraping.runner import SourceWarning

    job = ScrapeJob.objects.create(
        owner=user, source_types=["website"], urls=["https://a.example/"], status=JobStatus.RUNNING
    )
    run = _JobRun(job)
    for i in range(MAX_WARNINGS + 5):
        run.handle(SourceWarning("website", f"https://a{i}.example/", "refused"))
    kept = run.kept_warnings()
    assert len(kept) == MAX_WARNINGS + 1 and kept[-1] == "... and 5 more"
    assert kept[0] == "website: https://a0.example/: refused"
