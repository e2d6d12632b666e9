"""Lead ingest on PostgreSQL: services.job_save_leads against the naive way and against COPY.

    python tests/benchmarks/bench_ingest.py [--quick] [--leads N] [--naive N]

Saves N leads of realistic size (a full payload: emails, phones, socials, people, a description;
about 1.5 kB of JSON each) into one running job, in batches of LEAD_BATCH_SIZE as the worker does,
once with no duplicates and once with half of them already owned by the user (from an earlier job).
In the same run, on the same throwaway database:
- naive: one ORM `save()` per lead, each in its own transaction (a duplicate is an IntegrityError
  caught and rolled back), measured on a smaller count and scaled;
- ceiling: psycopg COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING.
Every method pays the same Python work per lead (identity hash, JSON payload); generating the test
leads is left out of every timing. Targets: >= 30x naive, >= 0.8x the ceiling, peak RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import harness  # noqa: E402

WORDS = [
    "Acme",
    "Northwind",
    "Brightwave",
    "Harbour",
    "Summit",
    "Bluegum",
    "Keystone",
    "Redgate",
    "Silver",
    "Oak",
    "Pioneer",
    "Granite",
    "Meridian",
    "Coastal",
    "Nordlicht",
    "Mueller",
    "Atlas",
    "Vertex",
]
TRADES = ["Analytics", "Logistics", "Dental", "Software", "Roofing", "Engineering", "Consulting", "Legal"]
CITIES = [
    ("Sydney", "NSW", "Australia", "+61 2"),
    ("Berlin", "BE", "Germany", "+49 30"),
    ("London", "", "United Kingdom", "+44 20"),
    ("Austin", "TX", "United States", "+1 512"),
]


def make_lead(index: int, rng: random.Random):
    """A lead as the website source makes one: every field filled, payload about 1.5 kB."""
    from scraping.types import Lead

    name = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {index}"
    slug = name.lower().replace(" ", "-")
    domain = f"{slug}.com.au"
    city, region, country, prefix = CITIES[index % len(CITIES)]
    phone = f"{prefix} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}"
    return Lead(
        source="website",
        company_name=name,
        website=f"https://www.{domain}/",
        industry=TRADES[index % len(TRADES)],
        location=f"{city}, {region}, {country}".replace(", ,", ","),
        address=f"Level {index % 30 + 1}, {rng.randrange(1, 400)} George Street, {city} {region} 2000",
        description=(
            f"{name} helps mid-sized companies in {city} with {TRADES[index % len(TRADES)].lower()} "
            "services since 1998. Our team of specialists works with clients across the region "
            "on projects of every size, from first advice to long-term support and maintenance."
        ),
        email=f"info@{domain}",
        phone=phone.replace(" ", ""),
        source_url=f"https://www.{domain}/contact-us",
        emails=[f"info@{domain}", f"sales@{domain}", f"accounts@{domain}"],
        phones=[phone.replace(" ", ""), f"{prefix.replace(' ', '')}{rng.randrange(10**7, 10**8)}"],
        socials={
            "linkedin": f"https://www.linkedin.com/company/{slug}",
            "twitter": f"https://x.com/{slug[:15]}",
            "facebook": f"https://www.facebook.com/{slug}",
        },
        people=[f"https://www.linkedin.com/in/person-{index}-{n}" for n in range(3)],
        matched_keywords=["consulting", TRADES[index % len(TRADES)].lower()],
        confidence=round(rng.uniform(0.3, 0.99), 2),
        extra={
            "pages": [
                f"https://www.{domain}/",
                f"https://www.{domain}/about",
                f"https://www.{domain}/contact-us",
            ],
            "schema_org": {"@type": "Organization", "foundingDate": "1998"},
        },
    )


def batches(total: int, size: int, seed: int = 7) -> Iterator[list]:
    """The leads 0..total-1 in batches, made as they are asked for (a worker never holds them all)."""
    rng = random.Random(seed)
    for start in range(0, total, size):
        yield [make_lead(index, rng) for index in range(start, min(total, start + size))]


class Timer:
    """Adds up only the timed parts of a loop."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self):
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._started


# --- set-up ------------------------------------------------------------------------------------------


def fresh_state(duplicate_share: float, total: int):
    """An empty lead table, a user, a running job; with duplicates, an earlier job owning every
    second lead (the even ones), so that `duplicate_share` of the leads conflict in the database."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from leadengine.jobs.models import JobStatus, ScrapeJob

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE jobs_rawlead")
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    ScrapeJob.objects.all().delete()
    job = ScrapeJob.objects.create(
        owner=owner, status=JobStatus.RUNNING, urls=["https://x.example/"], source_types=["website"]
    )
    if duplicate_share:
        earlier = ScrapeJob.objects.create(owner=owner, status=JobStatus.COMPLETED, source_types=["website"])
        step = round(1 / duplicate_share)
        seeded = (lead for batch in batches(total, 5000) for lead in batch)
        copy_leads(earlier, (lead for index, lead in enumerate(seeded) if index % step == 0))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE jobs_rawlead")
    return job


def lead_row(job, lead, now) -> tuple:
    from leadengine.jobs.lead_insert import payload_json as _payload_json
    from scraping.normalize import identity

    return (
        uuid.uuid4(),
        job.owner_id,
        job.id,
        lead.source[:32],
        lead.company_name[:300],
        lead.website[:500],
        lead.email[:254],
        lead.phone[:40],
        lead.location[:200],
        lead.confidence,
        _payload_json(lead),
        lead.source_url[:2000],
        identity(lead),
        now,
    )


COLUMNS = (
    "id, owner_id, job_id, source, company_name, website, email, phone, location, confidence, "
    "raw_payload, source_url, data_hash, scraped_at"
)


def copy_leads(job, leads, timer: Timer | None = None) -> int:
    """The ceiling: COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING."""
    from django.db import connection, transaction
    from django.utils import timezone

    timer = timer or Timer()
    now = timezone.now()
    with transaction.atomic():
        raw = connection.connection  # psycopg's own connection, inside Django's transaction
        with raw.cursor() as cursor:
            with timer:
                cursor.execute("CREATE TEMP TABLE bench_incoming (LIKE jobs_rawlead) ON COMMIT DROP")
            with cursor.copy(f"COPY bench_incoming ({COLUMNS}) FROM STDIN") as copy:
                pending: list = []
                for lead in leads:
                    pending.append(lead)
                    if len(pending) == 1000:
                        with timer:
                            for one in pending:
                                copy.write_row(lead_row(job, one, now))
                        pending.clear()
                with timer:
                    for one in pending:
                        copy.write_row(lead_row(job, one, now))
            with timer:
                cursor.execute(
                    f"INSERT INTO jobs_rawlead ({COLUMNS}) SELECT {COLUMNS} FROM bench_incoming "
                    "ON CONFLICT (owner_id, data_hash) DO NOTHING"
                )
                inserted = cursor.rowcount
    return inserted


# --- the three ways ----------------------------------------------------------------------------------


def run_service(job, total: int, batch_size: int) -> tuple[float, int]:
    from leadengine.jobs import services

    timer, new = Timer(), 0
    for batch in batches(total, batch_size):
        with timer:
            new += services.job_save_leads(job, batch).new
    return timer.seconds, new


def run_naive(job, total: int) -> tuple[float, int]:
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from leadengine.jobs.lead_insert import payload_fields as _payload_fields
    from leadengine.jobs.models import RawLead
    from scraping.normalize import identity

    fields = _payload_fields()  # the payload as a plain dict, as the service builds it
    timer, new = Timer(), 0
    for batch in batches(total, 500):
        with timer:
            for lead in batch:
                try:
                    with transaction.atomic():
                        RawLead(
                            owner_id=job.owner_id,
                            job=job,
                            source=lead.source,
                            company_name=lead.company_name,
                            website=lead.website,
                            email=lead.email,
                            phone=lead.phone,
                            location=lead.location,
                            confidence=lead.confidence,
                            raw_payload=dict(zip(fields, map(lead.__getattribute__, fields), strict=True)),
                            source_url=lead.source_url,
                            data_hash=identity(lead),
                            scraped_at=timezone.now(),
                        ).save()
                    new += 1
                except IntegrityError:
                    pass
    return timer.seconds, new


def run_ceiling(job, total: int) -> tuple[float, int]:
    timer = Timer()
    new = copy_leads(job, (lead for batch in batches(total, 1000) for lead in batch), timer)
    return timer.seconds, new


def measure(total: int, naive_total: int, duplicate_share: float, batch_size: int) -> dict:
    from scraping.normalize import identity

    identity(make_lead(0, random.Random(0)))  # loads the public suffix list outside any timing
    service_s, service_new = run_service(fresh_state(duplicate_share, total), total, batch_size)
    service_rss = harness.peak_rss_mb()
    ceiling_s, ceiling_new = run_ceiling(fresh_state(duplicate_share, total), total)
    naive_s, naive_new = run_naive(fresh_state(duplicate_share, naive_total), naive_total)
    expected = total - int(total * duplicate_share)
    assert service_new == ceiling_new == expected, (service_new, ceiling_new, expected)
    naive_scaled = naive_s * total / naive_total
    return {
        "duplicates": f"{int(duplicate_share * 100)}%",
        "leads": total,
        "service_s": round(service_s, 2),
        "service_leads_per_s": round(total / service_s),
        "naive_s_scaled": round(naive_scaled, 1),
        "naive_leads_per_s": round(naive_total / naive_s),
        "ceiling_s": round(ceiling_s, 2),
        "ceiling_leads_per_s": round(total / ceiling_s),
        "x_naive": harness.ratio(naive_scaled, service_s),
        "x_ceiling": harness.ratio(ceiling_s, service_s),
        "peak_rss_mb": round(service_rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 leads, naive on 500 (for CI)")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--naive", type=int, default=5_000, help="leads saved the naive way, then scaled")
    args = parser.parse_args()
    total, naive_total = (5_000, 500) if args.quick else (args.leads, args.naive)

    with harness.throwaway_database("leadengine_bench_ingest") as url:
        harness.django_setup(url)
        from django.conf import settings

        rows = [measure(total, naive_total, share, settings.LEAD_BATCH_SIZE) for share in (0.0, 0.5)]
        from django.db import connections

        connections.close_all()
    peak = harness.peak_rss_mb()
    met = {
        ">=30x naive": all(row["x_naive"] >= 30 for row in rows),
        ">=0.8x ceiling": all(row["x_ceiling"] >= 0.8 for row in rows),
        "peak RSS < 300 MB": peak < 300,
    }
    harness.report(
        "ingest",
        rows,
        {
            "quick": args.quick,
            "batch_size": settings.LEAD_BATCH_SIZE,
            "peak_rss_mb": round(peak),
            "targets_met": met,
        },
    )


if __name__ == "__main__":
    main()
