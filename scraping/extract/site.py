"""One lead out of the pages of one site: names, contacts and address merged, ranked and scored.

`build_lead(pages, criteria, website)` takes the facts of a site's pages, homepage first:

- Company name: schema.org Organization / LocalBusiness (JSON-LD, then microdata), else og:site_name,
  else the homepage <title> without "Home |", "Welcome to" and page names, else the legal name in the
  footer; a name in another script gives way to the site's Latin-script one.
- E-mails (`site_emails`): the company's are those at its own domains (where it is served, its
  canonical and og:url, and domains its structured data gives addresses at), staff addresses there,
  and public-mail addresses it links as its contact. Agencies credited on the page ("Website by Some
  Agency, hello@some-agency.com"), customers in testimonials, job boards, partners and sample records
  are someone else's: they go to the payload's `other_organisations_emails`, never to the lead. A site
  with no mail of its own gives the addresses of its contact and legal pages.
- Phones (`site_phones`): every number found, minus faxes, minus numbers beside another
  organisation's e-mail address or in a testimonial; numbers only met in running prose count only
  when the site shows none in a contact position.
- People: team cards, "Name, Role" lines, named profile links and JSON-LD staff (`people`).
- Address: schema.org PostalAddress, else the first address-shaped text.

Confidence, in [0, 1], is the sum of:
  0.25  company name (0.25 from structured data or og:site_name, 0.15 from the title or footer)
  0.25  an e-mail address (0.25 at the site's own domain, 0.10 elsewhere)
  0.20  a phone number
  0.10  a postal address
  0.10  at least one social profile
  0.10  the share of the job's keywords found on the site (the full 0.10 when the job has none)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from scraping.extract.emails import PLACEHOLDER_LOCALS, EmailHit, is_certified_mail, is_free_mail, rank_emails
from scraping.extract.facts import PageFacts
from scraping.extract.likeness import (
    alike,
    in_domain,
    named_after_site,
    named_like,
    names_company,
    other_country,
    works_elsewhere,
)
from scraping.extract.names import site_name, without_town
from scraping.extract.people import merge_people
from scraping.normalize import fold, registrable_domain
from scraping.types import Criteria, Lead


def own_domains(pages: Iterable[PageFacts], website: str) -> set[str]:
    """The registrable domains the site calls its own: where it is served, its canonical and og:url."""
    domains = {registrable_domain(website)} if website else set()
    for page in pages:
        for url in [page.canonical, *page.structured_urls]:
            if url:
                domains.add(registrable_domain(url))
    domains.discard("")
    return domains


def site_emails(pages: list[PageFacts], domains: set[str]) -> tuple[list[str], list[str]]:
    """(the company's addresses, ranked; other organisations' addresses seen on the site).

    An address is the company's when its registrable domain is one the site calls its own (see
    `own_domains`; a domain the site's structured data gives an address at counts too), or when it is
    at a public mail provider and presented as a contact (small businesses run on gmail). Addresses of
    agencies credited on the page, of customers in testimonials, of job boards, partners and sample
    records are someone else's: they are returned apart, never as the lead's.
    """
    mail_domains = {_mail_domain(hit.address) for page in pages for hit in page.emails}
    domains = domains | {
        _mail_domain(hit.address) for page in pages for hit in page.emails if hit.how == "structured"
    }
    # A shorter form of the site's domain is its mail domain too ("example-eng.co.nz" for a site at
    # example-engineering.co.nz); under another country's domain it is a sister company abroad.
    domains |= {
        domain
        for domain in mail_domains
        if any(alike(domain, own) and not other_country(domain, own) for own in domains)
    }
    own, foreign, free_text = [], [], []
    for page in pages:
        for hit in page.emails:
            local, domain = hit.address.split("@", 1)
            if local in PLACEHOLDER_LOCALS:
                foreign.append(hit.address)  # "vorname.nachname@site": a pattern, not a mailbox
            elif registrable_domain(domain) in domains:
                own.append(hit.address)
            elif is_certified_mail(hit.address) and in_domain(local, domains):
                own.append(hit.address)  # "example@pec.provider.it": the company's registered box
            elif is_free_mail(hit.address) and not hit.credited:
                linked = hit.how in ("mailto", "structured", "cfemail")
                (own if linked or named_after_site(local, domains) else free_text).append(hit.address)
            else:
                foreign.append(hit.address)
        for address in page.words_emails:
            if _mail_domain(address) in domains or is_free_mail(address):
                own.append(address)
    if not any(_own_domain(address, domains) for address in own):
        own += free_text  # a free-mail address in the text is the contact of a site with no domain mail
    quoted = set().union(*(page.quoted_emails for page in pages))
    own = [address for address in own if address not in quoted or _own_domain(address, domains)]
    if not own:
        # A site with no address of its own may use another domain for mail: take what its contact
        # and legal pages give, never a testimonial's, a credited agency's or a placeholder.
        credited = set().union(*(page.credited_domains for page in pages))

        def usable(hit: EmailHit) -> bool:
            return not (
                hit.credited
                or hit.address in quoted
                or hit.address.split("@")[0] in PLACEHOLDER_LOCALS
                or _mail_domain(hit.address) in credited
            )

        own = [
            hit.address
            for page in pages
            if _CONTACT_PAGE.search(urlsplit(page.url).path)
            for hit in page.emails
            if usable(hit)
        ]
        # The domain those give is the company's mail domain: its staff's addresses there count too.
        mail = {_mail_domain(address) for address in own if not is_free_mail(address)}
        own += [
            hit.address
            for page in pages
            for hit in page.emails
            if _mail_domain(hit.address) in mail and usable(hit)
        ]
        domains = domains | mail
    foreign = sorted({*foreign, *quoted} - set(own))
    return rank_emails(own, domains), foreign


_CONTACT_PAGE = re.compile(
    r"contact|kontakt|contacto|contatti|contato|yhteys|impressum|imprint|legal|mentions|aviso|colofon|about",
    re.I,
)


def _mail_domain(address: str) -> str:
    """The registrable domain an address is at: "info@mail.example.co.uk" -> "example.co.uk"."""
    return registrable_domain(address.split("@", 1)[1])


def _own_domain(address: str, domains: set[str]) -> bool:
    return _mail_domain(address) in domains


def others_blocks(pages: list[PageFacts], emails: list[str]) -> tuple[set[str], set[str], set[str]]:
    """(numbers, postal addresses) given beside another organisation's e-mail address, and the numbers
    each given alone beside one of the company's own addresses (a person's or a desk's contact line).

    A block whose addresses are none of them the company's (`emails`, by domain) nor at a public mail
    provider speaks for someone else: a data-protection officer, a partner, a supplier.
    """
    mail_domains = {_mail_domain(address) for address in emails}

    def own(address: str) -> bool:
        return _mail_domain(address) in mail_domains or is_free_mail(address)

    phones: set[str] = set()
    postal: set[str] = set()
    own_phones: set[str] = set()
    contact_lines: set[str] = set()

    for page in pages:
        for addresses, block_phones, block_postal in page.email_blocks:
            if not any(map(own, addresses)):
                phones |= block_phones
                postal |= set(block_postal)
            elif all(map(own, addresses)):
                own_phones |= block_phones
                if len(addresses) == 1 and len(block_phones) == 1:
                    contact_lines |= block_phones  # "Jana Example, quality, quality@..., +420 ..."
    # A footer cell holding the company's line and the web agency's credit is one block: a number the
    # company also gives beside its own address alone stays the company's.
    return phones - own_phones, postal, contact_lines


# Pages about others: legal notices (the host, the authority) and lists of dealers and partners.
OTHERS_PAGE = re.compile(
    r"impressum|imprint|legal|privacy|privacidad|privacite|datenschutz|mentions|aviso|reclamaci|"
    r"dealer|distributor|stockist|reseller|haendler|handler|vertrieb|revendeur|distribuidor|rivenditor|"
    r"terms|conditions|agb|cgv|cookie|rgpd|gdpr|disclaimer|note-legali|informativa|polityka|integritet|"
    r"tietosuoja|colofon|disclosure",
    re.I,
)


def site_phones(pages: list[PageFacts], others: set[str], owned: set[str] = frozenset()) -> list[str]:
    """Every number the site gives as its own: not a fax, not another organisation's (`others`).

    Numbers met only inside long sentences ("the council's helpline is ...") count only when the site
    shows no number in a contact position.
    """
    faxes = set().union(*(page.faxes for page in pages))
    others = others | set().union(*(page.others_phones for page in pages))
    # A number beside the company's own address ("Jana Example, quality, quality@..., +420 ...") is a
    # contact even inside a long line.
    by_page = [(page, [*page.phones, *(p for p in page.prose_phones if p in owned)]) for page in pages]
    contact = dict.fromkeys(phone for _, numbers in by_page for phone in numbers)
    phones = [phone for phone in contact if phone not in faxes and phone not in others]
    # A number met only on the legal pages of a site that gives its own elsewhere is whoever the legal
    # text names (the consumer authority, the host, the data-protection office); only on its dealers'
    # page, a dealer's.
    elsewhere = {
        phone
        for page, numbers in by_page
        if not OTHERS_PAGE.search(urlsplit(page.url).path)
        for phone in numbers
    }

    if elsewhere.intersection(phones):
        phones = [phone for phone in phones if phone in elsewhere]
    if phones:
        return phones
    prose = dict.fromkeys(phone for page in pages for phone in page.prose_phones)
    return [phone for phone in prose if phone not in faxes and phone not in others]


def named_elsewhere(pages: list[PageFacts], name: str, domains: set[str]) -> set[str]:
    """Numbers printed only after another organisation's name ("Hotel Example (TEL ...)", "Example S.A.,
    infolinia ..."): a line that names the company itself, or a plain contact line, keeps a number."""
    named = Counter(
        number
        for page in pages
        for number, line in page.named_phones
        if not names_company(line, name, domains)
    )
    everywhere = Counter(number for page in pages for number in [*page.phones, *page.prose_phones])
    return {number for number, count in named.items() if everywhere[number] <= count}


def site_socials(
    pages: list[PageFacts], domains: set[str], credited: set[str] = frozenset()
) -> dict[str, str]:
    """One profile a network: the first named like the site ("example-robotics" for examplerobotics.kr)
    when the site links several (a partner's page in a news item), else the first linked.

    Profiles beside a "website by ..." credit are the agency's unless named like the site, and so are
    profiles named like a credited agency or theme maker anywhere on the page (a theme's footer icons).
    """
    candidates: dict[str, list[str]] = {}
    for page in pages:
        for network, url in [*page.socials.items(), *page.more_socials]:
            if not (credited and named_like(url, credited) and not named_like(url, domains)):
                candidates.setdefault(network, []).append(url)
        for network, url in page.credited_socials:
            if named_like(url, domains):
                candidates.setdefault(network, []).append(url)
    return {
        network: next((url for url in urls if named_like(url, domains)), urls[0])
        for network, urls in candidates.items()
    }


def matched_keywords(keywords: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The keywords found as whole words, ignoring case and accents."""
    keywords = list(keywords)
    if not keywords:
        return []  # folding every page's text costs a crawl more than the rest of the lead
    haystack = fold(" ".join(texts))
    found = []
    for keyword in keywords:
        folded = fold(keyword)
        if folded and re.search(rf"(?<!\w){re.escape(folded)}(?!\w)", haystack):
            found.append(keyword)
    return found


def build_lead(pages: list[PageFacts], criteria: Criteria, website: str, *, source: str = "website") -> Lead:
    """Merge the facts of one site's pages (homepage first) into one lead."""
    domains = own_domains(pages, website)
    name, structured = site_name(pages)
    name = without_town(name, criteria.geography)
    emails, others_emails = site_emails(pages, domains)
    others_phones, others_postal, contact_lines = others_blocks(pages, emails)
    phones = site_phones(pages, others_phones | named_elsewhere(pages, name, domains), contact_lines)
    credited = set().union(*(page.credited_domains for page in pages))
    socials = site_socials(pages, domains, credited - domains)
    people = [
        person
        for person in merge_people(page.staff for page in pages)
        if (not person.email or person.email in emails or _own_domain(person.email, domains))
        and not works_elsewhere(person.role, name, domains)
    ]
    # Staff addresses at the company's domain (a team card, a JSON-LD employee) are the company's too.
    emails = rank_emails(
        [*emails, *(p.email for p in people if p.email and _own_domain(p.email, domains))], domains
    )
    address, locality, country = _site_address(pages, others_postal)
    location = ", ".join(part for part in (locality, country) if part) or criteria.geography
    keywords = matched_keywords(
        criteria.keywords, [name] + [page.description for page in pages[:1]] + [page.text for page in pages]
    )
    lead = Lead(
        source=source,
        company_name=name,
        website=website,
        industry=criteria.industry,
        location=location,
        address=address,
        description=next((page.description for page in pages if page.description), ""),
        email=emails[0] if emails else "",
        phone=phones[0] if phones else "",
        source_url=_source_url(pages, emails, phones, website),
        emails=emails,
        phones=phones,
        socials=socials,
        people=people,
        matched_keywords=keywords,
    )
    lead.confidence = confidence(lead, structured, domains, len(criteria.keywords))
    if credited:
        lead.extra["credited_domains"] = sorted(credited - domains)
    if others_emails:
        lead.extra["other_organisations_emails"] = others_emails
    profile_links = {link for page in pages for link in page.profile_links} - {p.linkedin for p in people}
    if profile_links:
        lead.extra["unattributed_profiles"] = sorted(profile_links)
    return lead


def _site_address(pages: list[PageFacts], others: set[str]) -> tuple[str, str, str]:
    for page in pages:
        if page.structured_address:
            return page.structured_address, page.locality, page.country
    # A company's address repeats (footer, contact page, legal notice); a host's or a partner's is met once.
    seen: dict[str, int] = {}
    for page in pages:
        for address in dict.fromkeys(page.text_addresses):
            if address not in others:
                seen[address] = seen.get(address, 0) + 1
    if not seen:
        return "", "", ""
    return max(seen, key=lambda address: seen[address]), "", ""


def _source_url(pages: list[PageFacts], emails: list[str], phones: list[str], website: str) -> str:
    best_email = emails[0] if emails else ""
    for page in pages:
        found_here = {hit.address for hit in page.emails} | set(page.words_emails)
        if best_email in found_here:
            return page.url
    for page in pages:
        if phones and phones[0] in page.phones:
            return page.url
    return website


def confidence(lead: Lead, structured_name: bool, domains: set[str], keyword_count: int) -> float:
    """The score documented in the module docstring."""
    score = 0.0
    if lead.company_name:
        score += 0.25 if structured_name else 0.15
    if lead.email:
        own = _own_domain(lead.email, domains)
        score += 0.25 if own else 0.10
    score += 0.20 if lead.phone else 0.0
    score += 0.10 if lead.address else 0.0
    score += 0.10 if lead.socials else 0.0
    score += 0.10 * (len(lead.matched_keywords) / keyword_count if keyword_count else 1.0)
    return round(min(1.0, score), 3)
