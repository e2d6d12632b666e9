"""What the admin's pages share: source filters from the registry, self-refreshing change pages,
actions that act for the owner of what is selected, and deletes through each model's writer."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet

from scraping.sources import source_names

REFRESH_SECONDS = 3


def refreshing(statuses) -> dict:
    """Context for admin/jobs/refreshing_change_form.html: reload while the object has one of `statuses`."""
    return {"refresh_statuses": [str(status) for status in statuses], "refresh_seconds": REFRESH_SECONDS}


class RegisteredSourceFilter(admin.SimpleListFilter):
    """Filter choices from the source registry: Django's default would SELECT DISTINCT over every row."""

    def lookups(self, request, model_admin):
        return [(name, name) for name in source_names()]

    def queryset(self, request, queryset):
        return self.filter_source(queryset, self.value()) if self.value() else queryset

    def filter_source(self, queryset: QuerySet, name: str) -> QuerySet:
        raise NotImplementedError


class DeletesThroughWriter:
    """The delete action and the delete page call `delete_rows`, which calls the model's one writer."""

    def delete_rows(self, queryset: QuerySet) -> int:
        raise NotImplementedError

    def delete_model(self, request, obj) -> None:
        self.delete_rows(type(obj).objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        self.delete_rows(queryset)


def selected_by_owner(model_admin, request, queryset: QuerySet) -> dict | None:
    """The selected leads grouped by owner, so that an action acts for each owner on their own leads.

    None (with a message) past ADMIN_MAX_SELECTED_LEADS.
    """
    limit = settings.ADMIN_MAX_SELECTED_LEADS
    leads = list(queryset.select_related("owner")[: limit + 1])
    if len(leads) > limit:
        model_admin.message_user(request, f"Select at most {limit} leads at once.", messages.ERROR)
        return None
    grouped = defaultdict(list)
    for lead in leads:
        grouped[lead.owner].append(lead)
    return grouped
