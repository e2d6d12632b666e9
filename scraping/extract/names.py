"""Company names: from page titles and footers, and the one name of a site.

`clean_title` drops page names and greetings from a <title> ("Home | Example" -> "Example", "Welcome
to Example" -> "Example"); `footer_name` reads the legal name of a copyright line ("(c) 2025 Example
Widgets Pty Ltd").
Names from schema.org data and og:site_name are read in `structured` and `page`; `site_name` chooses
among all of them for the site.
"""

from __future__ import annotations

import html as htmllib
import re

from scraping.extract.facts import PageFacts
from scraping.extract.likeness import alike
from scraping.normalize import company_key, has_legal_form, registrable_domain

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+|\s*[|｜－]\s*|\s+::\s+")
_GENERIC_TITLE = re.compile(
    r"^(home|homepage|home page|welcome|start|startseite|inicio|accueil|contact(?: us)?|about(?: us)?|"
    r"kontakt|impressum|contacto|sobre nosotros|quiénes somos|quienes somos|team|our team|"
    r"official (?:web)?site|index|首頁|首页|ホーム|トップページ|홈|메인)$",
    re.I,
)
_WELCOME = re.compile(r"^(welcome to|willkommen bei|bienvenidos? a|bienvenue chez)\s+", re.I)
_LEGAL_FORMS = (
    r"Pty\.?\s+Ltd\.?|Pty\.?\s+Limited|Ltd\.?|Limited|LLC|L\.L\.C\.|Inc\.?|Incorporated|Corp\.?|"
    r"Corporation|GmbH(?:\s+&\s+Co\.\s+KG)?|AG|KG|UG(?:\s+\(haftungsbeschränkt\))?|e\.K\.|"
    r"S\.L\.U?\.?|SL|S\.A\.|SA|S\.R\.L\.|SRL|B\.V\.|BV|N\.V\.|PLC|plc|LLP|SAS|S\.A\.S\."
)
_FOOTER_NAME = re.compile(
    rf"(?:©|\(c\)|&copy;|copyright)\s*(?:©\s*)?(?:\d{{4}}(?:\s*[-–]\s*\d{{4}})?\s*)?,?\s*"
    rf"((?:[A-Z0-9ÄÖÜÁÉÍÓÚÑ][\w&'.,äöüßáéíóúñ-]*\s+){{0,5}}?(?:{_LEGAL_FORMS}))(?![\w])",
    re.I,
)


def clean_title(title: str) -> str:
    """ "Home | Example Widgets" -> "Example Widgets"; "Welcome to Example" -> "Example"."""
    title = " ".join(htmllib.unescape(title).split())
    parts = [_WELCOME.sub("", part).strip() for part in TITLE_SEPARATORS.split(title)]
    parts = [part for part in parts if part and not _GENERIC_TITLE.match(part)]
    if not parts:
        return ""
    # The brand is usually the shortest part ("Contact our team today | Example"), the page name the longer.
    return min(parts, key=len) if len(parts) > 1 else parts[0]


def footer_name(text: str) -> str:
    """The company named with a legal form in the last copyright line of the text, or ""."""
    matches = list(_FOOTER_NAME.finditer(text))
    if not matches:
        return ""
    name = matches[-1].group(1)
    name = re.sub(r"^(all rights reserved\.?|by)\s+", "", name.strip(), flags=re.I)
    return " ".join(name.split()).strip(" ,")


def site_name(pages: list[PageFacts]) -> tuple[str, bool]:
    """(company name, whether it came from structured data or og:site_name)."""
    names = [getattr(page, attribute) for attribute in ("structured_name", "og_site_name") for page in pages]
    names = [name for name in names if name]
    if names:
        # A name in another script (Japanese, Greek ...) gives way to the site's own Latin-script name.
        latin = [name for name in names if is_latin(name)]
        chosen = (latin or names)[0]
        # A longer name gives way to the brand it starts with ("Example Solar"): a legal name ("Example
        # Solar Energy Ltd") when the site's og:site_name or titles use the brand (or a longer form of
        # it: "Example Solar Pty Ltd" is "Example Solar & Decks"), a branch ("Example Solar – Paphos")
        # when the titles do, any other ("Example Solar Services") when both do.
        og_names = {company_key(page.og_site_name): page.og_site_name for page in pages if page.og_site_name}
        title_brand = _repeated_title_part(pages)
        key = company_key(chosen)
        if has_legal_form(chosen):
            for brand in [*og_names.values(), title_brand]:
                if brand and (
                    key.startswith(company_key(brand) + " ") or company_key(brand).startswith(key + " ")
                ):
                    return brand, True
            # A legal name the site's own brand does not start with ("Example Lichttechniek B.V." on
            # a site whose og:site_name and titles say "Exolux"): the brand is what people know.
            brand = title_brand if company_key(title_brand) in og_names or not og_names else ""
            brand = brand or max(og_names.values(), key=lambda name: _og_count(pages, name), default="")
            if brand and not has_legal_form(brand) and (is_latin(brand) or not is_latin(chosen)):
                return brand, True
        if title_brand and re.match(rf"{re.escape(title_brand)}\s*[–—|·:-]\s*\w", chosen):
            return title_brand, True
        if (
            title_brand
            and company_key(title_brand) in og_names
            and key.startswith(company_key(title_brand) + " ")
        ):
            return title_brand, True
        return chosen, True
    repeated = _repeated_title_part(pages)
    if repeated:
        return repeated, False
    for page in pages[:1]:
        title = clean_title(page.title)
        if title:
            return title, False
    for page in pages:
        if page.footer_name:
            return page.footer_name, False
    return "", False


def _og_count(pages: list[PageFacts], name: str) -> int:
    return sum(1 for page in pages if page.og_site_name == name)


def _repeated_title_part(pages: list[PageFacts]) -> str:
    """The part of the titles most of a site's pages share: "Services | EXAMPLE METAL s.r.o." -> the brand."""
    titled = [page.title for page in pages if page.title.strip()]
    if len(titled) < 2:
        return ""
    seen: dict[str, tuple[int, str]] = {}
    for title in titled:
        parts = {" ".join(part.split()): None for part in TITLE_SEPARATORS.split(title) if part.strip()}
        for part in parts:
            key = company_key(part)
            if key:
                count, first = seen.get(key, (0, part))
                seen[key] = (count + 1, first)
    shared = [(count, part) for count, part in seen.values() if count >= 2 and count * 2 > len(titled)]
    # Several parts in most titles ("Visits · Example Winery · Vino Nobile"): the one named like the
    # site's domain is the company, a tagline or a region's wine is not; then the most repeated.
    domain = registrable_domain(pages[0].url)
    ranked = sorted(shared, key=lambda item: (alike(item[1], domain), item[0]), reverse=True)
    if ranked and not is_latin(ranked[0][1]):
        # The Korean pages' name gives way to the English pages' ("HANBIT PRECISION MOLD" in three
        # titles): a name in another script gives way to the site's own Latin-script one.
        latin = [(count, part) for count, part in seen.values() if count >= 3 and is_latin(part)]
        ranked = sorted(latin, reverse=True) or ranked
    return ranked[0][1] if ranked else ""


_TOWN_JOINERS = {"of", "de", "di", "du", "da", "del", "von", "van", "der", "in"}


def without_town(name: str, geography: str) -> str:
    """The name without the town the titles add to it: "Example Riad Marrakech" -> "Example Riad" for
    leads in Marrakech; "Bank of Lugano" keeps its town."""
    town = geography.split(",")[0].strip()
    match = re.fullmatch(rf"(.+?)[\s,–-]+{re.escape(town)}", name, re.I) if town else None
    if match is None:
        return name
    words = match.group(1).split()
    joined = len(words) < 2 or words[-1].lower() in _TOWN_JOINERS
    return name if joined else match.group(1)


def is_latin(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return (
        bool(letters) and sum(char.isascii() or "À" <= char <= "ɏ" for char in letters) / len(letters) > 0.8
    )
