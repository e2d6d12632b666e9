"""A trigram index on the job's URLs as the admin searches them (UPPER("urls"::text) LIKE ...); PostgreSQL only.

The job list's search ORs every search field: one field without an index (the URLs were the one)
turns the whole OR into a sequential scan of the job table, for the page and again for its count.
Measured by tests/benchmarks/bench_reads.py.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS job_urls_trgm ON jobs_scrapejob "
            'USING gin ((UPPER("urls"::text)) gin_trgm_ops)'
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS job_urls_trgm")


class Migration(migrations.Migration):
    dependencies = [("jobs", "0017_job_claimed_by")]
    operations = [migrations.RunPython(create_index, drop_index)]
