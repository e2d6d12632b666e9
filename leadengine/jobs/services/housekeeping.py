"""The housekeeping half of `services` (ScrapeJob and RawLead still change only through it): purges by
age, people's deletes from the admin, and the bulk rows of `generate_bench_data`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery

from leadengine.jobs import lead_insert
from leadengine.jobs.models import FINISHED_STATUSES, RawLead, ScrapeJob
from scraping.types import Lead


@dataclass(frozen=True)
class PurgeResult:
    jobs: int
    leads: int


def jobs_purge(*, before: datetime, batch: int = 1000, dry_run: bool = False) -> PurgeResult:
    """Delete finished jobs created before `before` with their leads (`dry_run`: count them only).

    Jobs still queued or running stay, however old. Small batches (`batch` jobs, five times as many
    leads) so that no statement holds locks for long.
    """
    jobs = ScrapeJob.objects.filter(created_at__lt=before, status__in=FINISHED_STATUSES)
    if dry_run:
        return PurgeResult(jobs=jobs.count(), leads=RawLead.objects.filter(job__in=jobs).count())
    deleted_jobs = deleted_leads = 0
    while job_ids := list(jobs.values_list("id", flat=True)[:batch]):
        leads = RawLead.objects.filter(job_id__in=job_ids)
        while lead_ids := list(leads.values_list("id", flat=True)[: batch * 5]):
            deleted_leads += RawLead.objects.filter(id__in=lead_ids).delete()[0]
        with transaction.atomic():
            deleted_jobs += ScrapeJob.objects.filter(id__in=job_ids).delete()[1].get("jobs.ScrapeJob", 0)
    return PurgeResult(jobs=deleted_jobs, leads=deleted_leads)


# People's deletes (the admin's delete action and page)


def jobs_delete(jobs: QuerySet[ScrapeJob]) -> int:
    """Delete jobs with their leads and source runs; their exports and schedules forget them."""
    return jobs.delete()[1].get("jobs.ScrapeJob", 0)


def leads_delete(leads: QuerySet[RawLead]) -> int:
    return leads.delete()[0]


# Bulk data (`generate_bench_data`): rows stored as they are, nothing claimed or sent


def jobs_bulk_create(jobs: list[ScrapeJob]) -> list[ScrapeJob]:
    return ScrapeJob.objects.bulk_create(jobs, batch_size=5000)


def leads_bulk_insert(job: ScrapeJob, leads: dict[str, Lead], *, scraped_at: datetime) -> int:
    """Insert leads (keyed by identity hash) as the job's without counting them on it; returns how
    many were new."""
    return len(lead_insert.insert_leads(job, leads, scraped_at))


def jobs_recount_leads() -> int:
    """Set every job's found and saved counters to the number of its leads."""
    totals = RawLead.objects.filter(job=OuterRef("pk")).values("job").annotate(n=Count("*")).values("n")
    return ScrapeJob.objects.update(total_found=Subquery(totals), total_processed=Subquery(totals))
