"""Per-source outcomes of job attempts: written by the pipeline, read by the dashboard and metrics."""

from __future__ import annotations

from datetime import timedelta

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
