"""The RabbitMQ broker LeadEngine runs on: Dramatiq's own, with the queue type chosen by a setting.

`DRAMATIQ_QUEUE_TYPE=quorum` declares every queue Dramatiq declares for an actor's queue (the queue,
its delay queue `.DQ` and its dead-letter queue `.XQ`) as a RabbitMQ quorum queue: replicated on the
cluster's nodes with Raft, so a message confirmed to the publisher survives the loss of a minority of
nodes. `classic` (the default) declares them as Dramatiq always has.

Only the declaration step changes (`_build_queue_arguments`, `_declare_xq_queue`); publishing,
consuming, confirms and reconnection are Dramatiq's. Several broker URLs make a list of pika connection
parameters: a new connection tries them in order, so a web process or a worker whose node stopped
reconnects to the next one.

A queue's type is fixed when RabbitMQ first declares it: an install moving from classic to quorum moves
its messages with `manage.py move_queue` (see the README, "Running on several machines").
"""

from __future__ import annotations

from typing import Any

from dramatiq.brokers import rabbitmq
from dramatiq.common import xq_name

CLASSIC = "classic"
QUORUM = "quorum"
QUEUE_TYPES = (CLASSIC, QUORUM)


def quorum_arguments() -> dict[str, Any]:
    """What makes a declared queue a quorum queue whose dead-lettering loses nothing."""
    return {
        "x-queue-type": QUORUM,
        # At-least-once dead-lettering (RabbitMQ 3.10+): a failed job's message reaches `.XQ` even if
        # the leader changes on the way. RabbitMQ requires reject-publish overflow for it.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def queue_arguments(queue_type: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """`arguments` as declared for a queue of `queue_type`."""
    return {**arguments, **quorum_arguments()} if queue_type == QUORUM else arguments


class RabbitmqBroker(rabbitmq.RabbitmqBroker):
    """Dramatiq's RabbitMQ broker declaring its queues as `queue_type` ("classic" or "quorum")."""

    def __init__(self, *, queue_type: str = CLASSIC, **options: Any) -> None:
        if queue_type not in QUEUE_TYPES:
            raise ValueError(f"queue_type must be one of {', '.join(QUEUE_TYPES)}, not {queue_type!r}")
        if queue_type == QUORUM and options.get("max_priority"):
            raise ValueError("quorum queues have no x-max-priority: route priorities to queues of their own")
        super().__init__(**options)
        self.queue_type = queue_type

    def _build_queue_arguments(self, queue_name: str) -> dict[str, Any]:
        # The queue and its delay queue: both dead-letter into `.XQ`.
        return queue_arguments(self.queue_type, super()._build_queue_arguments(queue_name))

    def _declare_xq_queue(self, queue_name: str):
        if self.queue_type == CLASSIC:
            return super()._declare_xq_queue(queue_name)
        return self.channel.queue_declare(
            queue=xq_name(queue_name),
            durable=True,
            # Quorum queues expire messages by TTL as classic ones do (RabbitMQ 3.10+); nothing
            # dead-letters out of `.XQ`, so it takes the queue type alone.
            arguments={"x-message-ttl": rabbitmq.DEAD_MESSAGE_TTL, "x-queue-type": QUORUM},
        )
