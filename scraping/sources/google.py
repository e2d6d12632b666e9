"""The `google` source: company websites found by web search, then enriched from the sites themselves.

The job's criteria become one web query (`search.criteria_query`: the job's search query, else its
industry, geography and keywords) sent through the configured search backend (SearXNG, SerpApi or
Brave Search; see `scraping.sources.search` for the formats and the documentation they follow). The
geography also goes to the backend's own location parameters where it has them.

Each result page becomes one batch of leads:
- results on directories, social networks, news sites and marketplaces are dropped
  (`excluded_domains.txt`, editable);
- one lead per company: the registrable domain of the result URL (`normalize.registrable_domain`)
  identifies the company, the first result of a domain is kept, later ones are not;
- the lead's website is the site's root, its name is read from the result title, its description is
  the snippet, and `source_url` the result itself;
- with `criteria.enrich` (the default) every site of the batch is visited concurrently by the website
  source, so the leads carry the e-mail addresses, phone numbers and social profiles found there.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from scraping.normalize import fold, registrable_domain
from scraping.sources.common import keywords_in, lead_confidence
from scraping.sources.excluded_domains import is_excluded
from scraping.sources.registry import SourceContext, register
from scraping.sources.search import SearchResult, criteria_query, search_leads
from scraping.types import Criteria, Lead

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—·:»]\s+")
# Page names that are not a company's name ("Home | Example Widgets").
_GENERIC_TITLES = {
    "home",
    "homepage",
    "home page",
    "welcome",
    "startseite",
    "accueil",
    "inicio",
    "about",
    "about us",
    "contact",
    "contact us",
    "official site",
    "official website",
}


@register("google")
async def run(criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]:
    async for batch in search_leads(
        criteria_query(criteria),
        criteria,
        ctx,
        lambda result: lead_from_result(result, criteria),
        lambda lead: registrable_domain(lead.website),
        enrich_sites=True,
    ):
        yield batch


def site_root(url: str) -> str:
    """`https://www.widgets.com/en/about?x=1` -> `https://www.widgets.com/`."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def company_name(title: str, url: str) -> str:
    """The company's name from a result title: the part that looks like the domain, else the first
    part that is not a page name ("Home | Example Widgets" -> "Example Widgets")."""
    parts = [part.strip() for part in _TITLE_SEPARATORS.split(title) if part.strip()]
    label = re.sub(r"\W", "", registrable_domain(url).split(".", 1)[0])
    for part in parts:
        compact = re.sub(r"\W", "", fold(part))
        if compact and label and (compact in label or label in compact):
            return part
    for part in parts:
        if fold(part) not in _GENERIC_TITLES:
            return part
    return registrable_domain(url)


def lead_from_result(result: SearchResult, criteria: Criteria) -> Lead | None:
    """The lead of a result on a company's own site; None for excluded sites."""
    if is_excluded(result.url):
        return None
    lead = Lead(
        source="google",
        company_name=company_name(result.title, result.url),
        website=site_root(result.url),
        description=result.snippet,
        source_url=result.url,
        matched_keywords=keywords_in(criteria.keywords, result.title, result.snippet),
        extra={"search_backend": result.backend, "search_title": result.title},
    )
    lead.confidence = lead_confidence(lead, criteria)
    return lead
