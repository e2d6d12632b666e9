"""Trigram indexes for the admin's searches (icontains is UPPER(col) LIKE UPPER('%term%')); PostgreSQL only.

Measured by tests/benchmarks/bench_reads.py: without them each search is a sequential scan of the
table, run three times by the jobs change list (count, page, date hierarchy).
"""

from django.db import migrations

INDEXES = {
    "lead_company_trgm": ("jobs_rawlead", "company_name"),
    "lead_website_trgm": ("jobs_rawlead", "website"),
    "lead_email_trgm": ("jobs_rawlead", "email"),
    "job_query_trgm": ("jobs_scrapejob", "search_query"),
    "job_industry_trgm": ("jobs_scrapejob", "industry"),
    "job_geography_trgm": ("jobs_scrapejob", "geography"),
    "job_error_trgm": ("jobs_scrapejob", "error"),
}
# The admin's exact-match search fields ("=data_hash", "=id") compare UPPER(column): without an index
# on that expression the OR of all search fields cannot become a bitmap of index scans.
EXACT_INDEXES = {
    "lead_hash_upper": ("jobs_rawlead", 'UPPER("data_hash"::text)'),
    "job_id_upper": ("jobs_scrapejob", 'UPPER("id"::text)'),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        # The expression matches what Django's icontains lookup generates, so the planner can use it.
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    for name, (table, expression) in EXACT_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (({expression}))")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in [*INDEXES, *EXACT_INDEXES]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_operations")]
    operations = [migrations.RunPython(create_indexes, drop_indexes)]
