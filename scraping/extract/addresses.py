"""Postal addresses in page text: the first address-shaped stretch (street, number and postcode in the
Australian, British, American, German or Spanish style). Addresses from schema.org data are read and
formatted in `structured`.
"""

from __future__ import annotations

import re

_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|place|pl|parade|pde|"
    r"terrace|tce|way|court|ct|highway|hwy|square|sq|crescent|cres|close|row|walk|wharf|quay"
)
_ADDRESS_PATTERNS = [
    # 12 George Street, Level 3, Sydney NSW 2000 / 1 Main St, London EC1A 1BB / 500 Main St, Austin, TX 78701
    re.compile(
        rf"\b(?:(?:level|suite|unit|floor)\s+\d+[a-z]?,?\s+)?\d+[a-z]?(?:[-–]\d+)?\s+"
        rf"(?:[A-Z][\w'.-]{{0,30}}\s+){{1,4}}(?:{_STREET_WORDS})\b\.?"
        rf"(?:,?\s+(?:suite|ste|unit|apt|floor|fl|bldg|building|#)\.?\s*[\w-]{{1,6}})?"  # ", Suite 1200"
        rf"(?:,?\s+[A-Z][\w'.-]{{0,30}}(?:\s+[A-Z][\w'.-]{{0,30}}){{0,3}}){{1,3}},?\s+"
        rf"(?:[A-Z]{{2,3}}\s+\d{{4,5}}|\d{{4,5}}|[A-Z]{{1,2}}\d[A-Z\d]?\s*\d[A-Z]{{2}})\b"
        rf"(?:,?\s+(?:Australia|United Kingdom|UK|USA|United States|New Zealand|Canada|Ireland))?",
        re.I,
    ),
    # Musterstraße 12, 10115 Berlin / Mariahilfer Straße 45 · 1060 Wien / Calle Mayor 5, 2º, 28013 Madrid
    re.compile(
        r"\b(?:(?:[A-ZÄÖÜ][\wäöüß.-]{0,30}\s+){0,2}[A-ZÄÖÜ]?[\wäöüß-]{0,30}"
        r"(?i:stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee)"
        r"|(?:Calle|C/|Avenida|Avda\.?|Av\.|Paseo|Plaza|Carrer|Rambla|Camino|Ronda|Rua|Via|Viale|Rue)"
        r"\s+(?:(?:de|del|la|los|las|da|do|di)\s+){0,3}"
        r"[A-ZÁÉÍÓÚÑ][\wáéíóúñ.-]{0,30}(?:\s+[A-ZÁÉÍÓÚÑ][\wáéíóúñ.-]{0,30}){0,4})"
        r"\s+\d+[a-z]?(?:[-–/]\d+)?(?:,\s*[\wº°ª. ]{1,12}?)?\s*[,·|•]?\s+"
        r"\d{4,5}\s+[A-ZÄÖÜÁÉÍÓÚ][\wäöüßáéíóúñ-]{1,40}(?:\s+(?:am|an der|de)\s+[A-ZÄÖÜÁÉÍÓÚ][\wäöüß-]{1,40})?"
        r"(?:,?\s+(?:Deutschland|Germany|España|Spain|Österreich|Austria|Schweiz|Switzerland))?"
    ),
]


def find_address(text: str) -> str:
    """The first address-shaped stretch of text, on one line."""
    addresses = find_addresses(text)
    return addresses[0] if addresses else ""


def find_addresses(text: str) -> list[str]:
    """Every address-shaped stretch of text, each on one line: the first pattern's matches first."""
    flat = " ".join(text.split())
    return [
        re.sub(r"\s*[·|•]\s*", ", ", match.group(0)).strip(" ,")
        for pattern in _ADDRESS_PATTERNS
        for match in pattern.finditer(flat)
    ]
