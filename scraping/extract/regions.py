"""Where a job or a site is: the ISO 3166 region its national phone numbers are parsed with.

`region_for("Newcastle, New South Wales")` is "AU", `region_for("Boulder, CO")` "US": the geography is
read by `scraping.geo` from maintained ISO 3166 and GeoNames data, most specific part first, with the
site's country-code TLD, "+CC" numbers and structured address as further evidence. A job that names
no place ("Remote", "Worldwide", "") still has the site's own country when the site shows one; with
none at all there is no region and only numbers written with their "+" prefix are read.
"""

from __future__ import annotations

from collections.abc import Iterable

from scraping import geo

# Countries that write the postcode after the town; most others write it before ("70565 Stuttgart").
POSTCODE_AFTER_LOCALITY = {"AU", "US", "CA", "GB", "NZ", "IE", "IN", "SG", "BR", "JP"}


def region_for(
    geography: str, website: str = "", *, phone_countries: Iterable[str] = (), address_country: str = ""
) -> str | None:
    """The phone region of a job's geography on a site, or None: only international numbers are read."""
    evidence = {
        "website": website,
        "phone_countries": tuple(phone_countries),
        "address_country": address_country,
    }
    region = geo.phone_region(geography, **evidence)
    if region is None:
        # "Remote" or "Worldwide" is where the job looks, not where the site is: its own evidence decides.
        region = geo.phone_region("", **evidence)
    return region


def country_region(country: str) -> str | None:
    """An address's country, a code or a name in several languages ("Deutschland"), as its ISO code."""
    return geo.phone_region(country) if country else None
