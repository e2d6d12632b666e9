"""What a site says of its own country, beside the geography's text: its country-code top-level
domain, the calling codes of the phone numbers on its pages, and the country of its postal address.

Weaker than the text: it breaks ties between readings of the text, and gives the country when the
text names none.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import phonenumbers
import tldextract

from scraping.geo.data import indexes
from scraping.geo.fold import fold

# The weight of each kind when they disagree: the site's stated address over its domain over the
# numbers it lists (an international office's number is common, a foreign address less so).
ADDRESS_WEIGHT = 3.0
TLD_WEIGHT = 2.0
PHONE_WEIGHT = 1.0

# Country-code domains sold and used as generic ones (.io, .co, .ai, .tv): no country.
_GENERIC_CC_TLDS = frozenset("ai cc co fm gg io ly me sh so tk to tv vc ws".split())
_TLD_COUNTRIES = {"uk": "GB"}  # the one country-code domain that is not the ISO code
_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Evidence:
    address: str = ""  # ISO alpha-2 of the postal address, or ""
    tld: str = ""  # ISO alpha-2 of the domain, or ""
    phones: dict[str, float] = field(default_factory=dict)  # region -> share of the numbers seen

    @classmethod
    def gather(cls, website: str, phone_countries: Iterable[str], address_country: str) -> Evidence:
        return cls(
            address_country_code(address_country), website_country(website), phone_shares(phone_countries)
        )

    def score(self, country: str) -> float:
        return (
            ADDRESS_WEIGHT * (country == self.address)
            + TLD_WEIGHT * (country == self.tld)
            + PHONE_WEIGHT * self.phones.get(country, 0.0)
        )

    def kinds(self, country: str) -> tuple[str, ...]:
        """Which evidence agrees with a country, strongest first: ("address", "tld", "phone")."""
        agreeing = (("address", self.address == country), ("tld", self.tld == country))
        return tuple(kind for kind, agrees in agreeing if agrees) + (
            ("phone",) if country in self.phones else ()
        )

    def countries(self) -> set[str]:
        return ({self.address, self.tld} | set(self.phones)) - {""}


def website_country(website: str) -> str:
    """The country of a site's domain: a URL or host under .com.au -> "AU", under .de -> "DE".

    Generic domains (.com, .org), and country domains sold as generic ones (.io, .co), give "".
    """
    if not website or not isinstance(website, str):
        return ""
    try:
        host = urlsplit(website if "//" in website else f"//{website}").hostname or ""
    except ValueError:
        return ""
    suffix = _domains()(host).suffix
    tld = suffix.rsplit(".", 1)[-1]
    if len(tld) != 2 or (suffix == tld and tld in _GENERIC_CC_TLDS):
        return ""
    country = _TLD_COUNTRIES.get(tld, tld.upper())
    return country if indexes().country_codes.get(country) == country else ""


def phone_shares(numbers: Iterable[str]) -> dict[str, float]:
    """Region -> the share of a page's numbers that belong to it.

    Each item is a number in international form ("+61 2 9999 9999", region from the number itself), a
    calling code ("+61", "61"), or a region ("AU"). A calling code that several regions share counts
    fully for its main region (+1: US) and half for the others (CA and the Caribbean).
    """
    counts: Counter[str] = Counter()
    total = 0
    for item in [numbers] if isinstance(numbers, str) else numbers:
        regions = _phone_regions(item) if isinstance(item, str) else {}
        if regions:
            total += 1
            counts.update(regions)
    return {region: weight / total for region, weight in counts.items()}


def _phone_regions(item: str) -> dict[str, float]:
    item = item.strip()
    if len(item) == 2 and item.isalpha():
        region = item.upper()
        return {region: 1.0} if region in phonenumbers.SUPPORTED_REGIONS else {}
    digits = _NON_DIGITS.sub("", item)
    if not digits:
        return {}
    if len(digits) > 3:
        try:
            number = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return {}
        region = phonenumbers.region_code_for_number(number)
        if region and region in phonenumbers.SUPPORTED_REGIONS:
            return {region: 1.0}
        digits = str(number.country_code)
    main = phonenumbers.region_code_for_country_code(int(digits))
    return {
        region: 1.0 if region == main else 0.5
        for region in phonenumbers.region_codes_for_country_code(int(digits))
        if region in phonenumbers.SUPPORTED_REGIONS
    }


def address_country_code(address_country: str) -> str:
    """A postal address's country ("DE", "DEU", "Germany", "Deutschland") as ISO alpha-2, or ""."""
    if not address_country or not isinstance(address_country, str):
        return ""
    index = indexes()
    if code := index.country_codes.get(address_country.strip().upper()):
        return code
    named = index.country_names.get(fold(address_country), ())
    return max(named, key=lambda country: index.country_population.get(country, 0), default="")


@cache
def _domains() -> tldextract.TLDExtract:
    # The bundled public suffix list only: no download at run time.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
