"""Jobs in the admin: browse them, follow one as it runs, retry or cancel, export or enrich their
leads; the operations dashboard hangs off the jobs' pages.

Everything scraped comes from the open web: it is shown through `format_html`, never marked safe.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils.html import format_html

from leadengine.jobs import selectors, services
from leadengine.jobs.admin.base import DeletesThroughWriter, RegisteredSourceFilter, refreshing
from leadengine.jobs.admin.dashboard import dashboard_view
from leadengine.jobs.admin.exports import export_jobs_csv
from leadengine.jobs.admin.leads import enrich_jobs
from leadengine.jobs.models import ACTIVE_STATUSES, ScrapeJob

JOB_REFRESH = refreshing(ACTIVE_STATUSES)


class SourceTypeFilter(RegisteredSourceFilter):
    title = "source type"
    parameter_name = "source_type"

    def filter_source(self, queryset, name):
        return selectors.jobs_with_source(queryset, name)


def progress_bar(job: ScrapeJob) -> str:
    return format_html(
        '<progress value="{}" max="100" title="{}%" style="width:6em"></progress> {}%',
        job.progress,
        job.progress,
        job.progress,
    )


@admin.register(ScrapeJob)
class ScrapeJobAdmin(DeletesThroughWriter, admin.ModelAdmin):
    list_display = [
        "short_id",
        "status",
        "owner",
        "query",
        "total_found",
        "total_processed",
        "total_duplicates",
        "progress_display",
        "created_at",
        "duration_display",
    ]
    list_filter = ["status", SourceTypeFilter, "created_at"]
    search_fields = ["=id", "search_query", "industry", "geography", "error"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_jobs", "cancel_jobs", export_jobs_csv, enrich_jobs]
    # Reloads itself while the job is queued or running (admin/jobs/refreshing_change_form.html).
    change_form_template = "admin/jobs/refreshing_change_form.html"
    readonly_fields = [
        "id",
        "owner",
        "status",
        "progress_display",
        "leads_link",
        "attempts",
        "total_found",
        "total_processed",
        "total_duplicates",
        "pages_done",
        "pages_planned",
        "error",
        "traceback_display",
        "warnings_display",
        "created_at",
        "started_at",
        "completed_at",
        "heartbeat_at",
        "dispatched_at",
    ]
    fieldsets = [
        (None, {"fields": ["id", "owner", "status", "progress_display", "leads_link", "attempts"]}),
        (
            "Criteria",
            {
                "fields": [
                    "industry",
                    "geography",
                    "keywords",
                    "source_types",
                    "search_query",
                    "filters",
                    "urls",
                    "max_results",
                    "enrich",
                ]
            },
        ),
        (
            "Results",
            {
                "fields": [
                    "total_found",
                    "total_processed",
                    "total_duplicates",
                    "pages_done",
                    "pages_planned",
                    "error",
                    "traceback_display",
                    "warnings_display",
                ]
            },
        ),
        ("Times", {"fields": ["created_at", "started_at", "completed_at", "heartbeat_at", "dispatched_at"]}),
    ]

    def has_add_permission(self, request):
        # Jobs are created through services (API, `manage.py scrape`) so that they are sent.
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **JOB_REFRESH})

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: dashboard_view(request, self.admin_site))
        return [path("dashboard/", view, name="jobs_dashboard"), *super().get_urls()]

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, queryset: QuerySet) -> int:
        return services.jobs_delete(queryset)

    @admin.display(description="id")
    def short_id(self, job):
        return str(job.id)[:8]

    @admin.display(description="query")
    def query(self, job):
        return job.query_summary[:80]

    @admin.display(description="progress", ordering="progress")
    def progress_display(self, job):
        return progress_bar(job)

    @admin.display(description="duration")
    def duration_display(self, job):
        duration = job.duration
        return f"{duration.total_seconds():.1f}s" if duration else "-"

    @admin.display(description="leads")
    def leads_link(self, job):
        url = reverse("admin:jobs_rawlead_changelist") + f"?job__id__exact={job.id}"
        return format_html('<a href="{}">{} leads saved by this job</a>', url, job.total_processed)

    @admin.display(description="traceback")
    def traceback_display(self, job):
        return format_html("<pre>{}</pre>", job.traceback) if job.traceback else "-"

    @admin.display(description="warnings")
    def warnings_display(self, job):
        return format_html("<pre>{}</pre>", "\n".join(job.warnings)) if job.warnings else "-"

    @admin.action(description="Retry selected failed or cancelled jobs")
    def retry_jobs(self, request, queryset: QuerySet):
        self._apply(request, queryset, services.job_retry, "queued again")

    @admin.action(description="Cancel selected queued or running jobs")
    def cancel_jobs(self, request, queryset: QuerySet):
        self._apply(request, queryset, services.job_cancel, "cancelled")

    def _apply(self, request, queryset, service, done: str) -> None:
        changed, refused = 0, []
        for job in queryset:
            try:
                service(job)
                changed += 1
            except (services.InvalidTransition, services.ActiveJobLimitExceeded) as exc:
                refused.append(f"{str(job.id)[:8]}: {exc}")
        if changed:
            self.message_user(request, f"{changed} job(s) {done}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
