"""CSV exports of leads: one owner's leads of one job, or those matching a filter.

An export is a LeadExport row (queued -> running -> completed | failed) and, once completed, a file
under EXPORTS_DIR written by the `run_lead_export` actor with its progress on the row. This module
is the only writer of LeadExport rows (and of their files). The same
writer serves `manage.py export_leads`, which writes straight to a file or stdout.

The columns are stable (see COLUMNS and docs/operations.md): new ones are only ever added at the end.
Every cell goes through `csvsafe.safe_cell`, so scraped text cannot become a spreadsheet formula.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone

from leadengine.csvsafe import safe_cell
from leadengine.jobs import messaging
from leadengine.jobs.filters import RawLeadFilter
from leadengine.jobs.models import ExportStatus, LeadExport, RawLead, ScrapeJob

log = logging.getLogger(__name__)

BOM = "\ufeff"


def _payload(key: str) -> Callable[[RawLead], Any]:
    return lambda lead: lead.raw_payload.get(key, "")


def _joined(key: str) -> Callable[[RawLead], str]:
    return lambda lead: "; ".join(str(item) for item in lead.raw_payload.get(key) or [])


def _social(network: str) -> Callable[[RawLead], str]:
    return lambda lead: (lead.raw_payload.get("socials") or {}).get(network, "")


PEOPLE_COLUMNS = 3  # people_1_* .. people_3_*: the first people a lead names
PERSON_FIELDS = ("name", "role", "email", "linkedin")


def _person(index: int, field: str) -> Callable[[RawLead], str]:
    """One field of the lead's index-th person; leads saved before people had records list profile URLs."""

    def value(lead: RawLead) -> str:
        people = lead.raw_payload.get("people") or []
        if index >= len(people):
            return ""
        person = people[index]
        if isinstance(person, str):
            return person if field == "linkedin" else ""
        return str(person.get(field) or "") if isinstance(person, dict) else ""

    return value


# (header, value of a lead). Stable: add new columns at the end only.
COLUMNS: list[tuple[str, Callable[[RawLead], Any]]] = [
    ("lead_id", lambda lead: lead.id),
    ("job_id", lambda lead: lead.job_id),
    ("source", lambda lead: lead.source),
    ("company_name", lambda lead: lead.company_name),
    ("website", lambda lead: lead.website),
    ("email", lambda lead: lead.email),
    ("phone", lambda lead: lead.phone),
    ("location", lambda lead: lead.location),
    ("address", _payload("address")),
    ("industry", _payload("industry")),
    ("description", _payload("description")),
    ("emails", _joined("emails")),
    ("phones", _joined("phones")),
    ("linkedin", _social("linkedin")),
    ("confidence", lambda lead: f"{lead.confidence:.2f}"),
    ("source_url", lambda lead: lead.source_url),
    ("scraped_at", lambda lead: lead.scraped_at.isoformat()),
    *(
        (f"people_{index + 1}_{field}", _person(index, field))
        for index in range(PEOPLE_COLUMNS)
        for field in PERSON_FIELDS
    ),
]
HEADER = [name for name, _ in COLUMNS]

# Filters an export accepts besides `job`: those of GET /api/v1/leads/, and `ids` for selections.
FILTER_KEYS = {"source", "has_email", "search", "scraped_after", "ids"}


class InvalidExport(ValueError):
    """The export asks for something that cannot be exported (unknown filter, another user's job)."""


def lead_queryset(
    *, owner_id: int, job_id: UUID | str | None = None, filters: dict | None = None
) -> QuerySet:
    """The owner's leads to export, oldest first, so that a file reads in the order leads were found."""
    filters = dict(filters or {})
    unknown = set(filters) - FILTER_KEYS
    if unknown:
        raise InvalidExport(f"Unknown filters: {', '.join(sorted(unknown))}.")
    queryset = RawLead.objects.filter(owner_id=owner_id)
    if job_id:
        queryset = queryset.filter(job_id=job_id)
    if "ids" in filters:
        queryset = queryset.filter(id__in=_lead_ids(filters.pop("ids")))
    if filters:
        filterset = RawLeadFilter(data=filters, queryset=queryset)
        if not filterset.is_valid():
            raise InvalidExport(f"Invalid filters: {dict(filterset.errors)}")
        queryset = filterset.qs
    return queryset.order_by("scraped_at", "id")


def in_chunks(leads: QuerySet[RawLead], size: int = 2000) -> Iterator[RawLead]:
    """`lead_queryset`'s leads in its order (scraped_at, id), one query of `size` rows at a time.

    Memory stays bounded without a server-side cursor, which a pooler in transaction mode cannot keep
    between transactions (with DISABLE_SERVER_SIDE_CURSORS, iterator() would fetch every row at once).
    """
    after = Q()
    while True:
        rows = list(leads.filter(after)[:size])
        yield from rows
        if len(rows) < size:
            return
        last = rows[-1]
        after = Q(scraped_at__gt=last.scraped_at) | Q(scraped_at=last.scraped_at, id__gt=last.id)


def _lead_ids(ids) -> list[UUID]:
    """The `ids` filter: a list of at most ADMIN_MAX_SELECTED_LEADS lead UUIDs."""
    limit = settings.ADMIN_MAX_SELECTED_LEADS
    if not isinstance(ids, list) or len(ids) > limit:
        raise InvalidExport(f"ids must be a list of at most {limit} lead ids.")
    try:
        return [UUID(str(value)) for value in ids]
    except ValueError:
        raise InvalidExport("ids must be lead ids (UUIDs).") from None


def write_csv(
    leads: Iterable[RawLead],
    out: IO[str],
    *,
    bom: bool = False,
    on_progress: Callable[[int], None] | None = None,
    every: int = 1000,
) -> int:
    """Write the header and one row a lead to `out`; returns the number of rows."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    rows = 0
    for lead in leads:
        writer.writerow([safe_cell(value(lead)) for _, value in COLUMNS])
        rows += 1
        if on_progress and rows % every == 0:
            on_progress(rows)
    return rows


# The export job


def export_create(
    *, owner, job: ScrapeJob | None = None, filters: dict | None = None, bom: bool = False
) -> LeadExport:
    """Store a queued export of the owner's leads and send it to the workers after the commit."""
    if job is not None and job.owner_id != owner.pk:
        raise InvalidExport("Only your own jobs can be exported.")
    lead_queryset(owner_id=owner.pk, job_id=job.id if job else None, filters=filters)  # validates
    with transaction.atomic():
        export = LeadExport.objects.create(owner=owner, job=job, filters=filters or {}, bom=bom)
        transaction.on_commit(partial(export_dispatch, export.id))
    log.info(
        "export %s queued",
        export.id,
        extra={"export_id": str(export.id), "owner": owner.pk, "event": "export_queued"},
    )
    return export


def export_dispatch(export_id: UUID | str) -> bool:
    """Send the export to the workers; when the broker is down, the export fails at once, saying so."""
    if not messaging.send_lead_export(export_id):
        LeadExport.objects.filter(id=export_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED,
            error="The broker was unavailable; create the export again.",
            completed_at=timezone.now(),
        )
        return False
    return True


def export_path(export: LeadExport) -> Path:
    return Path(settings.EXPORTS_DIR) / str(export.owner_id) / f"{export.id}.csv"


def export_file_response(export: LeadExport) -> FileResponse:
    """The export's file, streamed from disk as an attachment (the API's and the admin's download)."""
    try:
        handle = open(export_path(export), "rb")
    except FileNotFoundError:
        raise Http404("The export's file is gone (purged?).") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export.file_name or "leads.csv",
        content_type="text/csv; charset=utf-8",
    )


def export_file_name(export: LeadExport) -> str:
    """The name the downloaded file gets."""
    what = f"job-{str(export.job_id)[:8]}" if export.job_id else "leads"
    return f"leadengine-{what}-{export.created_at:%Y%m%d-%H%M%S}.csv"


def export_run(export_id: UUID | str) -> LeadExport | None:
    """Write the export's file; None when it is not queued (already run, or deleted)."""
    now = timezone.now()
    if not LeadExport.objects.filter(id=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now
    ):
        return None
    export = LeadExport.objects.get(id=export_id)
    started = time.monotonic()
    path = export_path(export)
    partial_path = path.with_suffix(".part")
    try:
        leads = lead_queryset(owner_id=export.owner_id, job_id=export.job_id, filters=export.filters)
        total = leads.count()
        LeadExport.objects.filter(id=export.id).update(rows_total=total)

        def progress(rows: int) -> None:
            LeadExport.objects.filter(id=export.id).update(
                rows_written=rows, progress=min(99, int(100 * rows / total)) if total else 0
            )

        path.parent.mkdir(parents=True, exist_ok=True)
        with open(partial_path, "w", encoding="utf-8", newline="") as out:
            rows = write_csv(in_chunks(leads), out, bom=export.bom, on_progress=progress)
        os.replace(partial_path, path)
    except Exception as exc:
        partial_path.unlink(missing_ok=True)
        LeadExport.objects.filter(id=export.id).update(
            status=ExportStatus.FAILED, error=f"{type(exc).__name__}: {exc}", completed_at=timezone.now()
        )
        log.exception(
            "export %s failed", export.id, extra={"export_id": str(export.id), "event": "export_failed"}
        )
        return LeadExport.objects.get(id=export.id)
    LeadExport.objects.filter(id=export.id).update(
        status=ExportStatus.COMPLETED,
        rows_total=rows,
        rows_written=rows,
        progress=100,
        size_bytes=path.stat().st_size,
        file_name=export_file_name(export),
        completed_at=timezone.now(),
    )
    elapsed = time.monotonic() - started
    log.info(
        "export %s completed: %d rows in %.1fs",
        export.id,
        rows,
        elapsed,
        extra={
            "export_id": str(export.id),
            "owner": export.owner_id,
            "event": "export_completed",
            "duration": round(elapsed, 3),
        },
    )
    return LeadExport.objects.get(id=export.id)


def fail_stuck_exports() -> int:
    """Exports running past the time limit lost their worker: mark them failed (a maintenance task)."""
    cutoff = timezone.now() - timedelta(milliseconds=settings.EXPORT_TIME_LIMIT) - timedelta(minutes=1)
    return LeadExport.objects.filter(status=ExportStatus.RUNNING, started_at__lt=cutoff).update(
        status=ExportStatus.FAILED,
        error="The export's worker stopped; create it again.",
        completed_at=timezone.now(),
    )


def export_delete_files(exports: Iterable[LeadExport]) -> None:
    for export in exports:
        export_path(export).unlink(missing_ok=True)
        export_path(export).with_suffix(".part").unlink(missing_ok=True)


def exports_purge(*, before: datetime, batch: int = 1000, dry_run: bool = False) -> int:
    """Delete exports created before `before` with their files, `batch` at a time; returns how many
    (`dry_run`: how many would go)."""
    old = LeadExport.objects.filter(created_at__lt=before)
    if dry_run:
        return old.count()
    deleted = 0
    while ids := list(old.values_list("id", flat=True)[:batch]):
        doomed = list(LeadExport.objects.filter(id__in=ids))
        deleted += LeadExport.objects.filter(id__in=ids).delete()[0]
        export_delete_files(doomed)
    return deleted


def exports_delete(exports: QuerySet[LeadExport]) -> int:
    """Delete export rows (people's deletes in the admin); their files stay until the purge."""
    return exports.delete()[0]
