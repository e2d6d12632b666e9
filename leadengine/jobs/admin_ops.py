"""Admin for everyday operations: CSV exports, enrichment, schedules and worker heartbeats.

The actions act for the owner of what is selected: an export or an enrichment of someone's job
belongs to that person, and holds only their leads.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from leadengine.jobs import enrichment, exports, schedules, services
from leadengine.jobs.models import (
    ACTIVE_STATUSES,
    ExportStatus,
    LeadExport,
    RawLead,
    ScrapeSchedule,
    WorkerHeartbeat,
)

REFRESH_SECONDS = 3


def refreshing(statuses) -> dict:
    """Context for admin/jobs/refreshing_change_form.html: reload while the object has one of `statuses`."""
    return {"refresh_statuses": [str(status) for status in statuses], "refresh_seconds": REFRESH_SECONDS}


def _redirect_to_exports(model_admin, request, created: list[LeadExport]):
    model_admin.message_user(request, f"{len(created)} export(s) queued.", messages.SUCCESS)
    if len(created) == 1:
        return HttpResponseRedirect(reverse("admin:jobs_leadexport_change", args=[created[0].id]))
    return HttpResponseRedirect(reverse("admin:jobs_leadexport_changelist"))


@admin.action(description="Export leads of selected jobs to CSV")
def export_jobs_csv(model_admin, request, queryset: QuerySet):
    created = [exports.export_create(owner=job.owner, job=job) for job in queryset.select_related("owner")]
    return _redirect_to_exports(model_admin, request, created)


@admin.action(description="Enrich selected jobs' leads missing an e-mail or phone")
def enrich_jobs(model_admin, request, queryset: QuerySet):
    for job in queryset.select_related("owner"):
        leads = RawLead.objects.filter(job=job).filter(Q(email="") | Q(phone="")).exclude(website="")
        _enrich(model_admin, request, job.owner, leads[: settings.ADMIN_MAX_SELECTED_LEADS])


def _by_owner(model_admin, request, queryset: QuerySet) -> dict | None:
    limit = settings.ADMIN_MAX_SELECTED_LEADS
    leads = list(queryset.select_related("owner")[: limit + 1])
    if len(leads) > limit:
        model_admin.message_user(request, f"Select at most {limit} leads at once.", messages.ERROR)
        return None
    grouped = defaultdict(list)
    for lead in leads:
        grouped[lead.owner].append(lead)
    return grouped


@admin.action(description="Export selected leads to CSV")
def export_leads_csv(model_admin, request, queryset: QuerySet):
    grouped = _by_owner(model_admin, request, queryset)
    if grouped is None:
        return None
    created = [
        exports.export_create(owner=owner, filters={"ids": [str(lead.id) for lead in leads]})
        for owner, leads in grouped.items()
    ]
    return _redirect_to_exports(model_admin, request, created)


@admin.action(description="Enrich selected leads from their websites")
def enrich_leads(model_admin, request, queryset: QuerySet):
    grouped = _by_owner(model_admin, request, queryset)
    for owner, leads in (grouped or {}).items():
        _enrich(model_admin, request, owner, leads)


def _enrich(model_admin, request, owner, leads) -> None:
    try:
        job = services.job_create(
            owner=owner, criteria=enrichment.enrichment_criteria(owner=owner, leads=leads)
        )
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


@admin.register(LeadExport)
class LeadExportAdmin(admin.ModelAdmin):
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
        export = get_object_or_404(LeadExport, id=export_id, status=ExportStatus.COMPLETED)
        if not self.has_view_permission(request, export):
            raise Http404
        return export_file_response(export)

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


def export_file_response(export: LeadExport) -> FileResponse:
    """The export's file, streamed from disk as an attachment."""
    try:
        handle = open(exports.export_path(export), "rb")
    except FileNotFoundError:
        raise Http404("The export's file is gone (purged?).") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=export.file_name or "leads.csv",
        content_type="text/csv; charset=utf-8",
    )


class ScrapeScheduleForm(forms.ModelForm):
    class Meta:
        model = ScrapeSchedule
        fields = [
            "owner",
            "name",
            "enabled",
            "interval_seconds",
            "cron",
            "next_run_at",
            *ScrapeSchedule.CRITERIA_FIELDS,
        ]

    def clean(self):
        cleaned = super().clean()
        try:
            schedules.validate_timing(
                interval_seconds=cleaned.get("interval_seconds"), cron=cleaned.get("cron") or ""
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        if not cleaned.get("source_types"):
            self.add_error("source_types", 'Give the sources to run, e.g. ["website"].')
        return cleaned


@admin.register(ScrapeSchedule)
class ScrapeScheduleAdmin(admin.ModelAdmin):
    form = ScrapeScheduleForm
    list_display = [
        "name",
        "owner",
        "enabled",
        "interval_seconds",
        "cron",
        "next_run_at",
        "last_run_at",
        "last_job",
        "last_error",
    ]
    list_filter = ["enabled"]
    search_fields = ["name", "search_query", "industry"]
    list_select_related = ["owner", "last_job"]
    raw_id_fields = ["owner"]
    readonly_fields = ["last_run_at", "last_job", "last_error"]

    def save_model(self, request, obj, form, change):
        if (
            change
            and {"interval_seconds", "cron"} & set(form.changed_data)
            and "next_run_at" not in form.changed_data
        ):
            obj.next_run_at = None  # a new timing starts from now
        schedules.schedule_save(obj)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "queues", "started_at", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


JOB_REFRESH = refreshing(ACTIVE_STATUSES)
