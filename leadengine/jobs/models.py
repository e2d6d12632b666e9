"""ScrapeJob (what was asked, and how it went) and RawLead (what was found).

Rows are written only by `services`; the models hold fields, constraints and small read helpers.
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


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class ScrapeJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scrape_jobs")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)

    # The criteria, as the user sent them.
    industry = models.CharField(max_length=200, blank=True)
    geography = models.CharField(max_length=200, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    source_types = models.JSONField(default=list)
    search_query = models.CharField(max_length=500, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    urls = models.JSONField(default=list, blank=True)
    max_results = models.PositiveIntegerField(default=100)
    enrich = models.BooleanField(default=True)

    # How it went.
    total_found = models.PositiveIntegerField(default=0)
    total_processed = models.PositiveIntegerField(default=0)
    total_duplicates = models.PositiveIntegerField(default=0)
    pages_done = models.PositiveIntegerField(default=0)
    pages_planned = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of planned pages done.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="When the broker confirmed the message.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="job_owner_created"),
            models.Index(fields=["-created_at"], name="job_created"),
            models.Index(fields=["status", "-created_at"], name="job_status_created"),
            # The maintenance loop's two scans: stale heartbeats and undispatched jobs.
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["status", "dispatched_at"], name="job_status_dispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.query_summary or 'job'} ({self.status})"

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


class RawLead(models.Model):
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
