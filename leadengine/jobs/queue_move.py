"""Moving a queue's messages into a queue of another type (classic to quorum, or back), losing none.

RabbitMQ cannot change a declared queue's type: the queue must be deleted and declared again. For each
of an actor queue's three queues (`Q`, `Q.DQ`, `Q.XQ`) whose declaration differs from what the broker
would declare now, the messages go to a holding queue `<name>.move`, the old queue is deleted once
empty, the broker declares the new one, and the messages come back. A message is acknowledged on its
old queue only after RabbitMQ confirmed its copy on the new one, so a crash at any point leaves every
message in one queue or the other (at worst in both: a job's claim makes a second delivery harmless).
Run again, the move picks up where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pika
import pika.exceptions
from dramatiq.common import dq_name, xq_name

from leadengine.jobs.broker import QUORUM, RabbitmqBroker

HOLDING_SUFFIX = ".move"


@dataclass
class MoveReport:
    """What a move did: the queues declared again, and the messages each got back."""

    redeclared: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)
    already: list[str] = field(default_factory=list)


def move_queue(broker: RabbitmqBroker, queue: str) -> MoveReport:
    """Bring `queue`, its delay and dead-letter queues to the broker's queue type, keeping every message."""
    report = MoveReport()
    connection = broker.connection
    for name, declare in (
        (queue, broker._declare_queue),
        (dq_name(queue), broker._declare_dq_queue),
        (xq_name(queue), broker._declare_xq_queue),
    ):
        holding = name + HOLDING_SUFFIX
        if not _declared_as(broker, declare, name):
            channel = _confirming(connection)
            # Classic: RabbitMQ deletes a classic queue only if empty when asked, a quorum one never.
            channel.queue_declare(holding, durable=True)
            _empty_and_delete(connection, name, holding, old_is_classic=broker.queue_type == QUORUM)
            declare(name)
            report.redeclared.append(name)
        elif not _exists(connection, holding):
            report.already.append(name)
            continue
        channel = _confirming(connection)
        report.moved[name] = _drain(channel, holding, name)
        channel.queue_delete(holding, if_empty=True)
        channel.close()
    return report


def _declared_as(broker: RabbitmqBroker, declare, queue: str) -> bool:
    """True when the queue exists as the broker declares it now (declaring it if it did not exist)."""
    try:
        declare(queue)
        return True
    except pika.exceptions.ChannelClosedByBroker as exc:
        del broker.channel  # RabbitMQ closed it: the broker's next use opens another
        if exc.reply_code == 406:  # PRECONDITION_FAILED: it exists with other arguments
            return False
        raise


def _empty_and_delete(connection, queue: str, holding: str, *, old_is_classic: bool) -> None:
    """Move `queue`'s messages to `holding` and delete it; again while publishers still add to it.

    A quorum queue cannot be deleted only-if-empty: moving back to classic wants the publishers (web,
    maintenance) stopped as well as the workers, or a message sent between the last get and the delete
    is dropped with the queue (its job stays queued and the maintenance loop sends it again)."""
    while True:
        channel = _confirming(connection)
        _drain(channel, queue, holding)
        try:
            channel.queue_delete(queue, if_empty=old_is_classic)
        except pika.exceptions.ChannelClosedByBroker as exc:
            if exc.reply_code != 406:  # not empty: a message arrived since the last get
                raise
            continue
        channel.close()
        return


def _drain(channel, source: str, target: str) -> int:
    """Move every message of `source` to `target`, acknowledging each only once its copy is confirmed."""
    moved = 0
    while True:
        method, properties, body = channel.basic_get(source)
        if method is None:
            return moved
        # With confirms on, basic_publish returns once RabbitMQ has the copy, and raises otherwise.
        channel.basic_publish("", target, body, properties, mandatory=True)
        channel.basic_ack(method.delivery_tag)
        moved += 1


def _confirming(connection: pika.BlockingConnection):
    channel = connection.channel()
    channel.confirm_delivery()
    return channel


def _exists(connection: pika.BlockingConnection, queue: str) -> bool:
    return consumers(connection, queue) is not None


def consumers(connection: pika.BlockingConnection, queue: str) -> int | None:
    """How many consumers `queue` has; None when it does not exist."""
    channel = connection.channel()
    try:
        count = channel.queue_declare(queue, passive=True).method.consumer_count
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code == 404:
            return None
        raise
    channel.close()
    return count


def busy_queues(broker: RabbitmqBroker, queue: str) -> list[str]:
    """The actor queue's queues that workers still consume: a move must wait until they stopped, since
    a queue deleted under a consumer takes the messages it holds unacknowledged with it."""
    names = (queue, dq_name(queue), xq_name(queue))
    return [name for name in names if consumers(broker.connection, name)]
