"""Real processes for the integration and reliability tests: rundramatiq workers, the maintenance loop,
RabbitMQ on this run's queue, and company websites slow enough for a kill to land in the middle of a job.

The workers are `manage.py rundramatiq` subprocesses on pytest-django's test database (DATABASE_URL) and
on RabbitMQ (DRAMATIQ_BROKER_URL), consuming only this run's SCRAPE_QUEUE. The test process itself stays
the web side: it creates jobs through the API with the actor moved onto a RabbitmqBroker
(`rabbitmq_sending`). That runs the very code a web process runs (serializer, service, on_commit send with
publisher confirms) while keeping pytest-django's database handling and APIClient; the process whose death
matters in these trials is the worker, and that one is real.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import dramatiq
import pika
import pytest
from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from leadengine.jobs.broker import RabbitmqBroker
from leadengine.settings import _amqp_url
from tests.conftest import RABBITMQ_URL, need_services
from tests.integration.sites import Site, Sites  # noqa: F401  re-exported for the trials

ROOT = Path(__file__).resolve().parents[2]

# Small values so that a dead worker's job is taken back in seconds, not minutes.
FAST_JOB_ENV = {
    "JOB_HEARTBEAT_INTERVAL": "0.3",
    "JOB_STALE_AFTER": "2",
    "JOB_REDISPATCH_AFTER": "1",
    "JOB_MAX_RETRIES": "2",
    "JOB_MIN_BACKOFF": "300",
    "JOB_MAX_BACKOFF": "1000",
    "LEAD_BATCH_SIZE": "1",
    "MAX_ACTIVE_JOBS_PER_USER": "1000",
}


def require_services() -> None:
    """Skip or fail (need_services) unless the tests run on PostgreSQL and RabbitMQ answers."""
    if connection.vendor != "postgresql":
        need_services("PostgreSQL (DATABASE_URL)")
    if not RABBITMQ_URL:
        need_services("RabbitMQ (DRAMATIQ_BROKER_URL)")
    try:
        pika.BlockingConnection(_pika_parameters()).close()
    except Exception as exc:
        need_services(f"RabbitMQ at {urlsplit(RABBITMQ_URL).hostname} ({type(exc).__name__})")


def database_url_for(application_name: str) -> str:
    """The URL of pytest-django's test database, for processes outside this one."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}?application_name={application_name}"
    )


def process_env(name: str, **overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url_for(name),
        "DRAMATIQ_BROKER_URL": RABBITMQ_URL,
        "SCRAPE_QUEUE": settings.SCRAPE_QUEUE,
        "LEADENGINE_ALLOW_PRIVATE_URLS": "1",
        "SCRAPE_PER_HOST_DELAY": "0",
        "SCRAPE_RETRIES": "0",
        "SCRAPE_CONNECT_TIMEOUT": "2",
        "SCRAPE_READ_TIMEOUT": "60",
        # The sites tell which worker fetched a page by its user agent.
        "SCRAPE_USER_AGENT": f"LeadEngineTest/{name}",
        "LOG_LEVEL": "INFO",
        "LOG_JSON": "0",
        "PYTHONUNBUFFERED": "1",
        **FAST_JOB_ENV,
        **overrides,
    }
    env.pop("LEADENGINE_REQUIRE_SERVICES", None)
    env.pop("DATABASE_REPLICA_URL", None)  # the test run's replica alias names the non-test database
    return env


class Process:
    """A manage.py subprocess in a session of its own (a kill takes its children too), logging to a file."""

    ready_line = ""

    def __init__(self, name: str, args: list[str], log_dir: Path, **env: str):
        self.name = name
        self.args = args
        self.env = process_env(name, **env)
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            [sys.executable, "manage.py", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 30.0) -> Process:
        wait_for(lambda: self.ready_line in self.log() or not self.alive(), timeout, f"{self.name} to start")
        assert self.alive(), f"{self.name} exited:\n{self.log()[-3000:]}"
        return self

    def kill(self) -> None:
        """kill -9 of the whole process group: the machine-lost case, nothing runs its clean-up."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def terminate(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 3.0) -> None:
        """SIGTERM, and kill -9 whatever is still there after `grace` seconds."""
        if not self.alive():
            return
        self.terminate()
        if self.wait_exit(grace) is None:
            self.kill()


class Worker(Process):
    ready_line = "Worker process is ready for action"

    def __init__(
        self,
        name: str,
        log_dir: Path,
        threads: int = 2,
        processes: int = 1,
        queues: list[str] | None = None,
        **env: str,
    ):
        super().__init__(
            name,
            [
                "rundramatiq",
                "--processes",
                str(processes),
                "--threads",
                str(threads),
                "--queues",
                *(queues or [settings.SCRAPE_QUEUE]),
                "--worker-shutdown-timeout",
                "30000",
            ],
            log_dir,
            **env,
        )


class Maintenance(Process):
    ready_line = "maintenance loop every"

    def __init__(self, name: str, log_dir: Path, interval: float = 0.3, **env: str):
        super().__init__(name, ["maintenance", "--interval", str(interval)], log_dir, **env)


class Processes:
    """The processes a test module started; all stopped at its end, before the test database goes."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[Process] = []

    def worker(
        self,
        name: str,
        threads: int = 2,
        ready: bool = True,
        processes: int = 1,
        queues: list[str] | None = None,
        **env: str,
    ) -> Worker:
        """A rundramatiq process reading `queues` (this run's normal-priority queue unless given)."""
        worker = Worker(name, self.log_dir, threads=threads, processes=processes, queues=queues, **env)
        return self._start(worker, ready)

    def maintenance(self, name: str = "maintenance", interval: float = 0.3, **env: str) -> Maintenance:
        return self._start(Maintenance(name, self.log_dir, interval=interval, **env), True)

    def _start(self, process: Process, ready: bool):
        self.started.append(process.start())
        return process.wait_ready() if ready else process

    def logs(self) -> list[str]:
        return [process.log() for process in self.started]

    def stop_all(self) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            process.stop()


def completions(logs: list[str]) -> dict[str, int]:
    """How many times each job id was logged as completed, over all the workers' logs."""
    counts: dict[str, int] = {}
    for text in logs:
        for job_id in re.findall(r"job ([0-9a-f-]{36}) completed in", text):
            counts[job_id] = counts.get(job_id, 0) + 1
    return counts


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# RabbitMQ


def _pika_parameters() -> pika.URLParameters:
    parameters = pika.URLParameters(RABBITMQ_URL)
    parameters.socket_timeout = 3
    parameters.connection_attempts = 1
    return parameters


def queue_names() -> list[str]:
    """This run's queues (one a priority), their delay queues and their dead-letter queues."""
    from leadengine.jobs.messaging import SCRAPE_QUEUES

    return [name for queue in SCRAPE_QUEUES.values() for name in (queue, f"{queue}.DQ", f"{queue}.XQ")]


def message_count(queue: str) -> int:
    """Messages ready in `queue` (0 when it does not exist)."""
    with _channel() as channel:
        try:
            return channel.queue_declare(queue, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            return 0


def queue_bodies(queue: str) -> list[bytes]:
    """The bodies of the messages in `queue`, left in place (read and requeued)."""
    bodies = []
    with _channel() as channel:
        for _ in range(message_count(queue)):
            method, _properties, body = channel.basic_get(queue)
            if method is None:
                break
            bodies.append(body)
        # Closing the channel unacknowledged puts them all back.
    return bodies


def publish_raw(body: bytes) -> None:
    """Put `body` on this run's queue as it is: what a foreign or broken producer could send."""
    with _channel() as channel:
        channel.basic_publish("", settings.SCRAPE_QUEUE, body, pika.BasicProperties(delivery_mode=2))


def purge_queues() -> None:
    """Drop every message of this run's queues (the queues stay)."""
    with _channel() as channel:
        for name in queue_names():
            try:
                channel.queue_purge(name)
            except pika.exceptions.ChannelClosedByBroker:
                channel = channel.connection.channel()  # no such queue: nothing to purge


def delete_queues() -> None:
    with _channel() as channel:
        for name in queue_names():
            channel.queue_delete(name)


@contextmanager
def _channel() -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    conn = pika.BlockingConnection(_pika_parameters())
    try:
        yield conn.channel()
    finally:
        if conn.is_open:
            conn.close()


@contextmanager
def rabbitmq_sending(urls: list[str] | None = None, queue_type: str = "classic") -> Iterator[dramatiq.Broker]:
    """Send run_scrape_job's messages to RabbitMQ (RABBITMQ_URL, or the nodes of `urls`) from this
    process, as the web does; restore after."""
    from leadengine.jobs import messaging
    from leadengine.jobs.tasks import run_scrape_job

    middleware = [import_string(path)() for path in settings.DRAMATIQ_MIDDLEWARE]
    # As settings.py builds it, with its bounded connect timeouts.
    broker = RabbitmqBroker(
        url=[_amqp_url(url) for url in urls or [RABBITMQ_URL]],
        confirm_delivery=True,
        queue_type=queue_type,
        middleware=middleware,
    )
    previous = run_scrape_job.broker
    dramatiq.set_broker(broker)
    run_scrape_job.broker = broker
    broker.declare_actor(run_scrape_job)
    try:
        yield broker
    finally:
        # New jobs' sends run on this process's sender thread: let them reach this broker first.
        messaging.drain_sends()
        run_scrape_job.broker = previous
        dramatiq.set_broker(previous)
        broker.close()


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@contextmanager
def rabbitmq_stopped() -> Iterator[None]:
    """RabbitMQ's application stopped (the node stays); started again whatever happens in the block."""
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        wait_for(_rabbitmq_answers, 60, "RabbitMQ to accept connections", interval=0.2)


def _rabbitmq_answers() -> bool:
    try:
        pika.BlockingConnection(_pika_parameters()).close()
        return True
    except Exception:
        return False


# Jobs


JOBS = "/api/v1/jobs/scrape/"


def create_job(api, urls: list[str]):
    """POST a website job through the API, as a client would; the created ScrapeJob."""
    from leadengine.jobs.models import ScrapeJob

    response = api.post(
        JOBS,
        {
            "industry": "SaaS",
            "geography": "Sydney, Australia",
            "keywords": ["B2B"],
            "source_types": ["website"],
            "urls": urls,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return ScrapeJob.objects.get(id=response.json()["job_id"])


def wait_finished(jobs, timeout: float = 30.0) -> None:
    """Wait until every job (ScrapeJob objects, refreshed in place) is completed, failed or cancelled."""
    jobs = list(jobs)

    def done():
        return all(job.refresh_from_db() or job.is_finished for job in jobs)

    wait_for(done, timeout, f"{len(jobs)} jobs to finish", interval=0.2)


def leads_of(job) -> set[tuple[str, str]]:
    from leadengine.jobs.models import RawLead

    return set(RawLead.objects.filter(job=job).values_list("company_name", "email"))


def expected_leads(job_sites: list[Site]) -> set[tuple[str, str]]:
    """What an undisturbed run of a job over these sites saves: one lead a site."""
    return {(site.company, site.email) for site in job_sites}


FIGURES: list[str] = []


def report(trial: str, **figures) -> None:
    """Keep a trial's figures for the end of pytest's output (tests/reliability/conftest.py prints them)."""
    FIGURES.append(f"{trial}: " + ", ".join(f"{name}={value}" for name, value in figures.items()))
