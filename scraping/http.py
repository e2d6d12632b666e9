"""The one HTTP client of the scraping layer: polite, bounded and safe by default.

`HttpClient` is opened once per job run (`async with HttpClient(settings) as http:`) and shared by
every source. It offers two calls:

- `fetch_page(url)` crawls websites: robots.txt obeyed (fetched once per host), a concurrency cap and
  a delay per host (robots.txt crawl-delay when larger), a total concurrency cap, retries with backoff
  on 429/5xx honouring Retry-After, timeouts, a response size cap, redirects followed here so every
  hop is checked, HTML only, and the text decoded from the charset header, the meta charset or a guess.
- `request_api(method, url, ...)` calls provider JSON APIs: the same guard, timeouts, size cap and
  per-host cap, no robots.txt; 401/403 become `ConfigurationError`, other errors `ScrapeError`.

The address guard refuses private, loopback, link-local, multicast, reserved and unspecified
addresses (IPv4, IPv6 and IPv4 inside IPv6). Literal IPs in URLs are checked before anything is sent
(decimal, hex and octal forms included), and every name is resolved by this module at connection
time: the socket is opened to the address that passed the check, never to a second DNS answer, so
DNS rebinding cannot redirect a request. TLS still uses the host name (SNI and certificate check)
because the check lives in the network backend under httpx, below the URL and the Host header.
Only `ScrapeSettings.allow_private_urls` turns it off. Error messages never carry query strings
(where API keys travel) nor the values of the headers and parameters a caller passed.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import json as jsonlib
import logging
import re
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import charset_normalizer
import httpcore
import httpx
from protego import Protego

from scraping.errors import BlockedURLError, ConfigurationError, ScrapeError
from scraping.types import ScrapeSettings

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml")
_REDIRECTS = {301, 302, 303, 307, 308}
_RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 522, 524}
_ROBOTS_MAX_BYTES = 512 * 1024
_EXCERPT_CHARS = 200
# Single-byte charsets that browsers read as windows-1252 (WHATWG Encoding Standard).
_CP1252_ALIASES = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "l1"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_INET_ATON_FORM = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.I)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LATIN_SINGLE_BYTE = {
    "cp1252",
    "cp1250",
    "cp1254",
    "cp1257",
    "latin-1",
    "iso8859-1",
    "iso8859-2",
    "iso8859-3",
    "iso8859-4",
    "iso8859-9",
    "iso8859-10",
    "iso8859-13",
    "iso8859-14",
    "iso8859-15",
    "iso8859-16",
    "mac-roman",
    "mac-latin2",
    "cp850",
    "cp437",
}


# --- the address guard -----------------------------------------------------------------------------


def _blocked_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an address may not be contacted, or "" when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _blocked_reason(embedded)
    for attribute in (
        "is_loopback",
        "is_private",
        "is_link_local",
        "is_multicast",
        "is_reserved",
        "is_unspecified",
    ):
        if getattr(address, attribute):
            return f"{attribute.removeprefix('is_').replace('_', '-')} address"
    if not address.is_global:
        return "non-public address"
    return ""


def literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a URL host denotes when it is an IP literal, in any form a resolver accepts.

    `127.0.0.1`, `[::1]`, `2130706433`, `0x7f000001`, `0177.0.0.1` and `127.1` all give 127.0.0.1.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _INET_ATON_FORM.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


async def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to. Tests replace this function to simulate DNS answers."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class AddressGuard:
    """Decides which addresses may be contacted.

    `allowed_addresses` lets exactly these addresses through although they are private: tests use it
    to reach their own server on 127.0.0.1 while every other private address stays refused.
    """

    allow_private: bool = False
    allowed_addresses: frozenset[str] = frozenset()

    def check_address(self, host: str, address: str) -> None:
        if self.allow_private:
            return
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if str(ip) in self.allowed_addresses:
            return
        reason = _blocked_reason(ip)
        if reason:
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise BlockedURLError(f"refused {shown}: {reason}")

    def check_url(self, url: str) -> httpx.URL:
        """Refuse what can be refused without DNS: bad schemes, missing hosts, private IP literals."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise BlockedURLError(f"invalid URL {safe_url(url)}: {exc}") from exc
        if parsed.scheme not in ("http", "https"):
            raise BlockedURLError(f"refused {safe_url(url)}: only http and https URLs are fetched")
        if not parsed.host:
            raise BlockedURLError(f"refused {safe_url(url)}: no host")
        ip = literal_ip(parsed.host)
        if ip is not None:
            self.check_address(parsed.host, str(ip))
        return parsed

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for `host`, all of them checked; refused if any is private.

        Refusing a name as soon as one of its answers is private (not just skipping that answer)
        leaves nothing for a rebinding attacker who mixes public and private answers.
        """
        ip = literal_ip(host)
        addresses = [str(ip)] if ip is not None else await _resolve(host, port)
        for address in addresses:
            self.check_address(host, address)
        return addresses


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks a host itself and connects to that address."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise BlockedURLError("unix sockets are not used by the scraping layer")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded network backend under its connection pool."""

    def __init__(self, guard: AddressGuard, limits: httpx.Limits, ssl_context: ssl.SSLContext | None) -> None:
        super().__init__(trust_env=False, limits=limits)
        # httpx has no parameter for the network backend; its pool is rebuilt with the same options.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(guard),
        )


# --- values -----------------------------------------------------------------------------------------


@dataclass
class Page:
    """A fetched document: `url` is the final one after redirects."""

    url: str
    status: int
    headers: Mapping[str, str]
    text: str
    content_type: str = ""
    encoding: str = ""
    redirects: list[str] = field(default_factory=list)  # every URL before `url`, in order
    body: bytes = b""  # the bytes as received (after Content-Encoding): sitemaps may be gzip files


@dataclass
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    data: Any


def safe_url(url: str | httpx.URL) -> str:
    """A URL fit for messages and logs: no user info, no query string, no fragment."""
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return str(url).split("?", 1)[0].split("#", 1)[0]


class _Redactor:
    """Removes the values a caller passed (API keys in headers or parameters) from a message."""

    def __init__(self, *mappings: Mapping[str, Any] | None) -> None:
        self._secrets = sorted(
            {
                str(value)
                for mapping in mappings
                if mapping
                for value in mapping.values()
                if len(str(value)) >= 6
            },
            key=len,
            reverse=True,
        )

    def __call__(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "[redacted]")
        return message


# --- pacing -----------------------------------------------------------------------------------------


class _TooLarge(ScrapeError):
    """The response outgrew the size cap."""


class _HostSlot:
    """The politeness state of one host: how many requests may run at once and when the next may start."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.lock = asyncio.Lock()
        self.next_start = 0.0
        self.delay = delay

    async def wait_turn(self) -> None:
        # Starts are spaced by `delay` even when several requests may run at the same time.
        async with self.lock:
            wait = self.next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_start = time.monotonic() + self.delay


# --- the client -------------------------------------------------------------------------------------


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
        limits = httpx.Limits(
            max_connections=max(settings.total_concurrency, 1) * 2,
            max_keepalive_connections=max(settings.total_concurrency, 1),
        )
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(self.guard, limits, ssl_context),
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
        self._slots: dict[str, _HostSlot] = {}
        self._api_slots: dict[str, _HostSlot] = {}
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
            if not _acceptable(content_type, body, accept):
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
        redact = _Redactor(params, headers)
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

    async def _page_slot(self, parsed: httpx.URL) -> _HostSlot:
        slot = self._slot(parsed.host)
        delay = self.settings.per_host_delay
        if self.settings.obey_robots_txt:
            robots = await self.robots_for(parsed)
            crawl_delay = robots.crawl_delay(self.settings.user_agent) if robots else None
            if crawl_delay:
                # A site asking for minutes between requests is not crawled at that pace forever.
                delay = max(delay, min(float(crawl_delay), self.settings.max_retry_after))
        slot.delay = delay
        return slot

    # -- sending --

    def _slot(self, host: str) -> _HostSlot:
        if host not in self._slots:
            self._slots[host] = _HostSlot(self.settings.per_host_concurrency, self.settings.per_host_delay)
        return self._slots[host]

    def _api_slot(self, host: str) -> _HostSlot:
        # Provider APIs pace themselves with 429 and Retry-After; a crawl delay would only slow a job.
        if host not in self._api_slots:
            self._api_slots[host] = _HostSlot(self.settings.per_host_concurrency, 0.0)
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
        slot: _HostSlot,
        max_bytes: int,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        api: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request with retries: (status, lowercased headers, body). Redirects are returned."""
        budget = self.settings.max_retry_after
        attempt = 0
        while True:
            try:
                status, response_headers, body = await self._send_once(
                    method, url, slot, max_bytes, headers, json
                )
            except httpx.TransportError as exc:
                if attempt >= self.settings.retries:
                    raise ScrapeError(_transport_message(exc, url)) from None
                wait = self._backoff(attempt)
            else:
                retryable = status == 429 or (status in _RETRY_STATUSES)
                if not retryable or attempt >= self.settings.retries:
                    return status, response_headers, body
                wait = _retry_after(response_headers.get("retry-after")) or self._backoff(attempt)
                wait = min(wait, self.settings.max_retry_after)
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
        slot: _HostSlot,
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


# --- helpers ----------------------------------------------------------------------------------------


def _acceptable(content_type: str, body: bytes, accept: tuple[str, ...]) -> bool:
    if "*/*" in accept:
        return True
    if content_type:
        return content_type in accept
    return body.lstrip()[:1] == b"<"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _transport_message(exc: httpx.TransportError, url: httpx.URL) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout fetching {safe_url(url)}"
    detail = str(exc).split("?", 1)[0] or type(exc).__name__
    return f"cannot reach {safe_url(url)}: {detail}"


def _normalise_charset(name: str) -> str | None:
    name = name.strip().strip("\"'").lower()
    if not name:
        return None
    if name in _CP1252_ALIASES:
        return "cp1252"
    try:
        import codecs

        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, encoding): BOM, then the charset header, then a meta charset, then a guess."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace"), encoding
    candidates: list[str | None] = []
    match = re.search(r"charset\s*=\s*([^\s;]+)", content_type, re.I)
    if match:
        candidates.append(_normalise_charset(match.group(1)))
    meta = _META_CHARSET.search(body[:4096])
    if meta:
        candidates.append(_normalise_charset(meta.group(1).decode("ascii", "ignore")))
    for encoding in candidates:
        if encoding:
            try:
                return body.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(body).best()
    encoding = (_normalise_charset(guess.encoding) or guess.encoding) if guess is not None else "cp1252"
    if encoding in _LATIN_SINGLE_BYTE:
        # Guessers cannot tell the Latin code pages apart on short pages (cp1250 reads "ñ" as "ń");
        # an unlabelled Western page is windows-1252 far more often than any other, as browsers assume.
        try:
            return body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return body.decode(encoding, "replace"), encoding
