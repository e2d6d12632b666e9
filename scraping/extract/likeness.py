"""Whether a name, a social handle, a mailbox or a line of text names the site's own company.

Sites write their own name in many forms: a domain's short form ("example-eng.co.nz" for
example-engineering.co.nz), a handle ("exampleeng"), a mailbox ("example.service@gmail.com"), an
acronym in capitals ("KTS" for ktselectrical.example). Ownership rules across `site` ask these questions
here, in one place.
"""

from __future__ import annotations

import re

from scraping.normalize import company_key, fold, public_suffix


def squashed(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def alike(name: str, domain: str) -> bool:
    """Whether a name (a handle, a domain, a company's name) and a domain's first label are one the
    other's short form."""
    first, second = squashed(name.split(".")[0]), squashed(domain.split(".")[0])
    shorter, longer = sorted((first, second), key=len)
    return len(shorter) >= 5 and longer.startswith(shorter)


def other_country(domain: str, other: str) -> bool:
    """Whether two domains are under two different countries' domains ("co.th" and "co.jp")."""
    countries = {public_suffix(name).rsplit(".", 1)[-1] for name in (domain, other)}
    return len(countries) == 2 and all(len(country) == 2 for country in countries)


def named_like(profile_url: str, domains: set[str]) -> bool:
    """Whether a profile's handle carries a word of the site's domain ("example" of example-freight.com),
    or is a short or long form of it ("exampleeng" of exampleengineering.com)."""
    handle = profile_url.rstrip("/").rsplit("/", 1)[-1]
    words = {
        word for domain in domains for word in re.split(r"[^a-z0-9]+", domain.split(".")[0]) if len(word) >= 4
    }
    return any(word in squashed(handle) for word in words) or any(alike(handle, domain) for domain in domains)


def in_domain(local: str, domains: set[str]) -> bool:
    """Whether a mailbox name is part of the site's domain name ("exampleombroso" of
    cantina-exampleombroso.it)."""
    mailbox = squashed(local)
    return len(mailbox) >= 5 and any(mailbox in squashed(domain.split(".")[0]) for domain in domains)


def named_after_site(local: str, domains: set[str]) -> bool:
    """Whether a mailbox's name starts with the site's ("example.service" at a free-mail provider)."""
    first = re.split(r"[._+-]", local, maxsplit=1)[0]
    return any(alike(first, domain) for domain in domains)


def names_company(text: str, name: str, domains: set[str]) -> bool:
    """Whether words name the company itself: its name's first two words together ("Example Dental"
    in a line, not "Example Street" nor "Other Dental"), or its domain, or a word in capitals the domain
    starts with ("KTS" for ktselectrical.example)."""
    head = company_key(name).split()[:2]
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # an address in the line names its mailbox, not who
    folded = fold(text)

    letters, words = squashed(folded), re.findall(r"\w+", folded)
    if head and any(words[start : start + len(head)] == head for start in range(len(words))):
        return True

    acronyms = [word.lower() for word in re.findall(r"\b[A-Z]{3,}\b", text)]
    labels = {squashed(domain.split(".")[0]) for domain in domains}
    return any(label in letters or any(map(label.startswith, acronyms)) for label in labels)


# "partner at Example Ventures", "Rechtsanwältin bei Example & Partner": a role held at an organisation.
_ROLE_AT = re.compile(r"\b(?:at|bei|chez|presso|hos|bij)\s+((?:[A-Z][\w&'’.-]*\s*){1,5})")


def works_elsewhere(role: str, name: str, domains: set[str]) -> bool:
    """Whether a person's role places them at another organisation: an advisor, investor or guest
    author listed on the team page is not the company's staff."""
    return any(not names_company(match.group(1), name, domains) for match in _ROLE_AT.finditer(role))
