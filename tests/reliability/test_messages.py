"""Trials 4 and 5, and a person's cancel and retry, with one real worker.

4: messages that name no runnable job are acknowledged and logged; the worker goes on.
5: a source that always errors is retried with backoff, then the job is `failed` and its message is
   in the dead-letter queue.
"""

import json
import time

import pytest

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.integration.workers import (
    JOBS,
    create_job,
    expected_leads,
    leads_of,
    message_count,
    publish_raw,
    queue_bodies,
    report,
    wait_finished,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def worker(processes):
    return processes.worker("messages-W")


def test_messages_for_no_runnable_job_are_acknowledged_and_the_worker_goes_on(api, user, worker, sites):
    from leadengine.jobs.tasks import run_scrape_job

    started = time.monotonic()
    cancelled = ScrapeJob.objects.create(
        owner=user, status=JobStatus.CANCELLED, source_types=["website"], urls=["http://127.0.0.1:9/"]
    )
    unknown = "8d3f0f5e-1111-4222-8333-944455556666"
    publish_raw(b"\x00\x01 not json at all")
    publish_raw(
        json.dumps(
            {
                "actor_name": "no_such_actor",
                "queue_name": run_scrape_job.queue_name,
                "args": [],
                "kwargs": {},
                "options": {},
                "message_id": "m-1",
                "message_timestamp": 0,
            }
        ).encode()
    )
    run_scrape_job.send("not-a-uuid")
    run_scrape_job.send(unknown)
    run_scrape_job.send(str(cancelled.id))
    # Then a real job, which must still run.
    site = sites.add()
    job = create_job(api, [site.url])

    wait_finished([job])
    wait_for(lambda: message_count(run_scrape_job.queue_name) == 0, 10, "the queue to drain")
    log = worker.log()
    report(
        "trial 4, bad messages",
        messages=5,
        worker_restarts=log.count("exited unexpectedly"),
        dead_lettered=message_count(f"{run_scrape_job.queue_name}.XQ"),
        seconds=round(time.monotonic() - started, 1),
    )
    assert job.status == JobStatus.COMPLETED and leads_of(job) == expected_leads([site])
    assert "Failed to decode message" in log
    assert "no_such_actor" in log
    assert "message ignored: 'not-a-uuid' is not a job id" in log
    assert log.count(f"job {unknown} received") == 1 and f"job {unknown} not claimed" in log
    assert log.count(f"job {cancelled.id} received") == 1 and f"job {cancelled.id} not claimed" in log
    cancelled.refresh_from_db()
    assert cancelled.status == JobStatus.CANCELLED and cancelled.attempts == 0
    assert worker.alive() and "exited unexpectedly" not in log
    # Bytes that are no Dramatiq message, or name no actor, are kept in the dead-letter queue to be read.
    assert message_count(f"{run_scrape_job.queue_name}.XQ") >= 2


def test_retry_exhaustion_fails_the_job_and_dead_letters_its_message(api, worker, sites):
    from leadengine.jobs.tasks import run_scrape_job

    started = time.monotonic()
    site = sites.add(broken=True)  # every page answers 503
    job = create_job(api, [site.url])
    seen = set()

    def finished():
        job.refresh_from_db()
        seen.add((job.status, job.attempts, bool(job.error)))
        return job.is_finished

    wait_for(finished, 30, "the job to fail", interval=0.02)

    attempts = int(worker.env["JOB_MAX_RETRIES"]) + 1
    dead = [
        json.loads(body) for body in queue_bodies(f"{run_scrape_job.queue_name}.XQ") if body.startswith(b"{")
    ]
    report(
        "trial 5, retry exhaustion",
        jobs=1,
        attempts=job.attempts,
        retrying_seen=sorted(attempt for status, attempt, _ in seen if status == JobStatus.RETRYING),
        dead_lettered=sum(message["args"] == [str(job.id)] for message in dead),
        seconds=round(time.monotonic() - started, 1),
    )
    # Between attempts the job showed `retrying`, its attempt number and the last error.
    assert (JobStatus.RETRYING, 1, True) in seen
    assert job.status == JobStatus.FAILED and job.attempts == attempts
    assert "503" in job.error and "SourcesFailed" in job.traceback and job.completed_at
    assert worker.log().count(f"job {job.id} running") == attempts
    assert [message["args"] for message in dead].count([str(job.id)]) == 1


def test_a_running_job_cancelled_stops_at_its_next_batch_keeping_its_leads_and_can_be_retried(
    api, worker, sites
):
    own = [sites.add(0.2), sites.add(0.5), sites.add(60)]
    job = create_job(api, [site.url for site in own])
    wait_for(lambda: RawLead.objects.filter(job=job).count() == 2, 20, "two leads saved")
    assert api.post(f"{JOBS}{job.id}/retry/").status_code == 409  # running: nothing to retry

    response = api.post(f"{JOBS}{job.id}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    wait_for(lambda: f"job {job.id} stopped" in worker.log(), 5, "the worker to stop the job")
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.completed_at
    assert leads_of(job) == expected_leads(own[:2])
    assert api.post(f"{JOBS}{job.id}/cancel/").status_code == 409

    own[2].contact_delay = 0.2
    response = api.post(f"{JOBS}{job.id}/retry/")
    # Queued and sent after the commit; the worker may already have claimed it when the answer is read.
    assert response.status_code == 200 and response.json()["status"] in ("queued", "running")
    wait_finished([job])
    assert job.status == JobStatus.COMPLETED
    assert leads_of(job) == expected_leads(own)
    assert (job.total_found, job.total_processed, job.total_duplicates) == (3, 3, 0)
    assert api.post(f"{JOBS}{job.id}/retry/").status_code == 409  # completed
