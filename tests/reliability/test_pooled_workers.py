"""Trial: workers of two machines through PgBouncer, against one worker connected straight to PostgreSQL.

Each "machine" is a `rundramatiq` process of its own (2 processes x 4 threads) with an environment of
its own, its DATABASE_URL pointing at PgBouncer in transaction pooling mode (DATABASE_POOLER=pgbouncer)
with POOL server connections. They run 200 jobs; a single worker on PostgreSQL directly runs the same
200 jobs for another owner first. Five jobs share each site, so which job saves a company first, and
which ones count it a duplicate, depends on timing: the comparison is of what is order-free (each job's
finds, the owner's leads, the totals). The server connections on the test database never exceed POOL
while some 20 client connections share them.
"""

import time

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.integration.pgbouncer import PgBouncer, server_connections
from tests.integration.workers import report, wait_for

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

JOBS = 200
SITES = 40
POOL = 4
# Many small jobs: one page a site, so the trial measures the database path, not the crawl.
SMALL_JOBS = {"SCRAPE_MAX_PAGES_PER_SITE": "1", "SCRAPE_OBEY_ROBOTS_TXT": "0"}


@pytest.fixture
def pgbouncer(tmp_path):
    bouncer = PgBouncer(tmp_path, pool_size=POOL)
    yield bouncer
    bouncer.stop()


def _create_jobs(owner, pool) -> list[ScrapeJob]:
    return [
        services.job_create(
            owner=owner,
            criteria={
                "industry": "SaaS",
                "source_types": ["website"],
                "urls": [pool[n % SITES].url],
            },
        )
        for n in range(JOBS)
    ]


def _results(owner, jobs: list[ScrapeJob]) -> dict:
    """What does not depend on which job ran first."""
    rows = ScrapeJob.objects.filter(owner=owner)
    by_id = {job.id: (job.status, job.error, job.total_found) for job in rows}
    return {
        "jobs": [by_id[job.id] for job in jobs],  # in creation order: job n has the same sites for both
        "leads": set(RawLead.objects.filter(owner=owner).values_list("company_name", "email", "website")),
        "totals": rows.aggregate(
            found=Sum("total_found"), processed=Sum("total_processed"), duplicates=Sum("total_duplicates")
        ),
    }


def _all_finished(owner) -> bool:
    return not ScrapeJob.objects.filter(owner=owner, status__in=["queued", "running", "retrying"]).exists()


def test_two_machines_through_pgbouncer_match_one_worker_on_few_connections(
    processes, pgbouncer, sites, settings
):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1000
    users = get_user_model().objects
    single_owner, pooled_owner = users.create_user("single"), users.create_user("pooled")
    pool = [sites.add() for _ in range(SITES)]

    # One worker process, straight to PostgreSQL.
    single = processes.worker("single", threads=4, **SMALL_JOBS)
    started = time.monotonic()
    single_jobs = _create_jobs(single_owner, pool)
    wait_for(lambda: _all_finished(single_owner), 120, "the single worker's jobs", interval=0.2)
    single_seconds = time.monotonic() - started
    single.stop()
    wait_for(lambda: server_connections() == 0, 10, "the single worker's connections to close")

    # Two machines through PgBouncer.
    machines = [
        processes.worker(
            f"machine-{name}",
            threads=4,
            processes=2,
            ready=False,
            DATABASE_URL=pgbouncer.url(f"machine-{name}"),
            DATABASE_POOLER="pgbouncer",
            CONN_MAX_AGE="60",
            **SMALL_JOBS,
        )
        for name in "AB"
    ]
    for machine in machines:
        machine.wait_ready(60)
    started = time.monotonic()
    pooled_jobs = _create_jobs(pooled_owner, pool)
    most_servers = most_clients = 0
    deadline = time.monotonic() + 120
    while not _all_finished(pooled_owner):
        assert time.monotonic() < deadline, "the pooled workers' jobs did not finish in 120 s"
        most_servers = max(most_servers, server_connections("machine-"))
        stats = pgbouncer.pool()
        most_clients = max(most_clients, stats["cl_active"] + stats["cl_waiting"])
        time.sleep(0.1)
    pooled_seconds = time.monotonic() - started
    most_servers = max(most_servers, server_connections("machine-"))

    single_result, pooled_result = _results(single_owner, single_jobs), _results(pooled_owner, pooled_jobs)
    report(
        "two machines through PgBouncer",
        jobs=JOBS,
        pool_size=POOL,
        most_server_connections=most_servers,
        most_client_connections=most_clients,
        pooled_seconds=round(pooled_seconds, 1),
        single_worker_seconds=round(single_seconds, 1),
        leads=len(pooled_result["leads"]),
    )
    assert pooled_result["jobs"] == [(JobStatus.COMPLETED, "", 1)] * JOBS
    assert pooled_result == single_result
    assert pooled_result["totals"] == {"found": JOBS, "processed": SITES, "duplicates": JOBS - SITES}
    # Both machines took part, and their clients outnumbered the server connections they shared.
    assert all("completed in" in machine.log() for machine in machines)
    assert most_servers <= POOL < most_clients
