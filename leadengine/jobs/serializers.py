"""API input validation and output shapes. Field names follow the seed API's, so its clients keep working.

`ScrapeJobCreateSerializer` is the one validator of a job's criteria: the API, `manage.py scrape` and
the admin's add form all validate with it, so a job is refused at the door with the same reason on
every surface:
- a job whose sources are all unconfigured on this server, naming the setting each one needs (in a
  job that also has a configured source, an unconfigured one only warns at run time and the others run);
- a URL that is not http or https;
- a `filters` key other than the known ones (FILTERS), or a value they cannot use;
- `max_results` above SCRAPE_MAX_RESULTS_CAP;
- a `priority` other than high, normal or low;
- nothing to search for, or a source left without what it searches with.

The fields read JSON bodies and form input alike (`api.fields`): the browsable API's HTML form posts
lists one item a line and `filters` as JSON text.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.conf import settings
from rest_framework import serializers

from leadengine.jobs.api.fields import (
    CheckboxField,
    HttpUrlField,
    JSONObjectField,
    LinesField,
    SourcesField,
)
from leadengine.jobs.models import JobPriority, RawLead, ScrapeJob
from scraping.errors import ConfigurationError
from scraping.sources.crunchbase import employee_enums
from scraping.sources.search import backend_for
from scraping.types import ScrapeSettings

MAX_KEYWORDS = 20
MAX_URLS = 200
MAX_FILTERS_BYTES = 4096
MAX_FILTERS_DEPTH = 3
DEFAULT_MAX_RESULTS = 100

# The keys of `filters` that some part of LeadEngine reads, and what they do.
FILTERS = {
    "company_size": 'crunchbase: employee range, "11-50" or "10001+", or a list of them',
    "enrichment": "true: merge what is found into your leads of the same companies",
}
SEARCH_WORDS = ("search_query", "industry", "geography", "keywords")
# What each source searches with: it needs one of these criteria.
SOURCE_NEEDS = {
    "website": ("urls",),
    "google": SEARCH_WORDS,
    "linkedin": SEARCH_WORDS,
    "crunchbase": (*SEARCH_WORDS, "filters.company_size"),
}

# A valid body, shown by the browsable API's Raw data tab and by the API docs.
EXAMPLE = {
    "search_query": "saas companies sydney",
    "industry": "SaaS",
    "geography": "Sydney, Australia",
    "keywords": ["B2B", "enterprise"],
    "source_types": ["website"],
    "urls": ["https://example.com/"],
    "filters": {},
    "max_results": DEFAULT_MAX_RESULTS,
    "enrich": True,
    "priority": "normal",
}


def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level)
    return level - 1


class MaxResultsField(serializers.IntegerField):
    """Leads per source, 1 to SCRAPE_MAX_RESULTS_CAP (read whenever a serializer is made)."""

    def __init__(self, **kwargs):
        cap = settings.SCRAPE_MAX_RESULTS_CAP
        kwargs["error_messages"] = {
            "max_value": f"Ensure this value is at most {cap}: SCRAPE_MAX_RESULTS_CAP caps it per source."
        }
        super().__init__(min_value=1, max_value=cap, **kwargs)


def discovery_settings() -> ScrapeSettings:
    """The settings that say which discovery sources this server can run."""
    return ScrapeSettings(
        search_backend=settings.SEARCH_BACKEND,
        searxng_url=settings.SEARXNG_URL,
        serpapi_api_key=settings.SERPAPI_API_KEY,
        brave_api_key=settings.BRAVE_API_KEY,
        crunchbase_api_key=settings.CRUNCHBASE_API_KEY,
    )


def unconfigured(source: str, scrape_settings: ScrapeSettings) -> str:
    """Why `source` cannot run on this server, naming the setting ("" when it can): the message the
    source itself reports when it starts."""
    try:
        if SOURCE_NEEDS.get(source) == SEARCH_WORDS:
            backend_for(scrape_settings, source)
        elif source == "crunchbase" and not scrape_settings.crunchbase_api_key:
            raise ConfigurationError("crunchbase needs CRUNCHBASE_API_KEY")
    except ConfigurationError as exc:
        return str(exc)
    return ""


def _filter_problem(key: str, value: Any) -> str:
    """Why a known filter's value cannot be used ("" when it can)."""
    if key == "enrichment":
        return "" if isinstance(value, bool) else "filters.enrichment must be true or false."
    if value in (None, "", []):
        return ""
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in items):
        return 'filters.company_size must be a range like "11-50" or "10001+", or a list of them.'
    try:
        enums = employee_enums(value)
    except ConfigurationError as exc:
        return str(exc)
    return "" if enums else f"filters.company_size {value!r} matches no employee range."


class ScrapeJobCreateSerializer(serializers.Serializer):
    """The criteria of a new job; the one validator of every surface that creates jobs."""

    industry = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    geography = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    keywords = LinesField(
        child=serializers.CharField(max_length=100),
        max_length=MAX_KEYWORDS,
        required=False,
        default=list,
        help_text="Words a lead should match. In a form: one a line, or comma separated.",
    )
    source_types = SourcesField(
        required=False,
        default=lambda: ["website"],
        initial=["website"],
        help_text=(
            "Sources to run. google and linkedin need a search backend (SEARXNG_URL, SERPAPI_API_KEY "
            "or BRAVE_API_KEY), crunchbase needs CRUNCHBASE_API_KEY."
        ),
    )
    search_query = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    filters = JSONObjectField(
        required=False,
        default=dict,
        example='{"company_size": "11-50"}',
        help_text="Known keys: " + "; ".join(f"{key} ({what})" for key, what in FILTERS.items()) + ".",
    )
    urls = LinesField(
        child=HttpUrlField(max_length=2000),
        max_length=MAX_URLS,
        required=False,
        default=list,
        help_text="http or https start URLs of the website source. In a form: one a line.",
    )
    max_results = MaxResultsField(
        required=False,
        default=DEFAULT_MAX_RESULTS,
        initial=DEFAULT_MAX_RESULTS,
        help_text="Leads per source, at most SCRAPE_MAX_RESULTS_CAP.",
    )
    enrich = CheckboxField(
        required=False,
        default=True,
        initial=True,
        help_text="Visit the websites that discovery sources find.",
    )
    priority = serializers.ChoiceField(
        choices=JobPriority.choices,
        required=False,
        default=JobPriority.NORMAL,
        initial=JobPriority.NORMAL,
        help_text="high, normal or low: each waits in a queue of its own, so high jobs never wait "
        "behind low ones.",
    )

    def validate_urls(self, value):
        return list(dict.fromkeys(value))

    def validate_filters(self, value):
        if len(json.dumps(value)) > MAX_FILTERS_BYTES:
            raise serializers.ValidationError(f"Filters must be at most {MAX_FILTERS_BYTES} bytes of JSON.")
        if _depth(value) > MAX_FILTERS_DEPTH:
            raise serializers.ValidationError(f"Filters may nest at most {MAX_FILTERS_DEPTH} levels deep.")
        if unknown := sorted(set(value) - set(FILTERS)):
            raise serializers.ValidationError(
                f"Unknown filters: {', '.join(unknown)}. The known ones are {', '.join(FILTERS)}."
            )
        problems = [problem for key, item in value.items() if (problem := _filter_problem(key, item))]
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def validate(self, attrs):
        given = {name for name in ("urls", *SEARCH_WORDS) if attrs.get(name)}
        if attrs["filters"].get("company_size") not in (None, "", []):
            given.add("filters.company_size")
        if not given - {"geography", "filters.company_size"}:
            raise serializers.ValidationError(
                {
                    "non_field_errors": [
                        "Nothing to search for: give at least one of search_query, industry, keywords "
                        "or urls."
                    ]
                }
            )
        errors: dict[str, list[str]] = {}
        for source in attrs["source_types"]:
            needs = SOURCE_NEEDS.get(source, ())
            if needs and not given & set(needs):
                if needs == ("urls",):
                    errors.setdefault("urls", []).append(f"The {source} source needs at least one URL.")
                else:
                    errors.setdefault("non_field_errors", []).append(
                        f"The {source} source needs {', '.join(needs[:-1])} or {needs[-1]} to search for; "
                        "urls are visited by the website source only."
                    )
        scrape_settings = discovery_settings()
        reasons = [unconfigured(source, scrape_settings) for source in attrs["source_types"]]
        if all(reasons):
            errors["source_types"] = [
                f"Not configured on this server: {reason}. Set it, or add a configured source."
                for reason in reasons
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ScrapeJobSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(source="id", read_only=True)
    user_id = serializers.IntegerField(source="owner_id", read_only=True)

    class Meta:
        model = ScrapeJob
        fields = [
            "job_id",
            "user_id",
            "status",
            "industry",
            "geography",
            "keywords",
            "source_types",
            "search_query",
            "filters",
            "urls",
            "max_results",
            "enrich",
            "priority",
            "total_found",
            "total_processed",
            "total_duplicates",
            "progress",
            "pages_done",
            "pages_planned",
            "attempts",
            "error",
            "warnings",
            "created_at",
            "started_at",
            "completed_at",
        ]
        read_only_fields = fields


@cache
def _job_representer() -> ScrapeJobSerializer:
    serializer = ScrapeJobSerializer()
    serializer.fields  # noqa: B018  bound here, before any thread shares the serializer
    return serializer


def job_data(job: ScrapeJob) -> dict[str, Any]:
    """`job` as ScrapeJobSerializer shows it, from one serializer built once per process.

    A ModelSerializer builds its fields again for every instance (about half a millisecond for a job's
    25, a tenth of a create request); reading a job with them changes nothing in them, so one bound
    serializer serves every request, as a `many=True` serializer's child serves every row.
    """
    return _job_representer().to_representation(job)


class RawLeadSerializer(serializers.ModelSerializer):
    lead_id = serializers.UUIDField(source="id", read_only=True)
    job_id = serializers.UUIDField(read_only=True)

    class Meta:
        model = RawLead
        fields = [
            "lead_id",
            "job_id",
            "source",
            "company_name",
            "website",
            "email",
            "phone",
            "location",
            "confidence",
            "source_url",
            "raw_payload",
            "data_hash",
            "scraped_at",
        ]
        read_only_fields = fields
