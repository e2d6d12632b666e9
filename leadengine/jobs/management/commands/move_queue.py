"""Bring the job and export queues to DRAMATIQ_QUEUE_TYPE after it changed, without losing a message.

Stop the workers first (the command refuses while a queue has consumers), set DRAMATIQ_QUEUE_TYPE
everywhere, run this once, then start the workers with the new setting.
"""

import dramatiq
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from leadengine.jobs import messaging
from leadengine.jobs.broker import RabbitmqBroker
from leadengine.jobs.queue_move import busy_queues, move_queue


class Command(BaseCommand):
    help = (
        "Declare the job and export queues (and their .DQ/.XQ) again as DRAMATIQ_QUEUE_TYPE, moving "
        "their messages through holding queues. Stop the workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            help="a queue to move (repeatable); default: the job queues of every priority and EXPORT_QUEUE",
        )

    def handle(self, *args, queues=None, **options):
        broker = dramatiq.get_broker()
        if not isinstance(broker, RabbitmqBroker):
            raise CommandError("move_queue needs RabbitMQ: set DRAMATIQ_BROKER_URL")
        queues = queues or [*dict.fromkeys(messaging.SCRAPE_QUEUES.values()), settings.EXPORT_QUEUE]
        busy = [name for queue in queues for name in busy_queues(broker, queue)]
        if busy:
            raise CommandError(f"workers still consume {', '.join(busy)}: stop them, then run this again")
        for queue in queues:
            report = move_queue(broker, queue)
            for name in report.already:
                self.stdout.write(f"{name}: already {broker.queue_type}")
            for name, count in report.moved.items():
                self.stdout.write(f"{name}: {broker.queue_type}, {count} messages moved")
