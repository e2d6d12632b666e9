"""People: the staff a company shows, with their role, e-mail and LinkedIn profile where given.

Two places say who works at a company: schema.org `Person` nodes (an organisation's `employee`,
`founder`, `member`, or a page's own `Person` with a `jobTitle`) and the cards of team, about and
leadership pages (a name as a heading, the role beside it, sometimes an e-mail or a LinkedIn link).
Precision comes first: a card counts only when its heading reads as a person's name and the card
shows a role, a personal link or sits in a team section. Testimonials and quotes are removed before
this runs (see `page._read_quoted`); blog bylines and comment authors are skipped by their containers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraping.extract.emails import clean_email, emails_in_text
from scraping.extract.socials import social_profile
from scraping.types import Person

_ROLE_WORDS = re.compile(
    r"\b(?:ceo|cto|cfo|coo|cmo|cio|vp|svp|evp|md|founder|co-?founder|owner|director|manager|head|lead|"
    r"chief|president|chair(?:man|woman|person)?|partner|principal|officer|engineer|consultant|specialist|"
    r"coordinator|administrator|accountant|analyst|architect|designer|developer|advisor|adviser|"
    r"technician|electrician|plumber|estimator|supervisor|foreman|apprentice|associate|executive|"
    r"representative|secretary|assistant|receptionist|dentist|hygienist|therapist|nurse|lawyer|solicitor|"
    r"attorney|scientist|researcher|pilot|operations|sales|marketing|finance|support|success|"
    r"geschäftsführer(?:in)?|inhaber(?:in)?|leiter(?:in)?|vertrieb|prokurist(?:in)?|gesellschafter(?:in)?|"
    r"gérant(?:e)?|directeur|directrice|fondateur|fondatrice|responsable|associé(?:e)?|commercial(?:e)?|"
    r"director(?:a)?|gerente|fundador(?:a)?|socio|socia|jefe|jefa|responsable|diretor(?:a)?|sócio|sócia|"
    r"fundadora?|amministratore|titolare|responsabile|direttore|direttrice|socio|"
    r"directeur|eigenaar|oprichter|medeoprichter|bedrijfsleider|adviseur|"
    r"vd|verkställande|grundare|ägare|chef|daglig\s+leder|daglig|leder|toimitusjohtaja|perustaja|"
    r"prezes|dyrektor|kierownik|właściciel|założyciel|członek|zarząd|zarządu|prokurent|jednatel|ředitel|vedoucí|ügyvezető|igazgató|"
    r"tulajdonos|müdür|müdürü|başkan|başkanı|kurucu|direktør|indehaver|salgschef|projektleder|"
    r"coordenador(?:a)?|coordinador(?:a)?|encargad[oa]|gerente|sócia-gerente|sócio-gerente|"
    r"代表取締役|取締役|社長|部長|課長|会長|대표|이사)\b",
    re.I,
)
_TEAM_CONTAINER = re.compile(
    r"team|member|staff|people|person|leader|founder|mitarbeiter|equipe|équipe|equipo|squadra|medewerker|"
    r"ansatt|medarbetare|zespol|zespół|crew|board",
    re.I,
)
_NOT_PEOPLE_CONTAINER = re.compile(r"author|byline|comment|post-meta|entry-meta|article-meta|blog|news", re.I)
_HONORIFICS = (
    r"(?:dr\.?|prof\.?|ing\.?|lic\.?|arq\.?|mgr\.?|inż\.?|dipl\.?-?\w*\.?|mag\.?|mr\.?|mrs\.?|ms\.?)"
)
_PARTICLES = {
    "van",
    "von",
    "de",
    "der",
    "den",
    "da",
    "das",
    "do",
    "dos",
    "di",
    "du",
    "la",
    "le",
    "del",
    "bin",
    "al",
    "el",
    "ten",
    "ter",
    "y",
    "e",
    "zu",
}
_NAME_TOKEN = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*$")
# Headings that look like two capitalised words but name a section, not a person.
_SECTION_WORDS = {
    "our",
    "the",
    "about",
    "team",
    "meet",
    "contact",
    "services",
    "service",
    "home",
    "why",
    "how",
    "what",
    "who",
    "we",
    "us",
    "get",
    "in",
    "touch",
    "news",
    "blog",
    "projects",
    "careers",
    "jobs",
    "mission",
    "vision",
    "values",
    "history",
    "company",
    "leadership",
    "management",
    "office",
    "offices",
    "support",
    "unser",
    "unsere",
    "über",
    "uns",
    "notre",
    "nos",
    "équipe",
    "nuestro",
    "nuestra",
    "nuestros",
    "equipo",
    "il",
    "nostro",
    "chi",
    "siamo",
    "ons",
    "onze",
    "vårt",
    "vores",
    "meie",
    "nasz",
    "nossa",
    "nosso",
    "sales",
    "customer",
    "success",
    "client",
    "clients",
    "partners",
    "awards",
    "solutions",
    "products",
    "ihre",
    "ansprechpartner",
    "ansprechpersonen",
    "contacts",
    "persons",
    "staff",
    "kontakt",
}


_HONORIFIC = re.compile(rf"^{_HONORIFICS}\s+", re.I)
_NOT_IN_NAMES = re.compile(r"[\d@/|:&,()]")
_NAME_LIST = re.compile(r",\s*|\s+(?:und|and|et|y|e|og|och|i)\s+")  # "Anna Beispiel und Jan Muster"


def looks_like_name(text: str) -> bool:
    """A person's name as printed on a team card: two to four capitalised words, an honorific allowed."""
    text = _HONORIFIC.sub("", " ".join(text.split()))
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or len(text) > 48 or _NOT_IN_NAMES.search(text):
        return False
    if _ROLE_WORDS.search(text):  # "Shop Foreman", "Lead Electrical Engineer": a role, not a name
        return False
    named = [token for token in tokens if token.lower() not in _PARTICLES]
    if len(named) < 2 or any(token.lower().strip(".") in _SECTION_WORDS for token in tokens):
        return False
    if all(token.isupper() and len(token) > 1 for token in named):
        return False
    return all(_NAME_TOKEN.match(token) for token in named)


def people_in_html(tree: LexborHTMLParser, url: str) -> list[Person]:
    """The people of a page's team cards. Runs before inline elements are unwrapped."""
    people = []
    for heading in tree.css("h2, h3, h4, h5, h6, strong, b, [class*=name]"):
        name = " ".join((heading.text(separator=" ") or "").split())
        if not looks_like_name(name) or _inside(heading, _NOT_PEOPLE_CONTAINER):
            continue
        card = _card_of(heading)
        role = _role_after(heading, card)
        email, linkedin = _contacts_in(card)
        if not (role and _ROLE_WORDS.search(role)) and not linkedin and not _inside(heading, _TEAM_CONTAINER):
            continue
        people.append(Person(name=_strip_honorific(name), role=role, email=email, linkedin=linkedin))
    return people + _people_in_lines(tree) + _people_in_profile_links(tree)


_NAME_THEN_ROLE = re.compile(r"^\s*([^,–—|:]{4,48}?)\s*(?:,|–|—|\||\s-\s)\s*([^,–—|]{2,80}?)\s*(?:[-–—|,]|$)")
# "Geschäftsführer: Ing. Anna Beispiel", "Managing directors: Anna Beispiel, Jan Muster".
_ROLE_THEN_NAMES = re.compile(r"^\s*([^:]{3,60}?)\s*:\s*(.{4,120})$")


def _people_in_lines(tree: LexborHTMLParser) -> list[Person]:
    """Lines such as "Jane Citizen, Managing Director - LinkedIn" in a list or a short paragraph."""
    people = []
    for node in tree.css("li, dd, td, p, h2, h3, h4, h5"):
        text = " ".join((node.text(separator=" ") or "").split())
        match = _NAME_THEN_ROLE.match(text) if len(text) <= 140 else None
        if match is None or _inside(node, _NOT_PEOPLE_CONTAINER):
            continue
        name, role = match.group(1), match.group(2)
        if looks_like_name(name) and _ROLE_WORDS.search(role):
            email, linkedin = _contacts_in(node)
            people.append(Person(name=_strip_honorific(name), role=role, email=email, linkedin=linkedin))
    for node in tree.css("p, li, dd, td, div"):
        if len(node.css("p, li, dd, td, div")) > 1 or _inside(node, _NOT_PEOPLE_CONTAINER):
            continue
        role_above = ""  # "Vertreten durch die Geschäftsführer:" with the names on the lines below
        for line in (node.text(separator="\n") or "").split("\n"):
            line = " ".join(line.split())
            if not line:
                continue
            labelled = _ROLE_THEN_NAMES.match(line)
            if labelled and _ROLE_WORDS.search(labelled.group(1)):
                for name in _NAME_LIST.split(labelled.group(2)):
                    if looks_like_name(name):
                        people.append(Person(name=_strip_honorific(name), role=labelled.group(1)))
            elif role_above and looks_like_name(line):
                people.append(Person(name=_strip_honorific(line), role=role_above))
                continue
            role_above = line.rstrip(":") if line.endswith(":") and _ROLE_WORDS.search(line) else ""
    for row in tree.css("tr"):
        cells = [" ".join((cell.text(separator=" ") or "").split()) for cell in row.css("td, th")]
        if len(cells) >= 2 and looks_like_name(cells[0]) and _ROLE_WORDS.search(cells[1]):
            email, linkedin = _contacts_in(row)
            people.append(
                Person(name=_strip_honorific(cells[0]), role=cells[1], email=email, linkedin=linkedin)
            )
    return people


def _people_in_profile_links(tree: LexborHTMLParser) -> list[Person]:
    """A LinkedIn profile link whose text is the person's name: "<a href=.../in/jw>Jürgen Weiß</a>"."""
    people = []
    for anchor in tree.css("a[href]"):
        profile = social_profile(anchor.attributes.get("href") or "")
        name = " ".join((anchor.text(separator=" ") or "").split())
        if profile and profile[0] == "person" and looks_like_name(name):
            if not _inside(anchor, _NOT_PEOPLE_CONTAINER):
                people.append(Person(name=_strip_honorific(name), linkedin=profile[1]))
    return people


def people_in_json_ld(blocks: Iterable[Any]) -> list[Person]:
    """Persons the site's structured data names as staff (not authors, reviewers or customers)."""
    return [person for block in blocks for person in _json_ld_people(block, staff=False)]


def _json_ld_people(value: Any, staff: bool) -> Iterator[Person]:
    if isinstance(value, list):
        for item in value:
            yield from _json_ld_people(item, staff)
        return
    if not isinstance(value, dict):
        return
    types = value.get("@type")
    types = types if isinstance(types, list) else [types]
    if "Person" in [str(item).rsplit("/", 1)[-1] for item in types]:
        name = " ".join(str(value.get("name") or "").split())
        # A Person counts as staff where the organisation names it (employee, founder, member) or where
        # it says whom it works for; a lone Person with a jobTitle is often a blog post's author.
        if name and (staff or value.get("worksFor")) and looks_like_name(name):
            yield _json_ld_person(value, name)
        return
    for key, child in value.items():
        lowered = key.lower()
        if lowered in ("review", "author", "creator", "comment", "reviewedby", "contributor", "editor"):
            continue
        yield from _json_ld_people(
            child,
            staff
            or lowered
            in ("employee", "employees", "founder", "founders", "member", "members", "contactpoint"),
        )


def _json_ld_person(node: dict[str, Any], name: str) -> Person:
    title = node.get("jobTitle") or ""
    role = " ".join(str(title[0] if isinstance(title, list) and title else title).split())
    email = clean_email(str(node.get("email") or "")) or ""
    same_as = node.get("sameAs") or []
    linkedin = ""
    for url in same_as if isinstance(same_as, list) else [same_as]:
        profile = social_profile(str(url))
        if profile and profile[0] == "person":
            linkedin = profile[1]
    return Person(name=_strip_honorific(name), role=role, email=email, linkedin=linkedin)


def merge_people(groups: Iterable[Iterable[Person]]) -> list[Person]:
    """One record a person (by folded name or profile), the fields of every sighting filled in."""
    merged: list[Person] = []
    for person in (person for group in groups for person in group):
        for index, known in enumerate(merged):
            if _key(known.name) == _key(person.name) or (
                person.linkedin and person.linkedin == known.linkedin
            ):
                merged[index] = Person(
                    name=known.name or person.name,
                    role=known.role or person.role,
                    email=known.email or person.email,
                    linkedin=known.linkedin or person.linkedin,
                )
                break
        else:
            merged.append(person)
    return merged


def _key(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold())


def _strip_honorific(name: str) -> str:
    return _HONORIFIC.sub("", name) if len(name.split()) > 2 else name


def _inside(node: LexborNode, pattern: re.Pattern[str], levels: int = 6) -> bool:
    current: LexborNode | None = node
    for _ in range(levels):
        if current is None:
            return False
        marks = f"{current.attributes.get('class') or ''} {current.attributes.get('id') or ''}"
        if pattern.search(marks):
            return True
        current = current.parent
    return False


def _card_of(heading: LexborNode) -> LexborNode:
    """The smallest element around the heading that holds more than the heading itself."""
    card = heading.parent or heading
    for _ in range(3):
        if len(card.text(separator=" ").split()) > len(heading.text(separator=" ").split()) + 1:
            return card
        card = card.parent or card
    return card


def _role_after(heading: LexborNode, card: LexborNode) -> str:
    node = heading.next
    while node is not None:
        text = " ".join((node.text(separator=" ") or "").split()) if node.tag != "-comment" else ""
        if text:
            return text if len(text) <= 80 else ""
        node = node.next
    return ""


def _contacts_in(card: LexborNode) -> tuple[str, str]:
    email = linkedin = ""
    for anchor in card.css("a[href]"):
        href = (anchor.attributes.get("href") or "").strip()
        if href.lower().startswith("mailto:") and not email:
            email = clean_email(href[7:]) or ""
        profile = social_profile(href)
        if profile and profile[0] == "person" and not linkedin:
            linkedin = profile[1]
    if not email:
        hits = emails_in_text(" ".join(card.text(separator=" ").split()))
        email = hits[0].address if len(hits) == 1 else ""
    return email, linkedin
