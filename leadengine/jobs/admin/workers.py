"""Worker heartbeats in the admin: which worker processes said they were alive, and when.

The list shows, by default, the workers alive by the same rule as the operations page and /healthz
(`selectors.workers_seen`: a heartbeat within WORKER_SEEN_WITHIN, and this process's embedded
workers, which write no rows); "All" shows the rows kept for the dead ones too.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.utils import timezone

from leadengine.jobs import selectors, workers
from leadengine.jobs.admin.base import DeletesThroughWriter
from leadengine.jobs.models import WorkerHeartbeat


class AliveFilter(admin.SimpleListFilter):
    title = "alive"
    parameter_name = "alive"

    def lookups(self, request, model_admin):
        return [("yes", f"Seen in the last {settings.WORKER_SEEN_WITHIN:.0f}s"), ("all", "All")]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "yes") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        ids = [worker.pk for worker in selectors.workers_seen() if worker.pk is not None]
        return queryset.filter(pk__in=ids)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(DeletesThroughWriter, admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "queues", "started_at", "seen_at", "alive"]
    list_filter = [AliveFilter]

    @admin.display(boolean=True)
    def alive(self, obj: WorkerHeartbeat) -> bool:
        return obj.seen_at >= timezone.now() - timedelta(seconds=settings.WORKER_SEEN_WITHIN)

    def changelist_view(self, request, extra_context=None):
        embedded = [worker for worker in selectors.workers_seen() if worker.pk is None]
        return super().changelist_view(request, {**(extra_context or {}), "embedded_workers": embedded})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, queryset: QuerySet) -> int:
        return workers.heartbeats_delete(queryset)
