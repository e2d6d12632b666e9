"""Counting rows of large lists without reading them all: exact up to a cap, the planner's estimate past it.

A COUNT(*) reads every matching row (a million leads: a fifth of a second, more under a filter that no
index serves); `SELECT COUNT(*) FROM (... LIMIT cap + 1)` reads at most cap + 1. Past the cap the
planner's estimate (EXPLAIN) stands in: close for a whole table, rougher under filters, never below
what was counted. Used by the admin's change lists and the API's pages.
"""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 10_000


def estimated_rows(queryset: QuerySet) -> int:
    """The planner's estimate of how many rows `queryset` returns (PostgreSQL's EXPLAIN; else exact)."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count()
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, estimated): exact when at most `cap` rows match, else the estimate (at least cap + 1)."""
    counted = queryset.order_by()[: cap + 1].count()
    if counted <= cap:
        return counted, False
    return max(cap + 1, estimated_rows(queryset)), True
