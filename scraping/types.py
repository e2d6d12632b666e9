"""Values that cross the boundary between the scraping layer and the job layer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Criteria:
    """What a job looks for. Built by the job layer from a validated ScrapeJob."""

    industry: str = ""
    geography: str = ""
    keywords: tuple[str, ...] = ()
    search_query: str = ""
    urls: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)
    # Upper bound of leads per source; the job layer caps it with a setting.
    max_results: int = 100
    # Second layer: visit the company websites that discovery sources find.
    enrich: bool = True


@dataclass(frozen=True)
class Person:
    """Someone who works at a lead's company, as its site shows them; empty strings where not shown."""

    name: str
    role: str = ""
    email: str = ""
    linkedin: str = ""  # canonical https://www.linkedin.com/in/... profile


@dataclass
class Lead:
    """One company found by a source, already normalised by the scraping layer."""

    source: str
    company_name: str = ""
    website: str = ""
    industry: str = ""
    location: str = ""
    address: str = ""
    description: str = ""
    email: str = ""  # the best of `emails`: the company's own domain first
    phone: str = ""  # the best of `phones`, E.164
    source_url: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    socials: dict[str, str] = field(default_factory=dict)  # network -> canonical profile URL
    people: list[Person] = field(default_factory=list)  # staff from team pages and structured data
    matched_keywords: list[str] = field(default_factory=list)
    confidence: float = 0.0
    # Source-specific facts (company size, Crunchbase uuid, ...), kept in the raw payload.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ScrapeSettings:
    """Every knob of the scraping layer, with its default.

    The job layer fills most fields from the Django setting of the same name (`SCRAPE_` + the field
    name in capitals, `LEADENGINE_ALLOW_PRIVATE_URLS`, the providers' names); fields it does not fill
    keep the defaults below.
    """

    user_agent: str = "LeadEngineBot/1.0 (+https://github.com/leadengine/leadengine)"
    allow_private_urls: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_response_bytes: int = 3 * 1024 * 1024
    max_redirects: int = 5
    obey_robots_txt: bool = True
    per_host_concurrency: int = 2
    per_host_delay: float = 0.5
    total_concurrency: int = 32
    retries: int = 2
    retry_backoff: float = 0.5  # seconds before the first retry, doubled before each further one
    # Three waits, each capped on its own (seconds):
    max_retry_wait: float = 30.0  # one wait before a retry, whatever Retry-After asks
    api_retry_budget: float = 30.0  # all retry waits of one API call; past it the call fails
    max_crawl_delay: float = 30.0  # the longest robots.txt Crawl-delay obeyed between pages of a host
    max_depth: int = 2
    max_pages_per_site: int = 8
    # Discovery sources (issue: google, linkedin, crunchbase); empty means "not configured".
    # Web search backend of google and linkedin: searxng, serpapi or brave; empty takes the first
    # configured of these, in that order.
    search_backend: str = ""
    searxng_url: str = ""
    serpapi_api_key: str = ""
    serpapi_url: str = "https://serpapi.com"
    brave_api_key: str = ""
    brave_url: str = "https://api.search.brave.com"
    crunchbase_api_key: str = ""
    crunchbase_url: str = "https://api.crunchbase.com"
    max_results_cap: int = 500
