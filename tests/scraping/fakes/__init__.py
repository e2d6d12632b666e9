"""Fake provider servers and company sites for the discovery-source tests, and a way to run sources.

`run(criteria, sources, settings)` drives `scraping.runner.run_sources` (the real path: registry,
shared HTTP client, event queue) and sorts its events into an `Outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scraping.runner import LeadsFound, Progress, SourceFinished, SourceWarning, run_sources
from scraping.types import Criteria, Lead, ScrapeSettings


def make_settings(**overrides: object) -> ScrapeSettings:
    """Settings for tests: 127.0.0.1 allowed, no politeness delay, short timeouts and backoff."""
    values: dict[str, object] = dict(
        allow_private_urls=True,
        per_host_delay=0.0,
        connect_timeout=2.0,
        read_timeout=3.0,
        retries=2,
        retry_backoff=0.05,
        max_retry_wait=3.0,
        api_retry_budget=3.0,
        max_crawl_delay=3.0,
    )
    values.update(overrides)
    return ScrapeSettings(**values)  # type: ignore[arg-type]


@dataclass
class Outcome:
    batches: dict[str, list[list[Lead]]] = field(default_factory=dict)
    warnings: list[SourceWarning] = field(default_factory=list)
    finished: dict[str, SourceFinished] = field(default_factory=dict)
    pages_done: int = 0
    pages_planned: int = 0

    def leads(self, source: str) -> list[Lead]:
        return [lead for batch in self.batches.get(source, []) for lead in batch]

    def error(self, source: str) -> str:
        return self.finished[source].error


def run(criteria: Criteria, sources: list[str], scrape_settings: ScrapeSettings) -> Outcome:
    outcome = Outcome()
    for event in run_sources(criteria, sources, scrape_settings):
        if isinstance(event, LeadsFound):
            outcome.batches.setdefault(event.source, []).append(event.leads)
        elif isinstance(event, SourceWarning):
            outcome.warnings.append(event)
        elif isinstance(event, Progress):
            outcome.pages_done += event.pages_done
            outcome.pages_planned += event.pages_planned
        elif isinstance(event, SourceFinished):
            outcome.finished[event.source] = event
    return outcome
