"""Reads that may go to a read replica: the admin's and the API's list pages, and nothing else.

With DATABASE_REPLICA_URL set, a block marked with `replica_reads()` reads through the `replica`
database alias; every other read, and every write, goes to `default` (the primary). A replica lags
the primary by a moment, so only pages that show many rows and may be a second old are marked: the
API's job and lead lists, the admin's change lists and the operations page. A job's detail (a client
polls it right after creating the job), forms, actions, the workers, the maintenance loop, health
checks and sessions read the primary: none of them may miss a write they just made or rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block (a context manager or a decorator) may be served by the replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reading_replica() -> bool:
    """Whether reads here go to the replica now: a marked block, with a replica configured."""
    return _replica_reads.get() and bool(settings.DATABASE_REPLICA_URL) and REPLICA in settings.DATABASES


class ReplicaRouter:
    """Django's database router: marked reads to the replica, everything else to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return REPLICA if reading_replica() else None

    def db_for_write(self, model, **hints) -> str | None:
        return None

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read from either may relate to the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        # The replica follows the primary's schema by replication; never migrated itself.
        return False if db == REPLICA else None
