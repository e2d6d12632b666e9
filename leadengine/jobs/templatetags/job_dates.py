"""The job list's date hierarchy from the first and last job's dates, not from every job's.

Django's `date_hierarchy` tag lists the years (months, days) that have rows with a SELECT DISTINCT
DATE_TRUNC(...) over every row in view: a scan of the whole job table per page view. Here the
periods are every year (month, day) between the first and the last row in view, found by MIN and MAX
(the ends of the created_at index); a period between them without a job lists no rows when chosen.
"""

from __future__ import annotations

from datetime import date, timedelta

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

register = template.Library()


def periods(first: date, last: date, kind: str) -> list[date]:
    """Every year, month or day (its first date) from `first` to `last`, both included."""
    if kind == "year":
        return [date(year, 1, 1) for year in range(first.year, last.year + 1)]
    if kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
        return [date(month // 12, month % 12 + 1, 1) for month in months]
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class RangePeriods:
    """Stands in for the change list's queryset in Django's tag: `aggregate` as it is, `datetimes` and
    `dates` from MIN and MAX."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self.ends: dict | None = None

    def aggregate(self, **kwargs):
        # Django's tag asks for first=Min(field), last=Max(field) to choose the level: the same two
        # values give the periods, so they are read once.
        self.ends = self.queryset.aggregate(**kwargs)
        return self.ends

    def datetimes(self, field_name: str, kind: str) -> list[date]:
        ends = self.ends or self.queryset.aggregate(first=Min(field_name), last=Max(field_name))
        if ends["first"] is None:
            return []
        first, last = (timezone.localtime(ends[end]).date() for end in ("first", "last"))
        return periods(first, last, kind)

    dates = datetimes


class RangeChangeList:
    """The change list as Django's tag sees it, with RangePeriods for its queryset."""

    def __init__(self, cl) -> None:
        self._cl = cl
        self.queryset = RangePeriods(cl.queryset)

    def __getattr__(self, name: str):
        return getattr(self._cl, name)


def range_date_hierarchy(cl) -> dict | None:
    return date_hierarchy(RangeChangeList(cl))


@register.tag(name="range_date_hierarchy")
def range_date_hierarchy_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=range_date_hierarchy, template_name="date_hierarchy.html", takes_context=False
    )
