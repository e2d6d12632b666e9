"""Schedules create their jobs once per slot, however many runners look at once."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from django.utils import timezone

from leadengine.jobs import schedules
from leadengine.jobs.models import ScrapeJob, ScrapeSchedule

CRITERIA = {"source_types": ["website"], "urls": ["https://www.example.com/"], "search_query": "weekly"}


def make_schedule(owner, **fields) -> ScrapeSchedule:
    values = {
        "name": "weekly",
        "interval_seconds": 3600,
        "next_run_at": timezone.now() - timedelta(seconds=1),
        **CRITERIA,
    }
    return ScrapeSchedule.objects.create(owner=owner, **{**values, **fields})


@pytest.mark.django_db
def test_a_due_schedule_creates_one_job_and_moves_to_its_next_slot(user, django_capture_on_commit_callbacks):
    schedule = make_schedule(user)
    due_at = schedule.next_run_at
    with django_capture_on_commit_callbacks(execute=False):
        first = schedules.run_due_schedules()
        second = schedules.run_due_schedules()
    assert (first.created, second.created) == (1, 0)
    job = ScrapeJob.objects.get()
    assert job.schedule == schedule and job.owner == user and job.urls == CRITERIA["urls"]
    schedule.refresh_from_db()
    assert schedule.last_job == job and schedule.next_run_at > due_at + timedelta(seconds=3599)


@pytest.mark.django_db
def test_a_runner_that_read_a_slot_another_took_creates_nothing(user, django_capture_on_commit_callbacks):
    schedule = make_schedule(user)
    stale_copy = ScrapeSchedule.objects.get(id=schedule.id)  # what a second runner read
    with django_capture_on_commit_callbacks(execute=False):
        assert schedules.run_due_schedules().created == 1
        assert schedules._run_slot(stale_copy, timezone.now()) == "taken"
    assert ScrapeJob.objects.count() == 1


@pytest.mark.django_db
def test_missed_slots_run_once_and_disabled_schedules_never(user, django_capture_on_commit_callbacks):
    make_schedule(user, next_run_at=timezone.now() - timedelta(hours=5))
    make_schedule(user, name="off", enabled=False)
    with django_capture_on_commit_callbacks(execute=False):
        assert schedules.run_due_schedules().created == 1
    assert ScrapeSchedule.objects.get(name="weekly").next_run_at > timezone.now()


@pytest.mark.django_db
def test_a_slot_over_the_owners_limit_is_skipped_with_the_reason(
    user, settings, django_capture_on_commit_callbacks
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 0
    schedule = make_schedule(user)
    with django_capture_on_commit_callbacks(execute=False):
        assert schedules.run_due_schedules().skipped == 1
    schedule.refresh_from_db()
    assert ScrapeJob.objects.count() == 0 and "limit" in schedule.last_error


def test_cron_slots_follow_the_expression_in_the_time_zone(settings):
    settings.TIME_ZONE = "UTC"
    schedule = ScrapeSchedule(cron="0 6 * * 1")  # Mondays at 06:00
    after = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)  # a Wednesday
    assert schedules.next_slot(schedule, after) == datetime(2025, 1, 6, 6, 0, tzinfo=UTC)
    with pytest.raises(ValidationError):
        schedules.validate_timing(interval_seconds=None, cron="not cron")
    with pytest.raises(ValidationError):
        schedules.validate_timing(interval_seconds=3600, cron="0 6 * * 1")
    with pytest.raises(ValidationError):
        schedules.validate_timing(interval_seconds=5, cron="")


@pytest.mark.django_db
def test_the_admin_creates_a_schedule_with_its_first_slot(client, admin_user, user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/jobs/scrapeschedule/add/",
        {
            "owner": user.pk,
            "name": "Mondays",
            "enabled": "on",
            "cron": "0 6 * * 1",
            "industry": "",
            "geography": "",
            "keywords": "[]",
            "source_types": '["website"]',
            "search_query": "",
            "filters": "{}",
            "urls": '["https://www.example.com/"]',
            "max_results": 50,
            "enrich": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    schedule = ScrapeSchedule.objects.get()
    assert schedule.next_run_at.weekday() == 0 and schedule.next_run_at > timezone.now()
    bad = client.post(
        "/admin/jobs/scrapeschedule/add/",
        {
            "owner": user.pk,
            "name": "bad",
            "cron": "61 * * * *",
            "source_types": '["website"]',
            "keywords": "[]",
            "filters": "{}",
            "urls": "[]",
            "max_results": 5,
        },
    )
    assert bad.status_code == 200 and b"Not a valid cron expression" in bad.content


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runners_create_one_job_per_slot(user):
    if connection.vendor != "postgresql":
        from tests.conftest import need_services

        need_services("PostgreSQL")
    for n in range(10):
        make_schedule(user, name=f"s{n}")
    barrier = threading.Barrier(4)
    created = []

    def runner():
        try:
            barrier.wait()
            created.append(schedules.run_due_schedules().created)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(created) == 10
    assert ScrapeJob.objects.count() == 10
    assert set(ScrapeJob.objects.values_list("schedule__name", flat=True)) == {f"s{n}" for n in range(10)}
