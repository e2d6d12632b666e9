"""Leads into rows: the INSERT of a batch of leads, and their raw payloads cut to size.

Only `services` calls this module (`job_save_leads`, `leads_bulk_insert`), inside its transactions;
it holds the SQL so that the services read as what they decide, not how rows travel.

One statement inserts a chunk and says which rows were new: `INSERT ... ON CONFLICT (owner_id,
data_hash) DO NOTHING RETURNING data_hash` (bulk_create cannot say which rows it inserted). On
PostgreSQL the rows travel as one array a column, `INSERT ... SELECT FROM unnest(...)`, and the same
statement says which of the others the job already had.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection

from leadengine.jobs.models import RawLead, ScrapeJob
from scraping.types import Lead

_LEAD_COLUMNS = [
    "id",
    "owner_id",
    "job_id",
    "source",
    "company_name",
    "website",
    "email",
    "phone",
    "location",
    "confidence",
    "raw_payload",
    "source_url",
    "data_hash",
    "scraped_at",
]


def insert_leads(job: ScrapeJob, rows: dict[str, Lead], now: datetime) -> set[str]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: one statement per chunk, never one per lead.

    Returns the identity hashes that were inserted.
    """
    return save_leads(job, rows, now)[0]


def save_leads(job: ScrapeJob, rows: dict[str, Lead], now: datetime) -> tuple[set[str], int]:
    """Insert the rows the owner does not have yet; returns (the hashes inserted, how many of the
    others are already this job's own leads).

    PostgreSQL and SQLite (3.35+) both speak INSERT ... ON CONFLICT DO NOTHING RETURNING; on
    PostgreSQL the rows travel as one array a column and the job's own conflicts come back from the
    same statement (`_insert_unnest`).
    """
    if connection.vendor == "postgresql":
        _commit_without_waiting_for_disk()
        return _insert_unnest(job, rows, now)
    inserted = _insert_values(job, rows, now)
    conflicts = rows.keys() - inserted
    own = (
        RawLead.objects.filter(owner_id=job.owner_id, job=job, data_hash__in=conflicts).count()
        if conflicts
        else 0
    )
    return inserted, own


def _commit_without_waiting_for_disk() -> None:
    """This transaction's COMMIT returns before its WAL is on disk (PostgreSQL's synchronous_commit off,
    for this transaction only).

    A batch of leads writes megabytes of WAL (the payload and its GIN and trigram index entries), and
    a worker saves a batch every few hundred leads: waiting for each flush cost more than a tenth of
    the insert on a busy disk (the COPY ceiling commits once). What a database crash can lose is the
    last batches since the latest synchronous commit, leads and job counters together (one
    transaction), never a half of one; the job then still reads running, goes stale and runs again,
    finding those leads again. Any synchronous commit after them (the job's completion) flushes them
    first, so a completed job's leads are on disk.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _insert_values(job: ScrapeJob, rows: dict[str, Lead], now: datetime) -> set[str]:
    """Other databases: INSERT ... VALUES (...), (...) in chunks of 1000 rows."""
    fields = [
        RawLead._meta.get_field(name.removesuffix("_id") if name in ("owner_id", "job_id") else name)
        for name in _LEAD_COLUMNS
    ]
    values = []
    for data_hash, lead in rows.items():
        row = {
            "id": RawLead._meta.get_field("id").default(),
            "owner_id": job.owner_id,
            "job_id": job.id,
            "source": lead.source[:32],
            "company_name": lead.company_name[:300],
            "website": lead.website[:500],
            "email": lead.email[:254],
            "phone": lead.phone[:40],
            "location": lead.location[:200],
            "confidence": lead.confidence,
            "raw_payload": capped_payload(lead.to_payload()),
            "source_url": lead.source_url[:2000],
            "data_hash": data_hash,
            "scraped_at": now,
        }
        values.append(
            [
                field.get_db_prep_save(row[name], connection)
                for field, name in zip(fields, _LEAD_COLUMNS, strict=True)
            ]
        )

    table = connection.ops.quote_name(RawLead._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in _LEAD_COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(_LEAD_COLUMNS)) + ")"
    inserted: set[str] = set()
    # SQLite allows at most 32766 parameters a statement.
    chunk = 1000
    with connection.cursor() as cursor:
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(part))} "
                f"ON CONFLICT (owner_id, data_hash) DO NOTHING RETURNING data_hash"
            )
            cursor.execute(sql, [value for row in part for value in row])
            inserted.update(data_hash for (data_hash,) in cursor.fetchall())
    return inserted


def _insert_unnest(job: ScrapeJob, rows: dict[str, Lead], now: datetime) -> tuple[set[str], int]:
    """PostgreSQL: INSERT ... SELECT FROM unnest(one array a column): a fixed statement whatever the
    batch size, with the arrays sent as binary parameters (server-side binding through psycopg's own
    cursor, in Django's transaction): nothing is quoted or escaped in Python.

    Only when some rows conflicted, a second statement counts which of them this job already has (an
    interrupted attempt's leads): the conflicting hashes as one binary array, looked up by the (owner,
    hash) unique index, the job compared in the result (FILTER) so that no plan can walk a large job's
    leads instead. A batch of new leads pays for no lookup at all.

    Measured by tests/benchmarks/bench_ingest.py against COPY into a temporary table.
    """
    table = connection.ops.quote_name(RawLead._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in _LEAD_COLUMNS)
    sql = (
        f"INSERT INTO {table} ({columns}) "
        "SELECT u.id, %b, %b, u.source, u.company_name, u.website, u.email, u.phone, u.location, "
        "u.confidence, u.raw_payload::jsonb, u.source_url, u.data_hash, %b "
        "FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
        "%b::float8[], %b::text[], %b::text[], %b::text[]) "
        "AS u(id, source, company_name, website, email, phone, location, confidence, raw_payload, "
        "source_url, data_hash) "
        "ON CONFLICT (owner_id, data_hash) DO NOTHING RETURNING data_hash"
    )
    own_sql = (
        f"SELECT count(*) FILTER (WHERE job_id = %b) FROM {table} "
        "WHERE owner_id = %b AND data_hash = ANY(%b::text[])"
    )
    items = list(rows.items())
    inserted: set[str] = set()
    own = 0
    chunk = 5000  # bounds the size of one statement's arrays
    import psycopg  # PostgreSQL only: SQLite installs need not load it

    connection.ensure_connection()
    # Django's own cursors bind client-side (they quote every value into the SQL text). Errors come out
    # as Django's (OperationalError for a cut connection), as from its own cursors, so that the worker
    # knows the connection is gone and opens a new one.
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            leads = [lead for _, lead in part]
            hashes = [data_hash for data_hash, _ in part]
            cursor.execute(
                sql,
                [
                    job.owner_id,
                    job.id,
                    now,
                    [uuid.uuid4() for _ in part],
                    [lead.source[:32] for lead in leads],
                    [lead.company_name[:300] for lead in leads],
                    [lead.website[:500] for lead in leads],
                    [lead.email[:254] for lead in leads],
                    [lead.phone[:40] for lead in leads],
                    [lead.location[:200] for lead in leads],
                    [float(lead.confidence) for lead in leads],
                    [payload_json(lead) for lead in leads],
                    [lead.source_url[:2000] for lead in leads],
                    hashes,
                ],
            )
            new = {data_hash for (data_hash,) in cursor.fetchall()}
            inserted |= new
            conflicts = [data_hash for data_hash in hashes if data_hash not in new]
            if conflicts:
                cursor.execute(own_sql, [job.id, job.owner_id, conflicts])
                own += cursor.fetchone()[0]
    return inserted, own


def payload_json(lead: Lead) -> str:
    """The lead's payload as JSON text within RAW_PAYLOAD_MAX_BYTES, serialised once when it fits.

    The same JSON as `json.dumps(lead.to_payload())` without dataclasses.asdict's deep copy, which
    cost more than the whole INSERT.
    """
    payload = {name: getattr(lead, name) for name in payload_fields()}
    text = json.dumps(payload, default=_json_default)
    if len(text) <= settings.RAW_PAYLOAD_MAX_BYTES:
        return text
    return json.dumps(capped_payload(payload), default=_json_default)


@cache
def payload_fields() -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(Lead))


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def capped_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The lead's payload within RAW_PAYLOAD_MAX_BYTES: scraped pages can be arbitrarily large.

    Over the limit, `extra` goes and every string, list and mapping is cut down at every depth; if
    that is still too much, only the lead's short fields are kept. Either way `truncated` says so.
    """
    limit = settings.RAW_PAYLOAD_MAX_BYTES
    if len(json.dumps(payload, default=str)) <= limit:
        return payload
    capped = _cut({key: value for key, value in payload.items() if key != "extra"})
    capped["truncated"] = True
    if len(json.dumps(capped, default=str)) > limit:
        capped = {
            key: value[:200]
            for key, value in payload.items()
            if key in _CORE_FIELDS and isinstance(value, str)
        }
        capped["truncated"] = True
    return capped


_CORE_FIELDS = {"source", "company_name", "website", "email", "phone", "location", "source_url", "industry"}


def _cut(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return value[:1000]
    if depth >= 3:
        return None if isinstance(value, (dict, list)) else value
    if isinstance(value, dict):
        return {str(key)[:100]: _cut(item, depth + 1) for key, item in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_cut(item, depth + 1) for item in value[:20]]
    return value
