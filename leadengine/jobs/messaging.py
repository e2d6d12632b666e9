"""Messages to the workers: a job's or an export's id, sent to the actor that runs it.

`services` and `exports` send through here; `tasks` declares its actors with the same routes. Neither
side imports the other: a message is an actor's name, its queue and one id (the row holds everything
else), so sending needs no actor object, and the actors' module can use the services freely.

A job's message waits in the queue of its priority (SCRAPE_QUEUES): `high` in `<SCRAPE_QUEUE>.high`,
`normal` in SCRAPE_QUEUE itself (where every job waited before priorities, so messages, retries and dead
letters already queued there keep their meaning), `low` in `<SCRAPE_QUEUE>.low`. Separate queues work on
classic and quorum queues alike, unlike RabbitMQ's per-message priorities (x-max-priority, classic only).
A retry keeps its message's queue (Dramatiq re-enqueues the same message), and every resend goes through
`send_scrape_job` with the job's priority.

After a broker connection failure, job sends are skipped for SEND_PAUSE_AFTER_FAILURE seconds.
A new job's send runs on a thread of the process (`send_scrape_job_soon`), so that a web request does
not wait for the broker's confirm.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import dramatiq
from django import db
from django.conf import settings
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import BrokerConnectionError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """Where a message goes: the actor that runs it and the queue it waits in."""

    actor: str
    queue: str


SCRAPE_JOB = Route(actor="run_scrape_job", queue=settings.SCRAPE_QUEUE)
# Priority -> queue, highest first. The keys are JobPriority's values.
SCRAPE_QUEUES = {
    "high": f"{settings.SCRAPE_QUEUE}.high",
    "normal": settings.SCRAPE_QUEUE,
    "low": f"{settings.SCRAPE_QUEUE}.low",
}
LEAD_EXPORT = Route(actor="run_lead_export", queue=settings.EXPORT_QUEUE)

# After a failed send, sends are skipped for this many seconds: one publish to a broker that is down
# costs its connection attempts (several seconds), and a web process must not pay that on every request
# of an outage. The skipped jobs stay undispatched and the maintenance loop sends them.
SEND_PAUSE_AFTER_FAILURE = 5.0
_sends_paused_until = 0.0


def send(route: Route, object_id: UUID | str) -> None:
    """Put one message on the broker; raises what the broker raises."""
    broker = dramatiq.get_broker()
    # A process that never imported `tasks` has not declared the queue: the in-memory broker would
    # refuse the message (RabbitMQ declares it on every send anyway).
    broker.declare_queue(route.queue)
    broker.enqueue(
        dramatiq.Message(
            queue_name=route.queue, actor_name=route.actor, args=(str(object_id),), kwargs={}, options={}
        )
    )


def scrape_route(priority: str) -> Route:
    """The route of a job of this priority; an unknown one waits with the normal jobs."""
    return Route(actor=SCRAPE_JOB.actor, queue=SCRAPE_QUEUES.get(priority, SCRAPE_JOB.queue))


def send_scrape_job(job_id: UUID | str, priority: str = "normal") -> bool:
    """Send the job's id to the workers, on its priority's queue; False when the broker did not take it."""
    global _sends_paused_until
    if time.monotonic() < _sends_paused_until:
        log.warning("job %s stored but not sent: broker unavailable a moment ago", job_id)
        return False
    try:
        send(scrape_route(priority), job_id)
    except Exception as exc:
        # The caller (often a web request) must not fail for this: the job stays stored and queued.
        if isinstance(exc, BrokerConnectionError):
            _sends_paused_until = time.monotonic() + SEND_PAUSE_AFTER_FAILURE
        log.warning("job %s stored but not sent: broker unavailable", job_id, exc_info=True)
        return False
    return True


def send_lead_export(export_id: UUID | str) -> bool:
    """Send the export's id to the workers; False when the broker did not take it."""
    try:
        send(LEAD_EXPORT, export_id)
    except Exception:
        log.warning("export %s stored but not sent: broker unavailable", export_id, exc_info=True)
        return False
    return True


# Sending off the request path: a job create commits its row and returns; this process's sender
# thread publishes the id and waits for the broker's confirm. The row is the outbox: a job whose
# send never happened (the process was killed first) stays undispatched and `requeue_stale` sends it.
# The publish runs as soon as the sender gets the job (a worker may claim it at once); the stamp of
# confirmed jobs (`dispatched_at`, read only by `requeue_stale`) waits up to STAMP_WAIT for others, so
# that under load one UPDATE stamps several jobs. A stamp lost with the process only makes
# `requeue_stale` send the job once more, and a claim runs a message delivered twice once.

# The sender closes its database connection after this long without work, so that an idle process
# holds no second connection (and a test database can be dropped).
SENDER_IDLE_CLOSE = 1.0
# At exit, a process waits this long at most for the sends still queued.
SENDER_DRAIN_TIMEOUT = 10.0
# Confirmed jobs are stamped together this long after the first of them at most, or at STAMP_BATCH.
STAMP_WAIT = 0.05
STAMP_BATCH = 200

Stamp = Callable[[list[UUID | str]], object]


@dataclass(frozen=True)
class _Send:
    job_id: UUID | str
    priority: str
    stamp: Stamp


class _Sender:
    """One thread a process that publishes the jobs handed to it, in order; started on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: queue.Queue[_Send] = queue.Queue()
        self._pid = 0

    def submit(self, send: _Send) -> None:
        with self._lock:
            if self._pid != os.getpid():
                # A new process (first use, or a fork): its own queue and thread.
                self._queue, self._pid = queue.Queue(), os.getpid()
                thread = threading.Thread(target=self._run, args=(self._queue,), name="sender", daemon=True)
                thread.start()
            self._queue.put(send)

    def drain(self, timeout: float = SENDER_DRAIN_TIMEOUT) -> bool:
        """Wait until every job handed over has been sent and stamped; False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._pid == os.getpid() and self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    @staticmethod
    def _run(sends: queue.Queue[_Send]) -> None:
        unstamped = _Unstamped(sends)
        while True:
            try:
                send = sends.get(timeout=unstamped.wait() if unstamped.held else SENDER_IDLE_CLOSE)
            except queue.Empty:
                if unstamped.held:
                    unstamped.stamp()
                else:
                    db.connection.close()
                continue
            unstamped.add(send, confirmed=send_scrape_job(send.job_id, send.priority))
            if unstamped.held >= STAMP_BATCH or not unstamped.wait():
                unstamped.stamp()


class _Unstamped:
    """The sender's jobs sent since its last stamp, those confirmed grouped by their stamp."""

    def __init__(self, sends: queue.Queue[_Send]) -> None:
        self._sends = sends
        self._confirmed: dict[Stamp, list[UUID | str]] = {}
        self._due = 0.0
        self.held = 0  # sends taken from the queue and not yet settled

    def add(self, send: _Send, *, confirmed: bool) -> None:
        if not self.held:
            self._due = time.monotonic() + STAMP_WAIT
        self.held += 1
        if confirmed:
            self._confirmed.setdefault(send.stamp, []).append(send.job_id)

    def wait(self) -> float:
        """Seconds until the stamp is due."""
        return max(0.0, self._due - time.monotonic())

    def stamp(self) -> None:
        try:
            # A long-lived thread's connection ages and breaks like a request's: the same check first.
            db.close_old_connections()
            for stamp, job_ids in self._confirmed.items():
                stamp(job_ids)
        except Exception:
            log.exception("confirmed jobs not stamped; the maintenance loop sends them again")
        for _ in range(self.held):
            self._sends.task_done()
        self._confirmed, self.held = {}, 0


_sender = _Sender()
atexit.register(_sender.drain)


def send_scrape_job_soon(job_id: UUID | str, priority: str, stamp: Stamp) -> None:
    """Send the job's id to the workers; `stamp(ids)` records the jobs the broker confirmed.

    Call it after the commit. On RabbitMQ this process's sender thread publishes and waits for the
    confirm, and stamps several confirmed jobs at a time. The in-memory broker (embedded mode, unit
    tests) takes a message without waiting, so there both happen at once in the caller's thread.
    """
    if isinstance(dramatiq.get_broker(), StubBroker):
        if send_scrape_job(job_id, priority):
            stamp([job_id])
    else:
        _sender.submit(_Send(job_id, priority, stamp))


def drain_sends(timeout: float = SENDER_DRAIN_TIMEOUT) -> bool:
    """Wait until this process's background sends have run and been stamped (tests, commands about
    to report)."""
    return _sender.drain(timeout)
