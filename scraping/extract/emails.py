"""E-mail addresses: found in text and links, cleaned, validated and ranked.

Forms read: plain text, `name [at] domain [dot] com` and `name(at)domain.com` (bracketed), the words-only
`name at domain dot com` (kept apart: prose matches it, so only the site's own domain takes it, see
`site.site_emails`), and Cloudflare's `data-cfemail`. Every address is validated and lowercased;
asset names (logo@2x.png) and placeholders (you@example.com) are dropped. `rank_emails` puts the
site's own domain first and role addresses (info@, contact@ ...) first within it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from email_validator import EmailNotValidError, validate_email

from scraping.normalize import registrable_domain

EMAIL_PATTERN = re.compile(
    r"(?<![\w.+%-])([a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24})(?![\w-])",
    re.I,
)
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_BRACKETED = re.compile(
    rf"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"
    rf"([a-z0-9-]+(?:\s*(?:{_OPEN}\s*(?:dot|punkt|punto|point|\.)\s*{_CLOSE}|\.)\s*[a-z0-9-]+)+)",
    re.I,
)
_WORDS = re.compile(
    r"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)\s+at\s+([a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)+)(?![\w-])", re.I
)
_DOT_TOKEN = re.compile(rf"\s*(?:{_OPEN}\s*(?:dot|punkt|punto|point|\.)\s*{_CLOSE}|\s+dot\s+|\.)\s*", re.I)
_ASSET_SUFFIXES = (
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "avif",
    "ico",
    "bmp",
    "tif",
    "tiff",
    "css",
    "js",
    "mjs",
    "json",
    "xml",
    "pdf",
    "woff",
    "woff2",
    "ttf",
    "mp4",
    "webm",
    "zip",
)
_PLACEHOLDER_DOMAINS = {
    "example.com",
    "example.org",
    "example.net",
    "example.edu",
    "domain.com",
    "yourdomain.com",
    "yourcompany.com",
    "company.com",
    "email.com",
    "mysite.com",
    "yoursite.com",
    "website.com",
    "mydomain.com",
    "sentry.io",
    "sentry-next.wixpress.com",
    "sentry.wixpress.com",
    "test.com",
}
PLACEHOLDER_LOCALS = {
    "you",
    "your",
    "yourname",
    "your.name",
    "name",
    "email",
    "user",
    "username",
    "someone",
    "firstname",
    "firstname.lastname",
    "first.last",
    "john.doe",
    "jane.doe",
    "johndoe",
    "janedoe",
    "example",
    "test",
    "youremail",
    "your.email",
    "ihre.email",
    "tu.correo",
    "max.mustermann",
}
_ROLE_LOCALS = (
    "info",
    "contact",
    "hello",
    "office",
    "sales",
    "enquiries",
    "inquiries",
    "kontakt",
    "mail",
    "team",
    "hola",
    "contacto",
    "admin",
    "support",
)


@dataclass
class EmailHit:
    address: str
    how: str  # mailto, text, obfuscated, cfemail, structured
    credited: bool = False  # inside a "website by ..." credit


def clean_email(raw: str) -> str | None:
    """The address validated and lowercased; None for asset names, placeholders and invalid text."""
    address = unquote(raw).strip().strip(".,;:").lower()
    address = address.removeprefix("mailto:").split("?", 1)[0]
    if address.count("@") != 1:
        return None
    local, domain = address.split("@")
    if domain.rsplit(".", 1)[-1] in _ASSET_SUFFIXES or re.search(r"@\d+x\.", address):
        return None
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith((".example.com", ".wixpress.com")):
        return None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return address


def decode_cfemail(encoded: str) -> str:
    """Cloudflare e-mail protection: the first byte is the key, every other byte XOR key is a character."""
    try:
        data = bytes.fromhex(encoded.strip())
    except ValueError:
        return ""
    if len(data) < 2:
        return ""
    key = data[0]
    return bytes(byte ^ key for byte in data[1:]).decode("utf-8", "replace")


def emails_in_text(text: str) -> list[EmailHit]:
    """Addresses written out ("text"), then bracketed ones ("obfuscated"), in the order of the text."""
    hits = []
    for match in EMAIL_PATTERN.finditer(text):
        address = clean_email(match.group(1))
        if address:
            hits.append(EmailHit(address, "text"))
    for match in _BRACKETED.finditer(text):
        domain = _DOT_TOKEN.sub(".", match.group(2))
        address = clean_email(f"{match.group(1)}@{domain}")
        if address:
            hits.append(EmailHit(address, "obfuscated"))
    return hits


def words_emails_in_text(text: str) -> list[str]:
    """Addresses in words only ("name at domain dot com"): trusted for the site's own domain only."""
    addresses = []
    for match in _WORDS.finditer(text):
        domain = re.sub(r"\s+dot\s+", ".", match.group(2), flags=re.I)
        address = clean_email(f"{match.group(1)}@{domain}")
        if address:
            addresses.append(address)
    return addresses


def rank_emails(addresses: Iterable[str], domains: set[str]) -> list[str]:
    """Own domain first, role addresses (info@, contact@ ...) first within it, then page order."""
    ordered = list(dict.fromkeys(addresses))

    def key(item: tuple[int, str]) -> tuple[int, int, int]:
        index, address = item
        local, domain = address.split("@", 1)
        own = registrable_domain(domain) in domains or domain in domains
        role = local.split(".")[0] in _ROLE_LOCALS
        return (0 if own else 1, 0 if role else 1, index)

    return [address for _, address in sorted(enumerate(ordered), key=key)]
