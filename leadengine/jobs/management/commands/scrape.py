"""Create a scrape job from the shell and, with --wait, follow it to its end.

The criteria are checked by the API's validator (ScrapeJobCreateSerializer): a job the API would
refuse is refused here with the same message.

Who runs the job:
- With a broker server (DRAMATIQ_BROKER_URL), the `manage.py rundramatiq` workers.
- In the embedded mode (no DRAMATIQ_BROKER_URL) this process's in-memory broker reaches no worker of
  another process. A running embedded server (`make run`, `manage.py runembedded`) on the same
  database picks the job up within a second or two. When none is running, `--wait` starts a worker in
  this process and runs the job here (`--no-local-worker` turns that off); without `--wait` the job
  stays queued and runs when the embedded server starts.

`--wait` gives up after `--timeout` seconds (600). When the job has not started after STALL_NOTICE
seconds, and again at the timeout, it says why (no worker alive, broker unreachable, message not
sent) and what to start. The exit status is non-zero at the timeout and for a job that did not
complete (failed or cancelled).
"""

from __future__ import annotations

import json
import os
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from leadengine import health
from leadengine.jobs import messaging, selectors, services
from leadengine.jobs.api.fields import error_text
from leadengine.jobs.management.commands.runembedded import embedded_server_running, start_local_worker
from leadengine.jobs.models import JobStatus, ScrapeJob
from leadengine.jobs.serializers import ScrapeJobCreateSerializer

# Seconds a job may sit unstarted before --wait says why.
STALL_NOTICE = 15.0
LOCAL_WORKER_THREADS = 2


class Command(BaseCommand):
    help = "Create and send a scrape job; --wait follows it with a progress line and prints the result."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the job's owner")
        parser.add_argument(
            "--source",
            action="append",
            dest="source_types",
            default=[],
            help="source type (repeatable): website, google, linkedin, crunchbase",
        )
        parser.add_argument("--url", action="append", dest="urls", default=[], help="start URL (repeatable)")
        parser.add_argument("--query", default="", help="search query")
        parser.add_argument("--industry", default="")
        parser.add_argument("--geography", default="")
        parser.add_argument("--keyword", action="append", dest="keywords", default=[], help="repeatable")
        parser.add_argument(
            "--filters", default="{}", help='JSON object, as in the API: \'{"company_size": "11-50"}\''
        )
        parser.add_argument("--max-results", type=int, default=100)
        parser.add_argument(
            "--priority",
            default="normal",
            help="high, normal or low: the queue the job waits in (default normal)",
        )
        parser.add_argument("--wait", action="store_true", help="follow the job until it ends")
        parser.add_argument(
            "--timeout", type=float, default=600, help="seconds --wait waits at most (default 600)"
        )
        parser.add_argument(
            "--no-local-worker",
            action="store_false",
            dest="local_worker",
            help="embedded mode: never run the job in this process; wait for the embedded server",
        )

    def handle(self, *args, **options):
        try:
            owner = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {options['user']!r}") from None
        try:
            filters = json.loads(options["filters"])
        except (ValueError, RecursionError) as exc:
            raise CommandError(f"filters: not JSON ({exc})") from None
        data = {
            "source_types": options["source_types"] or ["website"],
            "urls": options["urls"],
            "search_query": options["query"],
            "industry": options["industry"],
            "geography": options["geography"],
            "keywords": options["keywords"],
            "filters": filters,
            "max_results": options["max_results"],
            "priority": options["priority"],
        }
        # The API's validator: a job is refused here for the same reasons, with the same messages.
        serializer = ScrapeJobCreateSerializer(data=data)
        if not serializer.is_valid():
            raise CommandError(error_text(serializer.errors))
        runner = who_runs_it()
        # The worker starts before the job is sent, so that the send reaches it.
        run_here = runner == "none" and options["wait"] and options["local_worker"]
        worker = start_local_worker(LOCAL_WORKER_THREADS) if run_here else None
        try:
            try:
                job = services.job_create(owner=owner, criteria=serializer.validated_data)
            except services.ActiveJobLimitExceeded as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"job {job.id} queued")
            if worker is not None:
                self.stdout.write("no embedded server is running: running the job in this process")
            elif runner == "none":
                self.stderr.write(
                    "no embedded server is running for this database: the job runs when one starts "
                    "(`make run`, or `manage.py runembedded`)"
                )
            elif runner == "server":
                self.stdout.write("the embedded server running on this database takes it in a second or two")
            if options["wait"]:
                self.follow(job, options["timeout"])
        finally:
            if worker is not None:
                # A job still running is handed back (queued): it runs when an embedded server starts.
                worker.stop()

    def follow(self, job: ScrapeJob, timeout: float) -> None:
        started = time.monotonic()
        deadline = started + timeout
        notice_at = started + min(STALL_NOTICE, timeout)
        tty = sys.stdout.isatty()
        last = ""
        while time.monotonic() < deadline:
            job.refresh_from_db()
            line = (
                f"{job.status:<9} {job.progress:3d}%  pages {job.pages_done}/{job.pages_planned}  "
                f"leads {job.total_processed} new, {job.total_duplicates} duplicates"
            )
            if tty:
                self.stdout.write("\r" + line, ending="")
            elif line != last:
                self.stdout.write(line)
            last = line
            self.stdout.flush()
            if job.is_finished:
                break
            if notice_at and time.monotonic() >= notice_at and job.status != JobStatus.RUNNING:
                self.stderr.write(("\n" if tty else "") + f"job {job.id} waiting: {why_not_started(job)}")
                notice_at = 0.0
            time.sleep(0.5)
        if tty:
            self.stdout.write("")
        if not job.is_finished:
            raise CommandError(
                f"job {job.id} still {job.status} after {timeout:.0f}s: {why_not_started(job)}"
            )
        for warning in job.warnings:
            self.stdout.write(f"warning: {warning}")
        if job.status != JobStatus.COMPLETED:
            raise CommandError(f"job {job.id} {job.status}: {job.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"job {job.id} completed: {job.total_processed} leads saved, "
                f"{job.total_duplicates} duplicates"
            )
        )


def who_runs_it() -> str:
    """Who runs a job sent now: "broker" (a broker server's workers), "here" (a worker of this
    process), "server" (an embedded server on this database) or "none" (nothing)."""
    if settings.DRAMATIQ_BROKER_URL:
        return "broker"
    # In embedded mode workers_seen() lists this process's own worker threads (tests, runembedded).
    if any(worker.pid == os.getpid() for worker in selectors.workers_seen()):
        return "here"
    return "server" if embedded_server_running() else "none"


def why_not_started(job: ScrapeJob) -> str:
    """Why `job` is not running, and what to start or check: for people waiting at a terminal."""
    if job.status == JobStatus.RUNNING:
        return _why_running_stalled(job)
    prefix = ""
    if job.status == JobStatus.RETRYING:
        prefix = f"attempt {job.attempts} failed ({job.error}); Dramatiq runs it again after a backoff. "
    runner = who_runs_it()
    if runner == "none":
        return prefix + (
            f"no embedded server is running for this database ({_database_name()}), so nothing will run "
            "the job. Start one with `make run` (or `manage.py runembedded`): it runs every queued job. "
            "Or run `manage.py scrape --wait` without --no-local-worker to run it in this process. "
            "With RabbitMQ, set DRAMATIQ_BROKER_URL here as for the workers."
        )
    if runner == "server":
        threads = settings.EMBEDDED_WORKER_THREADS
        if ScrapeJob.objects.filter(status=JobStatus.RUNNING).count() >= threads:
            return prefix + (
                f"the embedded server is running and its {threads} worker threads "
                f"(EMBEDDED_WORKER_THREADS) are busy; {_active_jobs()}: the job waits its turn."
            )
        return prefix + (
            "the embedded server is running with free worker threads but has not taken the job (it "
            "takes other processes' jobs within a second or two): look at its console for errors, "
            f"or restart it (`make run`); {_active_jobs()}."
        )
    if runner == "here":
        return prefix + f"this process's worker has not taken it yet; {_active_jobs()}."
    return prefix + _why_broker(job)


def _why_broker(job: ScrapeJob) -> str:
    nodes = [urlsplit(url) for url in settings.DRAMATIQ_BROKER_URLS]
    where = ", ".join(f"{node.hostname}:{node.port or 5672}" for node in nodes)
    queue = messaging.scrape_route(job.priority).queue
    try:
        depths = health.queue_depths(queue)
    except Exception as exc:
        return (
            f"the broker at {where} is unreachable ({type(exc).__name__}). Check DRAMATIQ_BROKER_URL "
            "and that RabbitMQ is running; the maintenance loop (`manage.py maintenance`) sends the "
            "job once it is back."
        )
    if job.dispatched_at is None:
        return (
            "its message has not reached the broker yet (the send failed). The maintenance loop "
            "(`manage.py maintenance`, `make maintenance`) sends it again after "
            f"{settings.JOB_REDISPATCH_AFTER:.0f}s (JOB_REDISPATCH_AFTER): is it running?"
        )
    alive = selectors.workers_seen()
    if not alive:
        return (
            f"no worker heartbeat seen in the last {settings.WORKER_SEEN_WITHIN:.0f}s: start workers with "
            f"`manage.py rundramatiq` (`make worker`) on the same DATABASE_URL and DRAMATIQ_BROKER_URL "
            f"({where})."
        )
    if not any(queue in (worker.queues or []) for worker in alive):
        return (
            f"{len(alive)} workers alive, but none reads {queue}, the queue of {job.priority} jobs: start "
            f"one with `manage.py rundramatiq --queues {queue}` (or without --queues: every queue)."
        )
    return (
        f"{len(alive)} workers alive and {depths['ready']} messages waiting in {queue}; "
        f"{_active_jobs()}: the job waits its turn."
    )


def _why_running_stalled(job: ScrapeJob) -> str:
    if job.heartbeat_at is None:
        return "it is running."
    silent = (timezone.now() - job.heartbeat_at).total_seconds()
    if silent > settings.JOB_STALE_AFTER:
        return (
            f"its worker has been silent for {silent:.0f}s and seems gone; the maintenance loop hands the "
            f"job to another worker (JOB_STALE_AFTER={settings.JOB_STALE_AFTER:.0f}s)."
        )
    return f"it is running (last heartbeat {silent:.0f}s ago); raise --timeout to wait longer."


def _active_jobs() -> str:
    running = ScrapeJob.objects.filter(status=JobStatus.RUNNING).count()
    queued = ScrapeJob.objects.filter(status=JobStatus.QUEUED).count()
    return f"{running} jobs running, {queued} queued"


def _database_name() -> str:
    return str(connection.settings_dict["NAME"])
