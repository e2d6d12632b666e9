"""Create a scrape job from the shell and, with --wait, follow it to its end."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from leadengine.jobs import services
from leadengine.jobs.models import ScrapeJob
from leadengine.jobs.serializers import ScrapeJobCreateSerializer


class Command(BaseCommand):
    help = "Create and send a scrape job; --wait follows it with a progress line and prints the result."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username of the job's owner")
        parser.add_argument(
            "--source",
            action="append",
            dest="source_types",
            default=[],
            help="source type (repeatable): website, google, linkedin, crunchbase",
        )
        parser.add_argument("--url", action="append", dest="urls", default=[], help="start URL (repeatable)")
        parser.add_argument("--query", default="", help="search query")
        parser.add_argument("--industry", default="")
        parser.add_argument("--geography", default="")
        parser.add_argument("--keyword", action="append", dest="keywords", default=[], help="repeatable")
        parser.add_argument("--max-results", type=int, default=100)
        parser.add_argument("--wait", action="store_true", help="follow the job until it ends")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds --wait waits at most")

    def handle(self, *args, **options):
        try:
            owner = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user named {options['user']!r}") from None
        data = {
            "source_types": options["source_types"] or ["website"],
            "urls": options["urls"],
            "search_query": options["query"],
            "industry": options["industry"],
            "geography": options["geography"],
            "keywords": options["keywords"],
            "max_results": options["max_results"],
        }
        serializer = ScrapeJobCreateSerializer(data=data)
        if not serializer.is_valid():
            errors = "; ".join(
                f"{field}: {' '.join(map(str, msgs))}" for field, msgs in serializer.errors.items()
            )
            raise CommandError(errors)
        try:
            job = services.job_create(owner=owner, criteria=serializer.validated_data)
        except services.ActiveJobLimitExceeded as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"job {job.id} queued")
        if options["wait"]:
            self.follow(job, options["timeout"])

    def follow(self, job: ScrapeJob, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        tty = sys.stdout.isatty()
        while time.monotonic() < deadline:
            job.refresh_from_db()
            line = (
                f"{job.status:<9} {job.progress:3d}%  pages {job.pages_done}/{job.pages_planned}  "
                f"leads {job.total_processed} new, {job.total_duplicates} duplicates"
            )
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")
            self.stdout.flush()
            if job.is_finished:
                break
            time.sleep(0.5)
        if tty:
            self.stdout.write("")
        if not job.is_finished:
            raise CommandError(f"job {job.id} still {job.status} after {timeout:.0f}s")
        for warning in job.warnings:
            self.stdout.write(f"warning: {warning}")
        if job.status != "completed":
            raise CommandError(f"job {job.id} {job.status}: {job.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"job {job.id} completed: {job.total_processed} leads saved, "
                f"{job.total_duplicates} duplicates"
            )
        )
