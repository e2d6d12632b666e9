"""`manage.py health`: the report of GET /healthz as JSON; exit status 1 when something is unhealthy."""

import json
import sys

from django.core.management.base import BaseCommand

from leadengine.health import health_report


class Command(BaseCommand):
    help = "Check the database, the broker and the workers; print JSON; exit 1 when unhealthy."

    def handle(self, *args, **options):
        report = health_report()
        self.stdout.write(json.dumps(report, indent=2, sort_keys=True))
        if not report["ok"]:
            sys.exit(1)
