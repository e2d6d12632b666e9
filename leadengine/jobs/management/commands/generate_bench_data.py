"""Fill the database with jobs and leads for the read benchmark (tests/benchmarks/bench_reads.py).

    python manage.py generate_bench_data --leads 1000000 --jobs 100000 [--owner bench]

Meant for a throwaway database. Jobs are bulk-created over the past year (mostly completed, some
failed, running or queued); their leads go in through the services' own fast insert
(`services.leads_bulk_insert`: INSERT ... SELECT FROM unnest on PostgreSQL), leads/jobs per job,
then the counters are set in one UPDATE (`services.jobs_recount_leads`) and the tables analysed.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, ScrapeJob
from scraping.normalize import identity
from scraping.types import Lead

TRADES = ["dental", "logistics", "software", "roofing", "legal", "accounting", "engineering", "analytics"]
CITIES = ["Sydney", "Perth", "Berlin", "Vienna", "London", "Austin", "Zurich", "Madrid"]
SOURCES = ["website", "google", "linkedin", "crunchbase"]
STATUSES = (
    [JobStatus.COMPLETED] * 90 + [JobStatus.FAILED] * 6 + [JobStatus.RUNNING] * 2 + [JobStatus.QUEUED] * 2
)


class Command(BaseCommand):
    help = "Generate jobs and leads for the read benchmark (use a throwaway database)."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=1_000_000)
        parser.add_argument("--jobs", type=int, default=100_000)
        parser.add_argument("--owner", default="bench")

    def handle(self, *args, leads: int, jobs: int, owner: str, **options):
        started = time.monotonic()
        user, _ = get_user_model().objects.get_or_create(
            username=owner,
            defaults={"is_staff": True, "is_superuser": True, "email": f"{owner}@bench.example"},
        )
        rng = random.Random(42)
        now = timezone.now()
        created = self._jobs(user, jobs, rng, now)
        per_job, extra = divmod(leads, jobs)
        number = 0
        for start in range(0, len(created), 500):
            with transaction.atomic():
                for offset, job in enumerate(created[start : start + 500]):
                    count = per_job + (1 if start + offset < extra else 0)
                    rows = {}
                    for _ in range(count):
                        lead = _lead(number, rng)
                        rows[identity(lead)] = lead
                        number += 1
                    if rows:
                        services.leads_bulk_insert(
                            job, rows, scraped_at=job.created_at + timedelta(minutes=1)
                        )
            self.stdout.write(f"\r{number:,} leads", ending="")
        self.stdout.write("")
        services.jobs_recount_leads()
        with connection.cursor() as cursor:
            for table in ("jobs_scrapejob", "jobs_rawlead"):
                cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")
        self.stdout.write(f"{jobs:,} jobs and {number:,} leads in {time.monotonic() - started:.0f} s")

    def _jobs(self, user, count: int, rng: random.Random, now) -> list[ScrapeJob]:
        jobs = []
        for index in range(count):
            created = now - timedelta(seconds=rng.randrange(365 * 86400))
            status = rng.choice(STATUSES)
            trade, city = rng.choice(TRADES), rng.choice(CITIES)
            jobs.append(
                ScrapeJob(
                    owner=user,
                    status=status,
                    industry=trade,
                    geography=city,
                    search_query=f"{trade} companies in {city} {index}",
                    source_types=[rng.choice(SOURCES)],
                    created_at=created,
                    started_at=created + timedelta(seconds=2),
                    completed_at=created + timedelta(minutes=3)
                    if status in (JobStatus.COMPLETED, JobStatus.FAILED)
                    else None,
                    error="SourcesFailed: every source failed" if status == JobStatus.FAILED else "",
                    progress=100 if status == JobStatus.COMPLETED else 40,
                    attempts=1,
                )
            )
        return services.jobs_bulk_create(jobs)


def _lead(number: int, rng: random.Random) -> Lead:
    trade, city = rng.choice(TRADES), rng.choice(CITIES)
    name = f"{city} {trade.title()} {number}"
    domain = f"{city.lower()}-{trade}-{number}.com"
    return Lead(
        source=rng.choice(SOURCES),
        company_name=name,
        website=f"https://www.{domain}/",
        email=f"info@{domain}" if number % 3 else "",
        phone=f"+61 8 {9000_0000 + number % 10_000_000}",
        location=f"{city}",
        source_url=f"https://www.{domain}/contact",
        industry=trade,
        description=f"{name} serves businesses across {city}.",
        emails=[f"info@{domain}"],
        confidence=round(rng.uniform(0.2, 1.0), 2),
    )
