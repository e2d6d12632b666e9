"""`manage.py purge --older-than 90d [--dry-run]`: delete finished jobs (with their leads), exports
and source runs older than that, in small batches so that no statement holds locks for long.

Jobs still queued or running are never deleted, however old. Ages: 90d, 12h, 30m or seconds.
"""

import re
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from leadengine.jobs import exports
from leadengine.jobs.models import FINISHED_STATUSES, LeadExport, RawLead, ScrapeJob, SourceRun

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
        batch = options["batch_size"]
        jobs = ScrapeJob.objects.filter(created_at__lt=cutoff, status__in=FINISHED_STATUSES)
        old_exports = LeadExport.objects.filter(created_at__lt=cutoff)
        runs = SourceRun.objects.filter(finished_at__lt=cutoff)
        if options["dry_run"]:
            leads = RawLead.objects.filter(job__in=jobs).count()
            self.stdout.write(
                f"would delete {jobs.count()} jobs, {leads} leads, {old_exports.count()} exports, "
                f"{runs.count()} source runs older than {cutoff:%Y-%m-%d %H:%M}"
            )
            return
        counts = {"exports": 0, "source runs": 0, "leads": 0, "jobs": 0}
        while ids := list(old_exports.values_list("id", flat=True)[:batch]):
            doomed = list(LeadExport.objects.filter(id__in=ids))
            counts["exports"] += LeadExport.objects.filter(id__in=ids).delete()[0]
            exports.export_delete_files(doomed)
        counts["source runs"] = _delete_in_batches(runs, batch)
        while job_ids := list(jobs.values_list("id", flat=True)[:batch]):
            counts["leads"] += _delete_in_batches(RawLead.objects.filter(job_id__in=job_ids), batch * 5)
            with transaction.atomic():
                counts["jobs"] += (
                    ScrapeJob.objects.filter(id__in=job_ids).delete()[1].get("jobs.ScrapeJob", 0)
                )
        self.stdout.write("deleted " + ", ".join(f"{count} {name}" for name, count in counts.items()))


def _delete_in_batches(queryset, batch: int) -> int:
    deleted = 0
    while ids := list(queryset.values_list("id", flat=True)[:batch]):
        deleted += queryset.model.objects.filter(id__in=ids).delete()[0]
    return deleted
