"""Trials 2 and 3: RabbitMQ stopped and started (`rabbitmqctl stop_app` / `start_app`) under load.

RabbitMQ is started again in a `finally` whatever happens (workers.rabbitmq_stopped).
"""

import time

import pytest
from django.db.models import Count

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.integration.workers import (
    JOBS,
    completions,
    message_count,
    rabbitmq_stopped,
    report,
    wait_finished,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

CRITERIA = {"industry": "SaaS", "source_types": ["website"]}


# Many small jobs: each reads one page of its site, so the trial measures the broker, not the crawl.
SMALL_JOBS = {"SCRAPE_MAX_PAGES_PER_SITE": "1", "SCRAPE_OBEY_ROBOTS_TXT": "0"}


@pytest.fixture(scope="module")
def workers(processes):
    processes.maintenance("broker-maintenance")
    return [processes.worker("broker-A", **SMALL_JOBS), processes.worker("broker-B", **SMALL_JOBS)]


def test_500_queued_jobs_all_complete_across_a_rabbitmq_stop_and_start(
    user, workers, processes, sites, settings
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1000
    pool = [sites.add() for _ in range(5)]
    started = time.monotonic()
    jobs = [
        services.job_create(owner=user, criteria={**CRITERIA, "urls": [pool[n % 5].url]}) for n in range(500)
    ]
    wait_for(lambda: ScrapeJob.objects.filter(status=JobStatus.COMPLETED).count() >= 50, 60, "50 jobs done")
    with rabbitmq_stopped():
        done_before = ScrapeJob.objects.filter(status=JobStatus.COMPLETED).count()
        time.sleep(2)
    wait_finished(jobs, timeout=150)

    done = completions(processes.logs())
    runs = dict(ScrapeJob.objects.values_list("id", "attempts"))
    doubled = sum(count > 1 for count in done.values()) + sum(attempts > 1 for attempts in runs.values())
    report(
        "trial 2, 500 jobs across stop_app/start_app",
        jobs=len(jobs),
        completed_before_stop=done_before,
        lost=sum(job.status != JobStatus.COMPLETED for job in jobs),
        doubled=doubled,
        seconds=round(time.monotonic() - started, 1),
    )
    assert [job.status for job in jobs] == [JobStatus.COMPLETED] * 500
    assert done_before < 500, "the broker stopped after all the work was done: nothing was tried"
    assert doubled == 0 and set(runs.values()) == {1}
    # Each site's company is one lead of the owner; every other job counted it as a duplicate.
    assert RawLead.objects.count() == 5
    totals = ScrapeJob.objects.aggregate(found=Count("id"))
    assert sum(job.total_processed + job.total_duplicates for job in jobs) == totals["found"] == 500


def test_jobs_created_while_rabbitmq_is_down_get_201_and_all_complete_after(
    api, user, workers, processes, sites, settings
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1000
    site = sites.add()
    started = time.monotonic()
    slowest = 0.0
    with rabbitmq_stopped():
        ids = []
        for _ in range(50):
            before = time.monotonic()
            response = api.post(JOBS, {**CRITERIA, "urls": [site.url]}, format="json")
            slowest = max(slowest, time.monotonic() - before)
            assert response.status_code == 201, response.content
            ids.append(response.json()["job_id"])
        unsent = ScrapeJob.objects.filter(id__in=ids, dispatched_at__isnull=True).count()
    jobs = list(ScrapeJob.objects.filter(id__in=ids))
    wait_finished(jobs, timeout=60)

    report(
        "trial 3, 50 jobs created with RabbitMQ down",
        jobs=len(jobs),
        created_201=len(ids),
        unsent=unsent,
        lost=sum(job.status != JobStatus.COMPLETED for job in jobs),
        slowest_request_s=round(slowest, 1),
        seconds=round(time.monotonic() - started, 1),
    )
    assert unsent == 50  # stored, not sent: the maintenance loop sent them
    assert [job.status for job in jobs] == [JobStatus.COMPLETED] * 50
    assert {job.attempts for job in jobs} == {1}
    assert slowest < 15, "a request hung on the broker"
    assert "resent" in processes.started[0].log()
    wait_for(lambda: message_count(settings.SCRAPE_QUEUE) == 0, 10, "the queue to drain")
