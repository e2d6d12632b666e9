"""Jobs created through the API, carried by a real `rundramatiq` worker on RabbitMQ and PostgreSQL."""

import pytest

from leadengine.jobs.models import JobStatus, RawLead
from tests.integration.workers import JOBS, completions, create_job, message_count, wait_finished, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def worker(processes):
    return processes.worker("integration-worker")


def test_it_runs_jobs_created_through_the_api_to_completed_with_their_leads(api, worker, sites):
    first, second = sites.add(), sites.add()
    # One after the other: the second job finding the first one's company is the point, and two worker
    # threads running both at once would decide by a race which of them saves it first.
    jobs = [create_job(api, [first.url])]
    wait_finished(jobs)
    jobs.append(create_job(api, [first.url, second.url]))
    wait_finished(jobs)
    for job in jobs:
        assert job.status == JobStatus.COMPLETED, (job.error, job.warnings)
        assert job.attempts == 1 and job.started_at and job.completed_at and job.progress == 100
    assert (jobs[0].total_found, jobs[0].total_processed, jobs[0].total_duplicates) == (1, 1, 0)
    # The second job finds the first one's company again: a duplicate for the owner, not a new row.
    assert (jobs[1].total_found, jobs[1].total_processed, jobs[1].total_duplicates) == (2, 1, 1)
    leads = {(lead.company_name, lead.email, lead.job_id) for lead in RawLead.objects.all()}
    assert leads == {(first.company, first.email, jobs[0].id), (second.company, second.email, jobs[1].id)}
    detail = api.get(f"{JOBS}{jobs[1].id}/").json()
    assert detail["status"] == "completed" and detail["total_processed"] == 1
    assert [lead["company_name"] for lead in api.get(f"{JOBS}{jobs[1].id}/leads/").json()["results"]] == [
        second.company
    ]
    # The worker's log tells each job's story.
    log = worker.log()
    for line in [
        f"job {jobs[1].id} received",
        f"job {jobs[1].id} running",
        f"job {jobs[1].id}: website found 1",
        "saved 1 new and 0 duplicates",
        f"job {jobs[1].id} completed in",
    ]:
        assert line in log


def test_a_duplicate_message_runs_once(api, worker, sites):
    from leadengine.jobs.tasks import run_scrape_job

    site = sites.add(contact_delay=0.5)
    job = create_job(api, [site.url])
    # Two more copies of the message while the first may be running, on the worker's two threads.
    run_scrape_job.send(str(job.id))
    run_scrape_job.send(str(job.id))

    wait_finished([job])
    wait_for(lambda: worker.log().count(f"job {job.id} received") == 3, 20, "all three messages to arrive")
    wait_for(lambda: message_count(run_scrape_job.queue_name) == 0, 10, "the queue to drain")
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.attempts == 1
    assert worker.log().count(f"job {job.id} not claimed") == 2
    assert completions([worker.log()]).get(str(job.id)) == 1
    assert RawLead.objects.filter(job=job).count() == 1 and job.total_processed == 1


def test_a_job_for_an_unreachable_url_ends_failed_with_its_reason(api, worker, settings):
    # Port 9 on loopback: nothing listens, the connection is refused on every attempt.
    job = create_job(api, ["http://127.0.0.1:9/"])

    wait_finished([job])
    assert job.status == JobStatus.FAILED
    assert "127.0.0.1:9" in job.error and job.completed_at
    assert job.attempts == int(worker.env["JOB_MAX_RETRIES"]) + 1
    detail = api.get(f"{JOBS}{job.id}/").json()
    assert detail["status"] == "failed" and "127.0.0.1:9" in detail["error"]
