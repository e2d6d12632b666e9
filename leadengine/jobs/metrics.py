"""Prometheus metrics of LeadEngine, computed from the database and the broker when scraped.

Computed at scrape time by a custom collector (not counters kept in a process's memory), so every
web process answers the same numbers whatever process ran the jobs. Each scrape is a handful of
aggregate queries on the jobs table and the per-source outcomes; the leads table is never counted.
Totals come from rows that `manage.py purge` deletes: after a purge they drop, which Prometheus
reads as a counter reset.
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from leadengine import health
from leadengine.jobs import messaging, selectors
from leadengine.jobs.models import FINISHED_STATUSES, LeadExport, ScrapeJob, SourceRun

log = logging.getLogger(__name__)

DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600)


def _job_metrics():
    jobs = GaugeMetricFamily("leadengine_jobs", "Scrape jobs by status.", labels=["status"])
    for status, count in selectors.job_counts_by_status().items():
        jobs.add_metric([status], count)
    yield jobs

    totals = ScrapeJob.objects.aggregate(
        found=Sum("total_found"), saved=Sum("total_processed"), duplicates=Sum("total_duplicates")
    )
    for name, key, text in [
        ("leadengine_leads_found", "found", "Leads found by jobs."),
        ("leadengine_leads_saved", "saved", "New leads saved by jobs."),
        ("leadengine_lead_duplicates", "duplicates", "Leads found that the owner had."),
    ]:
        yield CounterMetricFamily(name, text, value=totals[key] or 0)


def _duration_histogram():
    finished = ScrapeJob.objects.filter(
        status__in=FINISHED_STATUSES, started_at__isnull=False, completed_at__isnull=False
    )
    elapsed = F("completed_at") - F("started_at")
    aggregates = {
        f"le_{b}": Count("id", filter=Q(completed_at__lte=F("started_at") + timedelta(seconds=b)))
        for b in DURATION_BUCKETS
    }
    row = finished.aggregate(total=Count("id"), seconds=Sum(elapsed), **aggregates)
    seconds = row["seconds"].total_seconds() if row["seconds"] else 0.0
    buckets = [(str(float(b)), row[f"le_{b}"]) for b in DURATION_BUCKETS] + [("+Inf", row["total"])]
    yield HistogramMetricFamily(
        "leadengine_job_duration_seconds",
        "Run time of finished jobs' last attempt.",
        buckets=buckets,
        sum_value=seconds,
    )


def _source_metrics():
    runs = CounterMetricFamily(
        "leadengine_source_runs", "Source runs by outcome.", labels=["source", "outcome"]
    )
    errors = CounterMetricFamily(
        "leadengine_source_errors", "Source runs that ended with an error.", labels=["source"]
    )
    for row in (
        SourceRun.objects.values("source")
        .annotate(total=Count("id"), failed=Count("id", filter=~Q(error="")))
        .order_by("source")
    ):
        runs.add_metric([row["source"], "ok"], row["total"] - row["failed"])
        runs.add_metric([row["source"], "failed"], row["failed"])
        errors.add_metric([row["source"]], row["failed"])
    yield runs
    yield errors


def _runtime_metrics():
    depth = GaugeMetricFamily(
        "leadengine_queue_messages",
        "Messages in the scrape queue of each priority.",
        labels=["queue", "state"],
    )
    try:
        for queue in messaging.SCRAPE_QUEUES.values():
            for state, count in health.queue_depths(queue).items():
                depth.add_metric([queue, state], count)
    except Exception:
        log.warning("metrics: queue depth unavailable", exc_info=True)
    yield depth
    yield GaugeMetricFamily(
        "leadengine_workers_seen",
        "Worker processes with a recent heartbeat.",
        value=len(selectors.workers_seen()),
    )
    exports = GaugeMetricFamily("leadengine_exports", "CSV exports by status.", labels=["status"])
    for status, count in LeadExport.objects.values_list("status").annotate(n=Count("id")).order_by():
        exports.add_metric([status], count)
    yield exports


class LeadEngineCollector:
    def collect(self):
        yield from _job_metrics()
        yield from _duration_histogram()
        yield from _source_metrics()
        yield from _runtime_metrics()


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LeadEngineCollector())
    return generate_latest(registry)


@require_GET
def metrics_view(request):
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
