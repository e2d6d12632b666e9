"""The one HTTP client of the scraping layer: polite, bounded and safe by default.

- `client`: `HttpClient`, opened once per job run and shared by its sources: `fetch_page` for
  websites (robots.txt, per-host pacing, retries, size cap, redirects checked hop by hop) and
  `request_api` for provider JSON APIs.
- `guard`: the address guard (no private, loopback, link-local ... addresses; DNS resolved and every
  answer checked), switched off only by `ScrapeSettings.allow_private_urls`.
- `transport`: the httpx transport whose network backend connects only to checked addresses.
- `content`: `Page`, `ApiResponse`, and the decoding of bodies (`decode_body`).
- `pacing`, `redact`: per-host turns and Retry-After; URLs and messages without secrets.
"""

from scraping.http.client import HttpClient
from scraping.http.content import HTML_TYPES, XML_TYPES, ApiResponse, Page, decode_body
from scraping.http.guard import AddressGuard, literal_ip
from scraping.http.redact import safe_url

__all__ = [
    "HTML_TYPES",
    "XML_TYPES",
    "AddressGuard",
    "ApiResponse",
    "HttpClient",
    "Page",
    "decode_body",
    "literal_ip",
    "safe_url",
]
