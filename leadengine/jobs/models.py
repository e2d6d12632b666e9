"""ScrapeJob (what was asked, and how it went), RawLead (what was found), and the operations' rows.

Each model has exactly one module that writes its rows, named in its docstring: ScrapeJob and RawLead
`services`, JobAttempt `attempts`, LeadExport `exports`, ScrapeSchedule `schedules`, SourceRun
`outcomes`, WorkerHeartbeat `workers`. Everyone else reads (shared reads are in `selectors`). Deletes follow
the foreign keys' on_delete (a job's leads, attempts and source runs go with it, links to a deleted job or
schedule are cleared): the database's doing, not a second writer. The models hold fields, constraints and
small read helpers.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobPriority(models.TextChoices):
    """Which queue a job waits in: each priority has its own, served by the worker pools given it."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobCriteria(models.Model):
    """What a job looks for, as the user sent it; a schedule holds the same for the jobs it creates."""

    industry = models.CharField(max_length=200, blank=True)
    geography = models.CharField(max_length=200, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    source_types = models.JSONField(default=list)
    search_query = models.CharField(max_length=500, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    urls = models.JSONField(default=list, blank=True)
    max_results = models.PositiveIntegerField(default=100)
    enrich = models.BooleanField(default=True)
    priority = models.CharField(
        max_length=8,
        choices=JobPriority.choices,
        default=JobPriority.NORMAL,
        help_text="high, normal or low: the queue the job waits in.",
    )

    class Meta:
        abstract = True


class ScrapeJob(JobCriteria):
    """One scrape: its criteria, its status and counters. Written only by `services`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_jobs")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)

    # How it went.
    total_found = models.PositiveIntegerField(
        default=0, help_text="Leads the sources found, duplicates included."
    )
    # The name is the seed API's; what it counts is the leads saved.
    total_processed = models.PositiveIntegerField(
        default=0, help_text="New leads saved: found by this job and not already among the owner's leads."
    )
    total_duplicates = models.PositiveIntegerField(
        default=0, help_text="Leads found that the owner already had from another job: not saved again."
    )
    pages_done = models.PositiveIntegerField(default=0, help_text="Pages the sources have done so far.")
    pages_planned = models.PositiveIntegerField(
        default=0, help_text="Pages the sources plan to do; grows as they find more."
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of planned pages done.")
    attempts = models.PositiveSmallIntegerField(
        default=0,
        help_text="Runs started: a retry adds one, a run handed back at shutdown does not; "
        "retrying by hand starts again from 0.",
    )
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="The worker process running the attempt (its heartbeat's worker id).",
    )
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When the broker confirmed the message."
    )
    schedule = models.ForeignKey(
        "ScrapeSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
        help_text="The schedule that created this job.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_created"),
            models.Index(fields=["-created_at"], name="job_created"),
            models.Index(fields=["status", "-created_at"], name="job_status_created"),
            # The operations page: jobs completed and failed per hour or day.
            models.Index(fields=["status", "completed_at"], name="job_status_completed"),
            # The maintenance loop's two scans: stale heartbeats and undispatched jobs.
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["status", "dispatched_at"], name="job_status_dispatched"),
            # The active-job limit checked on every create: an owner's active jobs only, so the
            # count reads a few index entries however many finished jobs the owner has.
            models.Index(
                fields=["owner"], condition=models.Q(status__in=ACTIVE_STATUSES), name="job_owner_active"
            ),
        ]

    def __str__(self) -> str:
        what = self.query_summary or ", ".join(self.keywords) or ", ".join(self.urls[:1]) or "job"
        return f"{what[:100]} ({self.status})"

    @property
    def query_summary(self) -> str:
        return self.search_query or " ".join(filter(None, [self.industry, self.geography]))

    @property
    def duration(self):
        if self.started_at and self.completed_at:
            return self.completed_at - self.started_at
        return None

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def expected_leads(self) -> int:
        """How many leads the job may find: a lead per URL from the website source, up to max_results
        (capped by SCRAPE_MAX_RESULTS_CAP) from each other source."""
        limit = min(self.max_results, settings.SCRAPE_MAX_RESULTS_CAP)
        others = len([name for name in self.source_types if name != "website"])
        website = min(len(self.urls), limit) if "website" in self.source_types else 0
        return max(1, website + others * limit)


class AttemptOutcome(models.TextChoices):
    RUNNING = "running"
    COMPLETED = "completed"
    RETRYING = "retrying", "failed, will retry"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RELEASED = "released", "handed back at shutdown"
    INTERRUPTED = "interrupted", "worker stopped responding"


class JobAttempt(models.Model):
    """One run of a job by a worker: when it started and ended, how, and when the next retry is due.

    Written only by `attempts` (called by `services` on claim and on every end of a run).
    """

    job = models.ForeignKey(ScrapeJob, on_delete=models.CASCADE, related_name="job_attempts")
    number = models.PositiveSmallIntegerField(help_text="The job's attempts counter when this run started.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.RUNNING)
    error = models.TextField(blank=True)
    # Dramatiq's backoff has jitter: the retry is due somewhere in this window.
    retry_from = models.DateTimeField(null=True, blank=True)
    retry_by = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["job", "started_at"], name="attempt_job_started")]

    def __str__(self) -> str:
        return f"attempt {self.number} ({self.outcome})"


class RawLead(models.Model):
    """One lead found for one owner, unique per (owner, data_hash). Written only by `services`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leads")
    job = models.ForeignKey(ScrapeJob, on_delete=models.CASCADE, related_name="leads")
    source = models.CharField(max_length=32)
    # Copied out of raw_payload so that lists, filters and searches need no JSON lookups.
    company_name = models.CharField(max_length=300, blank=True)
    website = models.CharField(max_length=500, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    location = models.CharField(max_length=200, blank=True)
    confidence = models.FloatField(default=0.0)
    raw_payload = models.JSONField(default=dict)
    source_url = models.CharField(max_length=2000, blank=True)
    data_hash = models.CharField(max_length=64, help_text="sha256 of the lead's identity; unique per owner.")
    scraped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scraped_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "data_hash"], name="lead_unique_per_owner"),
        ]
        indexes = [
            models.Index(fields=["job", "-scraped_at"], name="lead_job_scraped"),
            models.Index(fields=["owner", "-scraped_at"], name="lead_owner_scraped"),
            models.Index(fields=["-scraped_at"], name="lead_scraped"),
            models.Index(fields=["source", "-scraped_at"], name="lead_source_scraped"),
        ]

    def __str__(self) -> str:
        return self.company_name or self.website or self.email or str(self.id)


# Operations: schedules, per-source outcomes, worker heartbeats, CSV exports.


class ScrapeSchedule(JobCriteria):
    """Criteria run again and again: every `interval_seconds`, or at the times of a cron expression.

    Written only by `schedules`.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_schedules"
    )
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    interval_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Run every N seconds.")
    cron = models.CharField(max_length=100, blank=True, help_text='Or a cron expression, e.g. "0 6 * * 1".')

    next_run_at = models.DateTimeField(null=True, blank=True, help_text="Empty: computed on save.")
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey(
        ScrapeJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Scheduled runs are bulk work: by default they wait behind what people ask for now.
    priority = models.CharField(
        max_length=8,
        choices=JobPriority.choices,
        default=JobPriority.LOW,
        help_text="The priority of the jobs this schedule creates.",
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="schedule_due")]

    def __str__(self) -> str:
        return self.name

    CRITERIA_FIELDS = (
        "industry",
        "geography",
        "keywords",
        "source_types",
        "search_query",
        "filters",
        "urls",
        "max_results",
        "enrich",
        "priority",
    )

    def criteria(self) -> dict:
        return {name: getattr(self, name) for name in self.CRITERIA_FIELDS}


class SourceRun(models.Model):
    """How one source did in one attempt of one job: for the dashboard's slowest and failing sources.

    Written only by `outcomes` (and deleted with its job).
    """

    job = models.ForeignKey(ScrapeJob, on_delete=models.CASCADE, related_name="source_runs")
    source = models.CharField(max_length=32)
    leads = models.PositiveIntegerField(default=0, help_text="Leads the source found in this attempt.")
    seconds = models.FloatField(default=0.0, help_text="How long the source ran.")
    pages = models.PositiveIntegerField(default=0, help_text="Pages the source read in this attempt.")
    error = models.TextField(blank=True)
    configuration_error = models.BooleanField(default=False)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["finished_at"], name="sourcerun_finished")]

    def __str__(self) -> str:
        return f"{self.source} ({'failed' if self.error else 'ok'})"


class WorkerHeartbeat(models.Model):
    """A worker process alive: written every WORKER_HEARTBEAT_INTERVAL seconds while it runs.

    Written only by `workers`.
    """

    worker_id = models.CharField(max_length=200, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    queues = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.worker_id


class ExportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class LeadExport(models.Model):
    """A CSV file of one owner's leads: those of one job, or those matching a filter.

    Written only by `exports`.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_exports")
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    job = models.ForeignKey(
        ScrapeJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="exports"
    )
    filters = models.JSONField(default=dict, blank=True)
    bom = models.BooleanField(default=False, help_text="Start the file with a UTF-8 byte order mark.")
    rows_total = models.PositiveIntegerField(default=0, help_text="Leads to write.")
    rows_written = models.PositiveIntegerField(default=0, help_text="Leads written so far.")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the rows written.")
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0, help_text="Size of the finished file.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="export_owner_created"),
            models.Index(fields=["created_at"], name="export_created"),
        ]

    def __str__(self) -> str:
        return f"export {str(self.id)[:8]} ({self.status})"
