"""The `website` source: visit company websites and read their contacts.

For each start URL the homepage is fetched; a home page that is only a language chooser or a
meta-refresh to a language root (/ -> /en/) is replaced by the root of the job's language (else
English, else the one it points to). Then come the same-site pages most likely to hold contacts,
from its links (within `max_depth`) and its sitemaps (`scraping.sitemaps`) alike, ranked by link text
and path in many languages: contact pages (kontakt, contatti, yhteystiedot, ...) first, then legal
notices (impressum, mentions légales, aviso legal, colofon, ...), then about, team and careers pages.
Up to `per_host_concurrency` of them are fetched at once, best first: the sitemaps are read while the
home page's contact links are fetched, and a page that a sitemap entry could outrank waits for them
(`languages` finds the language roots). A site's crawl ends when
`max_pages_per_site` pages are read, or when its contacts are found (an e-mail at the site's domain,
a phone, and a contact or legal-notice page read) and no about, team or careers page is left.
Sites are crawled concurrently; politeness per host is the HTTP client's. Each site gives one lead
(`extract.build_lead`). A URL that fails is reported with `ctx.warn` and the crawl goes on; when
every start URL fails the source fails with the reasons.

`scrape_site()` is the same crawl for one site, used by the discovery sources to enrich their leads
(`merge_leads()` folds the website's findings into a discovered lead).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from scraping import extract
from scraping.errors import BlockedURLError, ConfigurationError, ScrapeError
from scraping.http import safe_url
from scraping.normalize import fold, registrable_domain
from scraping.sitemaps import sitemap_urls
from scraping.sources.languages import language_of, language_root
from scraping.sources.registry import SourceContext, register
from scraping.types import Criteria, Lead

log = logging.getLogger(__name__)

# Words in a link's text or path (folded: lowercase, no accents, "-", "_" and "/" read as spaces) that
# point at contact details, with their weight. Contact pages come first, then legal notices and quote
# requests: they hold the company's own e-mail, phone and address; about, team and careers pages next.
_CONTACT_WORDS = {
    10: (
        "contact|kontakt|contatti|contato|fale conosco|yhteystiedot|kapcsolat|get in touch|reach us|iletisim|"
        "επικοινωνια|контакты|お問い合わせ|問い合わせ|联系我们|聯絡我們"
    ).split("|"),
    9: (
        "impressum|impresszum|imprint|legal notice|aviso legal|mentions legales|note legali|colofon|colophon|"
        "quote|offerte|offert|devis|presupuesto|preventivo|orcamento"
    ).split("|"),
    6: (
        "about|ueber uns|uber uns|sobre|nosotros|quienes somos|quem somos|chi siamo|qui sommes nous|"
        "a propos|over ons|om oss|om os|o nas|tietoa|empresa|unternehmen|azienda|bedrijf|company|"
        "who we are|team|equipo|equipe|people|leadership|locations|offices|standorte|find us|directions|"
        "hakkimizda|σχετικα|о компании|о нас|会社概要|会社案内|关于我们"
    ).split("|"),
    5: "careers|jobs|karriere|carreras|lavora con noi|vacatures".split(
        "|"
    ),  # a jobs@ address is the company's
    2: "support|help|service|press|presse".split("|"),
}
# One pattern per weight, heaviest first: a word of it where a word starts (" contact" in " contactez").
_WORD_PATTERNS = [
    (weight, re.compile("|".join(" " + re.escape(word) for word in words)))
    for weight, words in sorted(_CONTACT_WORDS.items(), reverse=True)
]
CONTACT_PAGE_SCORE = 9  # a page scoring this much is a contact or legal-notice page (deep ones included)
_PEOPLE_PAGE = 5  # about, team and careers pages: read even when the contacts are found
_SKIP_EXTENSIONS = re.compile(
    r"\.(pdf|jpe?g|png|gif|svg|webp|zip|docx?|xlsx?|pptx?|mp4|mp3|css|js|ico|xml|json|gz)$", re.I
)
_SKIP_PATHS = re.compile(
    r"/(wp-admin|wp-login|cart|checkout|login|logout|signin|account|feed|tag|category)\b", re.I
)
_MAX_CANDIDATES = 200
_REFRESH = 100  # a meta refresh is where the page really is: followed before anything else
_HOME = 1000  # the home page's rank among the pages read
# No URL of a sitemap (depth 1, scored by its path alone, found after the home page's links) can rank
# before a candidate of a rank up to this one: such candidates need not wait for the sitemaps.
_OUTRANKS_SITEMAPS = (-max(_CONTACT_WORDS), 1, 2**62)


@dataclass(order=True)
class _Candidate:
    rank: tuple[int, int, int]  # (-score, depth, order found)
    url: str = field(compare=False)
    depth: int = field(compare=False)
    contact: bool = field(compare=False, default=False)  # a contact or legal-notice page


def link_score(url: str, text: str) -> int:
    """How likely a link leads to contact details (0: not worth a request)."""
    path = urlsplit(url).path
    # Words are matched where a word starts: "contact" finds "contactez", "om os" not "custom osmosis".
    haystack = " " + " ".join(re.sub(r"[-_/.+]", " ", fold(f"{path} {text}")).split())
    score = next((weight for weight, pattern in _WORD_PATTERNS if pattern.search(haystack)), 0)
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


class _SiteCrawl:
    """The crawl of one site: a ranked frontier, a seen-set and the pages read so far.

    Up to `per_host_concurrency` pages are in flight at once, always the best-ranked candidates; the
    crawl ends when the page budget is spent, the frontier is empty, the job stops, or the contacts
    are found (an e-mail at the site's domain, a phone, and a contact or legal-notice page read).
    """

    def __init__(self, start_url: str, criteria: Criteria, ctx: SourceContext) -> None:
        self.start_url = normalise_start_url(start_url)
        self.criteria = criteria
        self.ctx = ctx
        self.settings = ctx.settings
        self.region = extract.region_for(criteria.geography, self.start_url)
        self.criteria_geography = criteria.geography
        self.pages: list[extract.PageFacts] = []
        # Where each page stands in the lead's merge: home pages first, then by rank (score, depth,
        # order found), so the lead does not depend on which of two pages fetched side by side
        # answered first.
        self.page_order: list[tuple[int, int, int]] = []
        self.seen: set[str] = set()
        self.frontier: list[_Candidate] = []
        self.found = 0
        self.site_domain = ""
        self.homepage = ""
        self.in_flight = 0
        self.planned_crawl = 0  # pages of the frontier announced to the progress reporter, not yet done
        self.own_email = self.phone = self.contact_page = False
        self.changed = asyncio.Condition()
        # A site whose budget is larger than the usual frontier may queue as many pages as it may read.
        self.max_candidates = max(_MAX_CANDIDATES, self.settings.max_pages_per_site)
        self.sitemap_pending = False

    async def run(self) -> Lead:
        """Crawl the site. Raises when the homepage itself cannot be read."""
        self.ctx.progress(0, 1)
        self.seen.add(canonicalize_url(self.start_url))
        try:
            first = await self.ctx.http.fetch_page(self.start_url)
        finally:
            self.ctx.progress(1, 0)
        self.homepage = homepage_of(first.url)
        self.site_domain = registrable_domain(first.url)
        self.seen.add(canonicalize_url(first.url))
        home, self.region = extract.read_home(first.text, first.url, self.criteria_geography)
        root = language_root(home, language_of(self.region), self._same_site)
        if not root or not await self._read_language_root(home, root):
            self._read(home, depth=0)
        sitemap = None
        if not self.ctx.stopping() and self._budget() > 0 and self.settings.max_depth >= 1:
            # The sitemaps are read while the crawl starts on the best of the home page's links.
            self.sitemap_pending = True
            sitemap = asyncio.create_task(self._read_sitemaps())
        try:
            await self._crawl()
        except BaseException:
            if sitemap is not None:
                sitemap.cancel()
                await asyncio.gather(sitemap, return_exceptions=True)
            raise
        if sitemap is not None:
            await sitemap  # done: the crawl waited for it; raises what it raised
        pages = [
            facts for _, facts in sorted(zip(self.page_order, self.pages, strict=True), key=lambda p: p[0])
        ]
        return extract.build_lead(pages, self.criteria, self.homepage, source=self.ctx.source)

    async def _read_language_root(self, home: extract.PageFacts, root: str) -> bool:
        """Read the language root a stub home page leads to, as the home page. False if it failed."""
        self.pages.append(home)  # the stub still names the site (title, og:site_name)
        self.page_order.append((-_HOME - 1, 0, 0))
        self.seen.add(canonicalize_url(root))
        self.ctx.progress(0, 1)
        try:
            page = await self.ctx.http.fetch_page(root)
        except ScrapeError as exc:
            self.ctx.warn(safe_url(root), str(exc))
            self.pages.pop()
            self.page_order.pop()
            return False
        finally:
            self.ctx.progress(1, 0)
        if not self._same_site(page.url):
            self.pages.pop()
            self.page_order.pop()
            return False
        self.seen.add(canonicalize_url(page.url))
        self._read(extract.parse_page(page.text, page.url, self.region), depth=0)
        return True

    def _same_site(self, url: str) -> bool:
        return url.startswith(("http://", "https://")) and registrable_domain(url) == self.site_domain

    def _budget(self) -> int:
        return max(0, self.settings.max_pages_per_site - len(self.pages) - self.in_flight)

    def _read(
        self,
        facts: extract.PageFacts,
        depth: int,
        rank: tuple[int, int, int] = (-_HOME, 0, 0),
        contact: bool = False,
    ) -> None:
        self.pages.append(facts)
        self.page_order.append(rank)
        self.contact_page = self.contact_page or contact
        self.own_email = self.own_email or any(
            registrable_domain(hit.address.rsplit("@", 1)[-1]) == self.site_domain
            and hit.address not in facts.quoted_emails
            for hit in facts.emails
        )
        self.phone = self.phone or any(
            number not in facts.faxes and number not in facts.others_phones for number in facts.phones
        )
        # The seen-set cuts refresh loops; a frameset's frames are read as parts of the page.
        for part in filter(None, [facts.meta_refresh, *facts.frames]):
            self._offer(part, _REFRESH, depth)
        if depth < self.settings.max_depth:
            for link, text in facts.links:
                self._offer(link, link_score(link, text), depth + 1)

    def _offer(self, url: str, score: int, depth: int) -> None:
        if score <= 0 or len(self.frontier) >= self.max_candidates or not self._same_site(url):
            return
        path = urlsplit(url).path
        if _SKIP_EXTENSIONS.search(path) or _SKIP_PATHS.search(path):
            return
        key = canonicalize_url(url)
        if key in self.seen:
            return
        self.seen.add(key)
        self.found += 1
        contact = score >= CONTACT_PAGE_SCORE and (
            score != _REFRESH or link_score(url, "") >= CONTACT_PAGE_SCORE
        )
        heapq.heappush(self.frontier, _Candidate((-score, depth, self.found), url, depth, contact))

    async def _read_sitemaps(self) -> None:
        urls: list[str] = []
        try:
            urls = await sitemap_urls(
                self.ctx.http, self.homepage, same_site=self._same_site, warn=self.ctx.warn
            )
        finally:
            # Offered in the same step that ends the wait, so no worker ends between the two.
            async with self.changed:
                self.sitemap_pending = False
                for url in urls:
                    self._offer(url, link_score(url, ""), 1)
                self._replan()
                self.changed.notify_all()

    def _can_fetch(self) -> bool:
        if not self.frontier or self._budget() <= 0 or self.ctx.stopping():
            return False
        if self.sitemap_pending and self.frontier[0].rank > _OUTRANKS_SITEMAPS:
            # A page the sitemaps might outrank waits for them: pages are still read in rank order.
            return False
        # Found contacts end the crawl once no about or team page (people, address) is left to read.
        found = self.own_email and self.phone and self.contact_page
        return not found or -self.frontier[0].rank[0] >= _PEOPLE_PAGE

    async def _crawl(self) -> None:
        self._replan()
        workers = max(1, self.settings.per_host_concurrency)
        await asyncio.gather(*(self._worker() for _ in range(workers)))
        if self.planned_crawl > 0:
            # Pages planned but left unread (contacts found, job stopping) leave the plan again.
            self.ctx.progress(0, -self.planned_crawl)
            self.planned_crawl = 0

    def _can_fetch_or_done(self) -> bool:
        # An idle worker ends only when nothing in flight, the sitemaps included, may add candidates.
        return self._can_fetch() or (self.in_flight == 0 and not self.sitemap_pending)

    async def _worker(self) -> None:
        while True:
            async with self.changed:
                # An idle worker waits while pages in flight may still add candidates.
                await self.changed.wait_for(self._can_fetch_or_done)
                if not self._can_fetch():
                    return
                candidate = heapq.heappop(self.frontier)
                self.in_flight += 1
            try:
                await self._fetch(candidate)
            finally:
                async with self.changed:
                    self.in_flight -= 1
                    self.ctx.progress(1, 0)
                    self.planned_crawl -= 1
                    self._replan()
                    self.changed.notify_all()

    async def _fetch(self, candidate: _Candidate) -> None:
        try:
            page = await self.ctx.http.fetch_page(candidate.url)
        except ScrapeError as exc:
            self.ctx.warn(safe_url(candidate.url), str(exc))
            return
        if not self._same_site(page.url):
            self.ctx.warn(safe_url(candidate.url), f"redirected off the site to {safe_url(page.url)}")
            return
        self.seen.add(canonicalize_url(page.url))
        facts = extract.parse_page(page.text, page.url, self.region)
        self._read(facts, candidate.depth, candidate.rank, candidate.contact)

    def _replan(self) -> None:
        # Pages found on the way may raise the plan, never beyond the budget.
        wanted = min(len(self.frontier), self._budget()) + self.in_flight
        if wanted > self.planned_crawl:
            self.ctx.progress(0, wanted - self.planned_crawl)
            self.planned_crawl = wanted


def _as_scrape_error(exc: Exception) -> ScrapeError:
    """A site's failure as a ScrapeError; anything else is also logged with its traceback."""
    if isinstance(exc, ScrapeError):
        return exc
    log.warning("reading a site failed unexpectedly", exc_info=exc)
    return ScrapeError(f"could not read the site: {type(exc).__name__}: {exc}")


async def scrape_site(url: str, criteria: Criteria, ctx: SourceContext) -> Lead | None:
    """Crawl one website and return its lead, or None (after `ctx.warn`) when it cannot be read."""
    try:
        return await _SiteCrawl(url, criteria, ctx).run()
    except Exception as exc:  # one site's trouble, whatever it is, never stops the others
        ctx.warn(safe_url(normalise_start_url(url)), str(_as_scrape_error(exc)))
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
            except Exception as exc:  # one site's trouble, whatever it is, never stops the others
                error = _as_scrape_error(exc)
                ctx.warn(safe_url(url), str(error))
                failures.append((url, error))
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
