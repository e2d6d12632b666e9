"""Paging of the admin's large change lists (jobs, leads) without counting a million rows per request.

Django's change list counts the whole filtered queryset on every request (`paginator.count`), and its
last page is an OFFSET as deep as the table. Here at most ADMIN_COUNT_CAP rows are counted exactly
(`SELECT COUNT(*) FROM (... LIMIT cap + 1)`, a bounded read whatever the table's size); past that the
count shown is the planner's estimate ("about N"), and only the first ADMIN_COUNT_CAP rows can be paged
through: past them, a filter or a search narrows the list (a page number beyond the last answers the
admin's own "?e=1" error page).
"""

from __future__ import annotations

import json
import math

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.utils.functional import cached_property

ADMIN_COUNT_CAP = 10_000


def estimated_rows(queryset: QuerySet) -> int:
    """The planner's estimate of how many rows `queryset` returns (PostgreSQL's EXPLAIN; else exact)."""
    if connection.vendor != "postgresql":
        return queryset.count()
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class CappedCountPaginator(Paginator):
    """An exact count up to ADMIN_COUNT_CAP rows, the planner's estimate past it; pages up to the cap."""

    cap = ADMIN_COUNT_CAP

    @cached_property
    def counted(self) -> int:
        """Rows counted exactly, at most cap + 1 (more than the cap means "many")."""
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        return rows.order_by()[: self.cap + 1].count()

    @property
    def estimated(self) -> bool:
        return self.counted > self.cap

    @cached_property
    def count(self) -> int:
        if not self.estimated:
            return self.counted
        # The estimate can be off either way: never below what was counted.
        return max(self.cap + 1, estimated_rows(self.object_list))

    @cached_property
    def num_pages(self) -> int:
        pageable = min(self.count, self.cap)
        if pageable == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, pageable - self.orphans)
        return math.ceil(hits / self.per_page)
