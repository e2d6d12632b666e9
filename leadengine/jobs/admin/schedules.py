"""Schedules in the admin: criteria run every N seconds or on a cron expression, saved by `schedules`.

A schedule's criteria pass the same check as a job's in the API and the add-job form (the API's
create serializer), so a schedule never keeps creating jobs the API would refuse.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leadengine.jobs import schedules
from leadengine.jobs.admin.base import DeletesThroughWriter, OwnedAdmin
from leadengine.jobs.admin.job_form import validated_criteria
from leadengine.jobs.models import JobPriority, ScrapeSchedule


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out, a schedule's jobs are low priority (the model's default).
        self.fields["priority"].required = False

    def clean(self):
        cleaned = super().clean()
        cleaned["priority"] = cleaned.get("priority") or JobPriority.LOW
        try:
            schedules.validate_timing(
                interval_seconds=cleaned.get("interval_seconds"), cron=cleaned.get("cron") or ""
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        if not cleaned.get("source_types"):
            self.add_error("source_types", 'Give the sources to run, e.g. ["website"].')
        criteria = {
            name: cleaned[name] for name in ScrapeSchedule.CRITERIA_FIELDS if cleaned.get(name) is not None
        }
        validated_criteria(self, criteria, {})
        return cleaned


@admin.register(ScrapeSchedule)
class ScrapeScheduleAdmin(OwnedAdmin, DeletesThroughWriter, admin.ModelAdmin):
    form = ScrapeScheduleForm
    list_display = [
        "name",
        "owner",
        "enabled",
        "interval_seconds",
        "cron",
        "priority",
        "next_run_at",
        "last_run_at",
        "last_job",
        "last_error",
    ]
    list_filter = ["enabled", "priority"]
    search_fields = ["name", "search_query", "industry"]
    list_select_related = ["owner", "last_job"]
    raw_id_fields = ["owner"]
    readonly_fields = ["last_run_at", "last_job", "last_error"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # Staff schedule jobs for themselves; superusers may for anyone.
        return fields if request.user.is_superuser else [name for name in fields if name != "owner"]

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_superuser:
            obj.owner = request.user
        if (
            change
            and {"interval_seconds", "cron"} & set(form.changed_data)
            and "next_run_at" not in form.changed_data
        ):
            obj.next_run_at = None  # a new timing starts from now
        schedules.schedule_save(obj)

    def delete_rows(self, queryset: QuerySet) -> int:
        return schedules.schedules_delete(queryset)
