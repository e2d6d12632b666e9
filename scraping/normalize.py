"""Canonical forms and the identity of a lead, used to deduplicate leads across sources and jobs."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

from scraping.types import Lead

# Offline from the start: the bundled public suffix list, no download at first use.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

_LEGAL_SUFFIXES = re.compile(
    r"\b(pty|ltd|limited|llc|inc|incorporated|corp|corporation|gmbh|ag|sa|sas|srl|bv|nv|plc|co|company)\b\.?",
)
# Legal forms written with dots or spaces ("S.r.l.", "Sp. z o.o.", "K.K.") or too short to strip
# anywhere but at the end of the name ("Example Marine AS", "Example Tools AB").
_TRAILING_LEGAL_FORM = re.compile(
    r"[\s,]+(?:s\.?\s?r\.?\s?l|s\.?\s?p\.?\s?a|s\.?\s?a\.?\s?s|s\.?\s?a|s\.?\s?l\.?\s?u?|s\.?\s?a\.?\s?r\.?\s?l|"
    r"b\.?\s?v|n\.?\s?v|k\.?\s?k|kabushiki\s+kaisha|ind(?:ustrial|ustries)?\.?,?\s+co\.?,?\s+ltd|co\.?,?\s+ltd|sp\.?\s?z\s?o\.?\s?o|s\.?\s?c|oyj?|ab|asa?|aps|"
    r"a/s|ltda|limitada|s\.?\s?a\.?\s?de\s+c\.?\s?v|e\.?\s?k|kg|ohg|ug|gbr|pte|pvt|private|ohg|d\.?\s?o\.?\s?o|"
    r"sarl|eurl|bvba|cvba|srl|sl|sa|ltd|limited|inc|llc|gmbh|ag|corp|plc|pty|kft|zrt|nyrt|bt|"
    r"s\.?\s?r\.?\s?o|a\.?\s?s|spol\.?\s+s\s+r\.?\s?o|ltd\.?\s+sti|ou|sia|uab|d\.?\s?o\.?\s?o|llp|lp|pllc)\.?\s*$"
)

# Japanese, Chinese and Korean legal forms, written before or after the name, in words or a sign.
_CJK_LEGAL_FORM = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|[(（]株[)）]|㈱|股份有限公司|有限公司|주식회사|\(주\)|㈜"
)


def hostname(url: str) -> str:
    """The lowercased host of a URL (scheme optional), without `www.` and port."""
    if "//" not in url:
        url = "//" + url
    host = (urlsplit(url.strip()).hostname or "").rstrip(".").lower()
    return host.removeprefix("www.")


@lru_cache(maxsize=4096)
def registrable_domain(url: str) -> str:
    """`https://www.shop.widgets.com.au/x` -> `widgets.com.au`; a host with no public suffix keeps it."""
    host = hostname(url)
    if not host:
        return ""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    domain = _extract(host).top_domain_under_public_suffix
    return domain or host


def public_suffix(host: str) -> str:
    """The public suffix a host name ends in ("co.uk", "com"), or "" when it ends in none."""
    return _extract(host).suffix


def fold(text: str) -> str:
    """Lowercase, strip accents and collapse whitespace: the form used for comparisons."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def has_legal_form(name: str) -> bool:
    """Whether a name ends in a legal form: "Example Solar Energy Ltd" does, "Example Ledger" does not."""
    return bool(_TRAILING_LEGAL_FORM.search(fold(name).strip()))


def company_key(name: str) -> str:
    """A company name reduced to what identifies it: `Example Widgets Pty. Ltd.` -> `example widgets`."""
    name = fold(name).strip()
    previous = None
    while previous != name:  # "Example Precision Pte. Ltd.": one form at a time
        previous, name = name, _TRAILING_LEGAL_FORM.sub("", name)
    name = _CJK_LEGAL_FORM.sub(" ", name)
    name = re.sub(r"[^\w\s]", " ", name)
    name = _LEGAL_SUFFIXES.sub(" ", name)
    return " ".join(name.split())


def identity(lead: Lead) -> str:
    """The sha256 of what makes two leads the same company.

    The registrable domain of the website when there is one, else the e-mail address, else the
    normalised company name with the location.
    """
    if lead.website and (domain := registrable_domain(lead.website)):
        key = f"domain:{domain}"
    elif lead.email:
        key = f"email:{lead.email.strip().lower()}"
    else:
        key = f"name:{company_key(lead.company_name)}|{fold(lead.location)}"
    return hashlib.sha256(key.encode()).hexdigest()
