"""One run of one job: claim it, run its sources, save their leads batch by batch, end it.

The bridge between the two layers: it turns a ScrapeJob into `scraping.Criteria`, and the events of
`scraping.runner.run_sources()` into calls of `services`.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.conf import settings

from leadengine.jobs import outcomes, services
from leadengine.jobs.middleware import shutting_down
from leadengine.jobs.models import ScrapeJob
from scraping.runner import LeadsFound, Progress, SourceFinished, SourceWarning, run_sources
from scraping.types import Criteria, Lead, ScrapeSettings

log = logging.getLogger("leadengine.jobs")


# A job's warnings are kept on its row: a job of many failing URLs keeps the first ones and a count.
MAX_WARNINGS = 200


class SourcesFailed(Exception):
    """Every source of the job failed; retrying may help (network errors, provider outages)."""


def scrape_settings() -> ScrapeSettings:
    return ScrapeSettings(
        user_agent=settings.SCRAPE_USER_AGENT,
        allow_private_urls=settings.LEADENGINE_ALLOW_PRIVATE_URLS,
        connect_timeout=settings.SCRAPE_CONNECT_TIMEOUT,
        read_timeout=settings.SCRAPE_READ_TIMEOUT,
        max_response_bytes=settings.SCRAPE_MAX_RESPONSE_BYTES,
        max_redirects=settings.SCRAPE_MAX_REDIRECTS,
        obey_robots_txt=settings.SCRAPE_OBEY_ROBOTS_TXT,
        per_host_concurrency=settings.SCRAPE_PER_HOST_CONCURRENCY,
        per_host_delay=settings.SCRAPE_PER_HOST_DELAY,
        total_concurrency=settings.SCRAPE_TOTAL_CONCURRENCY,
        retries=settings.SCRAPE_RETRIES,
        retry_backoff=settings.SCRAPE_RETRY_BACKOFF,
        max_retry_wait=settings.SCRAPE_MAX_RETRY_WAIT,
        api_retry_budget=settings.SCRAPE_API_RETRY_BUDGET,
        max_crawl_delay=settings.SCRAPE_MAX_CRAWL_DELAY,
        max_depth=settings.SCRAPE_MAX_DEPTH,
        max_pages_per_site=settings.SCRAPE_MAX_PAGES_PER_SITE,
        search_backend=settings.SEARCH_BACKEND,
        searxng_url=settings.SEARXNG_URL,
        serpapi_api_key=settings.SERPAPI_API_KEY,
        serpapi_url=settings.SERPAPI_URL,
        brave_api_key=settings.BRAVE_API_KEY,
        brave_url=settings.BRAVE_URL,
        crunchbase_api_key=settings.CRUNCHBASE_API_KEY,
        crunchbase_url=settings.CRUNCHBASE_URL,
        max_results_cap=settings.SCRAPE_MAX_RESULTS_CAP,
    )


def criteria_for(job: ScrapeJob) -> Criteria:
    return Criteria(
        industry=job.industry,
        geography=job.geography,
        keywords=tuple(job.keywords),
        search_query=job.search_query,
        urls=tuple(job.urls),
        filters=dict(job.filters),
        max_results=min(job.max_results, settings.SCRAPE_MAX_RESULTS_CAP),
        enrich=job.enrich,
    )


class _JobRun:
    """The state of one attempt: leads waiting to be saved, progress, and what went wrong."""

    def __init__(self, job: ScrapeJob):
        self.job = job
        self.extra = {"job_id": str(job.id), "owner": job.owner_id}
        self.pending: list[Lead] = []
        self.last_save = time.monotonic()
        self.last_beat = time.monotonic()
        self.pages_done = 0
        self.pages_planned = 0
        self.new = 0
        self.duplicates = 0
        self.warnings: list[str] = []
        self.failed_sources: dict[str, str] = {}
        self.config_failures: set[str] = set()
        self.finished_sources: set[str] = set()

    def kept_warnings(self) -> list[str]:
        if len(self.warnings) <= MAX_WARNINGS:
            return self.warnings
        return [*self.warnings[:MAX_WARNINGS], f"... and {len(self.warnings) - MAX_WARNINGS} more"]

    def save(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        result = services.job_save_leads(self.job, batch)
        services.leads_merge_enrichment(self.job, batch)
        self.new += result.new
        self.duplicates += result.duplicates
        self.last_save = self.last_beat = time.monotonic()
        log.info(
            "job %s saved %d new and %d duplicates",
            self.job.id,
            result.new,
            result.duplicates,
            extra={**self.extra, "event": "saved", "new": result.new, "duplicates": result.duplicates},
        )

    def beat(self, force: bool = False) -> None:
        if force or time.monotonic() - self.last_beat >= settings.JOB_HEARTBEAT_INTERVAL:
            services.job_heartbeat(self.job, pages_done=self.pages_done, pages_planned=self.pages_planned)
            self.last_beat = time.monotonic()

    def handle(self, event) -> None:
        if isinstance(event, LeadsFound):
            self.pending.extend(event.leads)
            log.info(
                "job %s: %s found %d",
                self.job.id,
                event.source,
                len(event.leads),
                extra={**self.extra, "event": "found", "source": event.source, "found": len(event.leads)},
            )
        elif isinstance(event, Progress):
            self.pages_done += event.pages_done
            self.pages_planned += event.pages_planned
        elif isinstance(event, SourceWarning):
            self.warnings.append(f"{event.source}: {event.url + ': ' if event.url else ''}{event.message}")
        elif isinstance(event, SourceFinished):
            self.finished_sources.add(event.source)
            outcomes.source_run_record(self.job, event)
            if event.error:
                self.failed_sources[event.source] = event.error
                self.warnings.append(f"{event.source}: {event.error}")
                if event.configuration_error:
                    self.config_failures.add(event.source)
            log.info(
                "job %s: source %s done, %d leads in %.1fs%s",
                self.job.id,
                event.source,
                event.leads,
                event.seconds,
                f" ({event.error})" if event.error else "",
                extra={
                    **self.extra,
                    "event": "source_done",
                    "source": event.source,
                    "leads": event.leads,
                    "duration": round(event.seconds, 3),
                    "error": event.error,
                },
            )
        # Save often enough that progress moves and a slow source does not hold leads back.
        if len(self.pending) >= settings.LEAD_BATCH_SIZE or (
            self.pending and (isinstance(event, SourceFinished) or time.monotonic() - self.last_save >= 1.0)
        ):
            self.save()
        self.beat()


def run_job(job_id: str) -> None:
    """Run one attempt of a job. Raises when it failed in a way a retry may fix; the exception carries
    the attempt's claim stamp as `attempt_started_at`, so that recording the failure touches this
    attempt only, not one a retry started since."""
    log.info("job %s received", job_id, extra={"job_id": job_id, "event": "received"})
    job = services.job_claim(job_id)
    if job is None:
        log.info(
            "job %s not claimed: already taken, finished, cancelled or deleted",
            job_id,
            extra={"job_id": job_id, "event": "skipped"},
        )
        return
    try:
        _run_attempt(job)
    except Exception as exc:
        with contextlib.suppress(AttributeError):  # an exception type without attributes of its own
            exc.attempt_started_at = job.started_at
        raise


def _run_attempt(job: ScrapeJob) -> None:
    started = time.monotonic()
    run = _JobRun(job)
    criteria = criteria_for(job)
    log.info(
        "job %s running (attempt %d): sources=%s criteria=%s",
        job.id,
        job.attempts,
        ",".join(job.source_types),
        criteria,
        extra={**run.extra, "event": "running"},
    )
    events = run_sources(criteria, list(job.source_types), scrape_settings())
    try:
        for event in events:
            run.handle(event)
            if shutting_down.is_set():
                run.save()
                services.job_release(job)
                log.info(
                    "job %s handed back: worker shutting down",
                    job.id,
                    extra={**run.extra, "event": "released"},
                )
                return
        run.save()
    except services.JobStopped:
        log.info(
            "job %s stopped: no longer running (cancelled or taken back)",
            job.id,
            extra={**run.extra, "event": "stopped"},
        )
        return
    finally:
        events.close()

    elapsed = time.monotonic() - started
    sources = set(job.source_types)
    if run.failed_sources.keys() >= sources:
        reasons = "; ".join(f"{name}: {error}" for name, error in sorted(run.failed_sources.items()))
        if run.config_failures >= sources:
            # Bad configuration or refused URLs: another attempt would fail the same way.
            services.job_fail(
                job.id,
                error=f"Every source failed. {reasons}",
                warnings=run.kept_warnings(),
                started_at=job.started_at,
            )
            log.error(
                "job %s failed in %.1fs: %s",
                job.id,
                elapsed,
                reasons,
                extra={**run.extra, "event": "failed", "duration": round(elapsed, 3)},
            )
            return
        raise SourcesFailed(f"Every source failed. {reasons}")
    completed = services.job_complete(
        job, warnings=run.kept_warnings(), pages_done=run.pages_done, pages_planned=run.pages_planned
    )
    if not completed:
        log.info(
            "job %s stopped at its end: no longer running (cancelled or taken back)",
            job.id,
            extra={**run.extra, "event": "stopped"},
        )
        return
    log.info(
        "job %s completed in %.1fs: %d new, %d duplicates",
        job.id,
        elapsed,
        run.new,
        run.duplicates,
        extra={
            **run.extra,
            "event": "completed",
            "duration": round(elapsed, 3),
            "new": run.new,
            "duplicates": run.duplicates,
        },
    )
