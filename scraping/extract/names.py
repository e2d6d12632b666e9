"""Company names from page titles and footers.

`clean_title` drops page names and greetings from a <title> ("Home | Example" -> "Example", "Welcome
to Example" -> "Example"); `footer_name` reads the legal name of a copyright line ("(c) 2025 Example
Widgets Pty Ltd").
Names from schema.org data and og:site_name are read in `structured` and `page`.
"""

from __future__ import annotations

import html as htmllib
import re

TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»]\s+|\s*\|\s*|\s+::\s+")
_GENERIC_TITLE = re.compile(
    r"^(home|homepage|home page|welcome|start|startseite|inicio|accueil|contact(?: us)?|about(?: us)?|"
    r"kontakt|impressum|contacto|sobre nosotros|quiénes somos|quienes somos|team|our team|"
    r"official (?:web)?site|index)$",
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
