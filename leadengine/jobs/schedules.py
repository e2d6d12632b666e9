"""Schedules: due ScrapeSchedules create their jobs, once per slot however many runners look.

A runner (the maintenance loop; several may run) reads the due schedules, then takes each slot with
one conditional UPDATE that moves `next_run_at` from the value it read to the next slot. One runner
updates one row and creates the job in the same transaction; any other updates zero rows and moves
on. Slots missed while nothing ran are not made up: a schedule due three times over runs once and
then waits for its next slot in the future.

This module is the only writer of ScrapeSchedule rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadengine.jobs import services
from leadengine.jobs.models import ScrapeSchedule

log = logging.getLogger(__name__)

MIN_INTERVAL = 60  # seconds: the maintenance loop runs every few seconds; faster schedules are a mistake


def validate_timing(*, interval_seconds: int | None, cron: str) -> None:
    """Exactly one of an interval (at least MIN_INTERVAL seconds) or a valid cron expression."""
    if bool(interval_seconds) == bool(cron):
        raise ValidationError("Give either an interval in seconds or a cron expression, not both.")
    if interval_seconds and interval_seconds < MIN_INTERVAL:
        raise ValidationError({"interval_seconds": f"At least {MIN_INTERVAL} seconds."})
    if cron and not croniter.is_valid(cron):
        raise ValidationError({"cron": f"Not a valid cron expression: {cron!r}."})


def next_slot(schedule: ScrapeSchedule, after: datetime) -> datetime:
    """The first slot strictly after `after`. Cron expressions read in TIME_ZONE."""
    if schedule.interval_seconds:
        return after + timedelta(seconds=schedule.interval_seconds)
    local = after.astimezone(ZoneInfo(settings.TIME_ZONE))
    return croniter(schedule.cron, local).get_next(datetime).astimezone(ZoneInfo("UTC"))


def schedule_save(schedule: ScrapeSchedule) -> ScrapeSchedule:
    """Validate and store a schedule; an empty next_run_at gets its first slot."""
    validate_timing(interval_seconds=schedule.interval_seconds, cron=schedule.cron)
    if schedule.next_run_at is None:
        schedule.next_run_at = next_slot(schedule, timezone.now())
    schedule.save()
    return schedule


def schedules_delete(schedules: QuerySet[ScrapeSchedule]) -> int:
    """Delete schedules (people's deletes in the admin); the jobs they created stay."""
    return schedules.delete()[0]


@dataclass(frozen=True)
class ScheduleRound:
    created: int  # jobs created
    skipped: int  # slots taken whose job could not be created (the owner's active-job limit)


def run_due_schedules(*, now: datetime | None = None, limit: int = 100) -> ScheduleRound:
    """Create the jobs of schedules due at `now`. Safe to run from several processes at once."""
    now = now or timezone.now()
    due = list(
        ScrapeSchedule.objects.filter(enabled=True, next_run_at__lte=now)
        .select_related("owner")
        .order_by("next_run_at")[:limit]
    )
    created = skipped = 0
    for schedule in due:
        outcome = _run_slot(schedule, now)
        created += outcome == "created"
        skipped += outcome == "skipped"
    if created or skipped:
        log.info("schedules: %d jobs created, %d slots skipped", created, skipped)
    return ScheduleRound(created=created, skipped=skipped)


def _run_slot(schedule: ScrapeSchedule, now: datetime) -> str:
    following = next_slot(schedule, max(now, schedule.next_run_at))
    with transaction.atomic():
        taken = ScrapeSchedule.objects.filter(
            id=schedule.id, enabled=True, next_run_at=schedule.next_run_at
        ).update(next_run_at=following, last_run_at=now)
        if not taken:
            return "taken"  # another runner got this slot first
        try:
            with transaction.atomic():
                job = services.job_create(
                    owner=schedule.owner, criteria={**schedule.criteria(), "schedule": schedule}
                )
        except services.ActiveJobLimitExceeded as exc:
            ScrapeSchedule.objects.filter(id=schedule.id).update(last_error=str(exc))
            log.warning("schedule %s: slot skipped: %s", schedule.id, exc)
            return "skipped"
        ScrapeSchedule.objects.filter(id=schedule.id).update(last_job=job, last_error="")
    log.info(
        "schedule %s created job %s",
        schedule.id,
        job.id,
        extra={"job_id": str(job.id), "owner": schedule.owner_id, "event": "scheduled"},
    )
    return "created"
