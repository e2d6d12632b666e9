"""Second-layer enrichment: visit selected leads' websites again to fill their missing contacts.

An enrichment is an ordinary ScrapeJob (source `website`, the leads' websites as its URLs) marked with
`filters={"enrichment": true}`, created by `services.job_create` with `enrichment_criteria`. The leads
it finds have the identity of the leads it was made for, so they are duplicates and are not inserted
again; instead `services.leads_merge_enrichment` merges them into the existing rows of the same owner
and data_hash, by the rules of `merged`:
- an empty column (company_name, email, phone, location) is filled; a non-empty one is kept;
- the payload's lists (emails, phones, people, matched_keywords) gain the new items, `socials` the
  new networks, empty text fields are filled; `enriched_at` and `enriched_by_job` record the merge.
Nothing a lead already had is ever overwritten or removed. This module writes nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from leadengine.jobs.models import RawLead, ScrapeJob
from leadengine.jobs.serializers import MAX_URLS
from scraping.types import Lead

MARKER = "enrichment"
COLUMNS = ("company_name", "email", "phone", "location")
LISTS = ("emails", "phones", "people", "matched_keywords")
TEXTS = ("company_name", "website", "industry", "location", "address", "description", "email", "phone")


class NothingToEnrich(ValueError):
    """None of the selected leads has a website to visit."""


def enrichment_criteria(*, owner, leads: QuerySet | Iterable[RawLead]) -> dict[str, Any]:
    """The criteria of a website job over the owner's selected leads' websites (at most MAX_URLS)."""
    websites = list(
        dict.fromkeys(lead.website for lead in leads if lead.owner_id == owner.pk and lead.website)
    )
    if not websites:
        raise NothingToEnrich("None of the selected leads has a website to visit.")
    websites = websites[:MAX_URLS]
    return {
        "source_types": ["website"],
        "urls": websites,
        "search_query": f"enrichment of {len(websites)} leads",
        "max_results": len(websites),
        "enrich": True,
        "filters": {MARKER: True},
    }


def is_enrichment(job: ScrapeJob) -> bool:
    return bool(isinstance(job.filters, dict) and job.filters.get(MARKER))


def merged(row: RawLead, lead: Lead, job: ScrapeJob) -> dict[str, Any] | None:
    """The changes that merge `lead`, found by the enrichment `job`, into `row`; None when it adds nothing.

    The changes are column values, cut to the columns' lengths, and the whole new `raw_payload`.
    """
    original = dict(row.raw_payload or {})
    payload = dict(original)
    new = lead.to_payload()
    for key in LISTS:
        old = list(payload.get(key) or [])
        if added := [item for item in new.get(key) or [] if item not in old]:
            payload[key] = old + added
    socials = {**(new.get("socials") or {}), **(payload.get("socials") or {})}
    if socials != (payload.get("socials") or {}):
        payload["socials"] = socials
    for key in TEXTS:
        if not payload.get(key) and new.get(key):
            payload[key] = new[key]
    updates = {
        name: getattr(lead, name) for name in COLUMNS if not getattr(row, name) and getattr(lead, name)
    }
    if payload == original and not updates:
        return None
    payload["enriched_at"] = timezone.now().isoformat()
    payload["enriched_by_job"] = str(job.id)
    limits = {name: RawLead._meta.get_field(name).max_length for name in COLUMNS}
    return {**{name: value[: limits[name]] for name, value in updates.items()}, "raw_payload": payload}
