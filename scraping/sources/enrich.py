"""Leads found elsewhere (search results, provider records) completed from their own websites.

`enrich(leads, criteria, ctx)` visits every lead's website with the website source's crawl
(`website.scrape_site`) and folds what it finds into the lead (`website.merge_leads`: the lead's own
values win). A site that cannot be read costs the lead nothing: it is reported and the lead goes on
as it was found.
"""

from __future__ import annotations

import asyncio
import logging

from scraping.sources.registry import SourceContext
from scraping.sources.website import merge_leads, scrape_site
from scraping.types import Criteria, Lead

log = logging.getLogger(__name__)


async def _enrich_one(lead: Lead, criteria: Criteria, ctx: SourceContext) -> Lead:
    try:
        site = await scrape_site(lead.website, criteria, ctx)  # warns and gives None when unreadable
    except Exception as exc:  # one site's failure never costs the lead the search already found
        log.warning("enriching %s failed", lead.website, exc_info=True)
        ctx.warn(lead.website, f"website not enriched: {type(exc).__name__}: {exc}")
        return lead
    if site is None:
        return lead
    lead.extra["enriched_from"] = site.website
    return merge_leads(lead, site)


async def enrich(leads: list[Lead], criteria: Criteria, ctx: SourceContext) -> list[Lead]:
    """The leads completed from their own websites, all sites visited concurrently.

    The HTTP client's per-host and total caps keep this polite; leads without a website pass as
    they are. Nothing is fetched once the job is stopping.
    """
    if ctx.stopping():
        return leads
    # Sites in flight at once, as in the website source: enough to keep the request cap busy.
    sites = asyncio.Semaphore(max(1, ctx.settings.total_concurrency))

    async def one(lead: Lead) -> Lead:
        if not lead.website:
            return lead
        async with sites:
            return lead if ctx.stopping() else await _enrich_one(lead, criteria, ctx)

    return list(await asyncio.gather(*(one(lead) for lead in leads)))
