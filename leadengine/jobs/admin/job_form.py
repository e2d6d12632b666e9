"""The admin's "Add scrape job" form: the API's criteria as form fields, checked by the API's serializer.

One validator for every surface: `clean()` hands the form's values to `ScrapeJobCreateSerializer` and
puts its errors back on the form's fields, so the admin refuses exactly what the API refuses, with the
same words. Lists are typed one item per line; `filters` has a field per key the sources read.
"""

from __future__ import annotations

from typing import Any

from django import forms

from leadengine.jobs.models import JobPriority, ScrapeJob
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
    priority = forms.ChoiceField(
        choices=JobPriority.choices,
        required=False,
        initial=JobPriority.NORMAL,
        help_text="Each priority waits in a queue of its own: high jobs never wait behind low ones.",
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
        if cleaned.get("priority"):
            data["priority"] = cleaned["priority"]
        return data

    def clean(self):
        cleaned = super().clean()
        criteria = validated_criteria(self, self.api_data(), FILTER_FIELDS)
        if criteria is not None:
            self.criteria = criteria
        return cleaned


def validated_criteria(form: forms.Form, data: dict[str, Any], filter_fields: dict[str, str]) -> dict | None:
    """`data` checked by the API's create serializer: the criteria, or None with its errors put on `form`.

    Errors go to the form field of the same name (to `filter_fields`' field for a filter key), else
    above the form; a list item's error names the item. A field whose own check already failed keeps
    its own message.
    """
    serializer = ScrapeJobCreateSerializer(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    for name, detail in serializer.errors.items():
        if name == "filters" and isinstance(detail, dict):
            for key, messages in detail.items():
                field = next((f for f, k in filter_fields.items() if k == key), None)
                _add(form, field, _flat(messages) if field else [f"{key}: {m}" for m in _flat(messages)])
            continue
        messages = _item_messages(detail, data.get(name)) if isinstance(detail, dict) else _flat(detail)
        if name in form.fields:
            _add(form, name, messages)
        else:
            _add(form, None, messages if name == "non_field_errors" else [f"{name}: {m}" for m in messages])
    return None


def _item_messages(detail: dict, value) -> list[str]:
    """A list field's errors by item index, each naming its item (blank lines are not counted)."""
    messages = []
    for index, item_messages in detail.items():
        item = value[index] if isinstance(value, list) and index < len(value) else index
        messages += [f"{item}: {m}" for m in dict.fromkeys(_flat(item_messages))]
    return messages


def _add(form: forms.Form, field: str | None, messages: list[str]) -> None:
    if field and field in form.errors:
        return  # the form field's own check already said what is wrong
    for message in messages:
        form.add_error(field, message)


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
        "priority": job.priority,
    }
