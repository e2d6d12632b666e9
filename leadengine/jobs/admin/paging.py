"""Paging of the admin's large change lists (jobs, leads) without counting a million rows per request.

Django's change list counts the whole filtered queryset on every request (`paginator.count`), and its
last page is an OFFSET as deep as the table. Here at most `cap` rows are counted exactly; past that
the count shown is the planner's estimate ("about N", `leadengine.counting`), and only the first `cap`
rows can be paged through: past them, a filter or a search narrows the list (a page number beyond the
last answers the admin's own "?e=1" error page).
"""

from __future__ import annotations

import math

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from leadengine.counting import COUNT_CAP, capped_count


class CappedCountPaginator(Paginator):
    """An exact count up to `cap` rows, the planner's estimate past it; pages up to the cap."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows), False
        return capped_count(rows, self.cap)

    @property
    def estimated(self) -> bool:
        return self._counted[1]

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @cached_property
    def num_pages(self) -> int:
        pageable = min(self.count, self.cap)
        if pageable == 0 and not self.allow_empty_first_page:
            return 0
        hits = max(1, pageable - self.orphans)
        return math.ceil(hits / self.per_page)


class SearchOnceChangeList(ChangeList):
    """A search whose matches fit on one page is read once: the rows counted are the rows shown.

    Django counts the matches, then reads them again for the page (`queryset._clone()` when there is
    one page): two runs of the search's trigram index scans, each the most costly query of the page.
    """

    def get_results(self, request) -> None:
        if not self.query or self.page_num != 1:
            super().get_results(request)
            return
        rows = list(self.queryset[: self.list_per_page + 1])
        if len(rows) > self.list_per_page:
            super().get_results(request)
            return
        self.paginator = self.model_admin.get_paginator(request, rows, self.list_per_page)
        self.result_count = len(rows)
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.full_result_count = self.root_queryset.count() if self.show_full_result_count else None
        self.show_admin_actions = not self.show_full_result_count or bool(self.full_result_count)
        self.result_list = rows
        self.can_show_all = True
        self.multi_page = False


class LargeListAdmin:
    """The change list of a table that grows to millions of rows: capped counts, searches read once,
    50 rows a page (rendering a row costs more than reading it)."""

    paginator = CappedCountPaginator
    list_per_page = 50
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return SearchOnceChangeList
