"""LeadEngine's database work from several threads at once, each with its own connection: run by
tests/integration/test_pgbouncer.py in a process of its own whose DATABASE_URL goes through PgBouncer in
transaction pooling mode with fewer server connections than threads, so that statements of one client
land on server connections another client used a moment before.

What would break there: a prepared statement (the lead INSERT runs many times on one connection), a
server-side cursor (iterator() over leads), anything set on a session. Prints one JSON line.
"""

import json
import os
import sys
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadengine.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from leadengine import health  # noqa: E402
from leadengine.jobs import exports, selectors, services  # noqa: E402
from leadengine.jobs.models import RawLead, ScrapeJob  # noqa: E402
from scraping.types import Lead  # noqa: E402

THREADS, BATCHES, PER_BATCH = 6, 8, 3


def client(tag: str, number: int, rows: dict, errors: list) -> None:
    try:
        user = get_user_model().objects.create_user(f"pooled-{tag}-{number}")
        job = services.job_create(
            owner=user, criteria={"source_types": ["website"], "urls": ["https://a.example/"]}
        )
        job = services.job_claim(job.id)
        for batch in range(BATCHES):
            leads = [
                Lead(
                    source="website",
                    company_name=f"Co {number}-{batch}-{i}",
                    website=f"https://c{number}-{batch}-{i}.example/",
                )
                for i in range(PER_BATCH)
            ]
            services.job_save_leads(job, leads)
            services.job_heartbeat(job, pages_done=batch + 1, pages_planned=BATCHES)
        services.job_complete(job, warnings=[])
        # A chunked iterator: a server-side cursor unless DISABLE_SERVER_SIDE_CURSORS.
        exported = sum(1 for _ in exports.lead_queryset(owner_id=user.pk).iterator(chunk_size=2))
        with transaction.atomic():
            locked = list(ScrapeJob.objects.select_for_update(skip_locked=True).filter(owner=user))
        assert health.check_database()["ok"]
        selectors.job_counts_by_status()
        rows[number] = {
            "exported": exported,
            "saved": RawLead.objects.filter(owner=user).count(),
            "locked": len(locked),
            "processed": ScrapeJob.objects.get(id=job.id).total_processed,
            "prepare_threshold": connection.connection.prepare_threshold,
        }
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


def main(tag: str) -> None:
    rows: dict = {}
    errors: list = []
    threads = [threading.Thread(target=client, args=(tag, n, rows, errors)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = services.requeue_stale()
    print(json.dumps({"rows": rows, "errors": errors, "requeued": result.requeued}))


if __name__ == "__main__":
    main(sys.argv[1])
