"""`manage.py export_leads --owner ana [--job ID] [filters] [-o leads.csv] [--bom]`: leads as CSV, at once.

Writes to stdout unless --output names a file; a progress bar goes to stderr when it is a terminal.
The columns are those of the API's exports (leadengine.jobs.exports.COLUMNS).
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from leadengine.jobs import exports


class Command(BaseCommand):
    help = "Export one owner's leads (of a job, or matching filters) as CSV to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("--owner", required=True, help="username whose leads are exported")
        parser.add_argument("--job", help="only this job's leads")
        parser.add_argument("--source", help="only leads of this source")
        parser.add_argument("--has-email", action="store_true", help="only leads with an e-mail address")
        parser.add_argument("--search", help="company name, website or e-mail contains this")
        parser.add_argument("--scraped-after", help="ISO date-time")
        parser.add_argument("-o", "--output", default="-", help="file to write; '-' (default) is stdout")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 byte order mark (Excel)")

    def handle(self, *args, **options):
        owner = get_user_model().objects.filter(username=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user {options['owner']!r}.")
        filters = {key: options[key] for key in ("source", "search", "scraped_after") if options[key]}
        if options["has_email"]:
            filters["has_email"] = True
        try:
            leads = exports.lead_queryset(owner_id=owner.pk, job_id=options["job"], filters=filters)
        except (exports.InvalidExport, ValueError) as exc:
            raise CommandError(str(exc)) from None
        total = leads.count()
        bar = ProgressBar(total) if sys.stderr.isatty() else None
        if options["output"] == "-":
            rows = self._write(leads, sys.stdout, options["bom"], bar)
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                rows = self._write(leads, out, options["bom"], bar)
        if bar:
            bar.done(rows)
        if options["output"] != "-":
            self.stderr.write(f"{rows} leads written to {options['output']}")

    def _write(self, leads, out, bom, bar):
        return exports.write_csv(
            exports.in_chunks(leads), out, bom=bom, on_progress=bar.update if bar else None, every=500
        )


class ProgressBar:
    """A one-line bar on stderr, redrawn in place."""

    width = 40

    def __init__(self, total: int):
        self.total = total

    def update(self, rows: int) -> None:
        share = rows / self.total if self.total else 1.0
        filled = int(self.width * share)
        sys.stderr.write(f"\r[{'#' * filled}{' ' * (self.width - filled)}] {rows}/{self.total} {share:4.0%}")
        sys.stderr.flush()

    def done(self, rows: int) -> None:
        self.update(rows)
        sys.stderr.write("\n")
