"""Reads that more than one caller needs: the admin, the API, the metrics and /healthz ask them here.

One function per question, so that two pages never count the same thing two ways.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from leadengine.jobs import workers
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob, WorkerHeartbeat


def jobs_with_source(queryset: QuerySet, source: str) -> QuerySet:
    """Jobs whose source_types include `source`."""
    if connection.features.supports_json_field_contains:
        # PostgreSQL: jsonb containment.
        return queryset.filter(source_types__contains=[source])
    # SQLite stores the list as JSON text; the quotes keep "web" from matching "website".
    return queryset.filter(source_types__icontains=f'"{source}"')


def leads_missing_contacts(job: ScrapeJob) -> QuerySet[RawLead]:
    """The job's leads with a website but no e-mail or no phone: what an enrichment visits again."""
    return RawLead.objects.filter(job=job).filter(Q(email="") | Q(phone="")).exclude(website="")


def job_counts_by_status() -> dict[str, int]:
    """How many jobs have each status, every status present (zero when none): one GROUP BY."""
    return job_counts_by_status_in(ScrapeJob.objects.all())


def workers_seen(within: float | None = None) -> list[WorkerHeartbeat]:
    """Workers alive: this process's embedded workers, and those whose heartbeat row is recent."""
    within = settings.WORKER_SEEN_WITHIN if within is None else within
    since = timezone.now() - timedelta(seconds=within)
    # seen_at is indexed: a range scan, bounded.
    recent = WorkerHeartbeat.objects.filter(seen_at__gte=since).order_by("-seen_at")[:200]
    return workers.embedded_workers() + list(recent)


def jobs_visible_to(user) -> QuerySet[ScrapeJob]:
    """The jobs a signed-in person may see: everyone's for a superuser, their own otherwise."""
    jobs = ScrapeJob.objects.all()
    return jobs if user.is_superuser else jobs.filter(owner_id=user.pk)


def job_counts_by_status_in(jobs: QuerySet[ScrapeJob]) -> dict[str, int]:
    """job_counts_by_status for a subset of the jobs (one owner's): one GROUP BY, every status present."""
    counts = dict(jobs.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in JobStatus.values}


def jobs_finished_per_period(
    jobs: QuerySet[ScrapeJob], *, since: datetime, period: str
) -> dict[tuple[datetime, str], int]:
    """Completed and failed jobs per hour or day (`period`) since `since`: {(bucket start, status): n}.

    One GROUP BY over the jobs finished in the window; the leads table is not read.
    """
    trunc = {"hour": TruncHour, "day": TruncDay}[period]
    rows = (
        jobs.filter(status__in=[JobStatus.COMPLETED, JobStatus.FAILED], completed_at__gte=since)
        .annotate(bucket=trunc("completed_at"))
        .values_list("bucket", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(bucket, status): n for bucket, status, n in rows}
