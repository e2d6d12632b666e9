"""`HttpClient`: the one HTTP client of a job run, polite, bounded and safe by default.

It is opened once per job run (`async with HttpClient(settings) as http:`) and shared by every
source. It offers two calls:

- `fetch_page(url)` crawls websites: robots.txt obeyed (fetched once per host), a concurrency cap and
  a delay per host (robots.txt crawl-delay when larger), a total concurrency cap, retries with backoff
  on 429/5xx honouring Retry-After, timeouts, a response size cap, redirects followed here so every
  hop is checked, HTML only, and the text decoded as `content.decode_body` says.
- `request_api(method, url, ...)` calls provider JSON APIs: the same guard, timeouts, size cap and
  per-host cap, no robots.txt; 401/403 become `ConfigurationError`, other errors `ScrapeError`.

Every URL, redirect hop included, passes `guard.AddressGuard.check_url`, and every connection the
guard's network backend (`transport`). Error messages never carry query strings (where API keys
travel) nor the values of the headers and parameters a caller passed (`redact`).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import ssl
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

import httpx
from protego import Protego

from scraping.errors import BlockedURLError, ConfigurationError, ScrapeError
from scraping.http.content import HTML_TYPES, ApiResponse, Page, acceptable, decode_body
from scraping.http.guard import AddressGuard
from scraping.http.pacing import HostSlot, retry_after
from scraping.http.redact import Redactor, safe_url, transport_message
from scraping.http.transport import GuardedTransport
from scraping.types import ScrapeSettings

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 522, 524}
_ROBOTS_MAX_BYTES = 512 * 1024
_EXCERPT_CHARS = 200


class _TooLarge(ScrapeError):
    """The response outgrew the size cap."""


class HttpClient:
    """One HTTP client per job run, shared by its sources. See the module docstring."""

    def __init__(
        self,
        settings: ScrapeSettings,
        *,
        allowed_addresses: Iterable[str] = (),
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`allowed_addresses` and `ssl_context` are for tests: let exactly these private addresses
        through the guard, and trust a test certificate authority."""
        self.settings = settings
        self.guard = AddressGuard(settings.allow_private_urls, frozenset(allowed_addresses))
        self._client = httpx.AsyncClient(
            # Requests in flight are capped by the semaphores here; each origin keeps up to its
            # per-host cap of connections alive between its pages.
            transport=GuardedTransport(
                self.guard, per_origin=settings.per_host_concurrency, ssl_context=ssl_context
            ),
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=None,
            ),
            headers={"User-Agent": settings.user_agent},
        )
        self._total = asyncio.Semaphore(max(1, settings.total_concurrency))
        self._slots: dict[str, HostSlot] = {}
        self._api_slots: dict[str, HostSlot] = {}
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._robots_errors: dict[str, ScrapeError] = {}

    async def __aenter__(self) -> HttpClient:
        await self._client.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._client.__aexit__(*exc_info)

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- public calls --

    async def fetch_page(self, url: str, *, accept: tuple[str, ...] = HTML_TYPES) -> Page:
        """GET a web page, politely. Raises BlockedURLError (guard, robots.txt) or ScrapeError.

        `accept` lists the content types taken; the default is HTML only ("not HTML" otherwise), and
        `("*/*",)` takes any. A missing content type is taken when the body looks like markup.
        """
        redirects: list[str] = []
        current = url
        while True:
            parsed = self.guard.check_url(current)
            if self.settings.obey_robots_txt and not await self._robots_allow(parsed):
                raise BlockedURLError(f"robots.txt disallows {safe_url(current)}")
            status, headers, body = await self._send(
                "GET", parsed, slot=await self._page_slot(parsed), max_bytes=self.settings.max_response_bytes
            )
            if status in _REDIRECTS and "location" in headers:
                current = self._next_hop(current, headers["location"], redirects)
                continue
            if status >= 400:
                raise ScrapeError(f"HTTP {status} from {safe_url(current)}")
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if not acceptable(content_type, body, accept):
                kind = "not HTML" if accept == HTML_TYPES else "unexpected content type"
                raise ScrapeError(f"{kind}: {safe_url(current)} is {content_type or 'untyped'}")
            text, encoding = decode_body(body, headers.get("content-type", ""))
            return Page(
                url=str(parsed),
                status=status,
                headers=headers,
                text=text,
                content_type=content_type,
                encoding=encoding,
                redirects=redirects,
                body=body,
            )

    async def request_api(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> ApiResponse:
        """Call a JSON API. 401/403 -> ConfigurationError; other failures -> ScrapeError.

        Messages name the host, path and status, never the query string nor the values passed in
        `params` and `headers`.
        """
        redact = Redactor(params, headers)
        redirects: list[str] = []
        current = str(httpx.URL(url, params=params)) if params else url
        call_headers = dict(headers or {})
        try:
            while True:
                parsed = self.guard.check_url(current)
                status, response_headers, body = await self._send(
                    method,
                    parsed,
                    slot=self._api_slot(parsed.host),
                    max_bytes=self.settings.max_response_bytes,
                    headers=call_headers,
                    json=json,
                    api=True,
                )
                if status in _REDIRECTS and "location" in response_headers:
                    following = self._next_hop(current, response_headers["location"], redirects)
                    if httpx.URL(following).host != parsed.host:
                        call_headers = {}  # credentials stay with the host they were meant for
                    if status == 303 or (status in (301, 302) and method.upper() != "GET"):
                        method, json = "GET", None
                    current = following
                    continue
                return self._api_response(method, parsed, status, response_headers, body)
        except ScrapeError as exc:
            redacted = redact(str(exc))
            if redacted == str(exc):
                raise
            raise type(exc)(redacted) from None

    # -- robots.txt --

    async def robots_for(self, url: str | httpx.URL) -> Protego | None:
        """The parsed robots.txt of the URL's site, fetched once per site; None means "no rules"."""
        parsed = httpx.URL(str(url))
        origin = f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"
        if origin in self._robots:
            return self._robots[origin]
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._robots and origin not in self._robots_errors:
                try:
                    self._robots[origin] = await self._fetch_robots(origin)
                except ScrapeError as exc:
                    self._robots_errors[origin] = exc
        if origin in self._robots_errors:
            # The site cannot be reached (or is refused): say so rather than "robots.txt disallows".
            raise type(self._robots_errors[origin])(str(self._robots_errors[origin]))
        return self._robots[origin]

    async def _fetch_robots(self, origin: str) -> Protego | None:
        # RFC 9309: a 4xx robots.txt means no rules, a 5xx means "disallow all". An unreachable host
        # raises: nothing else of the site could be fetched either.
        current = origin + "/robots.txt"
        redirects: list[str] = []
        while True:
            parsed = self.guard.check_url(current)
            try:
                status, headers, body = await self._send(
                    "GET", parsed, slot=self._slot(parsed.host), max_bytes=_ROBOTS_MAX_BYTES
                )
            except _TooLarge:
                return None
            if status in _REDIRECTS and "location" in headers:
                try:
                    current = self._next_hop(current, headers["location"], redirects)
                except ScrapeError:
                    return None  # a robots.txt lost in redirects is "unavailable": no rules
                continue
            break
        if 400 <= status < 500:
            return None
        if status >= 500:
            return Protego.parse("User-agent: *\nDisallow: /\n")
        text, _ = decode_body(body, headers.get("content-type", ""))
        return Protego.parse(text)

    async def _robots_allow(self, parsed: httpx.URL) -> bool:
        if parsed.path == "/robots.txt":
            return True
        robots = await self.robots_for(parsed)
        return robots is None or robots.can_fetch(str(parsed), self.settings.user_agent)

    async def _page_slot(self, parsed: httpx.URL) -> HostSlot:
        slot = self._slot(parsed.host)
        delay = self.settings.per_host_delay
        if self.settings.obey_robots_txt:
            robots = await self.robots_for(parsed)
            crawl_delay = robots.crawl_delay(self.settings.user_agent) if robots else None
            if crawl_delay:
                # A site asking for minutes between requests is not crawled at that pace forever.
                delay = max(delay, min(float(crawl_delay), self.settings.max_crawl_delay))
        slot.delay = delay
        return slot

    # -- sending --

    def _slot(self, host: str) -> HostSlot:
        if host not in self._slots:
            self._slots[host] = HostSlot(self.settings.per_host_concurrency, self.settings.per_host_delay)
        return self._slots[host]

    def _api_slot(self, host: str) -> HostSlot:
        # Provider APIs pace themselves with 429 and Retry-After; a crawl delay would only slow a job.
        if host not in self._api_slots:
            self._api_slots[host] = HostSlot(self.settings.per_host_concurrency, 0.0)
        return self._api_slots[host]

    def _next_hop(self, current: str, location: str, redirects: list[str]) -> str:
        following = urljoin(current, location.strip())
        redirects.append(current)
        if following in redirects:
            raise ScrapeError(f"redirect loop at {safe_url(following)}")
        if len(redirects) > self.settings.max_redirects:
            raise ScrapeError(
                f"more than {self.settings.max_redirects} redirects from {safe_url(redirects[0])}"
            )
        return following

    async def _send(
        self,
        method: str,
        url: httpx.URL,
        *,
        slot: HostSlot,
        max_bytes: int,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        api: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request with retries: (status, lowercased headers, body). Redirects are returned."""
        budget = self.settings.api_retry_budget
        attempt = 0
        while True:
            try:
                status, response_headers, body = await self._send_once(
                    method, url, slot, max_bytes, headers, json
                )
            except httpx.TransportError as exc:
                if attempt >= self.settings.retries:
                    raise ScrapeError(transport_message(exc, url)) from None
                wait = self._backoff(attempt)
            else:
                retryable = status == 429 or (status in _RETRY_STATUSES)
                if not retryable or attempt >= self.settings.retries:
                    return status, response_headers, body
                wait = retry_after(response_headers.get("retry-after")) or self._backoff(attempt)
                wait = min(wait, self.settings.max_retry_wait)
                if api and wait > budget:
                    raise ScrapeError(f"{url.host} kept answering HTTP {status}: retry budget used up")
            budget -= wait
            attempt += 1
            log.debug("retrying %s in %.2fs (attempt %d)", safe_url(url), wait, attempt)
            await asyncio.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        return self.settings.retry_backoff * (2**attempt)

    async def _send_once(
        self,
        method: str,
        url: httpx.URL,
        slot: HostSlot,
        max_bytes: int,
        headers: Mapping[str, str] | None,
        json: Any,
    ) -> tuple[int, dict[str, str], bytes]:
        async with slot.semaphore:
            await slot.wait_turn()
            async with self._total:
                # Read timeouts bound each wait for bytes; this bounds a server that trickles them.
                deadline = self.settings.connect_timeout + 2 * self.settings.read_timeout
                try:
                    async with asyncio.timeout(deadline):
                        return await self._stream(method, url, max_bytes, headers, json)
                except TimeoutError:
                    raise httpx.ReadTimeout(f"no complete answer within {deadline:.0f}s") from None

    async def _stream(
        self, method: str, url: httpx.URL, max_bytes: int, headers: Mapping[str, str] | None, json: Any
    ) -> tuple[int, dict[str, str], bytes]:
        request = self._client.build_request(method, url, headers=headers, json=json)
        response = await self._client.send(request, stream=True)
        try:
            response_headers = {key.lower(): value for key, value in response.headers.items()}
            if response.status_code in _REDIRECTS:
                return response.status_code, response_headers, b""
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _TooLarge(
                    f"response too large: {safe_url(url)} declares {declared} bytes (limit {max_bytes})"
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge(f"response too large: {safe_url(url)} exceeds {max_bytes} bytes")
                chunks.append(chunk)
            return response.status_code, response_headers, b"".join(chunks)
        finally:
            await response.aclose()

    def _api_response(
        self, method: str, url: httpx.URL, status: int, headers: dict[str, str], body: bytes
    ) -> ApiResponse:
        where = f"{url.host}{url.path}"
        if status in (401, 403):
            raise ConfigurationError(
                f"{url.host} refused the request (HTTP {status}): check the API key and the account's access"
            )
        if status >= 400:
            excerpt = " ".join(body[: _EXCERPT_CHARS * 2].decode("utf-8", "replace").split())[:_EXCERPT_CHARS]
            raise ScrapeError(f"{method.upper()} {where} answered HTTP {status}: {excerpt}")
        if not body.strip():
            return ApiResponse(status=status, headers=headers, data=None)
        try:
            data = jsonlib.loads(body)
        except ValueError:
            excerpt = " ".join(body[:80].decode("utf-8", "replace").split())
            raise ScrapeError(f"{method.upper()} {where} answered malformed JSON: {excerpt}") from None
        return ApiResponse(status=status, headers=headers, data=data)
