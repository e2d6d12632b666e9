"""Each benchmark's short run (--quick) still works: it runs to its end and prints its JSON line.

Figures are not judged here (the machines are shared and noisy): this keeps the benchmarks from rotting.
They need PostgreSQL and RabbitMQ (DATABASE_URL, DRAMATIQ_BROKER_URL as .ci/run sets them).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.benchmarks import harness
from tests.conftest import RABBITMQ_URL, REQUIRE_SERVICES, need_services

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["ingest", "crawl", "api_create", "reads", "dispatch", "e2e", "queues"]


@pytest.mark.benchmark
@pytest.mark.parametrize("name", BENCHMARKS)
def test_it_runs_the_quick_benchmark_and_prints_its_json_line(name):
    database = os.environ.get("DATABASE_URL", "")
    if name != "crawl" and not (database.startswith("postgres") and harness.postgres_available()):
        need_services("PostgreSQL")
    if name in ("api_create", "dispatch", "e2e", "queues") and not (
        RABBITMQ_URL and harness.rabbitmq_available(RABBITMQ_URL)
    ):
        need_services("RabbitMQ")
    env = {**os.environ, "DRAMATIQ_BROKER_URL": RABBITMQ_URL}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("SCRAPE_QUEUE", None)
    done = subprocess.run(
        [sys.executable, str(HERE / f"bench_{name}.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=HERE.parents[1],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["benchmark"] == name and figures["quick"] is True
    assert figures["rows"]
    if name == "crawl" and not figures["scrapy"]:
        # The comparison must not quietly become "ours alone" where it is meant to run.
        message = "Scrapy is not installed: make install-bench (requirements/bench.txt)"
        if REQUIRE_SERVICES:
            pytest.fail(message + " (LEADENGINE_REQUIRE_SERVICES=1)")
        pytest.skip(message)
