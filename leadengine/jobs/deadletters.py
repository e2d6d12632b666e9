"""Queues as operators see them: depth per queue, and the dead letters, listed and requeued.

Dramatiq dead-letters a message once its actor failed the last retry: on RabbitMQ into `<queue>.XQ`
(where RabbitMQ keeps it seven days), on the embedded StubBroker into `dead_letters_by_queue[queue]`.

A scrape job's dead letter is requeued through `services` (job_retry for a failed or cancelled job,
job_dispatch for a queued job whose message the broker never took), so the job row and the broker agree;
the dead letter is removed (acknowledged) only after the broker took the new message. On RabbitMQ the
dead-letter queue is read with basic_get on a connection of its own, and every message not taken is
handed back with a nack that requeues it: reading or requeuing one dead letter never loses another.
While one person's page reads the queue, its messages are invisible to another reader for that moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import dramatiq
import pika
from django.utils import timezone

from leadengine.jobs import messaging, services
from leadengine.jobs.models import JobStatus, ScrapeJob

# Dead letters listed per queue on the operations page; more are counted, not shown.
MAX_LISTED = 100


class DeadLetterError(Exception):
    """A dead letter that was not requeued or discarded; the message says why, for people."""


@dataclass
class DeadLetter:
    """One message Dramatiq gave up on, and the job it was for (None for other actors)."""

    queue: str
    message_id: str
    actor: str
    object_id: str
    failed_at: datetime | None
    error: str
    job: ScrapeJob | None = None

    @property
    def requeueable(self) -> bool:
        return self.actor == messaging.SCRAPE_JOB.actor


def dead_letter_queues() -> list[str]:
    """The queues whose dead letters LeadEngine shows: the scrape jobs' (one a priority) and the exports'."""
    return [*messaging.SCRAPE_QUEUES.values(), messaging.LEAD_EXPORT.queue]


def broker_kind() -> str:
    """ "rabbitmq" or "embedded" (the in-process StubBroker), as the running broker says."""
    return "rabbitmq" if hasattr(dramatiq.get_broker(), "get_queue_message_counts") else "embedded"


def queue_depths() -> list[dict]:
    """Messages ready, delayed (retries waiting for their backoff) and dead-lettered, per queue (each
    priority's scrape queue, then the exports'); `priority` names a scrape queue's priority."""
    broker = dramatiq.get_broker()
    priorities = {queue: priority for priority, queue in messaging.SCRAPE_QUEUES.items()}
    depths = []
    for queue in dead_letter_queues():
        if hasattr(broker, "get_queue_message_counts"):  # RabbitMQ
            ready, delayed, dead = broker.get_queue_message_counts(queue)
        else:
            stub_queues = getattr(broker, "queues", {})
            ready = stub_queues[queue].qsize() if queue in stub_queues else 0
            delayed = stub_queues[f"{queue}.DQ"].qsize() if f"{queue}.DQ" in stub_queues else 0
            dead = len(getattr(broker, "dead_letters_by_queue", {}).get(queue, []))
        depths.append(
            {
                "queue": queue,
                "priority": priorities.get(queue, ""),
                "ready": ready,
                "delayed": delayed,
                "dead_letter": dead,
            }
        )
    return depths


def dead_letters(*, limit: int = MAX_LISTED) -> list[DeadLetter]:
    """The dead letters of every queue (up to `limit` each), newest first, with their jobs attached."""
    broker = dramatiq.get_broker()
    letters = []
    for queue in dead_letter_queues():
        with _dead_letter_box(broker, queue) as box:
            letters += box.read(limit)
    job_ids = [letter.object_id for letter in letters if letter.requeueable and _is_uuid(letter.object_id)]
    jobs = ScrapeJob.objects.in_bulk(job_ids)
    for letter in letters:
        if letter.requeueable and _is_uuid(letter.object_id):
            letter.job = jobs.get(uuid.UUID(letter.object_id))
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(letters, key=lambda letter: letter.failed_at or epoch, reverse=True)


def dead_letter_requeue(*, queue: str, message_id: str) -> str:
    """Send the dead letter's job again and remove the dead letter; returns what happened, for people.

    Raises DeadLetterError (the dead letter kept) when the job cannot run again or the broker did not
    take the new message.
    """
    broker = dramatiq.get_broker()
    _check_queue(queue)
    with _dead_letter_box(broker, queue) as box:
        letter = box.take(message_id)
        outcome = _resend(letter)
        box.remove(letter)
    return outcome


def dead_letter_discard(*, queue: str, message_id: str) -> None:
    """Remove a dead letter without sending anything (an export's, or a deleted job's)."""
    broker = dramatiq.get_broker()
    _check_queue(queue)
    with _dead_letter_box(broker, queue) as box:
        box.remove(box.take(message_id))


def _resend(letter: DeadLetter) -> str:
    if not letter.requeueable:
        raise DeadLetterError(
            f"Only scrape jobs are requeued here; a {letter.actor} message can be discarded."
        )
    job = ScrapeJob.objects.filter(id=letter.object_id).first() if _is_uuid(letter.object_id) else None
    if job is None:
        raise DeadLetterError(f"Job {letter.object_id} no longer exists: discard its dead letter.")
    if job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        try:
            services.job_retry(job)
        except (services.InvalidTransition, services.ActiveJobLimitExceeded) as exc:
            raise DeadLetterError(f"Job {job.id} was not requeued: {exc}") from None
    elif job.status == JobStatus.QUEUED and job.dispatched_at is None:
        services.job_dispatch(job.id, job.priority)
    elif job.status == JobStatus.COMPLETED:
        raise DeadLetterError(f"Job {job.id} has completed since: discard its dead letter.")
    else:
        return f"Job {job.id} is already {job.status}: its dead letter was removed, nothing was sent twice."
    job.refresh_from_db()
    # A worker may have claimed it already: then the broker took it too.
    if job.status == JobStatus.QUEUED and job.dispatched_at is None:
        raise DeadLetterError(
            f"Job {job.id} is queued, but the broker did not take its message: the maintenance loop "
            "sends it when the broker is back. The dead letter is kept."
        )
    return f"Job {job.id} was sent again ({job.status}) and its dead letter removed."


def _check_queue(queue: str) -> None:
    if queue not in dead_letter_queues():
        raise DeadLetterError(f"Unknown queue {queue!r}; the queues are {', '.join(dead_letter_queues())}.")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _letter(queue: str, message: dramatiq.Message, failed_at: datetime | None = None) -> DeadLetter:
    options = message.options or {}
    if failed_at is None:
        millis = options.get("requeue_timestamp") or message.message_timestamp
        failed_at = datetime.fromtimestamp(millis / 1000, tz=UTC)
    trace = [line for line in (options.get("traceback") or "").splitlines() if line.strip()]
    return DeadLetter(
        queue=queue,
        message_id=message.message_id,
        actor=message.actor_name,
        object_id=str(message.args[0]) if message.args else "",
        failed_at=failed_at,
        error=trace[-1] if trace else "",
    )


@contextmanager
def _dead_letter_box(broker: dramatiq.Broker, queue: str) -> Iterator[_StubBox | _RabbitBox]:
    if hasattr(broker, "dead_letters_by_queue"):
        yield _StubBox(broker, queue)
        return
    box = _RabbitBox(broker, queue)
    try:
        yield box
    finally:
        box.close()


class _StubBox:
    """The embedded broker's dead letters: a list in this process."""

    def __init__(self, broker: dramatiq.Broker, queue: str) -> None:
        self.queue = queue
        # .get: the defaultdict must not grow a queue by being read.
        self.proxies = broker.dead_letters_by_queue.get(queue, [])

    def read(self, limit: int) -> list[DeadLetter]:
        return [_letter(self.queue, proxy) for proxy in self.proxies[:limit]]

    def take(self, message_id: str) -> DeadLetter:
        for proxy in self.proxies:
            if proxy.message_id == message_id:
                return _letter(self.queue, proxy)
        raise DeadLetterError("No such dead letter: it was requeued or discarded already.")

    def remove(self, letter: DeadLetter) -> None:
        # In place, one item: the broker's consumers hold this very list and may append to it meanwhile.
        for index, proxy in enumerate(self.proxies):
            if proxy.message_id == letter.message_id:
                del self.proxies[index]
                return


class _RabbitBox:
    """A RabbitMQ dead-letter queue read with basic_get; what is not removed goes back on close."""

    def __init__(self, broker: dramatiq.Broker, queue: str) -> None:
        self.queue = queue
        self.xq = f"{queue}.XQ"
        self.connection = pika.BlockingConnection(broker.parameters)
        self.channel = self.connection.channel()
        self.held: dict[str, int] = {}  # message id -> delivery tag, unacknowledged
        self.exists = True
        try:
            self.channel.queue_declare(self.xq, passive=True)
        except pika.exceptions.ChannelClosedByBroker:
            # No dead-letter queue yet: nothing was ever dead-lettered here.
            self.exists = False

    def _get(self) -> DeadLetter | None:
        if not self.exists:
            return None
        method, properties, body = self.channel.basic_get(self.xq, auto_ack=False)
        if method is None:
            return None
        try:
            message = dramatiq.Message.decode(body)
        except Exception:
            message = dramatiq.Message(
                queue_name=self.queue,
                actor_name="(unreadable)",
                args=(),
                kwargs={},
                options={},
                message_id=f"unreadable-{method.delivery_tag}",
            )
        self.held[message.message_id] = method.delivery_tag
        return _letter(self.queue, message, _death_time(properties))

    def read(self, limit: int) -> list[DeadLetter]:
        letters = []
        while len(letters) < limit and (letter := self._get()) is not None:
            letters.append(letter)
        return letters

    def take(self, message_id: str) -> DeadLetter:
        while (letter := self._get()) is not None:
            if letter.message_id == message_id:
                return letter
        raise DeadLetterError("No such dead letter: it was requeued, discarded or expired already.")

    def remove(self, letter: DeadLetter) -> None:
        self.channel.basic_ack(self.held.pop(letter.message_id))

    def close(self) -> None:
        try:
            if self.channel.is_open and self.held:
                # Every other message read goes back where it was.
                self.channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)
        finally:
            if self.connection.is_open:
                self.connection.close()


def _death_time(properties: pika.BasicProperties) -> datetime | None:
    """When RabbitMQ dead-lettered the message (its x-death header), as an aware datetime."""
    deaths = (properties.headers or {}).get("x-death") or []
    moment = deaths[0].get("time") if deaths else None
    if not isinstance(moment, datetime):
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
