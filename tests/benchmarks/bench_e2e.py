"""End to end: whole jobs through the API, RabbitMQ, `rundramatiq` workers and PostgreSQL, against the
crawl alone of the same sites, in the same run.

    python tests/benchmarks/bench_e2e.py [--quick] [--sites 200] [--pages 8] [--threads 8] [--workers 1 2]

The sites are bench_crawl's local server (a process of its own; every site on its own loopback address
127.0.0.2, 127.0.0.3, ...; 50 ms a response; a homepage linking to `pages - 1` contact pages, each with
an address, a phone and an e-mail). For each number of worker processes W:

- crawl only: W processes, each `scraping.runner.run_sources(["website"])` over its share of the
  sites with the workers' own settings (`pipeline.scrape_settings()`) and a total concurrency of
  threads x per-host cap: the in-flight budget of W workers of `threads` threads, each job one site.
- end to end: a `manage.py rundramatiq --processes W --threads T` on a queue of its own; one job a
  site is created through POST /api/v1/jobs/scrape/ (Django's test Client in this process: token-free
  auth, serializer, quota, insert, send on commit) by a new owner (so no lead is a duplicate of the
  previous phase's), and the time runs from the first request to the last job's completed_at.

Each phase has a fresh site server, which counts the pages it served: pages/s is pages served over the
phase's seconds for both, leads/s is leads found (crawl) or saved (end to end) over the same. Target:
end to end pages/s >= 0.8x crawl only, for every W; every job completed, the same pages served.
The figures depend on the load of the machine: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import bench_crawl, harness  # noqa: E402

CRAWL = Path(bench_crawl.__file__)
TARGET = 0.8


def worker_env(db_url: str, queue: str, pages: int) -> dict[str, str]:
    """The settings of the workers and of the crawl-only processes: the same crawl."""
    return harness.bench_env(
        db_url,
        queue,
        LEADENGINE_ALLOW_PRIVATE_URLS="1",
        SCRAPE_PER_HOST_DELAY="0",
        SCRAPE_PER_HOST_CONCURRENCY="2",
        SCRAPE_OBEY_ROBOTS_TXT="1",
        SCRAPE_MAX_PAGES_PER_SITE=str(pages),
        SCRAPE_RETRIES="0",
    )


class SiteServer:
    """bench_crawl's server in a process of its own; its counts once stopped."""

    def __init__(self, sites: int, pages: int) -> None:
        self.port = bench_crawl.free_port(sites)
        self.stats_file = f"/tmp/bench_e2e_{os.getpid()}_{uuid.uuid4().hex[:6]}.json"
        self.process = subprocess.Popen(
            [sys.executable, str(CRAWL), "--serve", str(self.port), "--hosts", str(sites)]
            + ["--pages", str(pages), "--stats", self.stats_file],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the site server did not start")

    def url(self, index: int) -> str:
        return f"http://{bench_crawl.host(index)}:{self.port}/"

    def stop(self) -> dict:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        stats = json.loads(Path(self.stats_file).read_text())
        Path(self.stats_file).unlink()
        return stats


# --- crawl only: a process per worker process, each over its share of the sites ----------------------


def crawl_share(urls: list[str], total: int) -> dict:
    """In a process of its own, Django set up as a worker's: run the website source over `urls`."""
    from leadengine.jobs.pipeline import scrape_settings
    from scraping.runner import LeadsFound, SourceFinished, run_sources
    from scraping.types import Criteria

    settings = replace(scrape_settings(), total_concurrency=total)
    criteria = Criteria(urls=tuple(urls), max_results=len(urls) * 10)
    leads = 0
    errors = []
    for event in run_sources(criteria, ["website"], settings):
        if isinstance(event, LeadsFound):
            leads += len(event.leads)
        elif isinstance(event, SourceFinished) and event.error:
            errors.append(event.error)
    return {"leads": leads, "errors": errors}


def crawl_only(server: SiteServer, sites: int, processes: int, threads: int, env: dict) -> dict:
    shares = [list(range(sites))[n::processes] for n in range(processes)]
    running = [
        subprocess.Popen(
            [sys.executable, __file__, "--crawl-share", ",".join(server.url(i) for i in share)]
            + ["--total", str(threads * 2)],
            cwd=ROOT,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "leadengine.settings"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    # Timed from the moment every process has set Django up, as the workers are before the first job.
    for process in running:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a crawl-only process did not start:\n{process.stderr.read()[-3000:]}")
    started = time.perf_counter()
    for process in running:
        process.stdin.write("go\n")
        process.stdin.flush()
    leads = 0
    for process in running:
        out, err = process.communicate(timeout=900)
        if process.returncode:
            raise RuntimeError(f"a crawl-only process failed:\n{err[-3000:]}")
        figures = json.loads(out.strip().splitlines()[-1])
        if figures["errors"]:
            raise RuntimeError(f"the crawl failed: {figures['errors']}")
        leads += figures["leads"]
    return {"seconds": time.perf_counter() - started, "leads": leads, "jobs": 0}


# --- end to end: the API, RabbitMQ, rundramatiq, PostgreSQL ---------------------------------------------


def start_workers(processes: int, threads: int, queue: str, env: dict) -> subprocess.Popen:
    from leadengine.jobs.models import WorkerHeartbeat

    WorkerHeartbeat.objects.all().delete()
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rundramatiq", "--processes", str(processes)]
        + ["--threads", str(threads), "--queues", queue],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Each worker process writes its heartbeat once booted: then it consumes.
    deadline = time.monotonic() + 120
    while WorkerHeartbeat.objects.count() < processes:
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.kill()
            raise RuntimeError("the workers did not start")
        time.sleep(0.2)
    return worker


def end_to_end(server: SiteServer, sites: int, processes: int, threads: int, queue: str, env: dict) -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Max, Sum
    from rest_framework.test import APIClient

    from leadengine.jobs.models import JobStatus, ScrapeJob

    owner = get_user_model().objects.create_user(f"e2e-{uuid.uuid4().hex[:8]}")
    client = APIClient()
    client.force_authenticate(owner)
    worker = start_workers(processes, threads, queue, env)
    try:
        started = time.time()
        for index in range(sites):
            body = {"source_types": ["website"], "urls": [server.url(index)], "max_results": 50}
            response = client.post("/api/v1/jobs/scrape/", body, format="json")
            assert response.status_code == 201, response.content
        created = time.time() - started
        jobs = ScrapeJob.objects.filter(owner=owner)
        deadline = time.monotonic() + 900
        while jobs.exclude(status__in=[JobStatus.COMPLETED, JobStatus.FAILED]).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the jobs did not finish within 15 minutes")
            time.sleep(0.05)
        figures = jobs.aggregate(last=Max("completed_at"), leads=Sum("total_processed"))
        failed = jobs.filter(status=JobStatus.FAILED).count()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return {
        "seconds": figures["last"].timestamp() - started,
        "leads": figures["leads"] or 0,
        "jobs": sites - failed,
        "failed": failed,
        "create_s": round(created, 2),
    }


def row(kind: str, processes: int, figures: dict, served: dict) -> dict:
    seconds = figures["seconds"]
    return {
        "run": kind,
        "workers": processes,
        "seconds": round(seconds, 2),
        "jobs_per_s": round(figures["jobs"] / seconds, 1) if figures["jobs"] else "",
        "leads_per_s": round(figures["leads"] / seconds, 1),
        "pages_per_s": round(served["pages"] / seconds, 1),
        "pages": served["pages"],
        "leads": figures["leads"],
        "jobs_completed": figures["jobs"] if kind == "end to end" else "",
        "create_s": figures.get("create_s", ""),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 sites (for CI)")
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--pages", type=int, default=8, help="pages per site, homepage included")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker process counts")
    parser.add_argument("--crawl-share", help=argparse.SUPPRESS)
    parser.add_argument("--total", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.crawl_share:
        import django

        django.setup()
        import leadengine.jobs.pipeline  # noqa: F401  imported before the clock starts, as in a worker
        import scraping.runner  # noqa: F401

        print("ready", flush=True)
        sys.stdin.readline()
        print(json.dumps(crawl_share(args.crawl_share.split(","), args.total)))
        return
    if args.quick:
        args.sites = 10
    queue = f"bench_scrape_{uuid.uuid4().hex[:8]}"
    load_before = os.getloadavg()
    rows = []
    with harness.throwaway_database("leadengine_bench_e2e") as db_url:
        env = worker_env(db_url, queue, args.pages)
        harness.django_setup(db_url, **env)
        from django.db import connections

        try:
            for processes in args.workers:
                for kind in ("crawl only", "end to end"):
                    server = SiteServer(args.sites, args.pages)
                    try:
                        if kind == "crawl only":
                            figures = crawl_only(server, args.sites, processes, args.threads, env)
                        else:
                            figures = end_to_end(server, args.sites, processes, args.threads, queue, env)
                    finally:
                        served = server.stop()
                    rows.append(row(kind, processes, figures, served))
        finally:
            connections.close_all()
            harness.delete_queues(queue)

    summary = {
        "quick": args.quick,
        "sites": args.sites,
        "pages_per_site": args.pages,
        "threads_per_worker": args.threads,
        "delay_ms": bench_crawl.DELAY * 1000,
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }
    met = {}
    for crawl, e2e in zip(rows[::2], rows[1::2], strict=True):
        processes = crawl["workers"]
        ratio = harness.ratio(e2e["pages_per_s"], crawl["pages_per_s"])
        summary[f"ratio_pages_per_s_{processes}w"] = ratio
        summary[f"ratio_leads_per_s_{processes}w"] = harness.ratio(e2e["leads_per_s"], crawl["leads_per_s"])
        met[f">={TARGET}x crawl only pages/s, {processes} worker(s)"] = ratio >= TARGET
        met[f"every page served, {processes} worker(s)"] = e2e["pages"] == crawl["pages"]
        met[f"every job completed, {processes} worker(s)"] = e2e["jobs_completed"] == args.sites
    summary["targets_met"] = met
    harness.report("e2e", rows, summary)


if __name__ == "__main__":
    main()
