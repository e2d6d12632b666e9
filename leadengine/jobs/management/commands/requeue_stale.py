"""Take back jobs whose worker died and send again jobs whose message never reached the broker."""

from django.core.management.base import BaseCommand

from leadengine.jobs import services


class Command(BaseCommand):
    help = "Requeue running jobs whose heartbeat stopped, and resend queued jobs that were never sent."

    def handle(self, *args, **options):
        result = services.requeue_stale()
        self.stdout.write(f"{result.requeued} requeued, {result.failed} failed, {result.resent} resent")
