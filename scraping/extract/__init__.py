"""Contacts and company facts out of HTML, and one Lead out of the pages of one site.

`parse_page(html, url, region)` reads one page into `PageFacts`; `build_lead(pages, criteria, website)`
merges the facts of a site's pages into one `Lead`. A module per concern, each with its rules in its
docstring and its tests in tests/scraping/test_extract.py:

- `emails`: addresses in text, links, entities, bracketed and Cloudflare forms; validation, ranking.
- `phones`: tel: links and numbers in text as E.164, fax and non-phone numbers told apart.
- `regions`: the phone region of a job's geography or of a site's country-code TLD.
- `socials`: canonical social profile URLs; share links are not profiles.
- `names`: company names from titles and copyright lines.
- `addresses`: address-shaped text.
- `structured`: schema.org organisations in JSON-LD and microdata.
- `facts`, `page`: what one page says, and the reading of one page.
- `site`: the lead of a site: merging, ranking, confidence.

Imports run one way: `page` and `site` build on the concern modules (`page` through `structured`),
and no module of the package imports the package itself.
"""

from scraping.extract.addresses import find_address
from scraping.extract.emails import EmailHit, clean_email, decode_cfemail, rank_emails
from scraping.extract.facts import PageFacts
from scraping.extract.names import clean_title, footer_name, site_name
from scraping.extract.page import parse_page, read_home
from scraping.extract.phones import parse_phone
from scraping.extract.regions import region_for
from scraping.extract.site import (
    build_lead,
    confidence,
    matched_keywords,
    own_domains,
    site_emails,
)
from scraping.extract.socials import social_profile
from scraping.extract.structured import format_postal_address

__all__ = [
    "EmailHit",
    "PageFacts",
    "build_lead",
    "clean_email",
    "clean_title",
    "confidence",
    "decode_cfemail",
    "find_address",
    "footer_name",
    "format_postal_address",
    "matched_keywords",
    "own_domains",
    "parse_page",
    "parse_phone",
    "rank_emails",
    "read_home",
    "region_for",
    "site_emails",
    "site_name",
    "social_profile",
]
