"""What a message about a request may show: URLs without secrets, and no value a caller passed.

API keys travel in query strings, user info, headers and parameters; error messages and logs carry
none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx


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


class Redactor:
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


def transport_message(exc: httpx.TransportError, url: httpx.URL) -> str:
    """A network failure in words, naming the URL without its query string."""
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout fetching {safe_url(url)}"
    detail = str(exc).split("?", 1)[0] or type(exc).__name__
    return f"cannot reach {safe_url(url)}: {detail}"
