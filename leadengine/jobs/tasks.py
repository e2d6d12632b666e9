"""Dramatiq actors, found by django_dramatiq. Thin: the work is in `pipeline`, `services` and `exports`.

Each actor is declared on its `messaging` route: senders reach it by name, without importing this module.
"""

import logging
import traceback
import uuid
from datetime import datetime

import dramatiq
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from dramatiq.middleware import CurrentMessage

from leadengine.jobs import exports, messaging, pipeline, services

log = logging.getLogger(__name__)


@dramatiq.actor(
    actor_name=messaging.SCRAPE_JOB.actor,
    queue_name=messaging.SCRAPE_JOB.queue,
    max_retries=settings.JOB_MAX_RETRIES,
    min_backoff=settings.JOB_MIN_BACKOFF,
    max_backoff=settings.JOB_MAX_BACKOFF,
    time_limit=settings.JOB_TIME_LIMIT,
)
def run_scrape_job(job_id: str) -> None:
    try:
        job_id = str(uuid.UUID(str(job_id)))
    except ValueError:
        # Nothing to run and nothing to retry: acknowledge it so it cannot loop.
        log.error("message ignored: %r is not a job id", job_id)
        return
    try:
        pipeline.run_job(job_id)
    except Exception as exc:
        _record_failure(job_id, exc, started_at=getattr(exc, "attempt_started_at", None))
        raise


# The actor reads every priority's queue: declared here, a worker consumes them all, or those of its
# `rundramatiq --queues` (the same message, actor and retries whatever the queue).
for _queue in messaging.SCRAPE_QUEUES.values():
    run_scrape_job.broker.declare_queue(_queue)


def _record_failure(job_id: str, exc: BaseException, started_at: datetime | None = None) -> None:
    """Show the failed attempt on the job: `retrying` while Dramatiq will try again, else `failed`.

    `started_at`, the attempt's claim stamp: a retry a person started meanwhile is left alone.
    """
    message = CurrentMessage.get_current_message()
    retries = message.options.get("retries", 0) if message else settings.JOB_MAX_RETRIES
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database connection itself broke (a restart, a terminated backend): open a new one, or
        # the job would stay `running` and the retry's claim would not take it.
        connection.close()
    try:
        if retries < run_scrape_job.options["max_retries"]:
            services.job_mark_retrying(job_id, error=error, started_at=started_at)
            log.warning(
                "job %s attempt failed, will retry: %s",
                job_id,
                error,
                extra={"job_id": job_id, "event": "retrying"},
            )
        else:
            services.job_fail(job_id, error=error, traceback=_traceback_of(exc), started_at=started_at)
            log.error(
                "job %s failed after its last attempt: %s",
                job_id,
                error,
                extra={"job_id": job_id, "event": "failed"},
            )
    except Exception:
        # The database is still away: the heartbeat stops, and `requeue_stale` takes the job back.
        log.exception("job %s: could not record the failure", job_id)


@dramatiq.actor(
    actor_name=messaging.LEAD_EXPORT.actor,
    queue_name=messaging.LEAD_EXPORT.queue,
    max_retries=0,
    time_limit=settings.EXPORT_TIME_LIMIT,
)
def run_lead_export(export_id: str) -> None:
    """Write one CSV export; a failure is kept on the export (people create it again), not retried."""
    exports.export_run(export_id)


def _traceback_of(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
