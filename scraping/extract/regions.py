"""Where a job or a site is: geography words to the ISO 3166 region used to parse phone numbers.

`region_for("Sydney, Australia")` is "AU"; with no known word in the geography, the site's country-code
TLD decides (`.de` -> "DE", `.uk` -> "GB"), else there is no region and numbers need their + prefix.
"""

from __future__ import annotations

import re

import phonenumbers

from scraping.normalize import fold, hostname

# Geography words -> ISO 3166 region for phone parsing. Countries by English and local name, their
# usual abbreviations, and cities that name no country ("Sydney" alone means Australia here).
REGIONS = {
    "australia": "AU",
    "au": "AU",
    "sydney": "AU",
    "melbourne": "AU",
    "brisbane": "AU",
    "perth": "AU",
    "adelaide": "AU",
    "canberra": "AU",
    "nsw": "AU",
    "victoria": "AU",
    "queensland": "AU",
    "new zealand": "NZ",
    "nz": "NZ",
    "auckland": "NZ",
    "wellington": "NZ",
    "united kingdom": "GB",
    "uk": "GB",
    "gb": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "london": "GB",
    "manchester": "GB",
    "edinburgh": "GB",
    "birmingham": "GB",
    "bristol": "GB",
    "glasgow": "GB",
    "leeds": "GB",
    "ireland": "IE",
    "dublin": "IE",
    "united states": "US",
    "usa": "US",
    "us": "US",
    "u.s.": "US",
    "america": "US",
    "new york": "US",
    "san francisco": "US",
    "los angeles": "US",
    "chicago": "US",
    "boston": "US",
    "seattle": "US",
    "austin": "US",
    "california": "US",
    "texas": "US",
    "canada": "CA",
    "toronto": "CA",
    "vancouver": "CA",
    "montreal": "CA",
    "germany": "DE",
    "deutschland": "DE",
    "de": "DE",
    "berlin": "DE",
    "munich": "DE",
    "munchen": "DE",
    "hamburg": "DE",
    "frankfurt": "DE",
    "koln": "DE",
    "cologne": "DE",
    "stuttgart": "DE",
    "austria": "AT",
    "osterreich": "AT",
    "vienna": "AT",
    "wien": "AT",
    "switzerland": "CH",
    "schweiz": "CH",
    "suisse": "CH",
    "zurich": "CH",
    "geneva": "CH",
    "bern": "CH",
    "spain": "ES",
    "espana": "ES",
    "es": "ES",
    "madrid": "ES",
    "barcelona": "ES",
    "valencia": "ES",
    "sevilla": "ES",
    "seville": "ES",
    "bilbao": "ES",
    "france": "FR",
    "fr": "FR",
    "paris": "FR",
    "lyon": "FR",
    "marseille": "FR",
    "italy": "IT",
    "italia": "IT",
    "rome": "IT",
    "roma": "IT",
    "milan": "IT",
    "milano": "IT",
    "netherlands": "NL",
    "nederland": "NL",
    "holland": "NL",
    "amsterdam": "NL",
    "rotterdam": "NL",
    "belgium": "BE",
    "brussels": "BE",
    "portugal": "PT",
    "lisbon": "PT",
    "lisboa": "PT",
    "sweden": "SE",
    "stockholm": "SE",
    "norway": "NO",
    "oslo": "NO",
    "denmark": "DK",
    "copenhagen": "DK",
    "finland": "FI",
    "helsinki": "FI",
    "poland": "PL",
    "warsaw": "PL",
    "mexico": "MX",
    "ciudad de mexico": "MX",
    "argentina": "AR",
    "buenos aires": "AR",
    "chile": "CL",
    "santiago": "CL",
    "colombia": "CO",
    "bogota": "CO",
    "peru": "PE",
    "lima": "PE",
    "brazil": "BR",
    "brasil": "BR",
    "sao paulo": "BR",
    "india": "IN",
    "mumbai": "IN",
    "bangalore": "IN",
    "singapore": "SG",
    "japan": "JP",
    "tokyo": "JP",
    "south africa": "ZA",
    "cape town": "ZA",
    "johannesburg": "ZA",
    "united arab emirates": "AE",
    "uae": "AE",
    "dubai": "AE",
}


# Countries that write the postcode after the town; most others write it before ("70565 Stuttgart").
POSTCODE_AFTER_LOCALITY = {"AU", "US", "CA", "GB", "NZ", "IE", "IN", "SG", "BR", "JP"}


def region_for(geography: str, website: str = "") -> str | None:
    """The phone region of a job's geography ("Sydney, Australia" -> "AU"), else of the site's TLD."""
    parts = [part.strip() for part in re.split(r"[,;/()]", fold(geography)) if part.strip()]
    for part in reversed(parts):
        if part in REGIONS:
            return REGIONS[part]
        for word in reversed(re.findall(r"[a-z.]+(?: [a-z]+)?", part)):
            if word in REGIONS:
                return REGIONS[word]
        if len(part) == 2 and part.upper() in phonenumbers.SUPPORTED_REGIONS:
            return part.upper()
    tld = hostname(website).rsplit(".", 1)[-1].upper() if website else ""
    if tld == "UK":
        return "GB"
    return tld if tld in phonenumbers.SUPPORTED_REGIONS else None
