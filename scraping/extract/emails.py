"""E-mail addresses: found in text and links, cleaned, validated and ranked.

Forms read: plain text, `name [at] domain [dot] com` and `name(at)domain.com` (bracketed), the words-only
`name at domain dot com` (kept apart: prose matches it, so only the site's own domain takes it, see
`site.site_emails`), and Cloudflare's `data-cfemail`. Every address is validated and lowercased;
asset names (logo@2x.png) and placeholders (you@example.com) are dropped. `rank_emails` puts the
site's own domain first and role addresses (info@, contact@ ...) first within it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from email_validator import EmailNotValidError, validate_email

from scraping.normalize import public_suffix, registrable_domain

EMAIL_PATTERN = re.compile(
    r"(?<![\w.+%-])([a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24})(?![\w-])",
    re.I,
)
# The ways people write "@" and "." to keep harvesters off, in the languages LeadEngine meets.
_AT_WORDS = r"at|@|arroba|chez|ät|snabel-?a|apenstaartje|klammeraffe|ma[lł]pa|kukac|sokak|et"
_DOT_WORDS = r"dot|\.|punkt|punto|point|ponto|piste|prik|kropka|nokta|pont|tečka"
_OPEN, _CLOSE = r"[\[\(\{<«]", r"[\]\)\}>»]"
_BRACKETED_AT = re.compile(rf"\s*{_OPEN}\s*(?:{_AT_WORDS})\s*{_CLOSE}\s*", re.I)
_BRACKETED_DOT = re.compile(rf"\s*{_OPEN}\s*(?:{_DOT_WORDS})\s*{_CLOSE}\s*", re.I)
# "info★example.co.jp (please replace ★ with @)": a star between a mailbox and a domain.
_STAR_AT = re.compile(r"(?<=[\w.+-])\s?[★☆]\s?(?=[a-z0-9][a-z0-9-]*\.)", re.I)
# "name @ domain . com": an "@" and dots spaced on both sides ("emails from @domain" is not an address).

_SPACED_AT = re.compile(r"(?<=[\w.+-])[ \t]+@[ \t]+(?=[a-z0-9])", re.I)  # spaced on both sides
_SPACED_DOT = re.compile(r"(@[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?:[ \t]+\.[ \t]+([a-z0-9-]+))", re.I)
_WORDS = re.compile(
    r"(?<![\w.+-])([a-z0-9][a-z0-9._%+-]*)\s+(?:at|arroba|chez|kukac)\s+([a-z0-9-]+(?:\s+(?:dot|punto|point|punkt|pont)"
    r"\s+[a-z0-9-]+)+)(?![\w-])",
    re.I,
)
_WORD_DOT = re.compile(r"\s+(?:dot|punto|point|punkt|pont)\s+", re.I)
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
    "vorname.nachname",
    "prenom.nom",
    "nombre.apellido",
    "nome.cognome",
    "voornaam.achternaam",
    "etunimi.sukunimi",
    "fornavn.etternavn",
    "fornamn.efternamn",
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


# Public mail providers: an address there is the company's when the site gives it as its contact.
FREE_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr live.com live.co.uk msn.com
    yahoo.com yahoo.co.uk yahoo.fr yahoo.es yahoo.de yahoo.co.in yahoo.com.br ymail.com rocketmail.com
    icloud.com me.com mac.com aol.com proton.me protonmail.com pm.me gmx.de gmx.net gmx.at gmx.ch gmx.com
    web.de t-online.de freenet.de mail.ru yandex.ru yandex.com bigpond.com bigpond.net.au optusnet.com.au
    xtra.co.nz orange.fr wanadoo.fr free.fr laposte.net sfr.fr libero.it virgilio.it tiscali.it
    alice.it hotmail.it outlook.it terra.com.br uol.com.br bol.com.br naver.com daum.net hanmail.net
    qq.com 163.com 126.com sina.com rediffmail.com zoho.com mail.com seznam.cz wp.pl o2.pl onet.pl
    interia.pl telenet.be skynet.be ziggo.nl kpnmail.nl home.nl planet.nl""".split()
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
    domain = _known_suffix(domain)
    address = f"{local}@{domain}"
    if domain.rsplit(".", 1)[-1] in _ASSET_SUFFIXES or re.search(r"@\d+x\.", address):
        return None
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith((".example.com", ".wixpress.com")):
        return None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return address


def _known_suffix(domain: str) -> str:
    """A domain whose last label runs into the next word ("example.comin" from "example.com</a>in")
    cut back to the longest public suffix it starts with; the domain as it is otherwise."""
    head, _, last = domain.rpartition(".")
    if not head or public_suffix(domain):
        return domain
    for end in range(len(last) - 1, 1, -1):
        if public_suffix(f"{head}.{last[:end]}"):
            return f"{head}.{last[:end]}"
    return domain


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


def deobfuscate(text: str) -> str:
    """The text with written-out and bracketed "@" and "." turned back into the characters.

    One pass of small rules that cover the general forms: `name [at] domain [dot] com`, `name(at)domain.de`,
    `name @ domain . com`, full-width "＠" (NFKC); the words-only form is `words_emails_in_text`'s.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _BRACKETED_AT.sub("@", text)
    text = _BRACKETED_DOT.sub(".", text)
    text = _SPACED_AT.sub("@", text)
    text = _STAR_AT.sub("@", text)
    previous = None
    while previous != text:  # one spaced dot per pass: "domain . co . uk"
        previous, text = text, _SPACED_DOT.sub(r"\1.\2", text)
    return text


def emails_in_text(text: str) -> list[EmailHit]:
    """Addresses written out ("text") and obfuscated ones ("obfuscated"), in the order of the text."""
    written = {match.group(1).lower() for match in EMAIL_PATTERN.finditer(text)}
    hits = []
    for match in EMAIL_PATTERN.finditer(deobfuscate(text)):
        address = clean_email(match.group(1))
        if address:
            hits.append(EmailHit(address, "text" if address in written else "obfuscated"))
    return hits


def words_emails_in_text(text: str) -> list[str]:
    """Addresses in words only ("name at domain dot com"): trusted for the site's own domain only."""
    addresses = []
    for match in _WORDS.finditer(unicodedata.normalize("NFKC", text)):
        address = clean_email(f"{match.group(1)}@{_WORD_DOT.sub('.', match.group(2))}")
        if address:
            addresses.append(address)
    return addresses


def is_certified_mail(address: str) -> bool:
    """Whether the address is an Italian certified-mail box (PEC): a company's own, kept at a provider's
    domain ("example@pec.provider.it", "example@legalmail.it")."""
    domain = address.rsplit("@", 1)[-1]
    return domain.endswith(".it") and (
        domain.split(".")[0] in ("pec", "legalmail", "arubapec", "postacert", "cert") or domain == "pec.it"
    )


def is_free_mail(address: str) -> bool:
    """Whether the address is at a public mail provider (a small business's contact, not a company domain)."""
    return address.rsplit("@", 1)[-1] in FREE_MAIL_DOMAINS


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
