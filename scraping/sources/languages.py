"""The language root a home page that is only a language chooser leads to (/ -> /en/, /de-at/).

A stub home page (little text, and a meta refresh or links only to language roots) is replaced by the
root of the job's language, else English, else the one it points to; `website` reads that root as the
site's home page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from scraping import extract

# A home page with less text than this that only leads to language roots (/en/, /de-at/) is a
# language chooser or a redirect page, not the site's home.
_STUB_TEXT_CHARS = 600
_LANGUAGE_ROOT = re.compile(r"^/([a-z]{2})(?:[-_][a-z]{2})?(?:/|/index\.(?:html?|php|aspx?))?$", re.I)
# Where a country's main language code differs from its ISO 3166 code (else the code itself is tried).
_COUNTRY_LANGUAGES = {
    **dict.fromkeys(("AT", "CH", "LI"), "de"),
    **dict.fromkeys(("BE", "SR"), "nl"),
    **dict.fromkeys(("GR", "CY"), "el"),
    **dict.fromkeys(("BR", "AO", "MZ"), "pt"),
    **dict.fromkeys(
        ("MX", "AR", "CL", "CO", "PE", "VE", "UY", "EC", "BO", "PY", "CR", "PA", "GT", "CU"), "es"
    ),
    **dict.fromkeys(("CN", "TW", "HK"), "zh"),
    **dict.fromkeys(("SA", "AE", "EG", "QA", "KW", "JO", "MA", "DZ", "TN"), "ar"),
    "SE": "sv",
    "DK": "da",
    "NO": "no",
    "CZ": "cs",
    "EE": "et",
    "UA": "uk",
    "JP": "ja",
    "KR": "ko",
    "IL": "he",
    "IR": "fa",
    "VN": "vi",
    "SI": "sl",
    "RS": "sr",
    "AL": "sq",
    "GE": "ka",
    "AM": "hy",
    "LU": "fr",
}


def language_of(region: str | None) -> str:
    """The main language code of a country ("GR" -> "el"), a guess good enough to pick /el/ over /en/."""
    return _COUNTRY_LANGUAGES.get(region, region.lower()) if region else ""


def language_root(facts: extract.PageFacts, preferred: str, same_site: Callable[[str], bool]) -> str:
    """The language root a stub home page leads to ("" when it is a real home page).

    A stub has little text, and its meta refresh or all its same-site links point at language roots.
    The root of the `preferred` language wins, then English, then the refresh target or first link.
    """
    if len(" ".join(facts.text.split())) > _STUB_TEXT_CHARS:
        return ""
    roots: dict[str, str] = {}
    other_links = False
    for position, url in enumerate([facts.meta_refresh, *(link for link, _ in facts.links)]):
        if not url or not same_site(url):
            continue
        path = urlsplit(url).path
        match = _LANGUAGE_ROOT.match(path)
        if match:
            roots.setdefault(url, match.group(1).lower())
        elif position == 0:
            return ""  # a refresh to an ordinary page: followed as any refresh is
        elif path not in ("", "/"):
            other_links = True
    refresh_to_root = bool(facts.meta_refresh) and facts.meta_refresh in roots
    if not roots or (other_links and not refresh_to_root):
        return ""
    for wanted in (preferred, "en"):
        for url, language in roots.items():
            if language == wanted:
                return url
    return next(iter(roots))
