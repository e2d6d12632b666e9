"""Crawl: the website source against Scrapy on the same local sites, same caps, same run, three shapes.

    python tests/benchmarks/bench_crawl.py [--quick] [--shape many-hosts|one-site|small-sites|all]
                                           [--hosts H --pages P --per-host C --total T] [--profile]

Shapes (full / --quick), each with the same caps for both crawlers:
- many-hosts: 50 sites x 40 pages, per-host 2, total 32 (quick: 10 x 20);
- one-site: 1 site x 400 pages, per-host 4, total 32 (quick: 1 x 100);
- small-sites: 500 sites x 4 pages, per-host 2, total 32, the enrichment shape (quick: 100 x 4).
`--hosts/--pages/--per-host/--total` run one custom shape instead.

A local server (asyncio streams, HTTP/1.1 keep-alive, in a process of its own) serves `hosts` sites,
one per loopback address (127.0.0.2, 127.0.0.3, ..., 127.0.1.2, ...) on one port, each answering
after 50 ms. A site is
a homepage linking to `pages - 1` contact-like pages ("Contact our Berlin office", /contact/office-7),
so that the website source's discovery (contact-like links, bounded by max_pages_per_site) and a
Scrapy spider following every link fetch the same `pages` pages per site; robots.txt allows all, and
/sitemap.xml is a 404. The server counts the requests in flight per host and in all, and keeps both
maxima: each crawler's caps are verified there, not taken on trust.

Each crawler runs in a fresh process of its own (so its peak RSS is its own): ours is
scraping.runner.run_sources(["website"]) with ScrapeSettings(allow_private_urls=True,
per_host_concurrency, per_host_delay=0, total_concurrency, max_pages_per_site=pages, robots obeyed);
Scrapy 2.19 (requirements/bench.txt) runs a CrawlerProcess with CONCURRENT_REQUESTS_PER_DOMAIN,
CONCURRENT_REQUESTS, DOWNLOAD_DELAY=0, ROBOTSTXT_OBEY on Twisted's epoll reactor. Not on its default
asyncio reactor: there Scrapy 2.19's downloader starts each download in a task created after the
slot's free-slot check, so a slot hands out every queued request at once and the per-domain cap is not
held (the server counted 32 in flight on one host with a cap of 2). Scrapy's start requests are not
exempt from its duplicate filter, so it does not fetch each homepage twice. Scrapy only extracts
links; ours also parses every page for contacts (that is its job), which is counted in its time.
Each crawler's timer starts once it is set up (imports done, extraction's data loaded), as in a
long-lived worker. Targets per shape: pages/s >= 1.2x Scrapy's, peak RSS no higher, both caps held
by both crawlers at the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import harness  # noqa: E402
from tests.benchmarks.crawl_sites import DELAY, free_port, homepage, host, office_page, serve  # noqa: E402, F401

# --- the two crawlers, each run in a process of its own ----------------------------------------------


def crawl_ours(urls: list[str], per_host: int, total: int, pages: int) -> dict:
    from scraping.runner import LeadsFound, Progress, SourceFinished, run_sources
    from scraping.types import Criteria, ScrapeSettings

    settings = ScrapeSettings(
        allow_private_urls=True,
        per_host_concurrency=per_host,
        per_host_delay=0.0,
        total_concurrency=total,
        max_pages_per_site=pages,
        obey_robots_txt=True,
        retries=0,
    )
    criteria = Criteria(urls=tuple(urls), max_results=len(urls))
    warm_up(criteria)
    leads = done = 0
    errors = []
    started, cpu = time.perf_counter(), cpu_seconds()
    for event in run_sources(criteria, ["website"], settings):
        if isinstance(event, LeadsFound):
            leads += len(event.leads)
        elif isinstance(event, Progress):
            done += event.pages_done
        elif isinstance(event, SourceFinished) and event.error:
            errors.append(event.error)
    return {
        "seconds": time.perf_counter() - started,
        "crawl_cpu_s": cpu_seconds() - cpu,
        "leads": leads,
        "pages_done": done,
        "errors": errors,
    }


def cpu_seconds() -> float:
    """CPU time of this process so far, every thread's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def warm_up(criteria) -> None:
    """Load what extraction loads once per process (the cities index, phone metadata), as a worker has."""
    from scraping import extract

    extract.region_for(criteria.geography, "http://127.0.0.1/")
    page = extract.parse_page(office_page(0, 1).decode(), "http://127.0.0.1/contact/office-1", None)
    extract.build_lead([page], criteria, "http://127.0.0.1/", source="website")


def crawl_scrapy(urls: list[str], per_host: int, total: int, pages: int) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    fetched = []

    class SiteSpider(scrapy.Spider):
        name = "bench"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.parse)

        def parse(self, response):
            fetched.append(response.url)
            for href in response.css("a::attr(href)").getall():
                if not href.startswith(("mailto:", "tel:")):
                    yield response.follow(href, callback=self.parse)

    process = CrawlerProcess(
        settings={
            "CONCURRENT_REQUESTS": total,
            "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
            "DOWNLOAD_DELAY": 0,
            "DOWNLOAD_DELAY_JITTER": 0,
            "ROBOTSTXT_OBEY": True,
            "RETRY_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "REMOTE_CONTROL_ENABLED": False,
            # See the module docstring: the asyncio reactor does not hold the per-domain cap.
            "TWISTED_REACTOR": "twisted.internet.epollreactor.EPollReactor",
            "USER_AGENT": "bench",
        }
    )
    process.crawl(SiteSpider)
    started, cpu = time.perf_counter(), cpu_seconds()
    process.start()
    return {
        "seconds": time.perf_counter() - started,
        "crawl_cpu_s": cpu_seconds() - cpu,
        "pages_done": len(fetched),
        "errors": [],
    }


def run_crawler(which: str, args) -> dict:
    """Start the server and the crawler `which` in processes of their own; the figures of both."""
    stats_file = f"/tmp/bench_crawl_{os.getpid()}_{which}.json"
    port = free_port(args.hosts)
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            str(port),
            "--hosts",
            str(args.hosts),
            "--pages",
            str(args.pages),
            "--stats",
            stats_file,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--crawl",
                which,
                "--port",
                str(port),
                "--hosts",
                str(args.hosts),
                "--pages",
                str(args.pages),
                "--per-host",
                str(args.per_host),
                "--total",
                str(args.total),
                *(["--profile"] if args.profile and which == "ours" else []),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if args.profile:
            sys.stderr.write(done.stderr)
        if done.returncode:
            raise RuntimeError(f"{which} crawler failed:\n{done.stderr[-3000:]}")
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    served = json.loads(Path(stats_file).read_text())
    Path(stats_file).unlink()
    return {"crawler": which, **figures, **served}


def crawler_main(args) -> None:
    urls = [f"http://{host(i)}:{args.port}/" for i in range(args.hosts)]
    crawl = crawl_ours if args.crawl == "ours" else crawl_scrapy
    if args.profile:
        import cProfile
        import pstats

        # The crawl runs in run_sources' loop thread: profile that thread's asyncio.run.
        profiler = cProfile.Profile()
        run = asyncio.run
        asyncio.run = lambda main: profiler.runcall(run, main)
        figures = crawl(urls, args.per_host, args.total, args.pages)
        profiler.dump_stats(os.environ.get("BENCH_PROFILE_FILE", "/tmp/bench_crawl.prof"))
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        figures = crawl(urls, args.per_host, args.total, args.pages)
    figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    figures["cpu_s"] = round(cpu.ru_utime + cpu.ru_stime, 2)
    print(json.dumps(figures))


# name: (hosts, pages per host, per-host cap, total cap), full and --quick.
SHAPES = {
    "many-hosts": ((50, 40, 2, 32), (10, 20, 2, 32)),
    "one-site": ((1, 400, 4, 32), (1, 100, 4, 32)),
    "small-sites": ((500, 4, 2, 32), (100, 4, 2, 32)),
}


def run_shape(name: str, crawlers: list[str], args) -> tuple[list[dict], dict]:
    """Both crawlers on one shape: their rows, and the shape's summary with its targets."""
    rows = []
    for which in crawlers:
        figures = run_crawler(which, args)
        rows.append(
            {
                "shape": name,
                "crawler": which,
                "pages_fetched": figures["pages"],
                "fetches": figures["fetches"],
                "other_requests": figures["other"],
                "seconds": round(figures["seconds"], 2),
                "pages_per_s": round(figures["pages"] / figures["seconds"], 1),
                "cpu_s": figures["cpu_s"],
                "crawl_cpu_ms_per_page": round(1000 * figures["crawl_cpu_s"] / max(figures["pages"], 1), 2),
                "peak_rss_mb": figures["peak_rss_mb"],
                "max_in_flight_per_host": figures["max_in_flight_per_host"],
                "max_in_flight_total": figures["max_in_flight_total"],
            }
        )
    expected = args.hosts * args.pages
    summary = {
        "hosts": args.hosts,
        "pages_per_host": args.pages,
        "expected_pages": expected,
        "per_host_concurrency": args.per_host,
        "total_concurrency": args.total,
    }
    met = {}
    for row in rows:
        who = row["crawler"]
        met[f"all pages fetched ({who})"] = row["pages_fetched"] == expected
        met[f"per-host cap held ({who})"] = row["max_in_flight_per_host"] <= args.per_host
        met[f"total cap held ({who})"] = row["max_in_flight_total"] <= args.total
    if len(rows) == 2:
        ours, scrapy_row = rows
        summary["pages_per_s_ratio"] = harness.ratio(ours["pages_per_s"], scrapy_row["pages_per_s"])
        summary["peak_rss_ratio"] = harness.ratio(ours["peak_rss_mb"], scrapy_row["peak_rss_mb"])
        # Not a target: how much CPU a page costs each, which a loaded machine's timings blur less.
        summary["cpu_per_page_ratio"] = harness.ratio(
            ours["crawl_cpu_ms_per_page"], scrapy_row["crawl_cpu_ms_per_page"]
        )
        met[">=1.2x Scrapy pages/s"] = summary["pages_per_s_ratio"] >= 1.2
        met["peak RSS <= Scrapy's"] = summary["peak_rss_ratio"] <= 1.0
    summary["targets_met"] = met
    return rows, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small version of each shape (for CI)")
    parser.add_argument("--shape", choices=[*SHAPES, "all"], default="all")
    parser.add_argument("--hosts", type=int, help="a custom shape: sites")
    parser.add_argument("--pages", type=int, help="a custom shape: pages per site, homepage included")
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--total", type=int, default=32)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--stats", help=argparse.SUPPRESS)
    parser.add_argument("--crawl", choices=["ours", "scrapy"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help="run ours under cProfile (printed to stderr)")
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.hosts, args.pages, args.stats)
    if args.crawl:
        return crawler_main(args)

    try:
        import scrapy  # noqa: F401

        crawlers = ["ours", "scrapy"]
    except ImportError:
        if not args.quick:
            sys.exit("Scrapy is not installed: pip install -r requirements/bench.txt")
        print("Scrapy is not installed (pip install -r requirements/bench.txt): measuring ours alone")
        crawlers = ["ours"]

    if args.hosts or args.pages:
        shapes = {"custom": (args.hosts or 50, args.pages or 40, args.per_host, args.total)}
    else:
        chosen = list(SHAPES) if args.shape == "all" else [args.shape]
        shapes = {name: SHAPES[name][1 if args.quick else 0] for name in chosen}
    rows, summaries = [], {}
    for name, (args.hosts, args.pages, args.per_host, args.total) in shapes.items():
        shape_rows, summaries[name] = run_shape(name, crawlers, args)
        rows.extend(shape_rows)
    met = {
        f"{name}: {target}": ok
        for name, summary in summaries.items()
        for target, ok in summary["targets_met"].items()
    }
    harness.report(
        "crawl",
        rows,
        {
            "quick": args.quick,
            "delay_ms": DELAY * 1000,
            "scrapy": "scrapy" in crawlers,
            "shapes": summaries,
            "targets_met": met,
        },
    )
    for name, summary in summaries.items():
        if "pages_per_s_ratio" in summary:
            print(
                f"# {name}: {summary['pages_per_s_ratio']}x Scrapy pages/s, "
                f"{summary['peak_rss_ratio']}x its peak RSS, "
                f"{summary['cpu_per_page_ratio']}x its CPU per page",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
