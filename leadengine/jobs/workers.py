"""Worker heartbeats: each worker process says it is alive, so /healthz and the dashboard can count them.

A Dramatiq middleware starts a thread at worker boot that upserts one WorkerHeartbeat row per
process every WORKER_HEARTBEAT_INTERVAL seconds, and deletes the row at a clean shutdown. A killed
worker leaves its row behind, aging: readers only count rows seen within WORKER_SEEN_WITHIN seconds.

In embedded mode (no broker server) the workers are threads of the process that serves /healthz:
they register in this process's memory instead, and no thread writes to the (SQLite) database.

A worker's jobs die with it. Two signs tell that a worker is gone (`dead_workers`): its heartbeat row
stopped (older than WORKER_DEAD_AFTER), or its presence on the broker vanished. The heartbeat thread
consumes a queue of its own, `leadengine.worker.<worker id>`, on a RabbitMQ connection of its own;
RabbitMQ drops the consumer and deletes the queue the moment that connection closes, so a process
killed or a machine lost shows within seconds, while its job's own heartbeat would still look fresh
for JOB_STALE_AFTER.

This module is the only writer of WorkerHeartbeat rows; `selectors.workers_seen` reads them. It
reaches the model through the app registry, not an import: django_dramatiq builds this middleware
while Django's apps are still loading, before any model can be imported.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

import dramatiq
import pika
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


# This process's worker id once its presence is on the broker: the claims of its jobs carry it.
_current_worker = ""

PRESENCE_PREFIX = "leadengine.worker."


def current_worker_id() -> str:
    """The id of this process's worker whose liveness others can check, or "" (embedded, no heartbeats)."""
    return _current_worker


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

    def before_worker_boot(self, broker, worker) -> None:
        # Before the consumers start, not after: the presence must be up before the first claim, or
        # the jobs of a worker killed in its first moments would name no worker and wait for
        # JOB_STALE_AFTER.
        if settings.WORKER_HEARTBEAT_INTERVAL <= 0:
            return
        self._stop = threading.Event()
        self.worker_id = worker_id()
        queues = sorted(worker.consumer_whitelist or broker.get_declared_queues())
        if not _use_database():
            _local_workers[self.worker_id] = (queues, timezone.now())
            return
        presence = Presence(self.worker_id)
        presence.open()
        self._thread = threading.Thread(
            target=self._run,
            args=(self.worker_id, queues, self._stop, presence),
            name="worker-heartbeat",
            daemon=True,
        )
        self._thread.start()

    def after_worker_shutdown(self, broker, worker) -> None:
        # After the worker threads ended, not before: while they save their batch and hand their jobs
        # back, the worker must still look alive, or its jobs would be taken over under it.
        global _current_worker
        _current_worker = ""
        _local_workers.pop(self.worker_id, None)
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=5)

    @staticmethod
    def _run(worker: str, queues: list[str], stop: threading.Event, presence: Presence) -> None:
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
                if presence.hold(settings.WORKER_HEARTBEAT_INTERVAL, stop):
                    break
            # A clean shutdown: the worker is gone now, not in WORKER_SEEN_WITHIN seconds.
            _model().objects.filter(worker_id=worker).delete()
        except Exception:
            log.debug("worker heartbeat not removed", exc_info=True)
        finally:
            presence.close()
            # This thread's own connection: a test database cannot be dropped while it is open.
            connection.close()


def _broker_parameters() -> list[pika.ConnectionParameters] | None:
    """How to reach RabbitMQ, as Dramatiq's broker does; None on a broker without presence (embedded)."""
    return getattr(dramatiq.get_broker(), "parameters", None)


def presence_queue(worker: str) -> str:
    return f"{PRESENCE_PREFIX}{worker}"


class Presence:
    """The worker's exclusive queue on a RabbitMQ connection of its own, there while the process is."""

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self.queue = presence_queue(worker)
        self.connection: pika.BlockingConnection | None = None

    def hold(self, seconds: float, stop: threading.Event) -> bool:
        """Keep the presence up for `seconds` (serving the connection's AMQP heartbeats), opening it again
        when the broker dropped it. Returns True as soon as `stop` is set."""
        parameters = _broker_parameters()
        if not parameters:
            return stop.wait(seconds)
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                if self.connection is None or not self.connection.is_open:
                    self._open(parameters)
                # Short turns: a stopping worker waits for this thread.
                self.connection.process_data_events(time_limit=min(left, 0.25))
            except Exception:
                # The broker is away: try again within a second, so a restart hides the worker only briefly.
                log.debug("worker presence lost", exc_info=True)
                self.close()
                stop.wait(min(left, 1.0))
        return True

    def open(self) -> None:
        """Put the presence up now, when the broker answers; `hold` tries again otherwise."""
        if parameters := _broker_parameters():
            try:
                self._open(parameters)
            except Exception:
                log.warning("worker presence not up yet; trying again", exc_info=True)
                self.close()

    def _open(self, parameters: list[pika.ConnectionParameters]) -> None:
        connection = pika.BlockingConnection(parameters)
        channel = connection.channel()
        # Not an exclusive queue: others could not look at it (RESOURCE_LOCKED). Its one consumer is
        # this connection's; when the connection closes, the consumer goes and RabbitMQ deletes the
        # queue (auto_delete; x-expires in case the consumer never started).
        channel.queue_declare(
            self.queue, auto_delete=True, arguments={"x-queue-type": "classic", "x-expires": 60_000}
        )
        channel.basic_consume(self.queue, lambda *message: None, auto_ack=True, exclusive=True)
        self.connection = connection
        # Only now do claims name this worker: a job claimed before its presence was up would look
        # like a dead worker's (such a job waits for JOB_STALE_AFTER, as without liveness).
        global _current_worker
        _current_worker = self.worker

    def close(self) -> None:
        global _current_worker
        if _current_worker == self.worker:
            _current_worker = ""  # while not present, claims do not name this worker
        connection, self.connection = self.connection, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:
                log.debug("worker presence connection not closed cleanly", exc_info=True)


def gone_from_broker(workers: Iterable[str]) -> set[str]:
    """The workers among `workers` whose presence queue is not on the broker now.

    Raises when the broker cannot be asked: absence is then unknown, not proven.
    """
    workers = set(workers)
    parameters = _broker_parameters()
    if not workers or not parameters:
        return set()
    gone = set()
    connection = pika.BlockingConnection(parameters)
    try:
        channel = connection.channel()
        for worker in sorted(workers):
            try:
                if not channel.queue_declare(presence_queue(worker), passive=True).method.consumer_count:
                    gone.add(worker)  # its connection closed a moment ago: the queue goes next
            except pika.exceptions.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                gone.add(worker)
                channel = connection.channel()  # a 404 closes the channel
    finally:
        if connection.is_open:
            connection.close()
    return gone


def dead_workers(workers: Iterable[str], *, look_twice: bool = False) -> set[str]:
    """The workers among `workers` that are dead, so that their running jobs can be taken back.

    Dead: the heartbeat row stopped for WORKER_DEAD_AFTER seconds, or the presence queue is missing
    from the broker and still missing WORKER_PRESENCE_GRACE seconds later (a worker that lost its
    connection in a broker restart declares it again within that time). With `look_twice`, a worker
    is looked for again a second later before it counts as present: a killed process's connections
    close all at once, and RabbitMQ may hand its message to another worker a moment before it deletes
    the presence queue.
    """
    workers = {worker for worker in workers if worker}
    if not workers:
        return set()
    silent_since = timezone.now() - timedelta(seconds=settings.WORKER_DEAD_AFTER)
    dead = set(
        _model()
        .objects.filter(worker_id__in=workers, seen_at__lt=silent_since)
        .values_list("worker_id", flat=True)
    )
    suspects = workers - dead
    try:
        missing = gone_from_broker(suspects)
        if look_twice and suspects - missing:
            time.sleep(1.0)
            missing |= gone_from_broker(suspects - missing)
        if missing:
            time.sleep(settings.WORKER_PRESENCE_GRACE)
            dead |= missing & gone_from_broker(missing)
    except Exception:
        log.warning("could not ask the broker which workers are present", exc_info=True)
    return dead
