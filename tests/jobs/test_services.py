"""services: the only writer of jobs and leads."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from scraping.types import Lead

CRITERIA = {
    "industry": "SaaS",
    "geography": "Sydney, Australia",
    "source_types": ["website"],
    "urls": ["https://acme.example/"],
}


def make_job(owner, status=JobStatus.QUEUED, **fields) -> ScrapeJob:
    return ScrapeJob.objects.create(owner=owner, status=status, **{**CRITERIA, **fields})


def lead(name, website="", email="") -> Lead:
    return Lead(source="website", company_name=name, website=website, email=email)


def test_it_creates_a_queued_job_and_sends_its_id_after_commit(
    user, stub_broker, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.job_create(owner=user, criteria=CRITERIA)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.owner == user
    assert job.dispatched_at is not None
    queue = stub_broker.queues[settings.SCRAPE_QUEUE]
    message = queue.get_nowait()
    queue.task_done()
    assert b'"args":["%s"]' % str(job.id).encode() in message
    assert b'"actor_name":"run_scrape_job"' in message


def test_it_sends_nothing_before_the_commit(user, stub_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.job_create(owner=user, criteria=CRITERIA)
    assert callbacks  # registered for the commit, not sent inside the transaction
    assert all(queue.qsize() == 0 for queue in stub_broker.queues.values())


def test_it_keeps_the_job_queued_when_the_broker_is_down(user, stub_broker, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(stub_broker, "enqueue", refuse)
    job = make_job(user)
    assert services.job_dispatch(job.id) is False
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.dispatched_at is None


def test_it_refuses_more_active_jobs_than_the_limit(user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 2
    make_job(user)
    make_job(user, status=JobStatus.RUNNING)
    make_job(user, status=JobStatus.COMPLETED)
    with pytest.raises(services.ActiveJobLimitExceeded, match="limit is 2"):
        services.job_create(owner=user, criteria=CRITERIA)
    assert ScrapeJob.objects.count() == 3


def test_it_claims_a_job_once(user):
    job = make_job(user)
    claimed = services.job_claim(job.id)
    assert claimed.status == JobStatus.RUNNING and claimed.attempts == 1 and claimed.started_at
    assert services.job_claim(job.id) is None


@pytest.mark.parametrize("status", [JobStatus.CANCELLED, JobStatus.COMPLETED, JobStatus.FAILED])
def test_it_does_not_claim_a_finished_job(user, status):
    job = make_job(user, status=status)
    assert services.job_claim(job.id) is None
    job.refresh_from_db()
    assert job.status == status


def test_it_does_not_claim_a_deleted_job(user):
    job = make_job(user)
    job.delete()
    assert services.job_claim(job.id) is None


def test_it_claims_a_running_job_whose_heartbeat_stopped(user, settings):
    settings.JOB_STALE_AFTER = 60
    job = make_job(
        user, status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(seconds=61)
    )
    assert services.job_claim(job.id).attempts == 2
    fresh = make_job(user, status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())
    assert services.job_claim(fresh.id) is None


def test_it_saves_leads_in_one_batch_and_counts_duplicates(user, django_assert_max_num_queries):
    job = services.job_claim(make_job(user).id)
    leads = [lead(f"Company {i}", website=f"https://company{i}.com.au/") for i in range(50)]
    leads.append(lead("Company 0 again", website="https://www.company0.com.au/contact"))
    with django_assert_max_num_queries(6):
        result = services.job_save_leads(job, leads)
    assert (result.found, result.new, result.duplicates) == (51, 50, 1)
    job.refresh_from_db()
    assert (job.total_found, job.total_processed, job.total_duplicates) == (51, 50, 1)
    assert RawLead.objects.filter(job=job).count() == 50


def test_it_counts_a_lead_another_job_of_the_owner_found_as_a_duplicate(user, other_user):
    first = services.job_claim(make_job(user).id)
    services.job_save_leads(first, [lead("Acme", website="https://acme.com.au/")])
    second = services.job_claim(make_job(user).id)
    assert services.job_save_leads(second, [lead("Acme", website="https://acme.com.au/")]).duplicates == 1
    # Another owner's leads never hide this one's.
    theirs = services.job_claim(make_job(other_user).id)
    assert services.job_save_leads(theirs, [lead("Acme", website="https://acme.com.au/")]).new == 1


def test_it_recognises_an_interrupted_attempts_leads_as_its_own(user, settings):
    settings.JOB_STALE_AFTER = 60
    job = services.job_claim(make_job(user).id)
    services.job_save_leads(job, [lead("Acme", website="https://acme.com.au/")])
    ScrapeJob.objects.filter(id=job.id).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    again = services.job_claim(job.id)
    result = services.job_save_leads(
        again, [lead("Acme", website="https://acme.com.au/"), lead("Beta", website="https://beta.com.au/")]
    )
    assert (result.new, result.duplicates) == (1, 0)
    again.refresh_from_db()
    assert (again.total_found, again.total_processed, again.total_duplicates) == (2, 2, 0)


def test_it_saves_nothing_for_a_cancelled_job(user):
    job = services.job_claim(make_job(user).id)
    services.job_cancel(job)
    with pytest.raises(services.JobStopped):
        services.job_save_leads(job, [lead("Acme", website="https://acme.com.au/")])
    assert not RawLead.objects.exists()


def test_a_cancelled_attempt_cannot_touch_the_attempt_a_retry_started(user, stub_broker):
    old = services.job_claim(make_job(user).id)
    services.job_cancel(old)
    services.job_retry(old)
    new = services.job_claim(old.id)
    assert new.attempts == 1 == old.attempts  # the attempt number alone cannot tell them apart
    services.job_save_leads(new, [lead("Acme", website="https://acme.com.au/")])

    with pytest.raises(services.JobStopped):
        services.job_save_leads(old, [lead("Beta", website="https://beta.com.au/")])
    with pytest.raises(services.JobStopped):
        services.job_heartbeat(old, pages_done=9, pages_planned=9)
    assert services.job_complete(old, warnings=[]) is False
    assert services.job_release(old) is False
    assert services.job_mark_retrying(old.id, error="old timeout", started_at=old.started_at) is False
    assert services.job_fail(old.id, error="old failure", started_at=old.started_at) is False

    new.refresh_from_db()
    assert (new.status, new.error, new.total_found, new.total_processed) == (JobStatus.RUNNING, "", 1, 1)
    assert list(RawLead.objects.values_list("company_name", flat=True)) == ["Acme"]
    assert services.job_complete(new, warnings=[]) is True


def test_it_caps_oversized_payloads(user, settings):
    settings.RAW_PAYLOAD_MAX_BYTES = 2000
    job = services.job_claim(make_job(user).id)
    big = lead("Acme", website="https://acme.com.au/")
    big.description = "x" * 10_000
    big.extra = {"html": "y" * 10_000}
    services.job_save_leads(job, [big])
    payload = RawLead.objects.get().raw_payload
    assert payload["truncated"] is True and "extra" not in payload and len(payload["description"]) == 1000


def test_it_completes_only_a_running_job(user):
    job = services.job_claim(make_job(user).id)
    services.job_cancel(job)
    assert services.job_complete(job, warnings=[]) is False
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_it_retries_only_failed_or_cancelled_jobs(user, stub_broker, django_capture_on_commit_callbacks):
    job = make_job(user, status=JobStatus.FAILED, error="boom", attempts=4)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_retry(job)
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (JobStatus.QUEUED, "", 0)
    assert job.dispatched_at is not None
    with pytest.raises(services.InvalidTransition, match="this one is queued"):
        services.job_retry(job)


def test_it_cancels_a_queued_job_but_not_a_finished_one(user):
    job = make_job(user)
    services.job_cancel(job)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.completed_at
    with pytest.raises(services.InvalidTransition):
        services.job_cancel(job)


def test_requeue_stale_takes_back_dead_jobs_and_resends_unsent_ones(user, stub_broker, settings):
    settings.JOB_STALE_AFTER = 60
    settings.JOB_REDISPATCH_AFTER = 30
    old = timezone.now() - timedelta(seconds=120)
    dead = make_job(user, status=JobStatus.RUNNING, attempts=1, heartbeat_at=old)
    exhausted = make_job(user, status=JobStatus.RUNNING, attempts=services.max_attempts(), heartbeat_at=old)
    unsent = make_job(user, created_at=old)
    young = make_job(user)
    alive = make_job(user, status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now())

    result = services.requeue_stale()

    assert (result.requeued, result.failed, result.resent) == (1, 1, 1)
    statuses = dict(ScrapeJob.objects.values_list("id", "status"))
    assert statuses[dead.id] == JobStatus.QUEUED
    assert statuses[exhausted.id] == JobStatus.FAILED
    assert statuses[alive.id] == JobStatus.RUNNING
    assert statuses[young.id] == JobStatus.QUEUED
    queue = stub_broker.queues[settings.SCRAPE_QUEUE]
    sent = [json.loads(message)["args"][0] for message in list(queue.queue)]
    assert sorted(sent) == sorted([str(dead.id), str(unsent.id)])
    assert services.requeue_stale() == services.RequeueResult(0, 0, 0)


def test_embedded_start_queues_unfinished_jobs_again_and_sends_them(user, stub_broker, settings):
    running = make_job(user, status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    retrying = make_job(user, status=JobStatus.RETRYING)
    queued = make_job(user)
    done = make_job(user, status=JobStatus.COMPLETED)

    assert services.jobs_resend_unfinished() == 3

    statuses = dict(ScrapeJob.objects.values_list("id", "status"))
    assert [statuses[job.id] for job in (running, retrying, queued, done)] == [
        JobStatus.QUEUED,
        JobStatus.QUEUED,
        JobStatus.QUEUED,
        JobStatus.COMPLETED,
    ]
    assert ScrapeJob.objects.get(id=running.id).heartbeat_at is None
    sent = [json.loads(message)["args"][0] for message in stub_broker.queues[settings.SCRAPE_QUEUE].queue]
    assert sorted(sent) == sorted(str(job.id) for job in (running, retrying, queued))
