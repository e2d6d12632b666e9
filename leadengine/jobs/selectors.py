"""Reads that more than one caller needs."""

from django.db import connection
from django.db.models import QuerySet


def jobs_with_source(queryset: QuerySet, source: str) -> QuerySet:
    """Jobs whose source_types include `source`."""
    if connection.features.supports_json_field_contains:
        # PostgreSQL: jsonb containment.
        return queryset.filter(source_types__contains=[source])
    # SQLite stores the list as JSON text; the quotes keep "web" from matching "website".
    return queryset.filter(source_types__icontains=f'"{source}"')
