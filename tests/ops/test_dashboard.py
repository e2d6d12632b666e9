"""The admin dashboard, the progress bar and the self-refreshing job page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leadengine.jobs.admin import dashboard
from leadengine.jobs.models import JobStatus, SourceRun
from tests.ops.helpers import make_job


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.django_db
def test_the_dashboard_shows_jobs_leads_queue_workers_and_sources(staff, user, stub_worker):
    today = make_job(user, total_found=7, total_processed=5)
    make_job(user, status=JobStatus.FAILED, created_at=timezone.now() - timedelta(days=3), total_processed=2)
    make_job(user, created_at=timezone.now() - timedelta(days=40), total_processed=1000)  # outside the window
    SourceRun.objects.create(job=today, source="google", seconds=9.0, error="HTTP 500")
    SourceRun.objects.create(job=today, source="website", seconds=2.0)

    response = staff.get("/admin/jobs/scrapejob/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="completed">2<' in page and 'data-status="failed">1<' in page
    assert "last 30 days: 7 new" in page
    assert "Workers seen in the last minute: 1" in page
    assert response.context["slowest_sources"][0]["source"] == "google"
    assert [row["source"] for row in response.context["failing_sources"]] == ["google"]
    series = response.context["leads_per_day"]
    assert len(series) == 30 and series[-1]["saved"] == 5 and series[-1]["found_pct"] == 100
    assert "Operations" in staff.get("/admin/jobs/scrapejob/").content.decode()


@pytest.mark.django_db
def test_the_dashboard_is_for_staff_only(client, user):
    client.force_login(user)
    assert client.get("/admin/jobs/scrapejob/dashboard/").status_code == 302


@pytest.mark.django_db
def test_leads_per_day_reads_only_the_jobs_table(user, django_assert_max_num_queries):
    make_job(user, total_processed=3)
    with django_assert_max_num_queries(1) as queries:
        series = dashboard.leads_per_day()
    assert "jobs_rawlead" not in queries.captured_queries[0]["sql"] and series[-1]["saved"] == 3


@pytest.mark.django_db
def test_a_running_jobs_page_refreshes_itself_and_a_finished_ones_does_not(staff, user):
    running = make_job(user, status=JobStatus.RUNNING, progress=40, pages_done=4, pages_planned=10)
    done = make_job(user, progress=100)
    page = staff.get(f"/admin/jobs/scrapejob/{running.id}/change/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and '<progress value="40"' in page
    assert (
        'http-equiv="refresh"' not in staff.get(f"/admin/jobs/scrapejob/{done.id}/change/").content.decode()
    )
    assert '<progress value="40"' in staff.get("/admin/jobs/scrapejob/").content.decode()
