"""Leads in the admin: browse and inspect what was scraped, export it, enrich it from the websites.

Everything scraped comes from the open web: it is shown through `format_html`, never marked safe.
An enrichment of someone's job or leads belongs to that person, and visits only their leads.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html

from leadengine.jobs import enrichment, selectors, services
from leadengine.jobs.admin.base import (
    DeletesThroughWriter,
    OwnedAdmin,
    RegisteredSourceFilter,
    selected_by_owner,
)
from leadengine.jobs.admin.exports import export_leads_csv
from leadengine.jobs.admin.paging import LargeListAdmin
from leadengine.jobs.models import RawLead


class LeadSourceFilter(RegisteredSourceFilter):
    title = "source"
    parameter_name = "source"

    def filter_source(self, queryset, name):
        return queryset.filter(source=name)


def enrich_for_owner(model_admin, request, owner, leads) -> None:
    """Queue one enrichment job over `owner`'s leads, or say why not."""
    try:
        criteria = enrichment.enrichment_criteria(owner=owner, leads=leads)
        job = services.job_create(owner=owner, criteria=criteria)
    except (enrichment.NothingToEnrich, services.ActiveJobLimitExceeded) as exc:
        model_admin.message_user(request, f"{owner}: {exc}", messages.WARNING)
        return
    url = reverse("admin:jobs_scrapejob_change", args=[job.id])
    model_admin.message_user(
        request,
        format_html(
            'Enrichment job <a href="{}">{}</a> queued for {} website(s).',
            url,
            str(job.id)[:8],
            len(job.urls),
        ),
        messages.SUCCESS,
    )


@admin.action(description="Enrich selected jobs' leads missing an e-mail or phone", permissions=["enrich"])
def enrich_jobs(model_admin, request, queryset: QuerySet):
    for job in queryset.select_related("owner"):
        leads = selectors.leads_missing_contacts(job)[: settings.ADMIN_MAX_SELECTED_LEADS]
        enrich_for_owner(model_admin, request, job.owner, leads)


@admin.action(description="Enrich selected leads from their websites", permissions=["enrich"])
def enrich_leads(model_admin, request, queryset: QuerySet):
    grouped = selected_by_owner(model_admin, request, queryset)
    for owner, leads in (grouped or {}).items():
        enrich_for_owner(model_admin, request, owner, leads)


@admin.register(RawLead)
class RawLeadAdmin(OwnedAdmin, LargeListAdmin, DeletesThroughWriter, admin.ModelAdmin):
    replica_list = True  # the list may come from the read replica
    list_display = [
        "company_name",
        "website",
        "email",
        "phone",
        "location",
        "source",
        "confidence",
        "owner",
        "scraped_at",
    ]
    list_filter = [LeadSourceFilter, "scraped_at"]
    search_fields = ["company_name", "website", "email", "=data_hash"]
    list_select_related = ["owner"]
    raw_id_fields = ["job", "owner"]
    actions = [export_leads_csv, enrich_leads]
    readonly_fields = [
        "id",
        "owner",
        "job_link",
        "source",
        "company_name",
        "website",
        "email",
        "phone",
        "location",
        "confidence",
        "source_url",
        "data_hash",
        "scraped_at",
        "payload_display",
    ]
    exclude = ["raw_payload", "job"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, queryset: QuerySet) -> int:
        return services.leads_delete(queryset)

    @admin.display(description="job")
    def job_link(self, lead):
        url = reverse("admin:jobs_scrapejob_change", args=[lead.job_id])
        return format_html('<a href="{}">{}</a>', url, lead.job_id)

    @admin.display(description="raw payload")
    def payload_display(self, lead):
        pretty = json.dumps(lead.raw_payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', pretty)
