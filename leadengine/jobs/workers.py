"""Worker heartbeats: each worker process says it is alive, so /healthz and the dashboard can count them.

A Dramatiq middleware starts a thread at worker boot that upserts one WorkerHeartbeat row per
process every WORKER_HEARTBEAT_INTERVAL seconds, and deletes the row at a clean shutdown. A killed
worker leaves its row behind, aging: readers only count rows seen within WORKER_SEEN_WITHIN seconds.

In embedded mode (no broker server) the workers are threads of the process that serves /healthz:
they register in this process's memory instead, and no thread writes to the (SQLite) database.

This module is the only writer of WorkerHeartbeat rows; `selectors.workers_seen` reads them. It
reaches the model through the app registry, not an import: django_dramatiq builds this middleware
while Django's apps are still loading, before any model can be imported.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import QuerySet
from django.utils import timezone
from dramatiq.middleware import Middleware

if TYPE_CHECKING:  # models load after this module: the middleware is built while apps load
    from leadengine.jobs.models import WorkerHeartbeat

log = logging.getLogger(__name__)

# Embedded workers of this process: worker id -> (queues, started_at).
_local_workers: dict[str, tuple[list[str], object]] = {}


def _use_database() -> bool:
    """Workers are other processes (a broker server is configured): they must tell us through the DB."""
    return bool(settings.DRAMATIQ_BROKER_URL)


def worker_id() -> str:
    # The random part tells apart two workers of one process (embedded mode restarted, tests).
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _model() -> type[WorkerHeartbeat]:
    return apps.get_model("jobs", "WorkerHeartbeat")


def beat(worker: str, *, queues: list[str]) -> None:
    """Record that `worker` is alive now."""
    _model().objects.update_or_create(
        worker_id=worker,
        defaults={"seen_at": timezone.now(), "queues": queues},
        create_defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "queues": queues},
    )


def embedded_workers() -> list[WorkerHeartbeat]:
    """This process's embedded workers, as unsaved heartbeats seen now."""
    heartbeat = _model()
    return [
        heartbeat(
            worker_id=worker,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            queues=queues,
            started_at=started,
            seen_at=timezone.now(),
        )
        for worker, (queues, started) in list(_local_workers.items())
    ]


def forget_dead_workers(*, older_than: float = 24 * 3600) -> int:
    """Delete heartbeats of workers gone for a day (killed, not shut down): a maintenance task."""
    since = timezone.now() - timedelta(seconds=older_than)
    deleted, _ = _model().objects.filter(seen_at__lt=since).delete()
    return deleted


def heartbeats_delete(heartbeats: QuerySet[WorkerHeartbeat]) -> int:
    """Delete heartbeat rows (people's deletes in the admin); a live worker writes its row again."""
    return heartbeats.delete()[0]


class WorkerHeartbeatMiddleware(Middleware):
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.worker_id = ""

    def after_worker_boot(self, broker, worker) -> None:
        if settings.WORKER_HEARTBEAT_INTERVAL <= 0:
            return
        self._stop = threading.Event()
        self.worker_id = worker_id()
        queues = sorted(worker.consumer_whitelist or broker.get_declared_queues())
        if not _use_database():
            _local_workers[self.worker_id] = (queues, timezone.now())
            return
        self._thread = threading.Thread(
            target=self._run, args=(self.worker_id, queues, self._stop), name="worker-heartbeat", daemon=True
        )
        self._thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        _local_workers.pop(self.worker_id, None)
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=5)

    @staticmethod
    def _run(worker: str, queues: list[str], stop: threading.Event) -> None:
        failing = False
        try:
            while True:
                try:
                    beat(worker, queues=queues)
                    failing = False
                except Exception:
                    # The database is down: say it once, keep trying; the worker itself goes on.
                    if not failing:
                        log.warning("worker heartbeat could not be written", exc_info=True)
                    failing = True
                finally:
                    close_old_connections()
                if stop.wait(settings.WORKER_HEARTBEAT_INTERVAL):
                    break
            # A clean shutdown: the worker is gone now, not in WORKER_SEEN_WITHIN seconds.
            _model().objects.filter(worker_id=worker).delete()
        except Exception:
            log.debug("worker heartbeat not removed", exc_info=True)
        finally:
            # This thread's own connection: a test database cannot be dropped while it is open.
            connection.close()
