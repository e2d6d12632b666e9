"""Which running jobs lost their worker: part of the services, read by `job_claim` and `requeue_stale`.

A job's claim records the worker process that runs it (`claimed_by`, its heartbeat's worker id). When
that worker is dead by `workers.dead_workers` (heartbeat row silent, or gone from the broker), its
jobs are taken back at once instead of after JOB_STALE_AFTER of silence on the job itself: RabbitMQ
hands a killed worker's unacknowledged message to another worker within a second, and that worker's
claim takes the job; the maintenance loop takes back the rest.
"""

from __future__ import annotations

import logging
from uuid import UUID

from leadengine.jobs import workers
from leadengine.jobs.models import JobStatus, ScrapeJob

log = logging.getLogger(__name__)


def dead_holder(job_id: UUID | str) -> str:
    """The worker id holding this running job when that worker is dead, else "".

    Called by a claim that found the job running: a message handed back by a dead worker's broker
    connection. Blocks a few seconds at most (WORKER_PRESENCE_GRACE) when the holder looks gone.
    """
    holder = (
        ScrapeJob.objects.filter(id=job_id, status=JobStatus.RUNNING)
        .values_list("claimed_by", flat=True)
        .first()
    )
    if not holder or holder == workers.current_worker_id():
        return ""
    if holder in workers.dead_workers([holder], look_twice=True):
        log.warning(
            "job %s: worker %s is gone, taking the job over", job_id, holder, extra={"job_id": str(job_id)}
        )
        return holder
    return ""


def dead_claimers() -> set[str]:
    """The dead workers that still hold running jobs."""
    holders = (
        ScrapeJob.objects.filter(status=JobStatus.RUNNING)
        .exclude(claimed_by="")
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    return workers.dead_workers(set(holders))
