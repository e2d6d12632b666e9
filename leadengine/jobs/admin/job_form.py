"""The admin's "Add scrape job" form: the API's criteria as form fields, checked by the API's serializer.

One validator for every surface: `clean()` hands the form's values to `ScrapeJobCreateSerializer` and
puts its errors back on the form's fields, so the admin refuses exactly what the API refuses, with the
same words. Lists are typed one item per line; `filters` has a field per key the sources read.
"""

from __future__ import annotations

from typing import Any

from django import forms

from leadengine.jobs.models import ScrapeJob
from leadengine.jobs.serializers import ScrapeJobCreateSerializer
from scraping.sources import source_names

LIST_FIELDS = ("keywords", "urls")
# The filters the sources read: form field name -> key of `filters`.
FILTER_FIELDS = {"company_size": "company_size"}


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _company_size(value: str) -> str | list[str]:
    sizes = [part.strip() for part in value.split(",") if part.strip()]
    return sizes[0] if len(sizes) == 1 else sizes


class JobCriteriaForm(forms.Form):
    search_query = forms.CharField(
        required=False, help_text="What to search for, e.g. “dental clinics in Lyon”."
    )
    industry = forms.CharField(required=False)
    geography = forms.CharField(required=False, help_text="A city, region or country.")
    keywords = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    urls = forms.CharField(
        label="URLs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Websites to visit, one per line (http:// or https://). The website source needs them.",
    )
    source_types = forms.MultipleChoiceField(
        label="Sources",
        required=False,
        choices=[(name, name) for name in source_names()],
        widget=forms.CheckboxSelectMultiple,
        initial=["website"],
    )
    company_size = forms.CharField(
        label="Company size",
        required=False,
        help_text="Filter (Crunchbase): employee ranges, e.g. 11-50, or 11-50, 51-100.",
    )
    max_results = forms.IntegerField(label="Max results", required=False, initial=100)
    enrich = forms.BooleanField(
        required=False, initial=True, help_text="Visit the websites found to fill e-mails and phones."
    )

    criteria: dict[str, Any]

    def api_data(self) -> dict[str, Any]:
        """The form's values as the API's JSON body."""
        cleaned = self.cleaned_data
        data: dict[str, Any] = {
            name: cleaned.get(name, "") for name in ("search_query", "industry", "geography")
        }
        for name in LIST_FIELDS:
            data[name] = lines(cleaned.get(name, ""))
        data["source_types"] = cleaned.get("source_types") or []
        filters = {}
        for field, key in FILTER_FIELDS.items():
            if value := (cleaned.get(field) or "").strip():
                filters[key] = _company_size(value) if key == "company_size" else value
        data["filters"] = filters
        if cleaned.get("max_results") is not None:
            data["max_results"] = cleaned["max_results"]
        data["enrich"] = bool(cleaned.get("enrich"))
        return data

    def clean(self):
        cleaned = super().clean()
        data = self.api_data()
        serializer = ScrapeJobCreateSerializer(data=data)
        if serializer.is_valid():
            self.criteria = dict(serializer.validated_data)
        else:
            for name, detail in serializer.errors.items():
                self._add_api_error(name, detail, data.get(name))
        return cleaned

    def _add_api_error(self, name: str, detail, value) -> None:
        if name == "filters" and isinstance(detail, dict):
            for key, messages in detail.items():
                field = next((f for f, k in FILTER_FIELDS.items() if k == key), None)
                self._add(
                    field, [f"{key}: {m}" for m in _flat(messages)] if field is None else _flat(messages)
                )
            return
        if isinstance(detail, dict):
            # A list field: errors by item index. Name the item: blank lines are not counted.
            messages = []
            for index, item_messages in detail.items():
                item = value[index] if isinstance(value, list) and index < len(value) else index
                messages += [f"{item}: {m}" for m in dict.fromkeys(_flat(item_messages))]
        else:
            messages = _flat(detail)
        field = name if name in self.fields else None
        self._add(
            field, messages if field or name == "non_field_errors" else [f"{name}: {m}" for m in messages]
        )

    def _add(self, field: str | None, messages: list[str]) -> None:
        if field and field in self.errors:
            return  # the form field's own check already said what is wrong
        for message in messages:
            self.add_error(field, message)


def _flat(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flat(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flat(value)]
    return [str(detail)]


def initial_from(job: ScrapeJob) -> dict[str, Any]:
    """The add form filled with a job's criteria: "Run again"."""
    size = job.filters.get("company_size") if isinstance(job.filters, dict) else None
    return {
        "search_query": job.search_query,
        "industry": job.industry,
        "geography": job.geography,
        "keywords": "\n".join(job.keywords),
        "urls": "\n".join(job.urls),
        "source_types": list(job.source_types),
        "company_size": ", ".join(size) if isinstance(size, list) else (size or ""),
        "max_results": job.max_results,
        "enrich": job.enrich,
    }
