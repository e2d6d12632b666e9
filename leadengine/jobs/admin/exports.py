"""CSV exports in the admin: the export actions of jobs and leads, and the exports' own pages.

An export of someone's job or leads belongs to that person, and holds only their leads.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from leadengine.jobs import exports
from leadengine.jobs.admin.base import DeletesThroughWriter, OwnedAdmin, refreshing, selected_by_owner
from leadengine.jobs.models import ExportStatus, LeadExport


def _redirect_to_exports(model_admin, request, created: list[LeadExport]):
    model_admin.message_user(request, f"{len(created)} export(s) queued.", messages.SUCCESS)
    if len(created) == 1:
        return HttpResponseRedirect(reverse("admin:jobs_leadexport_change", args=[created[0].id]))
    return HttpResponseRedirect(reverse("admin:jobs_leadexport_changelist"))


@admin.action(description="Export leads of selected jobs to CSV", permissions=["export"])
def export_jobs_csv(model_admin, request, queryset: QuerySet):
    created = [exports.export_create(owner=job.owner, job=job) for job in queryset.select_related("owner")]
    return _redirect_to_exports(model_admin, request, created)


@admin.action(description="Export selected leads to CSV", permissions=["export"])
def export_leads_csv(model_admin, request, queryset: QuerySet):
    grouped = selected_by_owner(model_admin, request, queryset)
    if grouped is None:
        return None
    created = [
        exports.export_create(owner=owner, filters={"ids": [str(lead.id) for lead in leads]})
        for owner, leads in grouped.items()
    ]
    return _redirect_to_exports(model_admin, request, created)


@admin.register(LeadExport)
class LeadExportAdmin(OwnedAdmin, DeletesThroughWriter, admin.ModelAdmin):
    list_display = [
        "short_id",
        "status",
        "owner",
        "job",
        "rows_written",
        "rows_total",
        "progress_display",
        "created_at",
        "download_link",
    ]
    list_filter = ["status", "created_at"]
    list_select_related = ["owner", "job"]
    show_full_result_count = False
    change_form_template = "admin/jobs/refreshing_change_form.html"
    readonly_fields = [
        "id",
        "owner",
        "status",
        "job",
        "filters",
        "bom",
        "progress_display",
        "rows_written",
        "rows_total",
        "size_bytes",
        "download_link",
        "error",
        "created_at",
        "started_at",
        "completed_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, queryset: QuerySet) -> int:
        return exports.exports_delete(queryset)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), **refreshing([ExportStatus.QUEUED, ExportStatus.RUNNING])}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        download = path(
            "<uuid:export_id>/download/",
            self.admin_site.admin_view(self.download),
            name="jobs_leadexport_download",
        )
        return [download, *super().get_urls()]

    def download(self, request, export_id):
        # Someone else's export is a 404, as its page would be.
        export = get_object_or_404(self.get_queryset(request), id=export_id, status=ExportStatus.COMPLETED)
        if not self.has_view_permission(request, export):
            raise Http404
        return exports.export_file_response(export)

    @admin.display(description="id")
    def short_id(self, export):
        return str(export.id)[:8]

    @admin.display(description="progress")
    def progress_display(self, export):
        return format_html(
            '<progress value="{}" max="100" style="width:6em"></progress> {}%',
            export.progress,
            export.progress,
        )

    @admin.display(description="file")
    def download_link(self, export):
        if export.status != ExportStatus.COMPLETED:
            return "-"
        url = reverse("admin:jobs_leadexport_download", args=[export.id])
        return format_html(
            '<a href="{}" class="le-download">Download CSV</a> ({} bytes)', url, export.size_bytes
        )
