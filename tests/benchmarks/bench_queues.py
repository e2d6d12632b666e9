"""Drain rate: jobs/s finished by 1, 2 and 4 worker processes on quorum queues vs classic queues.

    python tests/benchmarks/bench_queues.py [--quick] [--jobs 300] [--cluster]

For each queue type and each number of processes, `manage.py rundramatiq --processes P --threads 2`
starts on a queue of its own (DRAMATIQ_QUEUE_TYPE set to the type) and waits ready; then N jobs are
stored and their N messages published at once with publisher confirms, as the web does. The figure is N
over the time from the first publish to the last job's `completed`. Each job reads one page of a local
site, so the figure is the whole path (publish, deliver, claim, crawl, save, ack), not the queue alone.
The baseline is classic queues with the same number of processes, measured in the same run.

On the machine's RabbitMQ node (DRAMATIQ_BROKER_URL) a quorum queue has a single member: it pays for
its Raft log but not for replication. `--cluster` runs both types on a three-node cluster started for
the run (tests/reliability/cluster.py; needs rabbitmq-server), where a quorum queue has three members.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks import harness  # noqa: E402
from tests.benchmarks.bench_dispatch import CompanySite  # noqa: E402

READY = "Worker process is ready for action"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 jobs, 1 process (for CI)")
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--cluster", action="store_true", help="on a three-node cluster of the run's own")
    args = parser.parse_args()
    count = 10 if args.quick else args.jobs
    # Each figure starts rundramatiq once: the quick run starts it twice (one per queue type).
    process_counts = (1,) if args.quick else (1, 2, 4)
    site = ThreadingHTTPServer(("127.0.0.1", 0), CompanySite)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{site.server_port}/"

    with ExitStack() as stack:
        urls = [harness.broker_url()]
        if args.cluster:
            from tests.reliability.cluster import RabbitCluster

            urls = stack.enter_context(RabbitCluster(3)).urls()
        db_url = stack.enter_context(harness.throwaway_database("leadengine_bench_queues"))
        # This process stores the jobs only: its own broker is the in-memory one, and the messages go
        # to RabbitMQ through `publish` below, queue type by queue type.
        harness.django_setup(db_url, **harness.bench_env(db_url, "unused", DRAMATIQ_BROKER_URL=""))
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.create_user("bench")
        rows = []
        for processes in process_counts:
            figures = {
                queue_type: drain(urls, queue_type, processes, count, owner, url, db_url)
                for queue_type in ("classic", "quorum")
            }
            rows.append(
                {
                    "processes": processes,
                    "jobs": count,
                    "classic_jobs_s": round(figures["classic"], 1),
                    "quorum_jobs_s": round(figures["quorum"], 1),
                    "x_classic": harness.ratio(figures["quorum"], figures["classic"]),
                }
            )
    site.shutdown()
    harness.report(
        "queues",
        rows,
        {"quick": args.quick, "nodes": 3 if args.cluster else 1, "load": os.getloadavg()[0]},
    )


def drain(urls: list[str], queue_type: str, processes: int, count: int, owner, site_url: str, db_url: str):
    """Jobs/s: `count` jobs published at once and finished by `processes` worker processes."""
    from django.db import connections

    from leadengine.jobs import services
    from leadengine.jobs.models import JobStatus, ScrapeJob

    queue = f"bench_queues_{queue_type}_{processes}_{uuid.uuid4().hex[:6]}"
    env = harness.bench_env(
        db_url,
        queue,
        DRAMATIQ_BROKER_URL=",".join(urls),
        DRAMATIQ_QUEUE_TYPE=queue_type,
        LEADENGINE_ALLOW_PRIVATE_URLS="1",
        SCRAPE_PER_HOST_DELAY="0",
        SCRAPE_OBEY_ROBOTS_TXT="0",
        SCRAPE_MAX_PAGES_PER_SITE="1",
        LOG_LEVEL="INFO",  # Dramatiq says "ready" at INFO
    )
    criteria = {"industry": "dental", "source_types": ["website"], "urls": [site_url], "max_results": 1}
    jobs = [services.job_create(owner=owner, criteria=criteria).id for _ in range(count)]
    broker = _broker(urls, queue_type)
    log = tempfile.NamedTemporaryFile(prefix="bench-queues-", suffix=".log", delete=False)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rundramatiq", "--processes", str(processes), "--threads", "2"]
        + ["--queues", queue],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(lambda: _ready(log.name, worker, processes), 120, "workers")
        started = time.monotonic()
        for job_id in jobs:
            broker.enqueue(_message(queue, job_id))
        done = ScrapeJob.objects.filter(id__in=jobs, status=JobStatus.COMPLETED)
        _wait(lambda: done.count() == count, 300, f"{count} jobs")
        return count / (time.monotonic() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        broker.close()
        connections.close_all()
        _delete_queues(urls, queue)
        os.unlink(log.name)


def _ready(log: str, worker: subprocess.Popen, processes: int) -> bool:
    text = Path(log).read_text(errors="replace")
    if worker.poll() is not None:
        raise RuntimeError(f"rundramatiq exited: {text[-3000:]}")
    return text.count(READY) >= processes


def _broker(urls: list[str], queue_type: str):
    from leadengine.jobs.broker import RabbitmqBroker
    from leadengine.settings import _amqp_url

    return RabbitmqBroker(
        url=[_amqp_url(url) for url in urls], confirm_delivery=True, queue_type=queue_type, middleware=[]
    )


def _message(queue: str, job_id):
    import dramatiq

    return dramatiq.Message(
        queue_name=queue, actor_name="run_scrape_job", args=(str(job_id),), kwargs={}, options={}
    )


def _delete_queues(urls: list[str], queue: str) -> None:
    import pika

    connection = pika.BlockingConnection([pika.URLParameters(url) for url in urls])
    try:
        channel = connection.channel()
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


if __name__ == "__main__":
    main()
