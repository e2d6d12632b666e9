"""What the discovery sources (google, linkedin, crunchbase) share: the job's limit, keywords and score.

Leads found by search results or provider records are scored on the website source's scale
(`extract.confidence`), so a lead's confidence means the same whichever source found it.
"""

from __future__ import annotations

from scraping.extract import confidence, matched_keywords
from scraping.normalize import registrable_domain
from scraping.types import Criteria, Lead, ScrapeSettings


def result_limit(criteria: Criteria, settings: ScrapeSettings) -> int:
    """How many leads one source may yield for a job: its `max_results`, capped by the setting."""
    return max(0, min(criteria.max_results, settings.max_results_cap))


def keywords_in(keywords: tuple[str, ...] | list[str], *texts: str) -> list[str]:
    """The keywords found in the texts as whole words, ignoring case and accents (extract's rule)."""
    return matched_keywords(keywords, [text for text in texts if text])


def lead_confidence(lead: Lead, criteria: Criteria, *, structured_name: bool = False) -> float:
    """The lead's confidence on the website source's scale (`extract.confidence`).

    `structured_name` is true when the name comes from a provider's record (Crunchbase) rather than
    read from a page title.
    """
    domains = {registrable_domain(lead.website)} if lead.website else set()
    return confidence(lead, structured_name, domains, len(criteria.keywords))
