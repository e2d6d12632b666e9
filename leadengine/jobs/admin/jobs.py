"""Jobs in the admin, a job console: add a job (or run one again), watch the list update itself,
retry or cancel from a job's page after a confirmation, read its attempts and per-source runs.

Jobs change only through `services`: the add form calls `job_create`, the buttons and list actions
call `job_retry` and `job_cancel`; a job's page is read-only. Plain admin URLs and one confirmation
template carry the buttons: each view starts from `get_queryset`, so tenancy holds for them as for
the lists. (django-object-actions' views fetch the object from the model's default manager, check
staff status only, and act on GET by default: each action would have to redo all three.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from leadengine.jobs import selectors, services
from leadengine.jobs.admin import job_display as show
from leadengine.jobs.admin.base import DeletesThroughWriter, OwnedAdmin, RegisteredSourceFilter, refreshing
from leadengine.jobs.admin.dashboard import dashboard_view
from leadengine.jobs.admin.exports import export_jobs_csv
from leadengine.jobs.admin.job_form import JobCriteriaForm, initial_from
from leadengine.jobs.admin.leads import enrich_jobs
from leadengine.jobs.admin.paging import LargeListAdmin
from leadengine.jobs.models import ACTIVE_STATUSES, JobStatus, ScrapeJob

JOB_REFRESH = refreshing(ACTIVE_STATUSES)
LIVE_SECONDS = 3
LIVE_MAX_ROWS = 200
LIVE_COUNTS_SECONDS = 10
REFUSALS = (services.InvalidTransition, services.ActiveJobLimitExceeded)


@dataclass(frozen=True)
class JobAction:
    name: str
    label: str
    question: str
    statuses: tuple[str, ...]
    done: str

    def service(self) -> Callable[[ScrapeJob], None]:
        return getattr(services, f"job_{self.name}")


JOB_ACTIONS = {
    "retry": JobAction(
        "retry",
        "Retry",
        "Queue this job again, from the start?",
        (JobStatus.FAILED, JobStatus.CANCELLED),
        "queued again",
    ),
    "cancel": JobAction(
        "cancel",
        "Cancel",
        "Cancel this job? A running job stops at its next batch and keeps the leads it saved.",
        ACTIVE_STATUSES,
        "cancelled",
    ),
}


class SourceTypeFilter(RegisteredSourceFilter):
    title = "source type"
    parameter_name = "source_type"

    def filter_source(self, queryset, name):
        return selectors.jobs_with_source(queryset, name)


@admin.register(ScrapeJob)
class ScrapeJobAdmin(OwnedAdmin, LargeListAdmin, DeletesThroughWriter, admin.ModelAdmin):
    replica_list = True  # the list may come from the read replica
    list_display = [
        "short_id",
        "status_badge",
        "owner",
        "query",
        "found",
        "saved",
        "dups",
        "progress_display",
        "error_short",
        "created",
        "duration_display",
    ]
    list_filter = ["status", "priority", SourceTypeFilter, "created_at"]
    # `urls` is searched as its JSON text: a host or any part of a URL finds the job.
    search_fields = ["=id", "search_query", "industry", "geography", "urls", "error"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    actions = ["retry_jobs", "cancel_jobs", export_jobs_csv, enrich_jobs]
    change_list_template = "admin/jobs/scrapejob/console_change_list.html"
    # Reloads itself while the job is queued or running.
    change_form_template = "admin/jobs/scrapejob/job_change_form.html"
    readonly_fields = [
        "id",
        "owner",
        "status",
        "priority",
        "progress_display",
        "leads_link",
        "attempts",
        "criteria_display",
        "total_found",
        "total_processed",
        "total_duplicates",
        "pages_display",
        "error",
        "traceback_display",
        "warnings_display",
        "created",
        "started",
        "completed",
        "heartbeat",
        "dispatched",
    ]
    fieldsets = [
        (
            None,
            {"fields": ["id", "owner", "status", "priority", "progress_display", "leads_link", "attempts"]},
        ),
        ("Criteria", {"fields": ["criteria_display"]}),
        (
            "Results",
            {
                "fields": [
                    "total_found",
                    "total_processed",
                    "total_duplicates",
                    "pages_display",
                    "error",
                    "traceback_display",
                    "warnings_display",
                ]
            },
        ),
        ("Times", {"fields": ["created", "started", "completed", "heartbeat", "dispatched"]}),
    ]
    add_fieldsets = [
        ("What to look for", {"fields": ["search_query", "industry", "geography", "keywords", "urls"]}),
        ("How", {"fields": ["source_types", "company_size", "max_results", "enrich", "priority"]}),
    ]

    class Media:
        css = {"all": ["jobs/admin/job_console.css"]}
        js = ["jobs/admin/job_console.js"]

    # Permissions: the page is read-only; acting on a job needs the change permission and the job.

    def has_change_permission(self, request, obj=None):
        return False

    def has_act_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("jobs.change_scrapejob") and self.is_owner(request, obj)

    def delete_rows(self, queryset: QuerySet) -> int:
        return services.jobs_delete(queryset)

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        dashboard = wrap(lambda request: dashboard_view(request, self.admin_site))
        return [
            path("dashboard/", dashboard, name="jobs_dashboard"),
            path("live/", wrap(self.live_view), name="jobs_scrapejob_live"),
            path(
                "<path:object_id>/retry/",
                wrap(self.action_view),
                {"action": "retry"},
                name="jobs_scrapejob_retry",
            ),
            path(
                "<path:object_id>/cancel/",
                wrap(self.action_view),
                {"action": "cancel"},
                name="jobs_scrapejob_cancel",
            ),
            *super().get_urls(),
        ]

    # Adding a job, or running one again: the API's validation, the one service that creates jobs.

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = JobCriteriaForm(request.POST)
            if form.is_valid():
                try:
                    job = services.job_create(owner=request.user, criteria=form.criteria)
                except services.ActiveJobLimitExceeded as exc:
                    form.add_error(None, str(exc))
                else:
                    self.log_addition(request, job, [{"added": {}}])
                    self.message_user(request, f"Job {str(job.id)[:8]} queued.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:jobs_scrapejob_change", args=[job.id]))
        else:
            form = JobCriteriaForm(initial=self._initial(request))
        adminform = helpers.AdminForm(form, self.add_fieldsets, {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": "Run a job again" if request.GET.get("from") else "Add a scrape job",
            "subtitle": None,
            "adminform": adminform,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _initial(self, request) -> dict:
        source = request.GET.get("from")
        if not source:
            return {}
        try:
            UUID(source)
        except ValueError:
            return {}
        # Someone else's job is a 404, as its page would be.
        return initial_from(self.get_object(request, source))

    # A job's page: buttons, attempts, per-source runs.

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_object(request, unquote(object_id))
        attempts = list(job.job_attempts.order_by("started_at", "id"))
        runs = list(job.source_runs.order_by("finished_at"))
        extra = {
            **(extra_context or {}),
            **JOB_REFRESH,
            "job_buttons": self.buttons(request, job),
            "job_attempts": attempts,
            "source_runs": show.source_run_rows(job, attempts, runs),
        }
        return super().change_view(request, object_id, form_url, extra)

    def buttons(self, request, job: ScrapeJob) -> list[dict]:
        buttons = []
        if self.has_act_permission(request, job):
            for action in JOB_ACTIONS.values():
                if job.status in action.statuses:
                    url = reverse(f"admin:jobs_scrapejob_{action.name}", args=[job.id])
                    buttons.append({"name": action.name, "label": action.label, "url": url})
        if self.has_add_permission(request):
            url = reverse("admin:jobs_scrapejob_add") + f"?from={job.id}"
            buttons.append({"name": "run-again", "label": "Run again", "url": url})
        return buttons

    def action_view(self, request, object_id, action):
        job = self.get_object(request, unquote(object_id))
        if not self.has_act_permission(request, job):
            raise PermissionDenied
        spec = JOB_ACTIONS[action]
        change_url = reverse("admin:jobs_scrapejob_change", args=[job.id])
        if request.method == "POST":
            try:
                spec.service()(job)
            except REFUSALS as exc:
                self.message_user(request, str(exc), messages.WARNING)
            else:
                self.message_user(request, f"Job {str(job.id)[:8]} {spec.done}.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{spec.label} job {str(job.id)[:8]}?",
            "opts": self.opts,
            "job": job,
            "job_query": show.query_text(job),
            "action": spec,
            "allowed": job.status in spec.statuses,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/jobs/scrapejob/confirm_action.html", context)

    # The list's live rows: the visible active jobs, polled by jobs/admin/job_console.js.

    def status_counts(self, request) -> dict[str, int]:
        # Every open list polls, and each page load shows them: the counts (a GROUP BY over all the
        # jobs in view) are shared for a few seconds per scope; the rows are always read fresh.
        scope = "all" if request.user.is_superuser else request.user.pk
        return cache.get_or_set(
            f"leadengine:admin-job-counts:{scope}",
            lambda: show.status_counts(self.get_queryset(request)),
            LIVE_COUNTS_SECONDS,
        )

    def changelist_view(self, request, extra_context=None):
        counts = self.status_counts(request)
        extra = {
            **(extra_context or {}),
            "status_counts": list(counts.items()),
            "live_url": reverse("admin:jobs_scrapejob_live"),
            "live_ms": LIVE_SECONDS * 1000,
            "active_statuses": " ".join(ACTIVE_STATUSES),
            # The console's columns need the width: the app list stays one click away (breadcrumbs).
            "is_nav_sidebar_enabled": False,
        }
        return super().changelist_view(request, extra)

    def live_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        ids = []
        for value in request.GET.getlist("id")[:LIVE_MAX_ROWS]:
            try:
                ids.append(UUID(value))
            except ValueError:
                continue
        rows = self.get_queryset(request).filter(id__in=ids) if ids else []
        live = [show.live_row(job) for job in rows]
        return JsonResponse({"jobs": live, "counts": self.status_counts(request)})

    # Columns and fields.

    @admin.display(description="id")
    def short_id(self, job):
        return str(job.id)[:8]

    @admin.display(description="status", ordering="status")
    def status_badge(self, job):
        return show.badge(job)

    @admin.display(description="query")
    def query(self, job):
        text = show.query_text(job)
        return format_html('<span title="{}">{}</span>', text, show.clipped(text, show.QUERY_CHARS))

    @admin.display(description="found", ordering="total_found")
    def found(self, job):
        return job.total_found

    @admin.display(description="new", ordering="total_processed")
    def saved(self, job):
        return job.total_processed

    @admin.display(description="dup.", ordering="total_duplicates")
    def dups(self, job):
        return job.total_duplicates

    @admin.display(description="progress", ordering="progress")
    def progress_display(self, job):
        return show.progress_bar(job)

    @admin.display(description="error")
    def error_short(self, job):
        if not job.error:
            return "-"
        return format_html('<span title="{}">{}</span>', show.clipped(job.error, 300), show.error_line(job))

    @admin.display(description="created", ordering="created_at")
    def created(self, job):
        return show.seconds(job.created_at)

    @admin.display(description="started")
    def started(self, job):
        return show.seconds(job.started_at)

    @admin.display(description="completed")
    def completed(self, job):
        return show.seconds(job.completed_at)

    @admin.display(description="last heartbeat")
    def heartbeat(self, job):
        return show.seconds(job.heartbeat_at)

    @admin.display(description="sent to the broker")
    def dispatched(self, job):
        return show.seconds(job.dispatched_at)

    @admin.display(description="duration")
    def duration_display(self, job):
        return show.duration_text(job)

    @admin.display(description="criteria")
    def criteria_display(self, job):
        return show.criteria_html(job)

    @admin.display(description="pages")
    def pages_display(self, job):
        return f"{job.pages_done} done of {job.pages_planned} planned"

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

    # List actions (the same services as the buttons).

    @admin.action(description="Retry selected failed or cancelled jobs", permissions=["act"])
    def retry_jobs(self, request, queryset: QuerySet):
        self._apply(request, queryset, services.job_retry, "queued again")

    @admin.action(description="Cancel selected queued or running jobs", permissions=["act"])
    def cancel_jobs(self, request, queryset: QuerySet):
        self._apply(request, queryset, services.job_cancel, "cancelled")

    def _apply(self, request, queryset, service, done: str) -> None:
        changed, refused = 0, []
        for job in queryset:
            try:
                service(job)
                changed += 1
            except REFUSALS as exc:
                refused.append(f"{str(job.id)[:8]}: {exc}")
        if changed:
            self.message_user(request, f"{changed} job(s) {done}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)
