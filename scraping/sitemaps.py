"""A site's sitemaps: where they are, and the page URLs they list.

The sitemaps are the `Sitemap:` lines of robots.txt, else `/sitemap.xml`. A sitemap index is followed
one level down (children whose names look like pages first, blog and product lists last). Each
document is fetched through the guarded HTTP client (robots.txt, per-host pacing, size cap, address
guard), gunzipped when it starts with the gzip magic bytes whatever its content type says (with the
same size cap on what it inflates to), and parsed with defusedxml, which refuses entity expansion
("billion laughs") and external entities. `<loc>` values may be absolute or relative to the sitemap.
Only URLs of the site itself are kept, at most `MAX_SITEMAP_ENTRIES` of them, from at most
`MAX_SITEMAPS_PER_SITE` documents.

A missing `/sitemap.xml` is normal and says nothing; a declared sitemap that cannot be read, an
oversized, malformed or refused one is reported through `warn`, and the crawl goes on without it (a
malformed one still gives the `<loc>`s a regular expression can find: unescaped `&` in URLs is the
commonest breakage in the wild).
"""

from __future__ import annotations

import asyncio
import html
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from scraping.errors import ScrapeError
from scraping.http import HttpClient, safe_url

MAX_SITEMAP_ENTRIES = 500  # page URLs taken from one site's sitemaps
MAX_SITEMAPS_PER_SITE = 5  # sitemap documents fetched for one site: the first plus an index's children
ANY_CONTENT_TYPE = ("*/*",)  # sitemaps come as XML, gzip, octet-stream or text/plain alike
_GZIP_MAGIC = b"\x1f\x8b"
_LOC = re.compile(r"<loc>([^<]*)</loc>", re.I)  # linear: stripped in Python, not by the pattern
# Children of an index that list posts, products or tags rarely hold a contact page.
_UNLIKELY_CHILD = re.compile(r"post|blog|news|journal|article|product|tag|categor|author|image|video", re.I)

Warn = Callable[[str, str], None]


class SitemapError(ScrapeError):
    """A sitemap that cannot be used: too large, malformed beyond salvage, or refused as unsafe."""


class NotASitemapError(SitemapError):
    """A document with no `<loc>` at all: often a site's "not found" page served with status 200."""


@dataclass
class Sitemap:
    """One parsed sitemap document: its page URLs, or, for an index, its child sitemaps."""

    is_index: bool
    locations: list[str] = field(default_factory=list)
    malformed: bool = False


def parse_sitemap(body: bytes, *, max_bytes: int) -> Sitemap:
    """Parse a sitemap or sitemap index (gzipped or not). Raises SitemapError when it cannot be used.

    The `<loc>` values are returned as written (stripped, entities decoded), not yet resolved.
    """
    if body.startswith(_GZIP_MAGIC):
        body = gunzip(body, max_bytes=max_bytes)
    try:
        root = fromstring(body)
    except DefusedXmlException as exc:
        raise SitemapError(f"refused an unsafe sitemap ({type(exc).__name__})") from None
    except ParseError:
        text = body.decode("utf-8", "replace")
        locations = [html.unescape(match.strip()) for match in _LOC.findall(text) if match.strip()]
        if not locations:
            raise NotASitemapError("malformed sitemap: no <loc> could be read") from None
        return Sitemap(is_index="<sitemapindex" in text, locations=locations, malformed=True)
    if _local_name(root) not in ("urlset", "sitemapindex"):
        raise NotASitemapError(f"not a sitemap: the document is <{_local_name(root)}>, no <loc> in it")
    is_index = _local_name(root) == "sitemapindex"
    wanted = "sitemap" if is_index else "url"
    locations = []
    for entry in root:
        if _local_name(entry) != wanted:
            continue
        loc = next((child for child in entry if _local_name(child) == "loc"), None)
        if loc is not None and loc.text and loc.text.strip():
            locations.append(loc.text.strip())
    return Sitemap(is_index=is_index, locations=locations)


def sitemap_locations(xml_text: str) -> list[str]:
    """The `<loc>` values of a sitemap or index given as text; [] when it cannot be used."""
    body = xml_text.encode("utf-8")
    try:
        return parse_sitemap(body, max_bytes=len(body)).locations
    except SitemapError:
        return []


def gunzip(body: bytes, *, max_bytes: int) -> bytes:
    """Inflate a gzip body, refusing to produce more than `max_bytes` (a gzip bomb stops there)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise SitemapError(f"malformed gzip sitemap: {exc}") from None
    if len(data) > max_bytes:
        raise SitemapError(f"sitemap too large: inflates to more than {max_bytes} bytes")
    return data


async def sitemap_urls(
    http: HttpClient,
    homepage: str,
    *,
    same_site: Callable[[str], bool],
    warn: Warn,
    max_entries: int = MAX_SITEMAP_ENTRIES,
    max_sitemaps: int = MAX_SITEMAPS_PER_SITE,
) -> list[str]:
    """The same-site page URLs listed by the sitemaps of the site whose homepage is `homepage`."""
    declared = await _declared_sitemaps(http, homepage, same_site)
    first = declared or [urljoin(homepage, "/sitemap.xml")]
    fetched = 0
    urls: list[str] = []
    children: list[str] = []
    for sitemap_url in first[:max_sitemaps]:
        fetched += 1
        sitemap = await _read(http, sitemap_url, warn, quiet=not declared)
        if sitemap is None:
            continue
        found = _resolved(sitemap_url, sitemap.locations, same_site)
        if sitemap.is_index:
            known = {*children, *first}
            children.extend(url for url in dict.fromkeys(found) if url not in known)
        else:
            urls.extend(found)
    children.sort(key=lambda url: bool(_UNLIKELY_CHILD.search(urlsplit(url).path)))
    children = children[: max(0, max_sitemaps - fetched)]
    # Children are fetched together: the client still spaces and caps the requests per host.
    for child_url, child in zip(
        children, await asyncio.gather(*(_read(http, url, warn) for url in children)), strict=True
    ):
        if child is not None and not child.is_index:  # an index is followed one level down only
            urls.extend(_resolved(child_url, child.locations, same_site))
    return list(dict.fromkeys(urls))[:max_entries]


async def _declared_sitemaps(http: HttpClient, homepage: str, same_site: Callable[[str], bool]) -> list[str]:
    try:
        robots = await http.robots_for(homepage)
    except ScrapeError:
        return []
    if robots is None:
        return []
    declared = [url for url in (_join(homepage, url.strip()) for url in robots.sitemaps) if url]
    return list(dict.fromkeys(url for url in declared if same_site(url)))


async def _read(http: HttpClient, url: str, warn: Warn, *, quiet: bool = False) -> Sitemap | None:
    """Fetch and parse one sitemap; None (after a warning unless `quiet`) when it cannot be used."""
    try:
        page = await http.fetch_page(url, accept=ANY_CONTENT_TYPE)
        sitemap = parse_sitemap(page.body, max_bytes=http.settings.max_response_bytes)
    except NotASitemapError as exc:
        if not quiet:  # a guessed /sitemap.xml answered by a "not found" page is no news
            warn(safe_url(url), str(exc))
        return None
    except SitemapError as exc:
        warn(safe_url(url), str(exc))
        return None
    except ScrapeError as exc:
        if not quiet:  # nor is a guessed /sitemap.xml that is not there
            warn(safe_url(url), f"sitemap not read: {exc}")
        return None
    if sitemap.malformed:
        warn(safe_url(url), f"malformed sitemap: read {len(sitemap.locations)} <loc> by pattern")
    return sitemap


def _resolved(sitemap_url: str, locations: list[str], same_site: Callable[[str], bool]) -> list[str]:
    resolved = (_join(sitemap_url, location).split("#", 1)[0] for location in locations)
    return [url for url in resolved if url.startswith(("http://", "https://")) and same_site(url)]


def _join(base: str, location: str) -> str:
    """`location` made absolute against `base`; "" for what no URL parser reads ("http://[x/")."""
    try:
        return urljoin(base, location)
    except ValueError:
        return ""


def _local_name(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()
