"""The admin's operations page: jobs by status, leads per day, queue depth, workers, and the slowest
and failing sources.

Fast with millions of leads: every figure is an aggregate over the jobs table (leads per day are the
jobs' counters, by the day each job was created) or over a bounded window of indexed rows; the leads
table itself is never scanned.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.admin import AdminSite
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.utils import timezone

from leadengine import health
from leadengine.jobs import selectors
from leadengine.jobs.models import ScrapeJob
from leadengine.jobs.outcomes import source_stats

DAYS = 30
SOURCE_DAYS = 7


def leads_per_day(*, days: int = DAYS, today: date | None = None) -> list[dict]:
    """New leads saved and leads found per day over the last `days` days, oldest first, zeros filled."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(timezone.datetime.combine(first, timezone.datetime.min.time()))
    rows = (
        ScrapeJob.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(saved=Sum("total_processed"), found=Sum("total_found"))
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        series.append({"day": day, "saved": row.get("saved") or 0, "found": row.get("found") or 0})
    peak = max((point["found"] for point in series), default=0) or 1
    for point in series:
        point["saved_pct"] = round(100 * point["saved"] / peak)
        point["found_pct"] = round(100 * point["found"] / peak)
    return series


def dashboard_context() -> dict:
    stats = source_stats(days=SOURCE_DAYS)
    per_day = leads_per_day()
    return {
        "jobs_by_status": list(selectors.job_counts_by_status().items()),
        "leads_per_day": per_day,
        "leads_saved_in_window": sum(point["saved"] for point in per_day),
        "queue": health.check_broker(),
        "workers": selectors.workers_seen(),
        "slowest_sources": sorted(stats, key=lambda row: row["avg_seconds"] or 0, reverse=True)[:5],
        "failing_sources": sorted(
            (row for row in stats if row["failures"]), key=lambda row: row["failures"], reverse=True
        )[:5],
        "source_days": SOURCE_DAYS,
        "days": DAYS,
    }


def dashboard_view(request, site: AdminSite):
    context = {**site.each_context(request), "title": "LeadEngine dashboard", **dashboard_context()}
    return TemplateResponse(request, "admin/jobs/dashboard.html", context)
