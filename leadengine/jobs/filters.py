"""Query filters of jobs and leads: the API's list filters, and the filters a lead export accepts."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from leadengine.jobs import selectors
from leadengine.jobs.models import JobPriority, JobStatus, RawLead, ScrapeJob
from scraping.sources import source_names


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time turned into UTC: ISO allows offsets PostgreSQL refuses (beyond 15:59), and
    a date at the edge of the calendar may have no UTC time at all; both are a 400, not a 500."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(
                "Enter a date and time within years 1 to 9999.", code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ScrapeJobFilter(django_filters.FilterSet):
    # A column of the job itself cannot repeat a row: no DISTINCT (django-filter's default), which
    # sorted every matching job by all its columns.
    status = django_filters.MultipleChoiceFilter(choices=JobStatus.choices, distinct=False)
    priority = django_filters.ChoiceFilter(choices=JobPriority.choices)
    source_type = django_filters.ChoiceFilter(
        choices=[(name, name) for name in source_names()], method="filter_source_type"
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = ScrapeJob
        fields = ["status"]

    def filter_source_type(self, queryset, name, value):
        return selectors.jobs_with_source(queryset, value)


class RawLeadFilter(django_filters.FilterSet):
    job = django_filters.UUIDFilter(field_name="job_id")
    source = django_filters.ChoiceFilter(choices=[(name, name) for name in source_names()])
    has_email = django_filters.BooleanFilter(method="filter_has_email")
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    scraped_after = UtcIsoDateTimeFilter(field_name="scraped_at", lookup_expr="gte")

    class Meta:
        model = RawLead
        fields = ["source"]

    def filter_has_email(self, queryset, name, value):
        return queryset.exclude(email="") if value else queryset.filter(email="")

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(company_name__icontains=value) | Q(website__icontains=value) | Q(email__icontains=value)
        )
