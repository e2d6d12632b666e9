"""Web search backends shared by the `google` and `linkedin` sources: SearXNG, SerpApi, Brave Search.

A source asks `search(query, geography, ctx)` for result pages and stops reading when it has enough.
The backend is chosen by the settings present, in this order unless `search_backend` names one:
SearXNG (`searxng_url`), SerpApi (`serpapi_api_key`), Brave Search (`brave_api_key`). Google's own
Custom Search JSON API (closed to new customers, ends 2027-01-01) and Bing's Web Search API (retired
2025-08-11) are deliberately not offered.

Retries are the HTTP client's (`request_api`): 429 waits for Retry-After within a budget, 5xx backs
off, 401/403 become ConfigurationError at once, malformed JSON a ScrapeError. Paging here stops when
the backend says there is no next page, when a page brings no new URL, or after `MAX_PAGES`: a
provider that keeps answering the same page is never asked forever.

Formats, as documented by the providers:

SearXNG -- https://docs.searxng.org/dev/search_api.html
    GET {SEARXNG_URL}/search?q=...&format=json&pageno=N&categories=general   (pageno counts from 1)
    -> {"query", "number_of_results", "results": [{"url", "title", "content", "engine", "engines",
        "score", ...}], "unresponsive_engines": [[engine, reason], ...], ...}
    `format=json` must be listed under `search.formats` in the instance's settings.yml, otherwise
    SearXNG answers 403: reported as a configuration error. SearXNG has no location parameter and its
    `language` is a language, not a place, so the geography travels in the query text only.

SerpApi (Google engine) -- https://serpapi.com/search-api, https://serpapi.com/organic-results,
https://serpapi.com/api-status-and-error-codes
    GET {SERPAPI_URL}/search.json?engine=google&q=&location=&gl=&num=&start=&api_key=
    -> {"organic_results": [{"position", "title", "link", "snippet", ...}],
        "serpapi_pagination": {"next": "...", ...}, "search_metadata": {"status"}, ...}
    `start` counts results (0, 10, 20, ...); the next page starts after the results received.
    `location` is a free-text place ("Berlin, Germany"), `gl` a two-letter country code. Errors are
    {"error": "..."}: 401 bad key, 429 throughput or searches used up; a 200 with "error" and no
    results ("Google hasn't returned any results for this query.") means the results ended. An
    unsupported location is a 400 naming the location parameter: the search then goes on without it.

Brave Search -- https://api-dashboard.search.brave.com/api-reference/web/search/get,
https://api.search.brave.com/app/documentation/web-search/responses
    GET {BRAVE_URL}/res/v1/web/search?q=&count=20&offset=N&country=CC&text_decorations=false
        header X-Subscription-Token: {BRAVE_API_KEY}
    -> {"type": "search", "query": {"original", "more_results_available"}, "web": {"results":
        [{"url", "title", "description", "extra_snippets"?, ...}]}, ...}
    `count` is at most 20; `offset` counts pages of `count` results, 0 to 9. `country` takes only the
    codes Brave lists (BRAVE_COUNTRIES); others are left out rather than refused by the API.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from scraping import geo
from scraping.errors import ConfigurationError, ScrapeError
from scraping.http import HttpClient
from scraping.sources.common import result_limit
from scraping.sources.enrich import enrich
from scraping.sources.registry import SourceContext
from scraping.types import Criteria, Lead, ScrapeSettings

# A safety stop: no backend is paged further than this within one search.
MAX_PAGES = 20
SERPAPI_PAGE_SIZE = 10  # Google serves 10 organic results a page whatever `num` asks
BRAVE_PAGE_SIZE = 20  # Brave's documented maximum `count`
BRAVE_MAX_OFFSET = 9  # Brave's documented maximum `offset` (in pages)

# Countries Brave Search accepts in `country` (its "Country Codes" table).
BRAVE_COUNTRIES = frozenset(
    "AR AU AT BE BR CA CL DK FI FR DE HK IN ID IT JP KR MY MX NL NZ NO CN PL PT PH RU SA ZA ES SE CH "
    "TW TR GB US".split()
)

_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class SearchResult:
    """One organic web result, its text already plain (no markup, no entities)."""

    url: str
    title: str
    snippet: str
    backend: str


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchResult]
    next_cursor: Any = None  # what to ask for next; None when the backend has no further page
    warning: str = ""  # something the job should know although the search went on


class Backend(Protocol):
    name: str
    first_cursor: Any

    async def fetch(self, http: HttpClient, query: str, geography: str, cursor: Any) -> SearchPage: ...


# --- helpers ----------------------------------------------------------------------------------------


def plain_text(value: Any) -> str:
    """A provider's title or snippet as plain text: markup removed, entities decoded, spaces folded."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAGS.sub("", value)).split())


def country_code(geography: str) -> str:
    """The ISO 3166 alpha-2 code of the country a geography names ("Leeds, UK" -> "GB"), or ""."""
    return (geo.search_country(geography) or "").upper()


def _results(items: Any, backend: str, url_key: str, snippet_key: str) -> list[SearchResult]:
    """Organic results from a provider's list, skipping entries without an http(s) URL."""
    if not isinstance(items, list):
        raise ScrapeError(f"{backend} answered without a result list")
    results = []
    for item in items:
        if not isinstance(item, dict):
            continue
        url = item.get(url_key)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        results.append(
            SearchResult(
                url=url,
                title=plain_text(item.get("title")),
                snippet=plain_text(item.get(snippet_key)),
                backend=backend,
            )
        )
    return results


def _object(data: Any, backend: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ScrapeError(f"{backend} answered JSON that is not an object")
    return data


# --- backends ---------------------------------------------------------------------------------------


class SearxngBackend:
    name = "searxng"
    first_cursor = 1

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    async def fetch(self, http: HttpClient, query: str, geography: str, cursor: int) -> SearchPage:
        params = {"q": query, "format": "json", "pageno": cursor, "categories": "general"}
        try:
            response = await http.request_api("GET", f"{self.base_url}/search", params=params)
        except ConfigurationError as exc:
            raise ConfigurationError(
                "SearXNG refused the JSON API: list `json` under `search.formats` in its settings.yml "
                f"(or check the access rules in front of it) [{exc}]"
            ) from None
        data = _object(response.data, "SearXNG")
        results = _results(data.get("results", []), self.name, "url", "content")
        if not results and cursor == self.first_cursor and data.get("unresponsive_engines"):
            engines = ", ".join(str(entry[0]) for entry in data["unresponsive_engines"] if entry)
            raise ScrapeError(f"SearXNG found nothing: its engines did not answer ({engines})")
        # SearXNG does not say whether a next page exists: an empty page ends the search.
        return SearchPage(results, cursor + 1 if results else None)


class SerpApiBackend:
    name = "serpapi"
    first_cursor = 0

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.use_location = True  # dropped for the rest of the search when SerpApi does not know it

    async def fetch(self, http: HttpClient, query: str, geography: str, cursor: int) -> SearchPage:
        params: dict[str, Any] = {
            "engine": "google",
            "q": query,
            "start": cursor,
            "num": SERPAPI_PAGE_SIZE,
            "api_key": self.api_key,
        }
        if geography and self.use_location:
            params["location"] = geography
        if code := country_code(geography):
            params["gl"] = code.lower()
        try:
            response = await http.request_api("GET", f"{self.base_url}/search.json", params=params)
        except ConfigurationError:
            raise
        except ScrapeError as exc:
            message = str(exc).lower()
            if "location" not in params or "http 400" not in message or "location" not in message:
                raise
            self.use_location = False
            page = await self.fetch(http, query, geography, cursor)
            note = f"SerpApi does not know the location {geography!r}: searched without it"
            return SearchPage(page.results, page.next_cursor, note)
        data = _object(response.data, "SerpApi")
        items = data.get("organic_results")
        if items is None:
            error = data.get("error")
            if isinstance(error, str) and "hasn't returned any results" not in error:
                raise ScrapeError(f"SerpApi: {error}")
            return SearchPage([], None)
        results = _results(items, self.name, "link", "snippet")
        pagination = data.get("serpapi_pagination") or data.get("pagination") or {}
        has_next = isinstance(pagination, dict) and bool(pagination.get("next"))
        return SearchPage(results, cursor + len(items) if has_next and items else None)


class BraveBackend:
    name = "brave"
    first_cursor = 0

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    async def fetch(self, http: HttpClient, query: str, geography: str, cursor: int) -> SearchPage:
        params: dict[str, Any] = {
            "q": query,
            "count": BRAVE_PAGE_SIZE,
            "offset": cursor,
            "text_decorations": "false",
            "result_filter": "web",
        }
        if (code := country_code(geography)) in BRAVE_COUNTRIES:
            params["country"] = code
        headers = {"X-Subscription-Token": self.api_key, "Accept": "application/json"}
        response = await http.request_api(
            "GET", f"{self.base_url}/res/v1/web/search", params=params, headers=headers
        )
        data = _object(response.data, "Brave Search")
        web = data.get("web") or {}
        results = _results(
            web.get("results", []) if isinstance(web, dict) else None, self.name, "url", "description"
        )
        query_info = data.get("query") if isinstance(data.get("query"), dict) else {}
        more = query_info.get("more_results_available", len(results) >= BRAVE_PAGE_SIZE)
        has_next = bool(more) and bool(results) and cursor < BRAVE_MAX_OFFSET
        return SearchPage(results, cursor + 1 if has_next else None)


# --- choosing and paging ----------------------------------------------------------------------------


def configured_backends(settings: ScrapeSettings) -> dict[str, Backend]:
    """The backends whose settings are present, in order of preference."""
    backends: dict[str, Backend] = {}
    if settings.searxng_url:
        backends["searxng"] = SearxngBackend(settings.searxng_url)
    if settings.serpapi_api_key:
        backends["serpapi"] = SerpApiBackend(settings.serpapi_url, settings.serpapi_api_key)
    if settings.brave_api_key:
        backends["brave"] = BraveBackend(settings.brave_url, settings.brave_api_key)
    return backends


def backend_for(settings: ScrapeSettings, source: str) -> Backend:
    """The backend `source` searches with; ConfigurationError when none is configured."""
    backends = configured_backends(settings)
    wanted = settings.search_backend.strip().lower()
    if wanted:
        if wanted not in ("searxng", "serpapi", "brave"):
            raise ConfigurationError(f"SEARCH_BACKEND must be searxng, serpapi or brave, not {wanted!r}")
        if wanted not in backends:
            needs = {"searxng": "SEARXNG_URL", "serpapi": "SERPAPI_API_KEY", "brave": "BRAVE_API_KEY"}
            raise ConfigurationError(f"{source}: SEARCH_BACKEND is {wanted} but {needs[wanted]} is not set")
        return backends[wanted]
    if not backends:
        raise ConfigurationError(f"{source} needs SEARXNG_URL, SERPAPI_API_KEY or BRAVE_API_KEY")
    return next(iter(backends.values()))


async def search(query: str, geography: str, ctx: SourceContext) -> AsyncIterator[list[SearchResult]]:
    """Yield pages of new results for `query` until the results end; the caller stops when it has enough.

    Each page is one API call, reported to `ctx.progress`. A result URL already seen in this search
    is not yielded again (backends overlap pages).
    """
    backend = backend_for(ctx.settings, ctx.source)
    seen: set[str] = set()
    cursor = backend.first_cursor
    for _ in range(MAX_PAGES):
        if cursor is None or ctx.stopping():
            return
        ctx.progress(0, 1)
        page = await backend.fetch(ctx.http, query, geography, cursor)
        ctx.progress(1, 0)
        if page.warning:
            ctx.warn("", page.warning)
        fresh = [result for result in page.results if result.url not in seen]
        seen.update(result.url for result in fresh)
        if not fresh:
            return
        yield fresh
        cursor = page.next_cursor


def criteria_query(criteria: Criteria) -> str:
    """The search text of a job: its own search query, else industry, geography and keywords."""
    if criteria.search_query.strip():
        return " ".join(criteria.search_query.split())
    words = [criteria.industry, criteria.geography, *criteria.keywords]
    return " ".join(" ".join(word.split()) for word in words if word and word.strip())


async def search_leads(
    query: str,
    criteria: Criteria,
    ctx: SourceContext,
    to_lead: Callable[[SearchResult], Lead | None],
    key: Callable[[Lead], str],
    *,
    enrich_sites: bool = False,
) -> AsyncIterator[list[Lead]]:
    """Batches of leads from the pages of a web search, one batch a page, until the job's limit.

    `to_lead` turns a result into a lead (None drops it); `key` names the company a lead is, and only
    the first lead of a key is kept. With `enrich_sites` and `criteria.enrich`, each batch's websites
    are visited before the batch is yielded.
    """
    limit = result_limit(criteria, ctx.settings)
    if not limit:
        return
    if not query.strip():
        ctx.warn("", f"{ctx.source}: no search query, industry, geography or keywords to search for")
        return
    seen: set[str] = set()
    found = 0
    async for results in search(query, criteria.geography, ctx):
        batch = []
        for result in results:
            lead = to_lead(result)
            if lead is None or key(lead) in seen:
                continue
            seen.add(key(lead))
            batch.append(lead)
            if found + len(batch) >= limit:
                break
        if enrich_sites and criteria.enrich:
            batch = await enrich(batch, criteria, ctx)
        found += len(batch)
        if batch:
            yield batch
        if found >= limit:
            return
