"""The admin's operations page: jobs by status, throughput and failure rate, leads per day, queue depth
and dead letters (requeued from here), workers, and the slowest and failing sources.

Fast with millions of leads: every figure is an aggregate over the jobs table (leads per day are the
jobs' counters, by the day each job was created) or over a bounded window of indexed rows; the leads
table itself is never scanned. Charts are SVG drawn here, on the server: nothing is loaded from elsewhere.

Tenancy: staff see the counts and charts of their own jobs; superusers see everyone's, and only they see
the broker (queue depth, dead letters, requeue) and the sources' figures, which are everyone's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone

from leadengine.db_router import replica_reads
from leadengine.jobs import deadletters, selectors
from leadengine.jobs.models import JobStatus, ScrapeJob
from leadengine.jobs.outcomes import source_stats

DAYS = 30
SOURCE_DAYS = 7
# The throughput chart's windows: buckets of an hour over two days, or of a day over thirty.
PERIODS = {"hour": (timedelta(hours=1), 48), "day": (timedelta(days=1), DAYS)}
CHART_WIDTH = 720
CHART_HEIGHT = 160
RATE_HEIGHT = 80


def leads_per_day(
    *, days: int = DAYS, today: date | None = None, jobs: QuerySet[ScrapeJob] | None = None
) -> list[dict]:
    """New leads saved and leads found per day over the last `days` days, oldest first, zeros filled."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        (ScrapeJob.objects.all() if jobs is None else jobs)
        .filter(created_at__gte=since)
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


def _bucket_starts(period: str, now: datetime) -> list[datetime]:
    step, count = PERIODS[period]
    local = timezone.localtime(now)
    if period == "hour":
        last = local.replace(minute=0, second=0, microsecond=0)
        return [last - step * (count - 1 - n) for n in range(count)]
    today = local.date()
    return [
        timezone.make_aware(datetime.combine(today - timedelta(days=count - 1 - n), datetime.min.time()))
        for n in range(count)
    ]


def throughput(jobs: QuerySet[ScrapeJob], *, period: str = "hour", now: datetime | None = None) -> dict:
    """Jobs completed and failed per bucket, the failure rate, and the SVG geometry that draws them."""
    starts = _bucket_starts(period, now or timezone.now())
    counts = selectors.jobs_finished_per_period(jobs, since=starts[0], period=period)
    slot = CHART_WIDTH / len(starts)
    buckets = []
    for index, start in enumerate(starts):
        completed = counts.get((start, JobStatus.COMPLETED), 0)
        failed = counts.get((start, JobStatus.FAILED), 0)
        finished = completed + failed
        buckets.append(
            {
                "start": start,
                "completed": completed,
                "failed": failed,
                "rate": round(100 * failed / finished) if finished else None,
                "x": round(index * slot + slot * 0.1, 1),
                "middle": round(index * slot + slot / 2, 1),
            }
        )
    peak = max((b["completed"] + b["failed"] for b in buckets), default=0) or 1
    for bucket in buckets:
        bucket["completed_h"] = round(CHART_HEIGHT * bucket["completed"] / peak, 1)
        bucket["failed_h"] = round(CHART_HEIGHT * bucket["failed"] / peak, 1)
        bucket["completed_y"] = round(CHART_HEIGHT - bucket["completed_h"], 1)
        bucket["failed_y"] = round(bucket["completed_y"] - bucket["failed_h"], 1)
        if bucket["rate"] is not None:
            bucket["rate_y"] = round(RATE_HEIGHT - RATE_HEIGHT * bucket["rate"] / 100, 1)
    completed = sum(b["completed"] for b in buckets)
    failed = sum(b["failed"] for b in buckets)
    return {
        "period": period,
        "buckets": buckets,
        "bar_width": round(slot * 0.8, 1),
        "peak": peak,
        "completed": completed,
        "failed": failed,
        "failure_rate": round(100 * failed / (completed + failed)) if completed + failed else None,
        "rate_points": " ".join(f"{b['middle']},{b['rate_y']}" for b in buckets if b["rate"] is not None),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "rate_height": RATE_HEIGHT,
    }


def _operations(request: HttpRequest) -> dict:
    """What only superusers see: the broker's queues and dead letters, and every source's figures."""
    stats = source_stats(days=SOURCE_DAYS)
    context = {
        "slowest_sources": sorted(stats, key=lambda row: row["avg_seconds"] or 0, reverse=True)[:5],
        "failing_sources": sorted(
            (row for row in stats if row["failures"]), key=lambda row: row["failures"], reverse=True
        )[:5],
        "broker_kind": deadletters.broker_kind(),
        "max_listed": deadletters.MAX_LISTED,
    }
    try:
        context["queues"] = deadletters.queue_depths()
        context["dead_letters"] = deadletters.dead_letters()
    except Exception as exc:
        # The rest of the page is worth having while the broker is away.
        context["broker_error"] = type(exc).__name__
    return context


def dashboard_context(request: HttpRequest | None = None) -> dict:
    user = getattr(request, "user", None)
    jobs = ScrapeJob.objects.all() if user is None else selectors.jobs_visible_to(user)
    period = request.GET.get("period", "hour") if request is not None else "hour"
    per_day = leads_per_day(jobs=jobs)
    context = {
        "everyone": user is None or user.is_superuser,
        "jobs_by_status": list(selectors.job_counts_by_status_in(jobs).items()),
        "throughput": throughput(jobs, period=period if period in PERIODS else "hour"),
        "leads_per_day": per_day,
        "leads_saved_in_window": sum(point["saved"] for point in per_day),
        "workers": selectors.workers_seen(),
        "worker_seen_within": int(settings.WORKER_SEEN_WITHIN),
        "source_days": SOURCE_DAYS,
        "days": DAYS,
    }
    if context["everyone"]:
        context.update(_operations(request))
        for row in context.get("queues", []):
            # A queue no worker reads keeps its jobs waiting: a priority's pool that is down, say.
            row["workers"] = sum(row["queue"] in (worker.queues or []) for worker in context["workers"])
    return context


def _dead_letter_action(request: HttpRequest) -> None:
    if not request.user.is_superuser:
        raise PermissionDenied("Only superusers requeue or discard dead letters.")
    queue, message_id = request.POST.get("queue", ""), request.POST.get("message_id", "")
    action = request.POST.get("action")
    try:
        if action == "requeue":
            messages.success(request, deadletters.dead_letter_requeue(queue=queue, message_id=message_id))
        elif action == "discard":
            deadletters.dead_letter_discard(queue=queue, message_id=message_id)
            messages.success(request, f"Dead letter {message_id} discarded.")
        else:
            messages.error(request, "Unknown action: requeue or discard.")
    except deadletters.DeadLetterError as exc:
        messages.error(request, str(exc))
    except Exception as exc:
        messages.error(
            request, f"The broker failed during the {action} ({type(exc).__name__}): the dead letter is kept."
        )


def dashboard_view(request: HttpRequest, site: AdminSite) -> HttpResponse:
    if request.method == "POST":
        _dead_letter_action(request)
        return HttpResponseRedirect(request.get_full_path())
    context = {
        **site.each_context(request),
        "title": "LeadEngine operations",
        # The cards need the page's width at 1280 px: no app sidebar here, as on the job list.
        "is_nav_sidebar_enabled": False,
    }
    if len(messages.get_messages(request)):  # after a dead-letter action: its result, from the primary
        context.update(dashboard_context(request))
    else:
        # Counts and charts a moment behind are fine: the replica may serve them.
        with replica_reads():
            context.update(dashboard_context(request))
    return TemplateResponse(request, "admin/jobs/dashboard.html", context)
