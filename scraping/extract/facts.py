"""What one page says about the company behind the site: the value every reader of a page fills in."""

from __future__ import annotations

from dataclasses import dataclass, field

from scraping.extract.emails import EmailHit
from scraping.types import Person


@dataclass
class PageFacts:
    """What one page says about the company behind the site."""

    url: str
    title: str = ""
    structured_name: str = ""  # JSON-LD or microdata organisation name
    og_site_name: str = ""
    footer_name: str = ""
    description: str = ""
    canonical: str = ""
    structured_urls: list[str] = field(default_factory=list)
    emails: list[EmailHit] = field(default_factory=list)
    words_emails: list[str] = field(default_factory=list)  # "name at domain dot com": own domain only
    credited_domains: set[str] = field(default_factory=set)
    # Profiles linked near a "website by" credit: the agency's, unless named like the site.
    credited_socials: list[tuple[str, str]] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    faxes: set[str] = field(default_factory=set)
    prose_phones: list[str] = field(
        default_factory=list
    )  # inside long sentences: taken only as a last resort
    # Contacts of other organisations: in testimonials and quotes, or beside another organisation's address.
    # (addresses, numbers, postal addresses) of each innermost block that gives an e-mail address.
    email_blocks: list[tuple[frozenset[str], frozenset[str], tuple[str, ...]]] = field(default_factory=list)
    # (number, the words before it on its line) for numbers printed after another organisation's name
    named_phones: list[tuple[str, str]] = field(default_factory=list)
    quoted_emails: set[str] = field(default_factory=set)  # in testimonials and quotes
    others_phones: set[str] = field(default_factory=set)
    socials: dict[str, str] = field(default_factory=dict)  # network -> the page's first profile
    more_socials: list[tuple[str, str]] = field(default_factory=list)  # the page's other profiles
    profile_links: list[str] = field(default_factory=list)  # LinkedIn /in/ links not on a person's card
    staff: list[Person] = field(default_factory=list)
    structured_address: str = ""
    text_addresses: list[str] = field(default_factory=list)  # address-shaped text, in reading order
    locality: str = ""
    country: str = ""
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute URL, link text)
    meta_refresh: str = ""
    frames: list[str] = field(default_factory=list)  # <frame>/<iframe> pages on the site: parts of this page
