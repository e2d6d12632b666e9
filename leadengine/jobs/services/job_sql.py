"""The create path's SQL: the per-owner active-job check, the insert and the dispatch stamp.

Only `services` calls this module, inside its transactions. A job create is dominated by round trips
to PostgreSQL and by commits waiting for the WAL flush, so on PostgreSQL each step here sends its
statements together in one simple query (Django's psycopg cursor binds parameters on the client, so
several statements can travel in one message): outside a caller's transaction a whole create (lock,
limit, insert) is one message. SQLite (the embedded mode) runs the same steps through the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field
from django.utils import timezone

from leadengine.jobs.models import ACTIVE_STATUSES, JobStatus, ScrapeJob


def active_jobs_locked(owner_id: int, limit: int) -> int:
    """Lock the owner's row, then count their active jobs, up to `limit`. Call inside a transaction.

    The lock serialises one owner's creations and retries, so two requests cannot both pass the
    limit. The count must be a statement of its own after the lock: in READ COMMITTED each
    statement takes its snapshot when it starts, so a count in the locking statement would miss the
    job that the transaction it waited for had just committed. Two statements, one round trip.
    The count reads the partial index of active jobs (`job_owner_active`) and stops at `limit`.
    """
    if connection.vendor != "postgresql":
        get_user_model().objects.select_for_update().filter(pk=owner_id).first()
        return ScrapeJob.objects.filter(owner_id=owner_id, status__in=ACTIVE_STATUSES)[:limit].count()
    users = connection.ops.quote_name(get_user_model()._meta.db_table)
    jobs = connection.ops.quote_name(ScrapeJob._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {users} WHERE id = %s FOR UPDATE; "
            f"SELECT count(*) FROM (SELECT 1 FROM {jobs} WHERE owner_id = %s "
            f"AND status IN ({', '.join(['%s'] * len(ACTIVE_STATUSES))}) LIMIT %s) AS active",
            [owner_id, owner_id, *ACTIVE_STATUSES, limit],
        )
        cursor.nextset()
        return cursor.fetchone()[0]


def stamp_dispatched(job_ids: Sequence[UUID | str]) -> None:
    """Write `dispatched_at` on the jobs still queued, after the broker confirmed their messages.

    One UPDATE for them all. On PostgreSQL it does not wait for its WAL flush (synchronous_commit
    off for this one implicit transaction): a stamp lost in a database crash only makes
    `requeue_stale` send the job once more, and a claim runs a message delivered twice only once.
    """
    if not job_ids:
        return
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        ScrapeJob.objects.filter(id__in=job_ids, status=JobStatus.QUEUED).update(dispatched_at=timezone.now())
        return
    jobs = connection.ops.quote_name(ScrapeJob._meta.db_table)
    with connection.cursor() as cursor:
        # Two statements in one message run as one implicit transaction: SET LOCAL holds for it.
        # Joined with the ids, so that each is one primary-key lookup whatever the planner's statistics
        # say about `status` (with `id = ANY(...)` it may scan the status index as well).
        cursor.execute(
            f"SET LOCAL synchronous_commit TO OFF; "
            f"UPDATE {jobs} AS job SET dispatched_at = %s FROM unnest(%s::uuid[]) AS sent(id) "
            f"WHERE job.id = sent.id AND job.status = %s",
            [timezone.now(), [str(job_id) for job_id in job_ids], JobStatus.QUEUED],
        )


def one_message_insert_applies() -> bool:
    """The create can travel in one message: PostgreSQL, and no transaction of the caller's open."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    return connection.get_autocommit()


def insert_within_limit(job: ScrapeJob, limit: int) -> bool:
    """Insert `job` unless its owner already has `limit` active jobs; False when refused.

    One message, run by PostgreSQL as one implicit transaction (rolled back whole if a statement
    fails): lock the owner's row; INSERT ... SELECT ... WHERE the owner's active count (a statement
    started after the lock, so it sees what the lock waited for) is under the limit. Only columns with
    a value are written (the others are NULL), so that no untyped NULL meets a typed column in the
    SELECT.
    """
    # The wrapper itself: the `connection` proxy looks it up again on every attribute read.
    db = connections[DEFAULT_DB_ALIAS]
    fields = tuple(
        field for field in ScrapeJob._meta.local_concrete_fields if getattr(job, field.attname) is not None
    )
    values = [field.get_db_prep_save(field.pre_save(job, True), db) for field in fields]
    params = [job.owner_id, *values, job.owner_id, *ACTIVE_STATUSES, limit, limit]
    with db.cursor() as cursor:
        cursor.execute(_insert_sql(fields), params)
        cursor.nextset()  # the insert's result follows the lock's
        inserted = cursor.rowcount == 1
    job._state.adding = False
    job._state.db = db.alias
    return inserted


@cache
def _insert_sql(fields: tuple[Field, ...]) -> str:
    """The message of `insert_within_limit` writing `fields` (a job from the API always writes the same)."""
    quote = connection.ops.quote_name
    users, jobs = quote(get_user_model()._meta.db_table), quote(ScrapeJob._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
    return (
        f"SELECT 1 FROM {users} WHERE id = %s FOR UPDATE; "
        f"INSERT INTO {jobs} ({columns}) SELECT {', '.join(['%s'] * len(fields))} "
        f"WHERE (SELECT count(*) FROM (SELECT 1 FROM {jobs} WHERE owner_id = %s AND status IN ({statuses}) "
        f"LIMIT %s) AS active) < %s"
    )
