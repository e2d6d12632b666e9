"""Per-source outcomes of job attempts: recorded for the pipeline, read by the dashboard and metrics.

The only module that writes SourceRun rows (they also go with their job when it is deleted).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Avg, Count, Max, Q, Sum
from django.utils import timezone

from leadengine.jobs.models import ScrapeJob, SourceRun
from scraping.runner import SourceFinished


def source_run_record(job: ScrapeJob, event: SourceFinished) -> SourceRun:
    """Keep how one source did in this attempt of the job."""
    return SourceRun.objects.create(
        job=job,
        source=event.source[:32],
        leads=event.leads,
        seconds=event.seconds,
        pages=event.pages,
        error=event.error[:2000],
        configuration_error=event.configuration_error,
    )


def source_stats(*, days: int = 7) -> list[dict]:
    """Runs, failures, leads and seconds per source over the last `days` days (an indexed range)."""
    since = timezone.now() - timedelta(days=days)
    return list(
        SourceRun.objects.filter(finished_at__gte=since)
        .values("source")
        .annotate(
            runs=Count("id"),
            failures=Count("id", filter=~Q(error="")),
            leads=Sum("leads"),
            avg_seconds=Avg("seconds"),
            max_seconds=Max("seconds"),
        )
        .order_by("source")
    )


def source_runs_purge(*, before: datetime, batch: int = 1000, dry_run: bool = False) -> int:
    """Delete source runs finished before `before`, `batch` at a time; returns how many
    (`dry_run`: how many would go)."""
    old = SourceRun.objects.filter(finished_at__lt=before)
    if dry_run:
        return old.count()
    deleted = 0
    while ids := list(old.values_list("id", flat=True)[:batch]):
        deleted += SourceRun.objects.filter(id__in=ids).delete()[0]
    return deleted
