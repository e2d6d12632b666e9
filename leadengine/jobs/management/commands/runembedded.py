"""`runserver` plus Dramatiq worker threads and the maintenance loop in the same process.

LeadEngine's embedded mode (no DRAMATIQ_BROKER_URL): no broker server and no database server to
install. The broker is Dramatiq's in-process StubBroker: messages live in one process's memory, and
only that process's worker threads read them. Another process on the same database (`manage.py
scrape`, `manage.py shell`, a plain `runserver`) therefore sends its jobs into its own memory, where
no worker will ever see them. This server runs them anyway:

- Every PICKUP_INTERVAL seconds it sends to its own workers each queued job and queued CSV export
  that it did not send itself, and each job another process queued again after its own send (a retry
  from the shell). `SentMessages`, a Dramatiq middleware, remembers what this process sent.
- At start it sends again the jobs a previous run left queued, running or retrying.
- While it runs it holds a shared lock on a file beside the SQLite database, so that another process
  can ask `embedded_server_running()`: `manage.py scrape --wait` runs its job itself when no server is
  there to run it.

A message sent twice runs once (the claim is a conditional UPDATE), so these sends need no agreement
with the other processes' own sends.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import dramatiq
from django.conf import settings
from django.core.management import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import close_old_connections, connection
from django.utils import timezone

import leadengine.jobs.tasks  # declares the actors on the broker before a worker starts
from leadengine.jobs import exports, services
from leadengine.jobs.management.commands.maintenance import run_maintenance
from leadengine.jobs.models import ExportStatus, JobStatus, LeadExport, ScrapeJob

try:
    import fcntl
except ImportError:  # Windows: no advisory file locks; `scrape --wait` then runs its job itself.
    fcntl = None

log = logging.getLogger(__name__)

# How often the server looks for jobs that other processes queued: the delay a `manage.py scrape`
# job waits at most before a worker of this server takes it (when one is free).
PICKUP_INTERVAL = 1.0
# Our own send writes the job's dispatched_at a moment later; later than this, another process sent it.
OWN_SEND_SLACK = timedelta(seconds=2)
PICKUP_LIMIT = 500

# The lock file this process holds while it serves, open for the process's lifetime.
_server_lock: IO | None = None


class Command(RunserverCommand):
    help = "Run the web server with in-process workers (embedded mode, no broker server)."

    def inner_run(self, *args, **options):
        # Under the autoreloader this runs in the child process that serves: start the workers here.
        if settings.DRAMATIQ_BROKER_URL:
            raise CommandError(
                "runembedded is for the embedded broker; unset DRAMATIQ_BROKER_URL "
                "or run `manage.py runserver` and `manage.py rundramatiq`."
            )
        start_embedded_worker()
        super().inner_run(*args, **options)


def start_embedded_worker() -> dramatiq.Worker:
    """Start the worker threads, send unfinished jobs, and pick up other processes' jobs from now on."""
    broker = dramatiq.get_broker()
    sent = SentMessages()
    broker.add_middleware(sent)
    worker = start_local_worker(settings.EMBEDDED_WORKER_THREADS)
    resend_unfinished()
    threading.Thread(target=run_pickup, args=(sent,), name="embedded-pickup", daemon=True).start()
    threading.Thread(
        target=run_maintenance, args=(threading.Event(), 10.0), name="maintenance", daemon=True
    ).start()
    hold_server_lock()
    log.info("embedded worker started with %d threads", settings.EMBEDDED_WORKER_THREADS)
    return worker


def start_local_worker(threads: int) -> dramatiq.Worker:
    """A Dramatiq worker in this process, on this process's broker; `worker.stop()` ends it."""
    worker = dramatiq.Worker(dramatiq.get_broker(), worker_threads=threads, worker_timeout=100)
    worker.start()
    return worker


def resend_unfinished() -> None:
    """The in-memory queue died with the previous process: send its unfinished jobs again."""
    services.jobs_resend_unfinished()
    close_old_connections()


class SentMessages(dramatiq.Middleware):
    """When this process last sent each job and export: what the pickup must not send again."""

    actors = (
        leadengine.jobs.tasks.run_scrape_job.actor_name,
        leadengine.jobs.tasks.run_lead_export.actor_name,
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: dict[str, datetime] = {}

    def after_enqueue(self, broker, message, delay) -> None:
        if message.actor_name in self.actors and message.args:
            with self._lock:
                self._sent[str(message.args[0])] = timezone.now()

    def sent_at(self, object_id: object) -> datetime | None:
        with self._lock:
            return self._sent.get(str(object_id))

    def forget(self, *, keep: set[str], sent_before: datetime) -> None:
        """Forget what left the queue (so it is picked up if another process queues it again)."""
        with self._lock:
            for key in [key for key, at in self._sent.items() if key not in keep and at < sent_before]:
                del self._sent[key]


def pick_up(sent: SentMessages) -> int:
    """Send to this process's workers the queued jobs and exports that only other processes sent."""
    started = timezone.now()
    picked = 0
    jobs = list(
        ScrapeJob.objects.filter(status=JobStatus.QUEUED)
        .order_by("created_at")
        .values_list("id", "dispatched_at", "priority")[:PICKUP_LIMIT]
    )
    for job_id, dispatched_at, priority in jobs:
        ours = sent.sent_at(job_id)
        if ours is None or (dispatched_at is not None and dispatched_at > ours + OWN_SEND_SLACK):
            picked += services.job_dispatch(job_id, priority)
    export_ids = list(
        LeadExport.objects.filter(status=ExportStatus.QUEUED).values_list("id", flat=True)[:PICKUP_LIMIT]
    )
    for export_id in export_ids:
        if sent.sent_at(export_id) is None:
            picked += exports.export_dispatch(export_id)
    sent.forget(keep={str(job_id) for job_id, _, _ in jobs} | set(map(str, export_ids)), sent_before=started)
    if picked:
        log.info("picked up %d jobs or exports queued by other processes", picked)
    return picked


def run_pickup(sent: SentMessages, stop: threading.Event | None = None) -> None:
    """`pick_up` every PICKUP_INTERVAL seconds until `stop` is set (never, for the server's thread)."""
    stop = stop or threading.Event()
    failing = False
    while not stop.wait(PICKUP_INTERVAL):
        try:
            pick_up(sent)
            failing = False
        except Exception:
            # The database is busy or away: say it once, keep trying.
            if not failing:
                log.warning("embedded pickup failed; trying again", exc_info=True)
            failing = True
        finally:
            close_old_connections()


def lock_path() -> Path:
    """The lock file of this database's embedded server: beside the SQLite file, else under var/."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return Path(f"{database['NAME']}.embedded.lock")
    key = hashlib.sha256(f"{database['HOST']}:{database['PORT']}/{database['NAME']}".encode()).hexdigest()
    return Path(settings.BASE_DIR) / "var" / f"embedded-{key[:16]}.lock"


def hold_server_lock() -> None:
    """Tell other processes, for as long as this one lives, that an embedded server runs their jobs."""
    global _server_lock
    if fcntl is None or _server_lock is not None:
        return
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    # Shared: two servers on one database may both run; the OS drops the lock when the process dies.
    fcntl.flock(handle, fcntl.LOCK_SH)
    _server_lock = handle


def embedded_server_running() -> bool:
    """Whether a `runembedded` process serves this database now (always False without fcntl)."""
    path = lock_path()
    if fcntl is None or not path.exists():
        return False
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False
