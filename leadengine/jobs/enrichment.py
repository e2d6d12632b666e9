"""Second-layer enrichment: visit selected leads' websites again to fill their missing contacts.

An enrichment is an ordinary ScrapeJob (source `website`, the leads' websites as its URLs) marked with
`filters={"enrichment": true}`. The leads it finds have the identity of the leads it was made for,
so they are duplicates and are not inserted again; instead `merge_found` merges them into the
existing rows of the same owner and data_hash:
- an empty column (company_name, email, phone, location) is filled; a non-empty one is kept;
- the payload's lists (emails, phones, people, matched_keywords) gain the new items, `socials` the
  new networks, empty text fields are filled; `enriched_at` and `enriched_by_job` record the merge.
Nothing a lead already had is ever overwritten or removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from leadengine.jobs import lead_insert, services
from leadengine.jobs.models import RawLead, ScrapeJob
from leadengine.jobs.serializers import MAX_URLS
from scraping.normalize import identity
from scraping.types import Lead

log = logging.getLogger(__name__)

MARKER = "enrichment"
COLUMNS = ("company_name", "email", "phone", "location")
LISTS = ("emails", "phones", "people", "matched_keywords")
TEXTS = ("company_name", "website", "industry", "location", "address", "description", "email", "phone")


class NothingToEnrich(ValueError):
    """None of the selected leads has a website to visit."""


def enrichment_create(*, owner, leads: QuerySet | Iterable[RawLead]) -> ScrapeJob:
    """Queue a website job over the owner's selected leads' websites (at most MAX_URLS of them)."""
    websites = list(
        dict.fromkeys(lead.website for lead in leads if lead.owner_id == owner.pk and lead.website)
    )
    if not websites:
        raise NothingToEnrich("None of the selected leads has a website to visit.")
    websites = websites[:MAX_URLS]
    return services.job_create(
        owner=owner,
        criteria={
            "source_types": ["website"],
            "urls": websites,
            "search_query": f"enrichment of {len(websites)} leads",
            "max_results": len(websites),
            "enrich": True,
            "filters": {MARKER: True},
        },
    )


def is_enrichment(job: ScrapeJob) -> bool:
    return bool(isinstance(job.filters, dict) and job.filters.get(MARKER))


def merge_found(job: ScrapeJob, found: list[Lead]) -> int:
    """Merge an enrichment job's leads into the owner's existing leads; returns how many changed."""
    if not is_enrichment(job) or not found:
        return 0
    by_hash = {identity(lead): lead for lead in found}
    changed = 0
    with transaction.atomic():
        existing = (
            RawLead.objects.select_for_update()
            .filter(owner_id=job.owner_id, data_hash__in=list(by_hash))
            .exclude(job_id=job.id)
        )
        for row in existing:
            if _merge(row, by_hash[row.data_hash], job):
                changed += 1
    if changed:
        log.info(
            "job %s enriched %d leads",
            job.id,
            changed,
            extra={"job_id": str(job.id), "owner": job.owner_id, "event": "enriched", "leads": changed},
        )
    return changed


def _merge(row: RawLead, lead: Lead, job: ScrapeJob) -> bool:
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
        return False
    payload["enriched_at"] = timezone.now().isoformat()
    payload["enriched_by_job"] = str(job.id)
    limits = {name: RawLead._meta.get_field(name).max_length for name in COLUMNS}
    updates = {name: value[: limits[name]] for name, value in updates.items()}
    RawLead.objects.filter(id=row.id).update(raw_payload=lead_insert.capped_payload(payload), **updates)
    return True
