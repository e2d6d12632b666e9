"""The only code that writes ScrapeJob and RawLead rows: every change of a job or a lead is a function here.

Jobs are created, sent, claimed, beat, completed, failed, released, cancelled, retried, requeued and
purged here (each run of a job is kept by `attempts`, in the same transaction); leads are saved in
batches (the SQL is in `lead_insert`), merged by enrichment jobs and purged with their jobs. Every
status change is one conditional UPDATE from an allowed set of previous statuses, so two workers, or a
worker and a person in the admin, can race without harm: the loser updates zero rows and knows it
lost. Sending a job to the broker (`messaging`) happens after the commit that made it sendable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from leadengine.jobs import attempts, enrichment, lead_insert, messaging, workers
from leadengine.jobs.models import (
    ACTIVE_STATUSES,
    AttemptOutcome,
    JobStatus,
    RawLead,
    ScrapeJob,
)

# job_sql: a create in one round trip; recovery: which running jobs lost their worker (read by job_claim
# and requeue_stale); housekeeping: purges, people's deletes, bulk rows, part of these services.
from leadengine.jobs.services import job_sql, recovery
from leadengine.jobs.services.housekeeping import (  # noqa: F401  re-exported: services.jobs_purge ...
    PurgeResult,
    jobs_bulk_create,
    jobs_delete,
    jobs_purge,
    jobs_recount_leads,
    leads_bulk_insert,
    leads_delete,
)
from scraping.normalize import identity
from scraping.types import Lead

log = logging.getLogger(__name__)


class InvalidTransition(Exception):
    """The job is not in a status that allows this change."""


class ActiveJobLimitExceeded(Exception):
    """The owner already has as many queued or running jobs as allowed."""


class JobStopped(Exception):
    """The job is no longer running for this worker (cancelled, or taken back): stop working on it."""


def max_attempts() -> int:
    return settings.JOB_MAX_RETRIES + 1


# Creating and sending


def _check_active_limit(owner_id: int) -> None:
    """Raise when the owner has MAX_ACTIVE_JOBS_PER_USER active jobs. Call inside a transaction.

    Locking the owner's row serialises one owner's creations and retries, so that two requests
    cannot both pass the limit.
    """
    active = job_sql.active_jobs_locked(owner_id, settings.MAX_ACTIVE_JOBS_PER_USER)
    if active >= settings.MAX_ACTIVE_JOBS_PER_USER:
        raise ActiveJobLimitExceeded(
            f"You already have {active} jobs queued or running; "
            f"the limit is {settings.MAX_ACTIVE_JOBS_PER_USER}."
        )


def job_create(*, owner, criteria: dict[str, Any]) -> ScrapeJob:
    """Store a queued job for `owner` and send it to the workers once the transaction commits."""
    job = ScrapeJob(owner=owner, status=JobStatus.QUEUED, **criteria)
    # The confirm wait of the send, and its stamp, run on the process's sender thread.
    send = partial(messaging.send_scrape_job_soon, job.id, job.priority, job_sql.stamp_dispatched)
    if job_sql.one_message_insert_applies():
        limit = settings.MAX_ACTIVE_JOBS_PER_USER
        if not job_sql.insert_within_limit(job, limit):
            raise ActiveJobLimitExceeded(
                f"You already have {limit} jobs queued or running; the limit is {limit}."
            )
        send()
    else:
        with transaction.atomic():
            _check_active_limit(owner.pk)
            job.save(force_insert=True)
            transaction.on_commit(send)
    log.info("job %s queued", job.id, extra={"job_id": str(job.id), "owner": owner.pk, "event": "queued"})
    return job


def job_dispatch(job_id: UUID | str, priority: str | None = None) -> bool:
    """Send the job's id to the workers, on its priority's queue (read from the row when not given).
    A failed send leaves the job for `requeue_stale`."""
    if priority is None:
        priority = ScrapeJob.objects.filter(id=job_id).values_list("priority", flat=True).first() or ""
    if not messaging.send_scrape_job(job_id, priority):
        # The job stays queued with no dispatched_at: the maintenance loop sends it again once the
        # broker is back.
        return False
    job_sql.stamp_dispatched([job_id])
    return True


# The worker's side


def _this_attempt(job: ScrapeJob) -> QuerySet[ScrapeJob]:
    """The job while it runs the attempt `job` was claimed for.

    A claim stamps `started_at`; a cancelled attempt's worker that runs on after a retry started a new
    one finds no row here, so it can neither add to the new attempt's counters nor end it.
    """
    return ScrapeJob.objects.filter(id=job.id, status=JobStatus.RUNNING, started_at=job.started_at)


def job_claim(job_id: UUID | str) -> ScrapeJob | None:
    """Take the job for this worker, or return None when it is not ours to run.

    None means another worker has it, or it was cancelled, finished or deleted: a message
    delivered twice therefore runs once. A running job whose heartbeat stopped (its worker died)
    can be claimed again, up to the attempt limit.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_AFTER)
    claimable = Q(status__in=[JobStatus.QUEUED, JobStatus.RETRYING]) | Q(
        status=JobStatus.RUNNING, heartbeat_at__lt=stale, attempts__lt=max_attempts()
    )
    job = _claim(ScrapeJob.objects.filter(claimable, id=job_id), job_id, now)
    if job is None and (holder := recovery.dead_holder(job_id)):
        # Running, but on a worker that died: its message came back when its connection closed.
        orphaned = ScrapeJob.objects.filter(
            id=job_id, status=JobStatus.RUNNING, claimed_by=holder, attempts__lt=max_attempts()
        )
        job = _claim(orphaned, job_id, timezone.now())
    return job


def _claim(claimable: QuerySet[ScrapeJob], job_id: UUID | str, now: datetime) -> ScrapeJob | None:
    with transaction.atomic():
        claimed = claimable.update(
            status=JobStatus.RUNNING,
            claimed_by=workers.current_worker_id(),
            started_at=now,
            heartbeat_at=now,
            completed_at=None,
            attempts=F("attempts") + 1,
            # Counters start again: leads saved by an interrupted attempt are recognised as this
            # job's own when they are found again, so the totals end as an undisturbed run's.
            total_found=0,
            total_processed=0,
            total_duplicates=0,
            pages_done=0,
            pages_planned=0,
            progress=0,
            warnings=[],
        )
        if not claimed:
            return None
        job = ScrapeJob.objects.get(id=job_id)
        attempts.start(job, now)
    return job


@dataclass(frozen=True)
class SaveResult:
    found: int
    new: int
    duplicates: int


def job_save_leads(job: ScrapeJob, leads: list[Lead]) -> SaveResult:
    """Insert a batch of leads, skipping those the owner already has, and count them on the job.

    One transaction: the leads and the counters land together or not at all. Raises JobStopped,
    saving nothing, when the job stopped running meanwhile (cancelled, or taken back).
    """
    rows: dict[str, Lead] = {}
    for lead in leads:
        rows.setdefault(identity(lead), lead)
    now = timezone.now()
    with transaction.atomic():
        # A conflict with a lead of this same job is an interrupted attempt's work, not a duplicate.
        inserted, own = lead_insert.save_leads(job, rows, now) if rows else (set(), 0)
        duplicates = len(leads) - len(inserted) - own
        updated = _this_attempt(job).update(
            total_found=F("total_found") + len(leads),
            total_processed=F("total_processed") + len(inserted) + own,
            total_duplicates=F("total_duplicates") + duplicates,
            heartbeat_at=now,
        )
        if not updated:
            raise JobStopped(job.id)
    return SaveResult(found=len(leads), new=len(inserted), duplicates=duplicates)


def leads_merge_enrichment(job: ScrapeJob, found: list[Lead]) -> int:
    """Merge an enrichment job's leads into the owner's existing leads; returns how many changed.

    The rules are `enrichment.merged`: what a lead had is kept, what it missed is filled.
    """
    if not enrichment.is_enrichment(job) or not found:
        return 0
    by_hash = {identity(lead): lead for lead in found}
    changed = 0
    with transaction.atomic():
        existing = (
            RawLead.objects.select_for_update()
            .filter(owner_id=job.owner_id, data_hash__in=list(by_hash))
            .exclude(job_id=job.id)
        )
        for row in existing:
            if changes := enrichment.merged(row, by_hash[row.data_hash], job):
                changes["raw_payload"] = lead_insert.capped_payload(changes["raw_payload"])
                RawLead.objects.filter(id=row.id).update(**changes)
                changed += 1
    if changed:
        log.info(
            "job %s enriched %d leads",
            job.id,
            changed,
            extra={"job_id": str(job.id), "owner": job.owner_id, "event": "enriched", "leads": changed},
        )
    return changed


def job_heartbeat(job: ScrapeJob, *, pages_done: int, pages_planned: int) -> None:
    """Record that the worker is alive, with its progress. Raises JobStopped when it should stop.

    Sources plan pages as they discover them (a search, then the sites it found), so pages done over
    pages planned alone reads 100% after the first page and falls back when the plan grows. Progress
    is therefore the lesser of that ratio and of the leads found over the leads the job may find,
    kept below 100 until the job completes, and raised in the UPDATE itself (GREATEST): never lowered.
    """
    pages_pct = 100 * pages_done // pages_planned if pages_planned else 0
    # +1 on both sides: a job that has found nothing yet is not at 0 when its pages are all done.
    leads_pct = (F("total_found") + 1) * 100 / Value(job.expected_leads + 1)
    reading = Least(Value(99), Value(pages_pct), leads_pct)
    updated = _this_attempt(job).update(
        heartbeat_at=timezone.now(),
        pages_done=pages_done,
        pages_planned=Greatest(F("pages_planned"), Value(pages_planned)),
        progress=Greatest(F("progress"), reading),
    )
    if not updated:
        raise JobStopped(job.id)


def job_complete(job: ScrapeJob, *, warnings: list[str], pages_done: int = 0, pages_planned: int = 0) -> bool:
    now = timezone.now()
    with transaction.atomic():
        completed = _this_attempt(job).update(
            status=JobStatus.COMPLETED,
            completed_at=now,
            heartbeat_at=now,
            progress=100,
            pages_done=pages_done,
            pages_planned=max(pages_planned, pages_done),
            warnings=warnings,
            error="",
            traceback="",
        )
        if completed:
            attempts.end(job.id, AttemptOutcome.COMPLETED)
    return bool(completed)


def job_mark_retrying(job_id: UUID | str, *, error: str, started_at: datetime | None = None) -> bool:
    """The attempt failed and Dramatiq will run the job again after a backoff.

    `started_at`: the failed attempt's claim stamp; a later attempt of the same job is left alone.
    """
    running = ScrapeJob.objects.filter(id=job_id, status=JobStatus.RUNNING)
    if started_at is not None:
        running = running.filter(started_at=started_at)
    with transaction.atomic():
        marked = running.update(status=JobStatus.RETRYING, error=error, heartbeat_at=None)
        if marked:
            attempts.retrying(job_id, error)
    return bool(marked)


def job_fail(
    job_id: UUID | str,
    *,
    error: str,
    traceback: str = "",
    warnings: list[str] | None = None,
    started_at: datetime | None = None,
) -> bool:
    """End the job as failed, keeping why. Finished jobs, and with `started_at` (the failed attempt's
    claim stamp) a later attempt of the same job, are left as they are."""
    changes = {
        "status": JobStatus.FAILED,
        "error": error,
        "traceback": traceback,
        "completed_at": timezone.now(),
    }
    if warnings is not None:
        changes["warnings"] = warnings
    with transaction.atomic():
        active = ScrapeJob.objects.filter(id=job_id, status__in=ACTIVE_STATUSES)
        if started_at is not None:  # that attempt's end: only while it still runs
            active = active.filter(status=JobStatus.RUNNING, started_at=started_at)
        failed = active.update(**changes)
        if failed:
            attempts.end(job_id, AttemptOutcome.FAILED, error=error)
    return bool(failed)


def job_release(job: ScrapeJob) -> bool:
    """Hand a running job back (its worker is shutting down): another worker runs it from the start.

    The interrupted attempt does not count against the job's attempts.
    """
    with transaction.atomic():
        released = _this_attempt(job).update(
            status=JobStatus.QUEUED, heartbeat_at=None, dispatched_at=None, attempts=F("attempts") - 1
        )
        if released:
            attempts.end(job.id, AttemptOutcome.RELEASED)
            transaction.on_commit(partial(job_dispatch, job.id, job.priority))
    return bool(released)


# People's actions


def job_cancel(job: ScrapeJob) -> None:
    """Cancel a queued or running job. A running job stops at its next batch, keeping what it saved."""
    with transaction.atomic():
        cancelled = ScrapeJob.objects.filter(id=job.id, status__in=ACTIVE_STATUSES).update(
            status=JobStatus.CANCELLED, completed_at=timezone.now()
        )
        if cancelled:
            attempts.end(job.id, AttemptOutcome.CANCELLED)
    if not cancelled:
        raise InvalidTransition(f"A {job.status} job cannot be cancelled.")
    log.info("job %s cancelled", job.id, extra={"job_id": str(job.id), "event": "cancelled"})


def job_retry(job: ScrapeJob) -> None:
    """Queue a failed or cancelled job again, from the start, and send it after the commit.

    Raises InvalidTransition for other statuses and ActiveJobLimitExceeded past the owner's cap.
    """
    with transaction.atomic():
        # A retried job is active again: it counts against the same cap as a new one, or cancelling
        # and retrying would get round MAX_ACTIVE_JOBS_PER_USER.
        _check_active_limit(job.owner_id)
        retried = ScrapeJob.objects.filter(
            id=job.id, status__in=[JobStatus.FAILED, JobStatus.CANCELLED]
        ).update(
            status=JobStatus.QUEUED,
            attempts=0,
            error="",
            traceback="",
            warnings=[],
            progress=0,
            started_at=None,
            completed_at=None,
            heartbeat_at=None,
            dispatched_at=None,
        )
        if not retried:
            raise InvalidTransition(
                f"Only failed or cancelled jobs can be retried; this one is {job.status}."
            )
        transaction.on_commit(partial(job_dispatch, job.id, job.priority))
    log.info("job %s retried", job.id, extra={"job_id": str(job.id), "event": "retried"})


# Maintenance


@dataclass(frozen=True)
class RequeueResult:
    requeued: int  # running jobs whose worker stopped beating, sent again
    failed: int  # the same, past their last attempt
    resent: int  # queued jobs whose message never reached the broker


def requeue_stale(*, limit: int = 500) -> RequeueResult:
    """Take back jobs whose worker died and send again jobs whose message was never confirmed.

    Rows are locked with SKIP LOCKED and sent before the lock is released, so several maintenance
    processes running at once never send the same job twice.
    """
    # Outside the transaction: asking whether a worker is gone may take a few seconds.
    dead_workers = recovery.dead_claimers()
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_AFTER)
    undispatched = now - timedelta(seconds=settings.JOB_REDISPATCH_AFTER)
    requeued = failed = resent = 0
    with transaction.atomic():
        dead = list(
            ScrapeJob.objects.select_for_update(skip_locked=True)
            .filter(Q(heartbeat_at__lt=stale) | Q(claimed_by__in=dead_workers), status=JobStatus.RUNNING)
            .values_list("id", "attempts", "priority")[:limit]
        )
        for job_id, tries, priority in dead:
            if tries >= max_attempts():
                message = f"The worker stopped responding; gave up after {tries} attempts."
                failed += job_fail(job_id, error=message)
                continue
            ScrapeJob.objects.filter(id=job_id, status=JobStatus.RUNNING).update(
                status=JobStatus.QUEUED, heartbeat_at=None, dispatched_at=None, claimed_by=""
            )
            attempts.end(job_id, AttemptOutcome.INTERRUPTED, error=attempts.WORKER_GONE)
            requeued += job_dispatch(job_id, priority)
    with transaction.atomic():
        unsent = list(
            ScrapeJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED, dispatched_at__isnull=True, created_at__lt=undispatched)
            .values_list("id", "priority")[:limit]
        )
        for job_id, priority in unsent:
            resent += job_dispatch(job_id, priority)
    if requeued or failed or resent:
        log.info("requeue_stale: %d requeued, %d failed, %d resent", requeued, failed, resent)
    return RequeueResult(requeued=requeued, failed=failed, resent=resent)


def jobs_resend_unfinished() -> int:
    """Embedded mode: the in-memory queue died with the previous process; queue its unfinished jobs
    again and send them. Returns how many were sent."""
    running = ScrapeJob.objects.filter(status=JobStatus.RUNNING)
    attempts.interrupt(running, "The previous process stopped.")
    running.update(status=JobStatus.QUEUED, heartbeat_at=None)
    ScrapeJob.objects.filter(status=JobStatus.RETRYING).update(status=JobStatus.QUEUED)
    queued = ScrapeJob.objects.filter(status=JobStatus.QUEUED).values_list("id", "priority")
    return sum(job_dispatch(job_id, priority) for job_id, priority in queued)
