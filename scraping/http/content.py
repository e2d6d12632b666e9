"""What a request gives back: pages and API answers, and the text of a body.

`decode_body` is w3lib's `html_to_unicode`, Scrapy's decoder: the byte order mark, then the charset
of the Content-Type header, then the page's own declaration (`<meta charset>`, the http-equiv
pragma, the XML declaration), then a guess; charset labels are read as browsers read them
(ISO-8859-1 and ASCII are windows-1252). Two rules are ours:

- The guess: UTF-8 when the body is valid UTF-8, else charset-normalizer's best reading, and
  windows-1252 rather than any other Latin code page when the body decodes as such (guessers cannot
  tell those pages apart on short pages: cp1250 reads "ñ" as "ń"; an unlabelled Western page is
  windows-1252 far more often, as browsers assume).
- A declared charset that cannot decode the body is wrong (mislabelled pages are common): the body
  is read as if the header had declared nothing, and guessed when its own declaration is wrong too.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import charset_normalizer
from w3lib.encoding import html_to_unicode, read_bom

HTML_TYPES = ("text/html", "application/xhtml+xml")
XML_TYPES = ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml")
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
    "ascii",
}


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


def acceptable(content_type: str, body: bytes, accept: tuple[str, ...]) -> bool:
    """Whether a body of this content type is wanted; an untyped body is when it looks like markup."""
    if "*/*" in accept:
        return True
    if content_type:
        return content_type in accept
    return body.lstrip()[:1] == b"<"


def decode_body(body: bytes, content_type: str = "") -> tuple[str, str]:
    """(text, encoding) of a response body, `content_type` being its Content-Type header."""
    encoding, text = html_to_unicode(content_type or None, body, auto_detect_fun=guess_encoding)
    if read_bom(body)[0] is None and not _decodes(body, encoding):
        encoding, text = html_to_unicode(None, body, auto_detect_fun=guess_encoding)
        if not _decodes(body, encoding):
            encoding = guess_encoding(body)
            text = body.decode(encoding, "replace")
    return text, codecs.lookup(encoding).name


def guess_encoding(body: bytes) -> str:
    """The encoding of a body that declares none (see the module docstring)."""
    if _decodes(body, "utf-8"):
        return "utf-8"
    guess = charset_normalizer.from_bytes(body).best()
    encoding = _codec_name(guess.encoding) if guess is not None else "cp1252"
    if encoding in _LATIN_SINGLE_BYTE and _decodes(body, "cp1252"):
        return "cp1252"
    return encoding


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True
