"""Worker heartbeats in the admin: which worker processes said they were alive, and when."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

from leadengine.jobs import workers
from leadengine.jobs.admin.base import DeletesThroughWriter
from leadengine.jobs.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(DeletesThroughWriter, admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "queues", "started_at", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_rows(self, queryset: QuerySet) -> int:
        return workers.heartbeats_delete(queryset)
