"""The `crunchbase` source: companies from the Crunchbase API v4 organization search.

Formats, as documented by Crunchbase (https://data.crunchbase.com/v4-legacy/docs/using-search-apis,
https://data.crunchbase.com/v4-legacy/docs/paginating-through-the-search-api,
https://data.crunchbase.com/v4-legacy/docs/using-autocomplete-api,
https://data.crunchbase.com/docs/define-and-pull-your-icp-with-crunchbases-advanced-financials):

    every call: header X-cb-user-key: {CRUNCHBASE_API_KEY}, JSON in and out

    GET {CRUNCHBASE_URL}/api/v4/autocompletes?query=Berlin&collection_ids=locations&limit=5
    -> {"count": N, "entities": [{"identifier": {"uuid", "value", "permalink", "entity_def_id",
        "location_type"?}, "short_description"?}]}
       (collection_ids=categories for industries; autocomplete returns at most 25)

    POST {CRUNCHBASE_URL}/api/v4/searches/organizations
        {"field_ids": [...], "limit": 100, "after_id": "<uuid of the previous page's last entity>",
         "query": [{"type": "predicate", "field_id": "location_identifiers",
                    "operator_id": "includes", "values": ["<uuid>", ...]}, ...]}
    -> {"count": N, "entities": [{"uuid", "properties": {"identifier": {"value", "permalink", "uuid"},
        "website_url", "short_description", "location_identifiers": [{"value", "location_type"}],
        "categories": [{"value"}], "num_employees_enum", "linkedin": {"value"}, "contact_email",
        "phone_number", ...}}]}

Predicates are ANDed by Crunchbase; `includes` matches any of its values. The job's criteria become:
`facet_ids includes company` (no investors or schools), `location_identifiers` from the geography,
`categories` from the industry and keywords (or the search query when neither is given), and
`num_employees_enum` from `filters["company_size"]` ("11-50", "1-50", ["11-50", "51-100"], "10001+").
Locations and categories are resolved to uuids with the autocomplete endpoint first; a geography or
category that Crunchbase does not know stops the search with a warning rather than returning
companies from anywhere or of any kind. Which fields come back depends on the licence (contact
e-mail and phone need the full one): every field is optional here.

Crunchbase's current reference also lists the same search under `/v4/data/searches/organizations`;
the `/api/v4/...` paths above are the ones the v4 documentation names and the API still serves.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from scraping.errors import ConfigurationError, ScrapeError
from scraping.extract import parse_phone, region_for
from scraping.normalize import fold
from scraping.sources.common import keywords_in, lead_confidence, result_limit
from scraping.sources.enrich import enrich
from scraping.sources.linkedin import canonical_company_url
from scraping.sources.registry import SourceContext, register
from scraping.types import Criteria, Lead

PAGE_SIZE = 100
MAX_PAGES = 50  # a safety stop against a provider that keeps answering the same page

FIELD_IDS = [
    "identifier",
    "website_url",
    "short_description",
    "location_identifiers",
    "categories",
    "num_employees_enum",
    "linkedin",
    "facebook",
    "twitter",
    "contact_email",
    "phone_number",
]

# Crunchbase's employee-count buckets and the ranges they cover (None: no upper bound).
EMPLOYEE_ENUMS: dict[str, tuple[int, int | None]] = {
    "c_00001_00010": (1, 10),
    "c_00011_00050": (11, 50),
    "c_00051_00100": (51, 100),
    "c_00101_00250": (101, 250),
    "c_00251_00500": (251, 500),
    "c_00501_01000": (501, 1000),
    "c_01001_05000": (1001, 5000),
    "c_05001_10000": (5001, 10000),
    "c_10001_max": (10001, None),
}

_LOCATION_ORDER = ("city", "region", "country")
_SIZE = re.compile(r"^\s*(\d[\d,.]*)\s*(?:(?:-|–|to)\s*(\d[\d,.]*)|(\+))?\s*(?:employees)?\s*$", re.I)


@register("crunchbase")
async def run(criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]:
    api = CrunchbaseApi(ctx)
    query = await search_predicates(criteria, api, ctx)
    if query is None:
        return
    limit = result_limit(criteria, ctx.settings)
    found = 0
    async for entities in api.search_organizations(query, limit):
        leads = [lead for entity in entities if (lead := lead_from_entity(entity, criteria))]
        leads = leads[: limit - found]
        if criteria.enrich:
            leads = await enrich(leads, criteria, ctx)
        found += len(leads)
        if leads:
            yield leads
        if found >= limit:
            return


class CrunchbaseApi:
    """The two Crunchbase calls this source makes, with the key and base URL from the settings."""

    def __init__(self, ctx: SourceContext) -> None:
        if not ctx.settings.crunchbase_api_key:
            raise ConfigurationError("crunchbase needs CRUNCHBASE_API_KEY")
        self.ctx = ctx
        self.base_url = ctx.settings.crunchbase_url.rstrip("/")
        self.headers = {"X-cb-user-key": ctx.settings.crunchbase_api_key, "Accept": "application/json"}

    async def autocomplete(self, text: str, collection: str) -> dict[str, Any] | None:
        """The best match of `text` in a collection (its identifier), or None."""
        self.ctx.progress(0, 1)
        response = await self.ctx.http.request_api(
            "GET",
            f"{self.base_url}/api/v4/autocompletes",
            params={"query": text, "collection_ids": collection, "limit": 5},
            headers=self.headers,
        )
        self.ctx.progress(1, 0)
        entities = _entities(response.data)
        for entity in entities:
            identifier = entity.get("identifier") if isinstance(entity, dict) else None
            if isinstance(identifier, dict) and identifier.get("uuid"):
                return identifier
        return None

    async def search_organizations(
        self, query: list[dict[str, Any]], limit: int
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of organization entities, following `after_id` until `limit` or the end."""
        after_id = ""
        fetched = 0
        for _ in range(MAX_PAGES):
            if fetched >= limit or self.ctx.stopping():
                return
            size = min(PAGE_SIZE, limit - fetched)
            body: dict[str, Any] = {"field_ids": FIELD_IDS, "query": query, "limit": size}
            if after_id:
                body["after_id"] = after_id
            self.ctx.progress(0, 1)
            response = await self.ctx.http.request_api(
                "POST", f"{self.base_url}/api/v4/searches/organizations", headers=self.headers, json=body
            )
            self.ctx.progress(1, 0)
            entities = [entity for entity in _entities(response.data) if isinstance(entity, dict)]
            if not entities:
                return
            yield entities
            fetched += len(entities)
            last = str(entities[-1].get("uuid") or "")
            if len(entities) < size or not last or last == after_id:
                return
            after_id = last


def _entities(data: Any) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("entities", []), list):
        raise ScrapeError("Crunchbase answered without an entity list")
    return data.get("entities", [])


# --- criteria -> predicates -------------------------------------------------------------------------


def predicate(field_id: str, values: list[str], operator_id: str = "includes") -> dict[str, Any]:
    return {"type": "predicate", "field_id": field_id, "operator_id": operator_id, "values": values}


def employee_enums(company_size: Any) -> list[str]:
    """`"11-50"`, `"1-50"`, `["11-50", "51-100"]`, `"10001+"` or enum names -> Crunchbase enum values.

    A range takes every bucket it overlaps, so "1-50" is c_00001_00010 and c_00011_00050.
    """
    sizes = [company_size] if isinstance(company_size, (str, int)) else list(company_size or [])
    enums: list[str] = []
    for size in sizes:
        text = str(size).strip().lower()
        if text in EMPLOYEE_ENUMS:
            wanted = [text]
        else:
            match = _SIZE.match(text)
            if not match:
                raise ConfigurationError(
                    f"crunchbase: company_size {size!r} is not a range like 11-50 or 10001+"
                )
            low = int(re.sub(r"[,.]", "", match.group(1)))
            high = None if match.group(3) else int(re.sub(r"[,.]", "", match.group(2) or match.group(1)))
            wanted = [
                name
                for name, (start, end) in EMPLOYEE_ENUMS.items()
                if (end is None or low <= end) and (high is None or start <= high)
            ]
        enums.extend(name for name in wanted if name not in enums)
    return enums


async def _resolve_location(geography: str, api: CrunchbaseApi) -> dict[str, Any] | None:
    # The whole text first ("Berlin, Germany"), then its parts from the most specific one.
    candidates = [geography] + [part.strip() for part in geography.split(",") if part.strip()]
    for text in dict.fromkeys(candidates):
        if identifier := await api.autocomplete(text, "locations"):
            return identifier
    return None


def _shares_a_word(term: str, name: str) -> bool:
    """ "data analytics" and "Analytics" share a word; "python" and "Pyramid Schemes" do not."""
    return bool(set(re.findall(r"\w+", fold(term))) & set(re.findall(r"\w+", fold(name))))


async def search_predicates(
    criteria: Criteria, api: CrunchbaseApi, ctx: SourceContext
) -> list[dict[str, Any]] | None:
    """The search's predicates, or None (with a warning) when the criteria cannot be searched."""
    query = [predicate("facet_ids", ["company"])]
    if criteria.geography.strip():
        location = await _resolve_location(criteria.geography.strip(), api)
        if location is None:
            ctx.warn("", f"Crunchbase knows no location {criteria.geography!r}: nothing searched")
            return None
        query.append(predicate("location_identifiers", [location["uuid"]]))
    terms = [term for term in (criteria.industry, *criteria.keywords) if term.strip()]
    if not terms and criteria.search_query.strip():
        terms = [criteria.search_query]
    categories: list[str] = []
    for term in terms:
        identifier = await api.autocomplete(term.strip(), "categories")
        # Autocomplete always offers something; a category sharing no word with the term is not it.
        if identifier and _shares_a_word(term, _value(identifier)) and identifier["uuid"] not in categories:
            categories.append(identifier["uuid"])
    if terms and not categories:
        ctx.warn("", f"Crunchbase knows no category for {', '.join(terms)!r}: nothing searched")
        return None
    if categories:
        query.append(predicate("categories", categories))
    if (size := criteria.filters.get("company_size")) not in (None, "", []):
        query.append(predicate("num_employees_enum", employee_enums(size)))
    if len(query) == 1:
        ctx.warn("", "crunchbase needs a geography, an industry, keywords or a company size to search")
        return None
    return query


# --- entity -> lead ---------------------------------------------------------------------------------


def _value(field: Any) -> str:
    """A plain string from a field that is a string or a `{"value": ...}` object."""
    if isinstance(field, dict):
        field = field.get("value")
    return field.strip() if isinstance(field, str) else ""


def _location(identifiers: Any) -> str:
    """ "Berlin, Berlin, Germany" from location identifiers, city to country, continents left out."""
    if not isinstance(identifiers, list):
        return ""
    by_type = {item.get("location_type"): _value(item) for item in identifiers if isinstance(item, dict)}
    parts = [by_type[kind] for kind in _LOCATION_ORDER if by_type.get(kind)]
    return ", ".join(parts)


def _employees(enum: str) -> str:
    """c_00011_00050 -> "11-50", c_10001_max -> "10001+"."""
    if enum not in EMPLOYEE_ENUMS:
        return enum
    low, high = EMPLOYEE_ENUMS[enum]
    return f"{low}-{high}" if high else f"{low}+"


def lead_from_entity(entity: dict[str, Any], criteria: Criteria) -> Lead | None:
    """The lead of one organization entity; None when it has no name."""
    props = entity.get("properties") if isinstance(entity.get("properties"), dict) else {}
    identifier = props.get("identifier") if isinstance(props.get("identifier"), dict) else {}
    name = _value(identifier)
    if not name:
        return None
    permalink = str(identifier.get("permalink") or "")
    location = _location(props.get("location_identifiers"))
    categories = [_value(item) for item in props.get("categories") or [] if _value(item)]
    description = _value(props.get("short_description"))
    email = _value(props.get("contact_email")).lower()
    raw_phone = _value(props.get("phone_number"))
    phone = (parse_phone(raw_phone, region_for(location)) or "") if raw_phone else ""
    socials = {
        network: url
        for network, url in (
            (
                "linkedin",
                canonical_company_url(_value(props.get("linkedin"))) or _value(props.get("linkedin")),
            ),
            ("facebook", _value(props.get("facebook"))),
            ("twitter", _value(props.get("twitter"))),
        )
        if url
    }
    extra: dict[str, Any] = {"crunchbase_uuid": str(entity.get("uuid") or identifier.get("uuid") or "")}
    if enum := _value(props.get("num_employees_enum")):
        extra.update(num_employees_enum=enum, employees=_employees(enum))
    if categories:
        extra["categories"] = categories
    if raw_phone and not phone:
        extra["phone_raw"] = raw_phone
    lead = Lead(
        source="crunchbase",
        company_name=name,
        website=_value(props.get("website_url")) or _value(props.get("website")),
        industry=", ".join(categories),
        location=location,
        description=description,
        email=email,
        phone=phone,
        source_url=f"https://www.crunchbase.com/organization/{permalink}" if permalink else "",
        emails=[email] if email else [],
        phones=[phone] if phone else [],
        socials=socials,
        matched_keywords=keywords_in(criteria.keywords, name, description, " ".join(categories)),
        extra=extra,
    )
    lead.confidence = lead_confidence(lead, criteria, structured_name=True)
    return lead
