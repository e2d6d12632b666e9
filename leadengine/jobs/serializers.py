"""API input validation and output shapes. Field names follow the seed API's, so its clients keep working."""

import json

from django.core.validators import URLValidator
from rest_framework import serializers

from leadengine.jobs.models import RawLead, ScrapeJob
from scraping.sources import source_names

MAX_KEYWORDS = 20
MAX_URLS = 200
MAX_FILTERS_BYTES = 4096
MAX_FILTERS_DEPTH = 3
MAX_RESULTS = 1000


def _depth(value, level: int = 1) -> int:
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level)
    return level - 1


class ScrapeJobCreateSerializer(serializers.Serializer):
    industry = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    geography = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_KEYWORDS, required=False, default=list
    )
    source_types = serializers.ListField(
        child=serializers.ChoiceField(choices=source_names()),
        min_length=1,
        max_length=len(source_names()),
        required=False,
        default=lambda: ["website"],
    )
    search_query = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    filters = serializers.DictField(required=False, default=dict)
    urls = serializers.ListField(
        child=serializers.URLField(max_length=2000, validators=[URLValidator(schemes=["http", "https"])]),
        max_length=MAX_URLS,
        required=False,
        default=list,
    )
    max_results = serializers.IntegerField(min_value=1, max_value=MAX_RESULTS, required=False, default=100)
    enrich = serializers.BooleanField(required=False, default=True)

    def validate_source_types(self, value):
        return list(dict.fromkeys(value))

    def validate_filters(self, value):
        if len(json.dumps(value)) > MAX_FILTERS_BYTES:
            raise serializers.ValidationError(f"Filters must be at most {MAX_FILTERS_BYTES} bytes of JSON.")
        if _depth(value) > MAX_FILTERS_DEPTH:
            raise serializers.ValidationError(f"Filters may nest at most {MAX_FILTERS_DEPTH} levels deep.")
        return value

    def validate_urls(self, value):
        return list(dict.fromkeys(value))

    def validate(self, attrs):
        if not any(attrs.get(name) for name in ("search_query", "industry", "keywords", "urls")):
            raise serializers.ValidationError(
                {"non_field_errors": ["Give at least one of search_query, industry, keywords or urls."]}
            )
        if "website" in attrs["source_types"] and not attrs["urls"]:
            raise serializers.ValidationError({"urls": ["The website source needs at least one URL."]})
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
