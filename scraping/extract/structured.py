"""schema.org data in a page: JSON-LD blocks and microdata, read from the parsed tree.

Only the organisations that describe the site's owner count: Organization, LocalBusiness and their
kinds, at the top of a block, in its @graph or as its publisher, provider, mainEntity or about; those
nested as a parent company, brand, member, sponsor, author, seller ... are someone else. Their name,
e-mail addresses, phone and fax numbers, PostalAddress, URLs, sameAs profiles and description go
into the page's facts. extruct would parse every page a second time with lxml for these few fields,
so they are read here from the tree the page is parsed into once.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Iterator
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from scraping.extract.emails import EmailHit, clean_email
from scraping.extract.facts import PageFacts
from scraping.extract.people import people_in_json_ld
from scraping.extract.phones import parse_phone
from scraping.extract.regions import POSTCODE_AFTER_LOCALITY, country_region
from scraping.extract.socials import social_profile

_ORG_TYPES = {
    "organization",
    "corporation",
    "localbusiness",
    "professionalservice",
    "ngo",
    "store",
    "restaurant",
    "educationalorganization",
    "governmentorganization",
    "medicalorganization",
    "sportsorganization",
    "newsmediaorganization",
    "onlinebusiness",
    "onlinestore",
    "legalservice",
    "financialservice",
    "accountingservice",
    "attorney",
    "dentist",
    "realestateagent",
    "travelagency",
    "employmentagency",
    "insuranceagency",
    "homeandconstructionbusiness",
    "automotivebusiness",
    "foodestablishment",
    "lodgingbusiness",
    "hotel",
    "medicalbusiness",
    "healthandbeautybusiness",
    "entertainmentbusiness",
    "emergencyservice",
    "airline",
    "consortium",
    "library",
}
# Not "service": schema.org/Service is what a company offers, not the company.
_ORG_SUFFIXES = ("business", "organization", "store", "agency")
# Organisations nested under these keys are someone else (a parent company, a brand, a member).
_FOREIGN_KEYS = {
    "parentorganization",
    "suborganization",
    "memberof",
    "member",
    "brand",
    "sponsor",
    "funder",
    "alumni",
    "founder",
    "employee",
    "review",
    "author",
    "creator",
    "seller",
}


def _is_org_type(value: Any) -> bool:
    types = value if isinstance(value, list) else [value]
    for item in types:
        name = str(item).rsplit("/", 1)[-1].lower()
        if name in _ORG_TYPES or name.endswith(_ORG_SUFFIXES):
            return True
    return False


def _json_ld_blocks(tree: LexborHTMLParser) -> list[Any]:
    blocks = []
    for script in tree.css('script[type="application/ld+json"]'):
        raw = (script.text(deep=True) or "").strip()
        raw = re.sub(r"^\s*(<!--|//\s*<!\[CDATA\[)|(-->|//\s*\]\]>)\s*$", "", raw)
        for attempt in (raw, re.sub(r",\s*([}\]])", r"\1", raw)):
            try:
                blocks.append(json.loads(attempt, strict=False))
                break
            except (ValueError, RecursionError):  # malformed, or nested deeper than Python goes
                continue
    return blocks


def _org_nodes(value: Any, nested: bool = False) -> Iterator[dict[str, Any]]:
    """The organisation objects of a JSON-LD document that describe the site's owner."""
    if isinstance(value, list):
        for item in value:
            yield from _org_nodes(item, nested)
        return
    if not isinstance(value, dict):
        return
    if _is_org_type(value.get("@type")):
        yield value
    for key, child in value.items():
        if key == "@graph" or key.lower() in ("publisher", "provider", "mainentity", "about"):
            yield from _org_nodes(child, nested=True)
        elif key.lower() not in _FOREIGN_KEYS and isinstance(child, (dict, list)) and not nested:
            yield from (node for node in _org_nodes(child, True) if node is not value)


def _text_values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [text for item in value for text in _text_values(item)]
    if isinstance(value, dict):
        return _text_values(value.get("@value") or value.get("name") or "")
    return [str(value).strip()] if value not in (None, "") else []


def format_postal_address(address: Any) -> str:
    """A schema.org PostalAddress (dict) or plain string as one line."""
    if isinstance(address, list):
        address = address[0] if address else ""
    if isinstance(address, str):
        return " ".join(address.split())
    if not isinstance(address, dict):
        return ""
    country = address.get("addressCountry", "")
    if isinstance(country, dict):
        country = country.get("name", "")
    country = _first(country)
    locality, region, postcode = (
        _first(address.get(key)) for key in ("addressLocality", "addressRegion", "postalCode")
    )
    if country_region(country) in POSTCODE_AFTER_LOCALITY or not country:
        town = [locality, region, postcode]
    else:
        town = [postcode, locality, region]  # "70565 Stuttgart", "28013 Madrid"
    parts = [_first(address.get("streetAddress")), " ".join(part for part in town if part), country]
    return ", ".join(" ".join(part.split()) for part in parts if part)


def _first(value: Any) -> str:
    values = _text_values(value)
    return values[0] if values else ""


def read_json_ld(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    """The site owner's name, contacts, address, URLs and profiles from the page's JSON-LD blocks."""
    blocks = _json_ld_blocks(tree)
    for block in blocks:
        _read_json_ld_block(block, facts, region)
    facts.staff.extend(people_in_json_ld(blocks))


def _read_json_ld_block(block: Any, facts: PageFacts, region: str | None) -> None:
    for org in _org_nodes(block):
        name = _first(org.get("name")) or _first(org.get("legalName"))
        alternate = _first(org.get("alternateName"))
        if name and alternate and not name.isascii() and alternate.isascii():
            name = alternate  # the Latin-script name a lead list can use: "Example Seiko Co., Ltd."
        if name and not facts.structured_name:
            facts.structured_name = " ".join(htmllib.unescape(name).split())
        _add_org_contacts(org, facts, region)
        for point in (
            org.get("contactPoint", [])
            if isinstance(org.get("contactPoint"), list)
            else [org.get("contactPoint")]
            if isinstance(org.get("contactPoint"), dict)
            else []
        ):
            _add_org_contacts(point, facts, region)
        for key in ("url", "@id"):
            value = _first(org.get(key))
            if value.startswith("http"):
                facts.structured_urls.append(value)
        for same_as in _text_values(org.get("sameAs")):
            profile = social_profile(same_as)
            if profile and profile[0] != "person":
                facts.socials.setdefault(*profile)
        if not facts.description:
            facts.description = " ".join(_first(org.get("description")).split())


def _add_org_contacts(node: dict[str, Any], facts: PageFacts, region: str | None) -> None:
    for email in _text_values(node.get("email")):
        cleaned = clean_email(email)
        if cleaned:
            facts.emails.append(EmailHit(cleaned, "structured"))
    for phone in _text_values(node.get("telephone")):
        number = parse_phone(phone, region)
        if number:
            facts.phones.append(number)
    for fax in _text_values(node.get("faxNumber")):
        number = parse_phone(fax, region)
        if number:
            facts.faxes.add(number)
    address = node.get("address")
    if address and not facts.structured_address:
        facts.structured_address = format_postal_address(address)
        if isinstance(address, dict):
            facts.locality = _first(address.get("addressLocality"))
            country = address.get("addressCountry")
            facts.country = _first(country.get("name") if isinstance(country, dict) else country)


def read_microdata(tree: LexborHTMLParser, facts: PageFacts, region: str | None) -> None:
    """The same facts from schema.org microdata (itemscope/itemprop) of organisation types."""
    for scope in tree.css("[itemscope][itemtype]"):
        if not _is_org_type(scope.attributes.get("itemtype") or ""):
            continue
        props = _item_props(scope)
        org: dict[str, Any] = {
            key: props[key]
            for key in ("name", "legalName", "email", "telephone", "faxNumber")
            if key in props
        }
        address_node = next(
            (node for node in scope.css('[itemprop="address"]') if _owner_scope(node) == scope), None
        )
        if address_node is not None:
            org["address"] = (
                _item_props(address_node)
                if "itemscope" in address_node.attributes
                else address_node.text(separator=" ")
            )
        name = _first(org.get("name")) or _first(org.get("legalName"))
        if name and not facts.structured_name:
            facts.structured_name = " ".join(name.split())
        _add_org_contacts(org, facts, region)


def _owner_scope(node: LexborNode) -> LexborNode | None:
    parent = node.parent
    while parent is not None and "itemscope" not in (parent.attributes or {}):
        parent = parent.parent
    return parent


def _item_props(scope: LexborNode) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {}
    for node in scope.css("[itemprop]"):
        if _owner_scope(node) != scope:
            continue
        attrs = node.attributes
        value = attrs.get("content") or attrs.get("href") or node.text(separator=" ")
        if node.tag == "a" and (attrs.get("href") or "").startswith(("mailto:", "tel:")):
            value = (attrs.get("href") or "").split(":", 1)[1]
        for name in (attrs.get("itemprop") or "").split():
            props.setdefault(name, []).append(" ".join((value or "").split()))
    return props
