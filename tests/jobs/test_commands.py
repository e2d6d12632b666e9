"""The manage.py commands: scrape (with --wait), requeue_stale, maintenance --once, ensure_dev_admin."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.jobs.site import serve_company_site


@pytest.mark.django_db(transaction=True)
def test_scrape_creates_a_job_and_follows_it_to_completed(user, httpserver, stub_broker, stub_worker):
    url = serve_company_site(httpserver)
    out = StringIO()
    call_command(
        "scrape",
        "--user",
        "ana",
        "--source",
        "website",
        "--url",
        url,
        "--keyword",
        "B2B",
        "--wait",
        "--timeout",
        "30",
        stdout=out,
    )
    job = ScrapeJob.objects.get()
    assert job.status == JobStatus.COMPLETED and job.owner == user
    assert RawLead.objects.filter(job=job).count() == 1
    output = out.getvalue()
    assert f"job {job.id} queued" in output and "completed: 1 leads saved" in output


def test_scrape_refuses_bad_arguments_and_stores_nothing(user):
    with pytest.raises(CommandError, match="urls"):
        call_command("scrape", "--user", "ana", "--source", "website", "--url", "ftp://a.example/")
    with pytest.raises(CommandError, match="no user named"):
        call_command("scrape", "--user", "nobody", "--url", "https://a.example/")
    assert not ScrapeJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_scrape_wait_reports_a_failed_job(user, stub_broker, stub_worker, monkeypatch):
    from leadengine.jobs.tasks import run_scrape_job

    monkeypatch.setitem(run_scrape_job.options, "max_retries", 0)
    with pytest.raises(CommandError, match="failed"):
        call_command(
            "scrape",
            "--user",
            "ana",
            "--url",
            "http://127.0.0.1:9/",
            "--wait",
            "--timeout",
            "30",
            stdout=StringIO(),
        )


def test_requeue_stale_and_maintenance_once_resend_unsent_jobs(user, stub_broker, settings):
    from datetime import timedelta

    from django.utils import timezone

    ScrapeJob.objects.create(
        owner=user,
        source_types=["website"],
        urls=["https://a.example/"],
        created_at=timezone.now() - timedelta(hours=1),
    )
    out = StringIO()
    call_command("requeue_stale", stdout=out)
    assert "1 resent" in out.getvalue()
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 1
    # Sent now: the loop has nothing more to send.
    call_command("maintenance", "--once", stdout=StringIO())
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 1


def test_ensure_dev_admin_creates_one_login_and_prints_it(db, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.DEBUG = True
    first, second = StringIO(), StringIO()
    call_command("ensure_dev_admin", "--url", "http://127.0.0.1:8123/", stdout=first)
    call_command("ensure_dev_admin", "--url", "http://127.0.0.1:8123/", stdout=second)
    password = (tmp_path / "var" / "dev-login.txt").read_text().strip()
    assert "http://127.0.0.1:8123/admin/" in first.getvalue()
    assert f"admin / {password}" in first.getvalue() and f"admin / {password}" in second.getvalue()
    from django.contrib.auth import authenticate

    assert authenticate(username="admin", password=password).is_superuser


def test_ensure_dev_admin_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("ensure_dev_admin", stdout=StringIO())


@pytest.mark.django_db(transaction=True)  # VACUUM cannot run inside a transaction
def test_generate_bench_data_stores_jobs_with_their_leads_and_counts_them():
    call_command("generate_bench_data", "--leads", "25", "--jobs", "5", "--owner", "bench", stdout=StringIO())
    jobs = ScrapeJob.objects.filter(owner__username="bench")
    assert jobs.count() == 5 and RawLead.objects.filter(owner__username="bench").count() == 25
    assert sorted(jobs.values_list("total_found", "total_processed")) == [(5, 5)] * 5
