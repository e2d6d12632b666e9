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
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from uuid import UUID

import dramatiq
from django.conf import settings
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
