"""Trial 6, SIGTERM to a worker in the middle of its jobs; and the database connection lost during a job."""

import time

import pytest
from django.db import connection

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.integration.workers import (
    completions,
    create_job,
    expected_leads,
    leads_of,
    report,
    wait_finished,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

# Like `docker stop`: SIGTERM, then SIGKILL after a grace period. The worker must be gone before that.
GRACE = 6.0


def test_sigterm_hands_the_rest_of_a_job_to_another_worker_without_losing_or_doubling_a_lead(
    api, fresh_processes, sites
):
    first = fresh_processes.worker("term-A")
    # Two jobs, one on each of the worker's threads; each saves two leads quickly, then waits on a
    # third site whose contact page takes far longer than the grace period.
    job_sites = {}
    for _ in range(2):
        own = [sites.add(0.2), sites.add(0.5), sites.add(60)]
        job = create_job(api, [site.url for site in own])
        job_sites[job.id] = own
    jobs = list(job_sites)
    wait_for(
        lambda: all(RawLead.objects.filter(job_id=job_id).count() == 2 for job_id in jobs),
        20,
        "both jobs to save their first two leads",
    )
    saved_before = set(RawLead.objects.values_list("id", flat=True))

    started = time.monotonic()
    first.terminate()
    code = first.wait_exit(GRACE)
    exit_seconds = round(time.monotonic() - started, 1)
    if code is None:
        first.kill()
    for own in job_sites.values():
        own[2].contact_delay = 0.2  # the next worker's run need not wait a minute
    second = fresh_processes.worker("term-B")
    rows = list(ScrapeJob.objects.filter(id__in=jobs))
    wait_finished(rows)

    done = completions([second.log()])
    lost = sum(len(expected_leads(job_sites[job.id]) - leads_of(job)) for job in rows)
    doubled = sum(job.total_processed - 3 + job.total_duplicates for job in rows)
    report(
        "trial 6, SIGTERM mid-job",
        jobs=len(rows),
        handed_back=first.log().count("handed back"),
        lost=lost,
        doubled=doubled,
        exit_seconds=exit_seconds,
        seconds=round(time.monotonic() - started, 1),
    )
    assert code == 0, f"the worker did not stop within {GRACE}s of SIGTERM"
    assert first.log().count("handed back: worker shutting down") == 2
    for job in rows:
        assert job.status == JobStatus.COMPLETED and job.attempts == 1  # a hand-back is not a failed attempt
        assert leads_of(job) == expected_leads(job_sites[job.id])
        assert (job.total_found, job.total_processed, job.total_duplicates) == (3, 3, 0)
        assert done[str(job.id)] == 1
    # The batches saved before the signal were committed and kept, not saved again.
    assert saved_before <= set(RawLead.objects.values_list("id", flat=True))
    assert RawLead.objects.count() == 6 and (lost, doubled) == (0, 0)


def test_a_job_whose_database_connection_is_lost_is_retried_and_the_worker_survives(
    api, fresh_processes, sites
):
    worker = fresh_processes.worker("db-W")
    own = [sites.add(0.2), sites.add(1.5), sites.add(2.5)]
    job = create_job(api, [site.url for site in own])
    wait_for(lambda: RawLead.objects.filter(job=job).exists(), 20, "the first lead")

    # What a database restart does to a worker: its connections are cut.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
            [worker.name],
        )
        (terminated,) = cursor.fetchone()
    wait_finished([job])

    report(
        "database connection lost mid-job",
        jobs=1,
        connections_cut=terminated,
        attempts=job.attempts,
        lost=len(expected_leads(own) - leads_of(job)),
        worker_alive=worker.alive(),
    )
    assert terminated >= 1
    assert job.status == JobStatus.COMPLETED and job.attempts == 2, (job.status, job.error)
    assert f"job {job.id} attempt failed, will retry: OperationalError" in worker.log()
    assert leads_of(job) == expected_leads(own)
    assert (job.total_found, job.total_processed, job.total_duplicates) == (3, 3, 0)
    assert worker.alive() and "exited unexpectedly" not in worker.log()
