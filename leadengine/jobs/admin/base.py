"""What the admin's pages share: each person's own rows (OwnedAdmin), source filters from the registry,
self-refreshing change pages, actions that act for the owner of what is selected, and deletes through
each model's writer."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext

from leadengine.db_router import replica_reads
from scraping.sources import source_names

REFRESH_SECONDS = 3


def refreshing(statuses) -> dict:
    """Context for admin/jobs/refreshing_change_form.html: reload while the object has one of `statuses`."""
    return {"refresh_statuses": [str(status) for status in statuses], "refresh_seconds": REFRESH_SECONDS}


class OwnerFilter(admin.SimpleListFilter):
    """Superusers only: the rows of one owner. Choices are the staff and the API users by name."""

    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        users = get_user_model().objects.order_by("username").values_list("pk", "username")[:500]
        return [(str(pk), username) for pk, username in users]

    def queryset(self, request, queryset):
        return queryset.filter(owner_id=self.value()) if self.value() else queryset


class OwnedAdmin:
    """Tenancy in the admin: staff who are not superusers see and act on their own rows only.

    Lists, change pages, actions, counts and the admin's own JSON views all start from
    `get_queryset`, which this narrows to the signed-in user's rows; another owner's page is a 404,
    never a redirect that says it exists. Superusers see every row, with an owner column and filter.
    """

    # Whether the change list may be read from the replica (leadengine/db_router.py).
    replica_list = False

    def changelist_view(self, request, extra_context=None):
        # A list shown after the person's own change (it carries that change's message) reads the
        # primary, so the change is on it; so do POSTs (actions).
        if not self.replica_list or request.method != "GET" or len(messages.get_messages(request)):
            return super().changelist_view(request, extra_context)
        with replica_reads():
            response = super().changelist_view(request, extra_context)
            # Rendered here: a TemplateResponse's querysets run when it renders.
            return response.render() if hasattr(response, "render") else response

    def action_checkbox(self, obj):
        # Django's renders a CheckboxInput through the form template engine for every row, a third of
        # a change list's rendering; this is the same HTML.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_superuser else rows.filter(owner_id=request.user.pk)

    def get_object(self, request, object_id, from_field=None):
        found = super().get_object(request, object_id, from_field)
        if found is None:
            raise Http404("No such row among yours.")
        return found

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return columns if request.user.is_superuser else [c for c in columns if c != "owner"]

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [*filters, OwnerFilter] if request.user.is_superuser else filters

    def is_owner(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.owner_id == request.user.pk

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.is_owner(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_owner(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_owner(request, obj)

    # The job and lead list actions create rows of other models: they need the right to add those.

    def has_enrich_permission(self, request) -> bool:
        return request.user.has_perm("jobs.add_scrapejob")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("jobs.add_leadexport")


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
