"""A geography as typed ("Newcastle, New South Wales", "Perth WA", "Toronto ON Canada") read into
mentions: the places its words can name, each with every reading the indexes give it.

Parts are separated by commas, slashes, semicolons, brackets or a spaced dash, and kept in order,
most specific first. A part is looked up whole; failing that, its words are matched from the right,
longest name first, so "Salt Lake City UT" is Salt Lake City and UT. Choosing between the readings
is `scraping.geo`'s work: here every candidate is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from scraping.geo.data import Indexes, indexes
from scraping.geo.fold import fold

# How much a reading says by itself, when nothing else in the text decides. A country's name or ISO
# code is read as the country ("Georgia", "DE", "CO"); a name of a subdivision or a city comes next,
# the more populous first ("Manchester": England, not the Jamaican parish); abbreviations of a state
# and alternate names of a city last ("WA": Washington or Western Australia, by population).
COUNTRY = 3
NAME = 2
ABBREVIATION = 1

MAX_TEXT = 300  # characters read of a geography: a place name is short, a pasted page is not one
MAX_MENTIONS = 8
MAX_WORDS = 6  # the longest name matched inside a part ("Saint Vincent and the Grenadines")
MAX_CITIES = 25  # cities read per name: "San Jose" alone names 8 of 15,000 people or more

_PARTS = re.compile(r"[,;/|()\[\]{}]+|\s[-–—]+\s")
_DOTTED_CODE = re.compile(r"(?:[A-Za-z]\.){2,}")  # "N.S.W.", "U.S.", "D.C."
_CODE = re.compile(r"[A-Z]{2,3}")
# Words that say where without naming a place ("Greater London Area", "Offices in Berlin"): never
# matched alone inside a longer part, where some are also the names of towns.
_FILLERS = frozenset(
    "greater area metro metropolitan region downtown city county province state district central "
    "north south east west northern southern eastern western bay valley coast office offices hq headquarters "
    "based near in at on of and or the".split()
)


class Reading(NamedTuple):
    """One thing a mention can name: a country, a subdivision, a city, or a city with its subdivision."""

    country: str  # ISO 3166-1 alpha-2
    subdivision: str  # ISO 3166-2 code, "" when not known
    city: int  # position in indexes().cities, -1 for none
    weight: int  # COUNTRY, NAME or ABBREVIATION
    population: int  # of the city, else of the subdivision (estimated), else of the country
    admin: bool  # names a country or subdivision: complete data, unlike the cities of 15,000 or more


@dataclass(frozen=True)
class Parsed:
    mentions: list[list[Reading]]  # one list of readings a place named, most specific first
    scope: bool  # the text names a scope wider than a country ("Remote", "EMEA", "Europe")


def parse(geography: str) -> Parsed:
    """The mentions in a geography, and whether it names a scope wider than one country."""
    index = indexes()
    mentions: list[list[Reading]] = []
    scope = False
    for part in _PARTS.split(geography[:MAX_TEXT]):
        words = [_Word.of(token) for token in part.split()]
        words = [word for word in words if word.key]
        part_mentions: list[list[Reading]] = []
        end = len(words)
        while end > 0:
            for start in range(max(0, end - MAX_WORDS), end):
                span = words[start:end]
                key = " ".join(word.key for word in span)
                if key in index.scopes:
                    scope = True
                    break
                whole = start == 0 and end == len(words)
                if readings := _readings(index, key, span, whole, part.islower()):
                    part_mentions.append(readings)
                    break
            else:
                start = end - 1
            end = start
        mentions.extend(reversed(part_mentions))
    return Parsed(mentions[:MAX_MENTIONS], scope)


class _Word(NamedTuple):
    text: str  # as typed, dots of an abbreviation removed ("NSW")
    key: str  # folded; "" for a word that can name nothing (punctuation, a postcode)

    @classmethod
    def of(cls, token: str) -> _Word:
        if _DOTTED_CODE.fullmatch(token.rstrip(".") + "."):
            token = token.replace(".", "")
        key = fold(token)
        return cls(token, "" if any(char.isdigit() for char in key) else key)


def _readings(index: Indexes, key: str, span: list[_Word], whole: bool, lowercase: bool) -> list[Reading]:
    """Every reading of one span of words.

    Codes ("CO", "NSW", "USA") are read when typed in capitals, or when they are a whole part
    ("boulder, co"). Inside a longer part, names are read only when capitalised as names are (unless
    the whole part is in lower case) and never from a filler word alone.
    """
    code = ""
    if len(span) == 1 and (_CODE.fullmatch(span[0].text) or (whole and len(key) in (2, 3))):
        code = key.upper()
    if not whole and not code and ((key in _FILLERS) or not (lowercase or span[0].text[:1].isupper())):
        return []
    population = index.country_population
    readings = [
        Reading(country, "", -1, COUNTRY, population.get(country, 0), True)
        for country in index.country_names.get(key, ())
    ]
    subdivisions = [
        Reading(sub[:2], sub, -1, NAME, _estimate(index, sub), True)
        for sub in index.subdivision_names.get(key, ())
    ]
    if code:
        if country := index.country_codes.get(code):
            readings.append(Reading(country, "", -1, COUNTRY, population.get(country, 0), True))
        readings += [
            Reading(sub[:2], sub, -1, ABBREVIATION, _estimate(index, sub), True)
            for sub in index.subdivision_abbreviations.get(code, ())
        ]
    if code and span[0].text.isupper():
        return readings + subdivisions  # "WA" is Washington or Western Australia, not the town Wa
    positions = [(position, NAME) for position in index.cities_named(key)[:MAX_CITIES]]
    if (also := index.city_also_named(key)) is not None:
        positions.append((also, ABBREVIATION))
    cities = []
    for position, weight in positions:
        city = index.city(position)
        cities.append(Reading(city.country, city.subdivision, position, weight, city.population, False))
    # A city and a subdivision of the same name ("New York", "Zürich", "São Paulo", "Osaka") are read
    # together, so that the text gives both.
    together = [
        Reading(city.country, sub.subdivision, city.city, NAME, max(city.population, sub.population), True)
        for city in cities
        for sub in subdivisions
        if city.country == sub.country and city.subdivision in ("", sub.subdivision)
    ]
    return readings + subdivisions + cities + together


def _estimate(index: Indexes, subdivision: str) -> int:
    """A subdivision's population, for comparing it with a city's: its country's, shared evenly."""
    country = subdivision[:2]
    return index.country_population.get(country, 0) // max(1, index.top_level_subdivisions.get(country, 1))
