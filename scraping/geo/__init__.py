"""Where a geography is: country, ISO 3166-2 subdivision and city, from maintained ISO and GeoNames data.

`resolve("Newcastle, New South Wales")` is AU-NSW, `resolve("Boulder, CO")` US-CO, `resolve("Perth")`
AU. The text's parts are read most specific first (`scraping.geo.text`). Among the places they can
name, the one that explains the most parts wins ("Portland, Maine": US-ME, not Portland, Oregon);
then the one the site's own evidence agrees with (`scraping.geo.evidence`: domain, phone calling
codes, postal address); then the one whose broader parts, states and countries, are explained; then
country names over state and city names over abbreviations; then the most populous ("Sydney": AU,
not Nova Scotia). With no place in the text the evidence alone decides. Text naming a wider scope
("Remote", "EMEA") has no country: callers then keep only phone numbers in international form.

The data (`scraping.geo.data`) loads on the first call, in about half a second; a call after that
takes tens of microseconds. `phone_region()` gives the region phonenumbers parses national numbers
with, `search_country()` the lowercase country code search APIs take.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from scraping.geo.data import indexes
from scraping.geo.evidence import Evidence
from scraping.geo.text import Reading, parse

__all__ = ["Place", "phone_region", "resolve", "search_country"]

# Confidence of a place read from the text: every part explained and no other country explains as
# many; every part explained but another country does too (evidence, weight or population decided);
# some part left unexplained (a town under 15,000 people, a misspelling).
CLEAR = 0.9
DECIDED = 0.7
PARTIAL = 0.6
# From evidence alone, always below the text: by its strongest kind, plus a little for each other
# kind that agrees.
EVIDENCE_CONFIDENCE = {"address": 0.45, "tld": 0.4, "phone": 0.3}
AGREEING_EVIDENCE = 0.05


@dataclass(frozen=True)
class Place:
    """A resolved geography.

    `evidence` names what the place rests on, strongest first: "text", and the site's "address",
    "tld" and "phone" where they agree. `confidence` (0 to 1) ranks resolutions against each other;
    it is not a probability.
    """

    country: str  # ISO 3166-1 alpha-2
    subdivision: str = ""  # ISO 3166-2 ("AU-NSW"), "" when not known
    city: str = ""  # the GeoNames name ("Munich" for "München"), "" when the text names no city
    evidence: tuple[str, ...] = ()
    confidence: float = 0.0


def resolve(
    geography: str, *, website: str = "", phone_countries: Iterable[str] = (), address_country: str = ""
) -> Place | None:
    """The place a job's geography names, helped by what the site says of itself; None for none.

    `website`: a URL or host name; `phone_countries`: the numbers seen on the site in international
    form, or their calling codes ("+61") or regions ("AU"); `address_country`: the country of its
    postal address (JSON-LD `addressCountry`: a code or a name).
    """
    if not isinstance(geography, str):
        raise TypeError(f"geography must be a string, not {type(geography).__name__}")
    parsed = parse(geography)
    evidence = Evidence.gather(website, phone_countries, address_country)
    if parsed.mentions:
        return _from_text(parsed.mentions, evidence)
    if parsed.scope:
        return None
    return _from_evidence(evidence)


def phone_region(
    geography: str, *, website: str = "", phone_countries: Iterable[str] = (), address_country: str = ""
) -> str | None:
    """The region to parse a site's national phone numbers with ("AU"), or None: keep only "+" numbers."""
    place = resolve(
        geography, website=website, phone_countries=phone_countries, address_country=address_country
    )
    return place.country if place and place.country in phonenumbers.SUPPORTED_REGIONS else None


def search_country(geography: str) -> str | None:
    """The country of a geography as search APIs take it ("gb", "au"), or None for no country."""
    place = resolve(geography)
    return place.country.lower() if place else None


def _from_text(mentions: list[list[Reading]], evidence: Evidence) -> Place:
    """The best-scoring place, trying in each country every subdivision and city the text can name."""
    by_country: dict[str, list[list[Reading]]] = defaultdict(lambda: [[] for _ in mentions])
    for position, readings in enumerate(mentions):
        for reading in readings:
            by_country[reading.country][position].append(reading)
    best_by_country = {
        country: max(_hypotheses(country, per_mention, evidence), key=lambda scored: scored[0])
        for country, per_mention in by_country.items()
    }
    ranked = sorted(best_by_country.values(), key=lambda scored: scored[0], reverse=True)
    score, chosen = ranked[0]
    explained = score[0]
    if explained < len(mentions):
        confidence = PARTIAL
    elif len(ranked) > 1 and ranked[1][0][0] == explained:
        confidence = DECIDED
    else:
        confidence = CLEAR
    country = chosen[0].country
    city = next((reading.city for reading in chosen if reading.city >= 0), -1)
    return Place(
        country=country,
        subdivision=next((reading.subdivision for reading in chosen if reading.subdivision), ""),
        city=indexes().city(city).name if city >= 0 else "",
        evidence=("text", *evidence.kinds(country)),
        confidence=confidence,
    )


def _hypotheses(country: str, per_mention: list[list[Reading]], evidence: Evidence):
    """(score, readings chosen) for each subdivision and city of `country` the text can name.

    A hypothesis fixes one subdivision (or none) and one city (or none); each mention then takes its
    best reading that agrees with both, or stays unexplained. Scores compare, in order: how many
    parts are explained; how well the site's evidence agrees; how broad the parts explained as a
    country or subdivision are (later parts are broader: "Perth, Ontario" is the town in Ontario too
    small for the data, not Perth, Australia); the readings' weights; the largest population read;
    how much of subdivision and city the place gives.
    """
    subdivisions = {reading.subdivision for readings in per_mention for reading in readings} | {""}
    cities = {reading.city for readings in per_mention for reading in readings}
    country_evidence = evidence.score(country)
    for subdivision in sorted(subdivisions):  # sorted: equal scores resolve the same way every run
        for city in sorted(cities):
            chosen = []
            broadness = 0
            for position, readings in enumerate(per_mention):
                fitting = [r for r in readings if r.subdivision in ("", subdivision) and r.city in (-1, city)]
                if fitting:
                    reading = max(fitting, key=lambda r: (r.weight, r.population, _specificity(r)))
                    chosen.append(reading)
                    broadness += position if reading.admin else 0
            if chosen:
                score = (
                    len(chosen),
                    country_evidence,
                    broadness,
                    sum(reading.weight for reading in chosen),
                    max(reading.population for reading in chosen),
                    max(_specificity(reading) for reading in chosen),
                )
                yield score, chosen


def _specificity(reading: Reading) -> int:
    return bool(reading.subdivision) + (reading.city >= 0)


def _from_evidence(evidence: Evidence) -> Place | None:
    countries = evidence.countries()
    if not countries:
        return None
    population = indexes().country_population
    country = max(countries, key=lambda code: (evidence.score(code), population.get(code, 0)))
    kinds = evidence.kinds(country)
    confidence = EVIDENCE_CONFIDENCE[kinds[0]] + AGREEING_EVIDENCE * (len(kinds) - 1)
    return Place(country=country, evidence=kinds, confidence=round(confidence, 2))
