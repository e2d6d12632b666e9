"""How a job reads in the admin: status badges, progress, short errors, a query or the URLs' hosts,
times to the second, criteria in words; and the live rows the job list polls for.

Everything a job holds may come from the open web: it is shown through `format_html`, never marked safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from leadengine.jobs.models import ACTIVE_STATUSES, JobAttempt, JobStatus, ScrapeJob, SourceRun

# Clipped so that the job list's columns fit a 1280 px screen; the full text is the cell's title.
ERROR_CHARS = 30
QUERY_CHARS = 30


def clipped(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def seconds(moment: datetime | None) -> str:
    """A time to the second, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def hosts(urls: list[str], shown: int = 2) -> str:
    names = list(dict.fromkeys(urlsplit(url).hostname or url for url in urls))
    more = f" (+{len(names) - shown})" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def query_text(job: ScrapeJob) -> str:
    """What the job looks for: its query, else its industry and geography, its keywords, its URLs' hosts."""
    return job.query_summary or ", ".join(job.keywords) or hosts(job.urls)


def error_line(job: ScrapeJob) -> str:
    return clipped((job.error or "").strip().splitlines()[0] if job.error.strip() else "", ERROR_CHARS)


def duration_text(job: ScrapeJob) -> str:
    duration = job.duration
    return f"{duration.total_seconds():.1f}s" if duration else "-"


def badge(job: ScrapeJob) -> str:
    return format_html(
        '<span class="le-badge le-status-{}" data-job-id="{}" data-status="{}">{}</span>',
        job.status,
        job.id,
        job.status,
        job.get_status_display(),
    )


def progress_bar(job: ScrapeJob) -> str:
    return format_html(
        '<progress value="{}" max="100" title="{}%"></progress> <span class="le-pct">{}%</span>',
        job.progress,
        job.progress,
        job.progress,
    )


def criteria_rows(job: ScrapeJob) -> list[tuple[str, str]]:
    """The job's criteria as label and text, empty ones left out."""
    filters = "; ".join(
        f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in (job.filters or {}).items()
    )
    rows = [
        ("Search query", job.search_query),
        ("Industry", job.industry),
        ("Geography", job.geography),
        ("Keywords", ", ".join(job.keywords)),
        ("Sources", ", ".join(job.source_types)),
        ("Filters", filters),
        ("Max results", str(job.max_results)),
        ("Enrich from websites", "yes" if job.enrich else "no"),
    ]
    return [(label, text) for label, text in rows if text]


def criteria_html(job: ScrapeJob) -> str:
    rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", criteria_rows(job))
    urls = format_html_join("", "<li>{}</li>", ((url,) for url in job.urls))
    url_list = (
        format_html("<tr><th>URLs</th><td><ul class='le-urls'>{}</ul></td></tr>", urls) if job.urls else ""
    )
    return format_html('<table class="le-criteria">{}{}</table>', rows, url_list)


def source_run_rows(job: ScrapeJob, attempts: list[JobAttempt], runs: list[SourceRun]) -> list[dict]:
    """The job's per-source runs, each with the attempt it belongs to (by time) and, for the latest
    attempt, its warnings: the job keeps the latest attempt's warnings, each prefixed by its source."""
    rows = []
    latest = attempts[-1].number if attempts else None
    for run in runs:
        attempt = next((a for a in reversed(attempts) if a.started_at <= run.finished_at), None)
        number = attempt.number if attempt else None
        warnings = None
        if number is not None and number == latest:
            warnings = sum(1 for text in job.warnings if str(text).startswith(f"{run.source}: "))
        rows.append({"run": run, "attempt": number, "warnings": warnings})
    return rows


def status_counts(jobs: QuerySet) -> dict[str, int]:
    """Jobs per status among `jobs`, every status present: one GROUP BY."""
    counts = dict(jobs.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in JobStatus.values}


def live_row(job: ScrapeJob) -> dict[str, Any]:
    """What the job list refreshes in an active row."""
    return {
        "id": str(job.id),
        "status": job.status,
        "status_label": job.get_status_display(),
        "active": job.status in ACTIVE_STATUSES,
        "progress": job.progress,
        "found": job.total_found,
        "saved": job.total_processed,
        "duplicates": job.total_duplicates,
        "pages_done": job.pages_done,
        "pages_planned": job.pages_planned,
        "error": error_line(job),
        "error_full": clipped(job.error, 300),
        "duration": duration_text(job),
    }
