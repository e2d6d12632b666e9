"""The runs of a job, one JobAttempt each: opened when a worker claims the job, closed with how it
ended (and, for a failure Dramatiq retries, when the retry is due).

The only module that writes JobAttempt rows; `services` calls it in the same transaction as the job's
own status change, so a job's page never shows an attempt its status contradicts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from leadengine.jobs.models import AttemptOutcome, JobAttempt, ScrapeJob

WORKER_GONE = "The worker stopped responding."


def start(job: ScrapeJob, now: datetime) -> JobAttempt:
    """Open the attempt a claim starts; a stale running job's open attempt ended with its worker."""
    end(job.id, AttemptOutcome.INTERRUPTED, error=WORKER_GONE)
    return JobAttempt.objects.create(job=job, number=job.attempts, started_at=now)


def end(
    job_id: UUID | str,
    outcome: str,
    *,
    error: str = "",
    retry_from: datetime | None = None,
    retry_by: datetime | None = None,
) -> int:
    """Close the job's open attempt (if any) with its outcome."""
    return JobAttempt.objects.filter(job_id=job_id, finished_at__isnull=True).update(
        finished_at=timezone.now(),
        outcome=outcome,
        error=error[:2000],
        retry_from=retry_from,
        retry_by=retry_by,
    )


def interrupt(jobs: QuerySet[ScrapeJob], error: str) -> int:
    """Close the open attempts of `jobs` as interrupted (their process went away)."""
    return JobAttempt.objects.filter(job__in=jobs, finished_at__isnull=True).update(
        finished_at=timezone.now(), outcome=AttemptOutcome.INTERRUPTED, error=error
    )


def retrying(job_id: UUID | str, error: str) -> int:
    """Close the job's attempt as failed, with the window in which Dramatiq retries it."""
    attempt = ScrapeJob.objects.values_list("attempts", flat=True).get(id=job_id)
    retry_from, retry_by = retry_window(attempt, timezone.now())
    return end(job_id, AttemptOutcome.RETRYING, error=error, retry_from=retry_from, retry_by=retry_by)


def retry_window(attempt: int, now: datetime) -> tuple[datetime, datetime]:
    """When Dramatiq runs the retry after failed attempt number `attempt` (1 for the first run).

    Its Retries middleware waits JOB_MIN_BACKOFF * 2**retries ms with jitter up to twice that,
    brought back to 50-100% of JOB_MAX_BACKOFF past the cap: a window, not an instant.
    """
    base = settings.JOB_MIN_BACKOFF * 2 ** max(0, attempt - 1)
    cap = settings.JOB_MAX_BACKOFF
    earliest, latest = (base, 2 * base) if 2 * base <= cap else (min(base, cap // 2), cap)
    return now + timedelta(milliseconds=earliest), now + timedelta(milliseconds=latest)
