"""The `website` source: visit company websites and read their contacts.

For each start URL the homepage is fetched, then the same-site pages most likely to hold contacts
(ranked by link text and path in several languages: contact, about, team, impressum, kontakt,
contacto, ...) and the likely pages of sitemap.xml, within `max_depth` links of the homepage and
`max_pages_per_site` pages. Sites are crawled concurrently; politeness per host is the HTTP client's.
Each site gives one lead (`extract.build_lead`). A URL that fails is reported with `ctx.warn` and the
crawl goes on; when every start URL fails the source fails with the reasons.

`scrape_site()` is the same crawl for one site, used by the discovery sources to enrich their leads
(`merge_leads()` folds the website's findings into a discovered lead).
"""

from __future__ import annotations

import asyncio
import heapq
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from scraping import extract
from scraping.errors import BlockedURLError, ConfigurationError, ScrapeError
from scraping.http import XML_TYPES, safe_url
from scraping.normalize import registrable_domain
from scraping.sources.registry import SourceContext, register
from scraping.types import Criteria, Lead

# Words in a link's text or path that point at contact details, with their weight.
_CONTACT_WORDS = {
    10: (
        "contact",
        "kontakt",
        "contacto",
        "contacta",
        "contactenos",
        "contactez",
        "contatti",
        "get in touch",
        "reach us",
        "impressum",
        "imprint",
        "legal notice",
        "aviso legal",
        "aviso-legal",
        "mentions legales",
    ),
    6: (
        "about",
        "ueber-uns",
        "uber-uns",
        "über uns",
        "ueber uns",
        "about-us",
        "sobre",
        "nosotros",
        "quienes-somos",
        "quiénes somos",
        "empresa",
        "unternehmen",
        "company",
        "who we are",
        "team",
        "equipo",
        "people",
        "our-team",
        "locations",
        "offices",
        "standorte",
        "find us",
        "directions",
    ),
    2: ("support", "help", "service", "careers", "jobs", "press", "presse"),
}
_SKIP_EXTENSIONS = re.compile(
    r"\.(pdf|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|mp4|mp3|css|js|ico|xml|json)$", re.I
)
_SKIP_PATHS = re.compile(
    r"/(wp-admin|wp-login|cart|checkout|login|logout|signin|account|feed|tag|category)\b", re.I
)
_MAX_CANDIDATES = 200


@dataclass(order=True)
class _Candidate:
    rank: tuple[int, int, int]  # (-score, depth, order found)
    url: str = field(compare=False)
    depth: int = field(compare=False)


def link_score(url: str, text: str) -> int:
    """How likely a link leads to contact details (0: not worth a request)."""
    path = urlsplit(url).path.lower()
    haystack = f"{path.replace('_', '-')} {text.lower()}"
    score = 0
    for weight, words in _CONTACT_WORDS.items():
        if any(word in haystack for word in words):
            score = max(score, weight)
    if score and path.count("/") > 3:
        score -= 1  # deep paths are blog posts that merely mention the word
    return score


def normalise_start_url(url: str) -> str:
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    return url


def homepage_of(url: str) -> str:
    """The site's homepage: scheme, host and port of the URL the homepage was finally served from."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), "/", "", ""))


def _same_site(url: str, site_domain: str) -> bool:
    return url.startswith(("http://", "https://")) and registrable_domain(url) == site_domain


class _SiteCrawl:
    """The crawl of one site: a ranked frontier, a seen-set and the pages read so far."""

    def __init__(self, start_url: str, criteria: Criteria, ctx: SourceContext) -> None:
        self.start_url = normalise_start_url(start_url)
        self.criteria = criteria
        self.ctx = ctx
        self.settings = ctx.settings
        self.region = extract.region_for(criteria.geography, self.start_url)
        self.pages: list[extract.PageFacts] = []
        self.seen: set[str] = set()
        self.frontier: list[_Candidate] = []
        self.found = 0
        self.planned = 0
        self.site_domain = ""
        self.homepage = ""

    async def run(self) -> Lead:
        """Crawl the site. Raises when the homepage itself cannot be read."""
        self._plan(1)
        self.seen.add(canonicalize_url(self.start_url))
        try:
            first = await self.ctx.http.fetch_page(self.start_url)
        finally:
            self.ctx.progress(1, 0)
        self.homepage = homepage_of(first.url)
        self.site_domain = registrable_domain(first.url)
        self.seen.add(canonicalize_url(first.url))
        self._read(first.url, first.text, depth=0)
        await self._add_sitemap()
        await self._crawl()
        return extract.build_lead(self.pages, self.criteria, self.homepage, source=self.ctx.source)

    def _plan(self, count: int) -> None:
        if count > 0:
            self.planned += count
            self.ctx.progress(0, count)

    def _budget(self) -> int:
        return max(0, self.settings.max_pages_per_site - len(self.pages))

    def _read(self, url: str, html: str, depth: int) -> None:
        facts = extract.parse_page(html, url, self.region)
        self.pages.append(facts)
        if facts.meta_refresh:
            # A refresh is where the page really is: follow it first (the seen-set cuts loops).
            self._offer(facts.meta_refresh, 100, depth)
        if depth < self.settings.max_depth:
            for link, text in facts.links:
                self._offer(link, link_score(link, text), depth + 1)

    def _offer(self, url: str, score: int, depth: int) -> None:
        if score <= 0 or len(self.frontier) >= _MAX_CANDIDATES:
            return
        if not _same_site(url, self.site_domain):
            return
        path = urlsplit(url).path
        if _SKIP_EXTENSIONS.search(path) or _SKIP_PATHS.search(path):
            return
        key = canonicalize_url(url)
        if key in self.seen:
            return
        self.seen.add(key)
        self.found += 1
        heapq.heappush(self.frontier, _Candidate((-score, depth, self.found), url, depth))

    async def _add_sitemap(self) -> None:
        """Offer the contact-looking URLs of the site's sitemap (robots.txt's, else /sitemap.xml)."""
        if self._budget() <= 0 or self.settings.max_depth < 1:
            return
        robots = await self.ctx.http.robots_for(self.homepage) if self.settings.obey_robots_txt else None
        sitemaps = [url for url in (robots.sitemaps if robots else []) if _same_site(url, self.site_domain)]
        for sitemap_url in (sitemaps or [self.homepage + "sitemap.xml"])[:2]:
            try:
                page = await self.ctx.http.fetch_page(sitemap_url, accept=XML_TYPES)
            except ScrapeError:
                continue  # a sitemap is optional: no sitemap is not a problem worth a warning
            for loc in sitemap_locations(page.text)[:_MAX_CANDIDATES]:
                self._offer(loc, link_score(loc, ""), 1)

    async def _crawl(self) -> None:
        to_plan = min(len(self.frontier), self._budget())
        self._plan(to_plan)
        planned_here = to_plan
        while self.frontier and self._budget() > 0 and not self.ctx.stopping():
            candidate = heapq.heappop(self.frontier)
            try:
                page = await self.ctx.http.fetch_page(candidate.url)
            except ScrapeError as exc:
                self.ctx.warn(safe_url(candidate.url), str(exc))
            else:
                if not _same_site(page.url, self.site_domain):
                    self.ctx.warn(safe_url(candidate.url), f"redirected off the site to {safe_url(page.url)}")
                else:
                    self.seen.add(canonicalize_url(page.url))
                    self._read(page.url, page.text, candidate.depth)
            finally:
                self.ctx.progress(1, 0)
                planned_here -= 1
            # Pages found on the way may raise the plan, never beyond the budget.
            wanted = min(len(self.frontier), self._budget())
            if wanted > planned_here:
                self._plan(wanted - planned_here)
                planned_here = wanted


def sitemap_locations(xml_text: str) -> list[str]:
    """The <loc> URLs of a sitemap (or sitemap index). Malformed XML gives what a regex can find."""
    try:
        root = ElementTree.fromstring(
            xml_text.encode("utf-8") if xml_text.lstrip().startswith("<?xml") else xml_text
        )
    except ElementTree.ParseError:
        return [match.strip() for match in re.findall(r"<loc>\s*([^<]+?)\s*</loc>", xml_text)]
    return [element.text.strip() for element in root.iter() if element.tag.endswith("loc") and element.text]


async def scrape_site(url: str, criteria: Criteria, ctx: SourceContext) -> Lead | None:
    """Crawl one website and return its lead, or None (after `ctx.warn`) when it cannot be read."""
    try:
        return await _SiteCrawl(url, criteria, ctx).run()
    except ScrapeError as exc:
        ctx.warn(safe_url(normalise_start_url(url)), str(exc))
        return None


def merge_leads(base: Lead, found: Lead) -> Lead:
    """Fold what a website crawl found into a lead from another source; the base's values win."""
    for name in ("company_name", "website", "industry", "location", "address", "description", "source_url"):
        if not getattr(base, name) and getattr(found, name):
            setattr(base, name, getattr(found, name))
    domains = {registrable_domain(base.website)} if base.website else set()
    base.emails = extract.rank_emails([*base.emails, *found.emails], domains)
    base.phones = list(dict.fromkeys([*base.phones, *found.phones]))
    base.email = base.email or (base.emails[0] if base.emails else "")
    base.phone = base.phone or (base.phones[0] if base.phones else "")
    for network, profile in found.socials.items():
        base.socials.setdefault(network, profile)
    base.people.extend(person for person in found.people if person not in base.people)
    base.matched_keywords.extend(word for word in found.matched_keywords if word not in base.matched_keywords)
    base.confidence = max(base.confidence, found.confidence)
    return base


@register("website")
async def run(criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]:
    """Crawl every URL of `criteria.urls` concurrently; yield each site's lead as it is done."""
    urls = list(dict.fromkeys(normalise_start_url(url) for url in criteria.urls if url.strip()))
    if not urls:
        raise ConfigurationError("the website source needs at least one URL")
    # Sites in flight at once: enough to keep the total request cap busy, not a task per URL.
    sites = asyncio.Semaphore(max(1, ctx.settings.total_concurrency))
    failures: list[tuple[str, ScrapeError]] = []
    produced = 0

    async def crawl(url: str) -> Lead | None:
        async with sites:
            if ctx.stopping():
                return None
            try:
                return await _SiteCrawl(url, criteria, ctx).run()
            except ScrapeError as exc:
                ctx.warn(safe_url(url), str(exc))
                failures.append((url, exc))
                return None

    tasks = [asyncio.create_task(crawl(url)) for url in urls]
    try:
        for next_done in asyncio.as_completed(tasks):
            lead = await next_done
            if lead is not None:
                produced += 1
                yield [lead]
            if ctx.stopping() or produced >= criteria.max_results:
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if produced == 0 and failures and len(failures) == len(urls):
        reasons = "; ".join(f"{safe_url(url)}: {exc}" for url, exc in failures[:10])
        if all(isinstance(exc, BlockedURLError) for _, exc in failures):
            raise ConfigurationError(f"every URL was refused: {reasons}")
        raise ScrapeError(f"every URL failed: {reasons}")
