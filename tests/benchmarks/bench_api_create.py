"""API create: POST /api/v1/jobs/scrape/ under gunicorn against a bare DRF create, same server, same run.

    python tests/benchmarks/bench_api_create.py [--quick] [--seconds 15] [--connections 8] [--owners 1000]

gunicorn (2 sync workers, DEBUG off) serves tests/benchmarks/settings_bench.py: LeadEngine plus a
benchmark-only app whose POST /bench/notes/ creates a one-field row with a bare DRF ModelSerializer
and the same token authentication. The load comes from another process on 127.0.0.1 for a bounded
time: `wrk` when installed (apt-get install wrk), else a small Python thread pool. Each endpoint is
loaded twice, alternating, and its better run kept (the machine is shared). The job create does the
real work: token auth, validation, quota check, insert, and on commit a publish to RabbitMQ with
publisher confirms. Requests take turns among --owners users' tokens (both endpoints alike): no worker
runs the jobs, so each create adds an active job, and the quota check counts its owner's active jobs up
to the limit. With the jobs spread over 1000 owners an owner has at most a few dozen, as under the
production limit (MAX_ACTIVE_JOBS_PER_USER, 20 by default); with one owner (--owners 1) the check
would count thousands of rows a request by the end of a run, which no production limit allows. A
throwaway database and a queue of its own are dropped/deleted at the end.
Targets: job create req/s >= 0.6x the bare create's, its p99 < 50 ms, every job created sent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import harness  # noqa: E402

JOB_BODY = {
    "industry": "dental",
    "geography": "Perth, Australia",
    "keywords": ["implants"],
    "source_types": ["website"],
    "urls": ["https://www.acme-dental.example/"],
    "max_results": 50,
}
NOTE_BODY = {"text": "a note of about the length of a search query"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "leadengine.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def load_wrk(url: str, body: dict, tokens: list[str], seconds: float, connections: int) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write(
        f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n'
        f'wrk.headers["Content-Type"] = "application/json"\n'
        f"local tokens = {{{', '.join(json.dumps(token) for token in tokens)}}}\n"
        "local turn = 0\n"
        "request = function()\n"
        "  turn = turn % #tokens + 1\n"
        '  wrk.headers["Authorization"] = "Token " .. tokens[turn]\n'
        "  return wrk.format()\n"
        "end\n"
    )
    script.close()
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{max(1, round(seconds))}s",
                "--latency",
                "-s",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
        )
    finally:
        os.unlink(script.name)
    if "requests in" not in out.stdout:
        raise RuntimeError(f"wrk failed: {out.stdout}{out.stderr}")
    out = out.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests": requests,
        "errors": int(errors.group(1)) if errors else 0,
        "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _wrk_ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1)),
        "p99_ms": _wrk_ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1)),
    }


def _wrk_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def load_python(url: str, body: dict, tokens: list[str], seconds: float, connections: int) -> dict:
    """The fallback load generator: `connections` threads posting back to back until time is up."""
    host, port_path = url.split("//", 1)[1].split(":", 1)
    port, path = port_path.split("/", 1)
    payload = json.dumps(body)
    turns = itertools.count()
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection = HTTPConnection(host, int(port), timeout=10)
            token = tokens[next(turns) % len(tokens)]
            headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
            try:
                connection.request("POST", "/" + path, payload, headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 201
            except OSError:
                ok = False
            finally:
                connection.close()
            latencies.append((time.perf_counter() - started) * 1000)
            errors[0] += not ok

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(harness.percentile(latencies, 50), 2),
        "p99_ms": round(harness.percentile(latencies, 99), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s a run (for CI)")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--owners", type=int, default=1000, help="users whose tokens requests take in turn")
    args = parser.parse_args()
    seconds = 2 if args.quick else args.seconds
    load = load_wrk if shutil.which("wrk") else load_python
    queue = f"bench_scrape_{uuid.uuid4().hex[:8]}"

    with harness.throwaway_database("leadengine_bench_api") as db_url:
        env = harness.bench_env(
            db_url,
            queue,
            DJANGO_SETTINGS_MODULE="tests.benchmarks.settings_bench",
            DEBUG="0",
            SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            CONN_MAX_AGE="600",
        )
        harness.django_setup(db_url, **env)
        from django.contrib.auth import get_user_model
        from rest_framework.authtoken.models import Token

        from leadengine.jobs.models import ScrapeJob
        from tests.benchmarks.benchapp.models import Note

        users = get_user_model().objects.bulk_create(
            get_user_model()(username=f"bench{n}", password="!") for n in range(args.owners)
        )
        tokens = [
            token.key
            for token in Token.objects.bulk_create(
                Token(user=user, key=Token.generate_key()) for user in users
            )
        ]
        port = free_port()
        server = start_gunicorn(env, port)
        try:
            endpoints = {
                "bare create (/bench/notes/)": (f"http://127.0.0.1:{port}/bench/notes/", NOTE_BODY),
                "job create (/api/v1/jobs/scrape/)": (
                    f"http://127.0.0.1:{port}/api/v1/jobs/scrape/",
                    JOB_BODY,
                ),
            }
            load(next(iter(endpoints.values()))[0], NOTE_BODY, tokens, 1, args.connections)  # warm-up
            best: dict[str, dict] = {}
            for _ in range(2):
                for name, (url, body) in endpoints.items():
                    figures = load(url, body, tokens, seconds, args.connections)
                    if name not in best or figures["req_per_s"] > best[name]["req_per_s"]:
                        best[name] = figures
        finally:
            server.terminate()
            server.wait(timeout=30)
            jobs, notes = ScrapeJob.objects.count(), Note.objects.count()
            undispatched = ScrapeJob.objects.filter(dispatched_at__isnull=True).count()
            from django.db import connections

            connections.close_all()
            harness.delete_queues(queue)

    rows = [{"endpoint": name, **figures} for name, figures in best.items()]
    bare, job = (row["req_per_s"] for row in rows)
    job_p99 = rows[1]["p99_ms"]
    summary = {
        "quick": args.quick,
        "seconds_per_run": seconds,
        "connections": args.connections,
        "owners": args.owners,
        "load_generator": load.__name__.removeprefix("load_"),
        "jobs_created": jobs,
        "notes_created": notes,
        "jobs_not_dispatched": undispatched,
        "ratio": harness.ratio(job, bare),
    }
    summary["targets_met"] = {
        ">=0.6x bare create": summary["ratio"] >= 0.6,
        "job create p99 < 50 ms": job_p99 < 50,
        "no errors": all(row["errors"] == 0 for row in rows),
        "every job sent": undispatched == 0,
    }
    harness.report("api_create", rows, summary)


if __name__ == "__main__":
    main()
