"""`manage.py purge --older-than 90d [--dry-run]`: delete finished jobs (with their leads), exports
and source runs older than that, in small batches so that no statement holds locks for long.

Jobs still queued or running are never deleted, however old. Ages: 90d, 12h, 30m or seconds. Each
kind of row is deleted by the module that writes it: `services`, `exports`, `outcomes`.
"""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from leadengine.jobs import exports, outcomes, services

UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1, "": 1}


def parse_age(text: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dhms]?)", text.strip())
    if not match:
        raise CommandError(f"--older-than wants e.g. 90d, 12h, 30m or seconds, not {text!r}.")
    return timedelta(seconds=int(match[1]) * UNITS[match[2]])


class Command(BaseCommand):
    help = "Delete finished jobs with their leads, exports and source runs older than --older-than."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, type=parse_age, help="e.g. 90d")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        cutoff = timezone.now() - options["older_than"]
        batch, dry_run = options["batch_size"], options["dry_run"]
        old_exports = exports.exports_purge(before=cutoff, batch=batch, dry_run=dry_run)
        runs = outcomes.source_runs_purge(before=cutoff, batch=batch, dry_run=dry_run)
        jobs = services.jobs_purge(before=cutoff, batch=batch, dry_run=dry_run)
        if dry_run:
            self.stdout.write(
                f"would delete {jobs.jobs} jobs, {jobs.leads} leads, {old_exports} exports, "
                f"{runs} source runs older than {cutoff:%Y-%m-%d %H:%M}"
            )
            return
        self.stdout.write(
            f"deleted {old_exports} exports, {runs} source runs, {jobs.leads} leads, {jobs.jobs} jobs"
        )
