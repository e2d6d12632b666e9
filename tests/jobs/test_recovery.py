"""A dead worker's jobs are taken back at once: by the claim of the message RabbitMQ hands back, or by
`requeue_stale`, when the worker that claimed the job is gone from the broker or its heartbeat row is
silent, while the job's own heartbeat still looks fresh."""

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from dramatiq import Message

from leadengine.jobs import services, workers
from leadengine.jobs.models import JobStatus, ScrapeJob, WorkerHeartbeat
from tests.integration.workers import rabbitmq_sending, require_services

pytestmark = pytest.mark.django_db(transaction=True)


def running_job(owner, holder: str) -> ScrapeJob:
    """A job mid-run on `holder`, its own heartbeat fresh: JOB_STALE_AFTER says nothing yet."""
    now = timezone.now()
    return ScrapeJob.objects.create(
        owner=owner,
        status=JobStatus.RUNNING,
        source_types=["website"],
        urls=["https://a.example/"],
        attempts=1,
        started_at=now,
        heartbeat_at=now,
        claimed_by=holder,
    )


def heartbeat(worker: str, seconds_ago: float) -> None:
    workers.beat(worker, queues=["scrape_jobs"])
    WorkerHeartbeat.objects.filter(worker_id=worker).update(
        seen_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_a_job_whose_workers_heartbeat_row_went_silent_is_claimed_again(user, settings):
    settings.WORKER_DEAD_AFTER = 45
    heartbeat("host:1:dead", seconds_ago=60)
    heartbeat("host:2:live", seconds_ago=5)
    orphan, busy = running_job(user, "host:1:dead"), running_job(user, "host:2:live")

    claimed = services.job_claim(orphan.id)
    assert claimed is not None and claimed.attempts == 2 and claimed.claimed_by == ""
    assert services.job_claim(busy.id) is None
    busy.refresh_from_db()
    assert (busy.status, busy.attempts, busy.claimed_by) == (JobStatus.RUNNING, 1, "host:2:live")


def test_requeue_stale_takes_back_the_jobs_of_dead_workers_only(user, settings, stub_broker):
    heartbeat("host:1:dead", seconds_ago=60)
    heartbeat("host:2:live", seconds_ago=5)
    orphan, busy = running_job(user, "host:1:dead"), running_job(user, "host:2:live")

    assert services.requeue_stale().requeued == 1
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert (orphan.status, orphan.claimed_by) == (JobStatus.QUEUED, "")
    assert busy.status == JobStatus.RUNNING
    sent = [Message.decode(body).args for body in stub_broker.queues[settings.SCRAPE_QUEUE].queue]
    assert sent == [(str(orphan.id),)]


@pytest.mark.services
def test_a_worker_gone_from_rabbitmq_is_dead_within_the_grace(user, settings):
    require_services()
    settings.WORKER_PRESENCE_GRACE = 0.2
    with rabbitmq_sending():
        presence, stop = workers.Presence("host:3:alive"), threading.Event()
        holder = threading.Thread(target=presence.hold, args=(30, stop))
        holder.start()
        try:
            # Fresh heartbeat rows for both: only the broker tells them apart.
            heartbeat("host:3:alive", seconds_ago=0)
            heartbeat("host:4:killed", seconds_ago=0)
            deadline = timezone.now() + timedelta(seconds=10)
            while workers.gone_from_broker(["host:3:alive"]) and timezone.now() < deadline:
                stop.wait(0.05)
            assert workers.dead_workers(["host:3:alive", "host:4:killed"]) == {"host:4:killed"}

            orphan = running_job(user, "host:4:killed")
            assert services.job_claim(orphan.id).attempts == 2
            busy = running_job(user, "host:3:alive")
            assert services.job_claim(busy.id) is None
        finally:
            stop.set()
            holder.join(5)
        presence.close()
        # Its connection closed: RabbitMQ drops its consumer and its queue.
        assert workers.dead_workers(["host:3:alive"]) == {"host:3:alive"}
