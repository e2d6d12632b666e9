"""Scale of reads: admin change lists, a job's admin page and the API lists over 1,000,000 leads.

    python tests/benchmarks/bench_reads.py [--quick] [--leads 1000000] [--jobs 100000] [--keep]

`manage.py generate_bench_data` fills a throwaway PostgreSQL database (leads through the services'
fast insert), all of it owned by one staff user: the worst case for the per-owner API lists. Each
page is then requested through Django's test Client in this process, a few times to warm up and
`--repeat` times measured: p50/p95 latency and the number of queries. Every list is also requested
at two page sizes (admin list_per_page 20 and 100, API limit 10 and 100): the query count must not
grow with the page size (no N+1). Target: p95 < 150 ms for every page. Baseline: the cost of a
request that reads nothing (GET /healthz-like trivial view is not comparable, so the figure stands on
its own; the ratio printed is p95 / 150 ms budget).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import harness  # noqa: E402

BUDGET_MS = 150.0


def pages(job_id: str, deep_jobs: int, deep_leads: int) -> list[tuple[str, str, str | None]]:
    """(name, URL, what to resize for the N+1 check: "admin_jobs", "admin_leads", "api" or None)."""
    return [
        ("admin jobs: default", "/admin/jobs/scrapejob/", "admin_jobs"),
        ("admin jobs: filter status=failed", "/admin/jobs/scrapejob/?status__exact=failed", "admin_jobs"),
        ("admin jobs: search", "/admin/jobs/scrapejob/?q=roofing+companies+in+Perth", "admin_jobs"),
        ("admin leads: default", "/admin/jobs/rawlead/", "admin_leads"),
        ("admin leads: filter source=linkedin", "/admin/jobs/rawlead/?source=linkedin", "admin_leads"),
        ("admin leads: search", "/admin/jobs/rawlead/?q=perth-roofing-4242", "admin_leads"),
        ("admin job page", f"/admin/jobs/scrapejob/{job_id}/change/", None),
        ("api jobs: first page", "/api/v1/jobs/scrape/", "api"),
        (f"api jobs: offset {deep_jobs:,}", f"/api/v1/jobs/scrape/?offset={deep_jobs}", "api"),
        ("api leads: first page", "/api/v1/leads/", "api"),
        (f"api leads: offset {deep_leads:,}", f"/api/v1/leads/?offset={deep_leads}", "api"),
        ("api job leads: first page", f"/api/v1/jobs/scrape/{job_id}/leads/", "api"),
    ]


def timed(client, url: str, repeat: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return times, len(queries)


def queries_at(client, url: str, kind: str, size: int) -> int:
    from django.contrib import admin
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leadengine.jobs.models import RawLead, ScrapeJob

    if kind == "api":
        url += ("&" if "?" in url else "?") + f"limit={size}"
    else:
        model_admin = admin.site._registry[ScrapeJob if kind == "admin_jobs" else RawLead]
        model_admin.list_per_page = size
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 leads, 2,000 jobs (for CI)")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", help="reuse this database URL (already generated) instead of a new one")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database (prints its URL)")
    args = parser.parse_args()
    if args.quick:
        args.leads, args.jobs, args.repeat = 20_000, 2_000, 10

    if args.database:
        run(args, args.database, generate=False)
        return
    with harness.throwaway_database("leadengine_bench_reads", keep=args.keep) as url:
        if args.keep:
            print(f"database kept: {url}")
        run(args, url, generate=True)


def run(args, url: str, generate: bool) -> None:
    harness.django_setup(url, DEBUG="1")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client

    from leadengine.jobs.models import RawLead, ScrapeJob

    settings.ALLOWED_HOSTS = ["*"]
    started = time.monotonic()
    if generate:
        call_command("generate_bench_data", leads=args.leads, jobs=args.jobs, stdout=open("/dev/null", "w"))
    generated_s = time.monotonic() - started
    leads, jobs = RawLead.objects.count(), ScrapeJob.objects.count()
    user = get_user_model().objects.get(username="bench")
    client = Client()
    client.force_login(user)
    job_id = str(RawLead.objects.order_by("-scraped_at").values_list("job_id", flat=True)[0])
    rows = []
    for name, page_url, kind in pages(job_id, min(10_000, jobs // 2), min(10_000, leads // 2)):
        times, queries = timed(client, page_url, args.repeat)
        small = queries_at(client, page_url, kind, 20 if kind != "api" else 10) if kind else queries
        large = queries_at(client, page_url, kind, 100) if kind else queries
        p95 = harness.percentile(times, 95)
        rows.append(
            {
                "page": name,
                "p50_ms": round(harness.percentile(times, 50), 1),
                "p95_ms": round(p95, 1),
                "x_budget": round(p95 / BUDGET_MS, 2),
                "queries": queries,
                "queries_small": small,
                "queries_large": large,
                "under_150ms": p95 < BUDGET_MS,
            }
        )
    connections.close_all()
    summary = {
        "quick": args.quick,
        "leads": leads,
        "jobs": jobs,
        "repeat": args.repeat,
        "generate_s": round(generated_s, 1),
        "targets_met": {
            "p95 < 150 ms everywhere": all(row["under_150ms"] for row in rows),
            "no N+1": all(row["queries_small"] == row["queries_large"] for row in rows),
        },
    }
    harness.report("reads", rows, summary)


if __name__ == "__main__":
    main()
