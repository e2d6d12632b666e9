"""Priorities: every surface that creates a job sets it, the message waits in its priority's queue, and
retries, requeues, resends and dead-letter requeues keep that queue (on the embedded StubBroker)."""

import re
from datetime import timedelta
from io import StringIO

import dramatiq
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from leadengine.jobs import deadletters, messaging, pipeline, schedules, services
from leadengine.jobs.models import JobPriority, JobStatus, ScrapeJob, ScrapeSchedule
from tests.jobs.site import serve_company_site
from tests.jobs.test_admin_console import console, form_data, staff  # noqa: F401  fixtures
from tests.jobs.test_pipeline import JOBS

HIGH, NORMAL, LOW = (f"{settings.SCRAPE_QUEUE}.high", settings.SCRAPE_QUEUE, f"{settings.SCRAPE_QUEUE}.low")
BODY = {"source_types": ["website"], "urls": ["https://harbour.example/"]}


def queued_ids(broker, queue: str) -> list[str]:
    """The job ids waiting in `queue`, peeked (the queue stays joinable)."""
    if queue not in broker.queues:
        return []
    return [dramatiq.Message.decode(body).args[0] for body in list(broker.queues[queue].queue)]


def make_job(owner, **fields) -> ScrapeJob:
    return ScrapeJob.objects.create(owner=owner, **{**BODY, **fields})


def test_the_queues_are_named_for_their_priority_and_normal_keeps_the_old_queue():
    assert messaging.SCRAPE_QUEUES == {"high": HIGH, "normal": NORMAL, "low": LOW}
    assert set(messaging.SCRAPE_QUEUES) == set(JobPriority.values)
    # Declared with the actor: a worker without --queues reads them all.
    from leadengine.jobs.tasks import run_scrape_job

    assert {HIGH, NORMAL, LOW} <= run_scrape_job.broker.get_declared_queues()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "priority, queue", [("high", HIGH), ("normal", NORMAL), ("low", LOW), (None, NORMAL)]
)
def test_the_api_sets_the_priority_and_the_message_waits_in_its_queue(
    api, stub_broker, django_capture_on_commit_callbacks, priority, queue
):
    body = {**BODY, **({"priority": priority} if priority else {})}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(JOBS, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == (priority or "normal")
    job = ScrapeJob.objects.get()
    assert job.priority == (priority or "normal") and job.dispatched_at is not None
    assert queued_ids(stub_broker, queue) == [str(job.id)]
    others = {HIGH, NORMAL, LOW} - {queue}
    assert all(queued_ids(stub_broker, other) == [] for other in others)
    assert api.get(JOBS, {"priority": job.priority}).json()["count"] == 1
    assert api.get(JOBS, {"priority": "high" if job.priority != "high" else "low"}).json()["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["urgent", "", "HIGH", 1])
def test_the_api_refuses_an_unknown_priority_with_a_field_error_and_writes_nothing(api, stub_broker, bad):
    response = api.post(JOBS, {**BODY, "priority": bad}, format="json")
    assert response.status_code == 400
    assert "priority" in response.json()
    assert "is not a valid choice" in str(response.json()["priority"])
    assert not ScrapeJob.objects.exists()


@pytest.mark.django_db
def test_the_admin_form_sets_the_priority_and_run_again_keeps_it(
    console,  # noqa: F811
    staff,  # noqa: F811
    stub_broker,
    django_capture_on_commit_callbacks,
):
    add = reverse("admin:jobs_scrapejob_add")
    assert 'name="priority"' in console.get(add).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(add, form_data(priority="high"))
    assert response.status_code == 302
    job = ScrapeJob.objects.get()
    assert job.priority == "high" and queued_ids(stub_broker, HIGH) == [str(job.id)]
    again = console.get(f"{add}?from={job.id}").content.decode()
    assert re.search(r'<option value="high" selected>', again)
    # Left out (an older form), the job is normal; a wrong value is the API's refusal, on the field.
    with django_capture_on_commit_callbacks(execute=True):
        console.post(add, form_data())
    assert ScrapeJob.objects.exclude(id=job.id).get().priority == "normal"
    refused = console.post(add, form_data(priority="urgent"))
    assert refused.status_code == 200 and "is not one of the available choices" in refused.content.decode()
    assert ScrapeJob.objects.count() == 2


@pytest.mark.django_db
def test_scrape_priority_sends_the_job_to_its_queue_and_refuses_an_unknown_one(
    user, stub_broker, django_capture_on_commit_callbacks
):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "scrape", "--user", "ana", "--url", "https://harbour.example/", "--priority", "low", stdout=out
        )
    job = ScrapeJob.objects.get()
    assert job.priority == "low" and queued_ids(stub_broker, LOW) == [str(job.id)]
    with pytest.raises(CommandError, match="priority"):
        call_command("scrape", "--user", "ana", "--url", "https://a.example/", "--priority", "urgent")
    assert ScrapeJob.objects.count() == 1


@pytest.mark.django_db
def test_schedules_create_low_jobs_unless_set_otherwise(
    user, stub_broker, django_capture_on_commit_callbacks
):
    due = timezone.now() - timedelta(seconds=1)
    bulk = ScrapeSchedule.objects.create(
        owner=user, name="bulk", interval_seconds=3600, next_run_at=due, **BODY
    )
    urgent = ScrapeSchedule.objects.create(
        owner=user, name="urgent", interval_seconds=3600, next_run_at=due, priority="high", **BODY
    )
    assert bulk.priority == "low"
    with django_capture_on_commit_callbacks(execute=True):
        assert schedules.run_due_schedules().created == 2
    low_job, high_job = ScrapeJob.objects.get(schedule=bulk), ScrapeJob.objects.get(schedule=urgent)
    assert (low_job.priority, high_job.priority) == ("low", "high")
    assert queued_ids(stub_broker, LOW) == [str(low_job.id)] and queued_ids(stub_broker, HIGH) == [
        str(high_job.id)
    ]


def test_the_schedule_admin_form_defaults_to_low_and_sets_high(client, admin_user, user):
    client.force_login(admin_user)
    data = {
        "owner": user.pk,
        "enabled": "on",
        "interval_seconds": 3600,
        "keywords": "[]",
        "source_types": '["website"]',
        "filters": "{}",
        "urls": '["https://www.example.com/"]',
        "max_results": 50,
    }
    assert client.post("/admin/jobs/scrapeschedule/add/", {**data, "name": "a"}).status_code == 302
    assert (
        client.post("/admin/jobs/scrapeschedule/add/", {**data, "name": "b", "priority": "high"}).status_code
        == 302
    )
    bad = client.post("/admin/jobs/scrapeschedule/add/", {**data, "name": "c", "priority": "urgent"})
    assert bad.status_code == 200 and b"not one of the available choices" in bad.content
    assert dict(ScrapeSchedule.objects.values_list("name", "priority")) == {"a": "low", "b": "high"}


@pytest.mark.django_db
def test_requeues_resends_retries_and_releases_keep_the_jobs_queue(
    user, stub_broker, settings, django_capture_on_commit_callbacks
):
    settings.JOB_STALE_AFTER = 60
    old = timezone.now() - timedelta(hours=1)
    dead = make_job(user, status=JobStatus.RUNNING, heartbeat_at=old, attempts=1, priority="low")
    unsent = make_job(user, created_at=old, priority="high")
    result = services.requeue_stale()
    assert (result.requeued, result.resent) == (1, 1)
    assert queued_ids(stub_broker, LOW) == [str(dead.id)] and queued_ids(stub_broker, HIGH) == [
        str(unsent.id)
    ]

    failed = make_job(user, status=JobStatus.FAILED, priority="high")
    with django_capture_on_commit_callbacks(execute=True):
        services.job_retry(failed)
    assert queued_ids(stub_broker, HIGH) == [str(unsent.id), str(failed.id)]

    running = services.job_claim(make_job(user, priority="low").id)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.job_release(running)
    assert queued_ids(stub_broker, LOW) == [str(dead.id), str(running.id)]
    # A caller that knows only the id: the priority is read from the row.
    assert services.job_dispatch(failed.id)
    assert queued_ids(stub_broker, HIGH)[-1] == str(failed.id)
    assert queued_ids(stub_broker, NORMAL) == []


@pytest.mark.django_db
def test_the_embedded_start_resends_each_unfinished_job_to_its_queue(user, stub_broker):
    jobs = {priority: make_job(user, status=JobStatus.RUNNING, priority=priority) for priority in JobPriority}
    assert services.jobs_resend_unfinished() == 3
    for priority, job in jobs.items():
        assert queued_ids(stub_broker, messaging.SCRAPE_QUEUES[priority]) == [str(job.id)]


class Processed(dramatiq.Middleware):
    """The queue of each message a worker processed, and of each message enqueued with a delay."""

    def __init__(self):
        self.processed: list[str] = []
        self.delayed: list[str] = []

    def before_process_message(self, broker, message):
        self.processed.append(message.queue_name)

    def after_enqueue(self, broker, message, delay):
        if delay:
            self.delayed.append(message.queue_name)


@pytest.fixture
def processed(stub_broker):
    middleware = Processed()
    stub_broker.add_middleware(middleware)
    yield middleware
    stub_broker.middleware.remove(middleware)


@pytest.mark.django_db(transaction=True)
def test_a_retry_waits_in_its_priority_queues_delay_queue_and_runs_from_the_same_queue(
    user, stub_broker, processed, monkeypatch, httpserver
):
    from leadengine.jobs.tasks import run_scrape_job

    monkeypatch.setitem(run_scrape_job.options, "min_backoff", 10)
    monkeypatch.setitem(run_scrape_job.options, "max_backoff", 20)
    real_run_job = pipeline.run_job
    calls = []

    def first_attempt_breaks(job_id):
        calls.append(job_id)
        if len(calls) == 1:
            raise RuntimeError("the database went away for a moment")
        return real_run_job(job_id)

    monkeypatch.setattr(pipeline, "run_job", first_attempt_breaks)
    worker = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        job = services.job_create(
            owner=user, criteria={**BODY, "urls": [serve_company_site(httpserver)], "priority": "low"}
        )
        stub_broker.join(LOW, fail_fast=False, timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    job.refresh_from_db()
    assert len(calls) == 2 and job.status == JobStatus.COMPLETED
    assert processed.processed == [LOW, LOW]
    assert processed.delayed == [f"{LOW}.DQ"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_started_for_the_high_queue_reads_it_alone(user, stub_broker, httpserver):
    url = serve_company_site(httpserver)
    high = services.job_create(owner=user, criteria={**BODY, "urls": [url], "priority": "high"})
    low = services.job_create(owner=user, criteria={**BODY, "urls": [url], "priority": "low"})
    worker = dramatiq.Worker(stub_broker, queues={HIGH}, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        stub_broker.join(HIGH, fail_fast=False, timeout=30_000)
        worker.join()
    finally:
        worker.stop()
    high.refresh_from_db()
    low.refresh_from_db()
    assert high.status == JobStatus.COMPLETED and low.status == JobStatus.QUEUED
    assert queued_ids(stub_broker, LOW) == [str(low.id)]


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_runs_every_priority(user, stub_broker, stub_worker, httpserver):
    url = serve_company_site(httpserver)
    jobs = [
        services.job_create(owner=user, criteria={**BODY, "urls": [url], "priority": priority})
        for priority in JobPriority
    ]
    for queue in (HIGH, NORMAL, LOW):
        stub_broker.join(queue, fail_fast=False, timeout=30_000)
    stub_worker.join()
    for job in jobs:
        job.refresh_from_db()
    assert [job.status for job in jobs] == [JobStatus.COMPLETED] * 3


@pytest.mark.django_db(transaction=True)
def test_a_high_jobs_dead_letter_is_listed_under_its_queue_and_requeued_to_it(
    client, admin_user, user, stub_broker
):
    from leadengine.jobs.tasks import run_scrape_job

    original = run_scrape_job.options["max_retries"]
    run_scrape_job.options["max_retries"] = 0
    worker = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        job = services.job_create(
            owner=user, criteria={**BODY, "urls": ["http://127.0.0.1:9/"], "priority": "high"}
        )
        stub_broker.join(HIGH, fail_fast=False, timeout=30_000)
        worker.join()
    finally:
        worker.stop()
        run_scrape_job.options["max_retries"] = original
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and len(stub_broker.dead_letters_by_queue[HIGH]) == 1

    client.force_login(admin_user)
    page = client.get("/admin/jobs/scrapejob/dashboard/").content.decode()
    for queue, priority in ((HIGH, "high"), (NORMAL, "normal"), (LOW, "low")):
        row = re.search(rf'<tr data-queue="{re.escape(queue)}">.*?</tr>', page, re.S).group(0)
        assert f"({priority})" in row
    high_row = re.search(rf'<tr data-queue="{re.escape(HIGH)}">.*?</tr>', page, re.S).group(0)
    assert '<td class="le-dead le-bad">1</td>' in high_row
    letter = deadletters.dead_letters()[0]
    assert letter.queue == HIGH and letter.job == job

    response = client.post(
        "/admin/jobs/scrapejob/dashboard/",
        {"action": "requeue", "queue": HIGH, "message_id": letter.message_id},
        follow=True,
    )
    assert "was sent again" in response.content.decode()
    assert queued_ids(stub_broker, HIGH) == [str(job.id)] and stub_broker.dead_letters_by_queue[HIGH] == []


@pytest.mark.django_db
def test_scrape_wait_says_when_no_live_worker_reads_the_jobs_queue(user, settings, stub_broker):
    from leadengine.jobs.management.commands.scrape import why_not_started
    from leadengine.jobs.models import WorkerHeartbeat

    settings.DRAMATIQ_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    job = make_job(user, priority="high", dispatched_at=timezone.now())
    WorkerHeartbeat.objects.create(worker_id="bulk", hostname="h", pid=1, queues=[NORMAL, LOW])
    message = why_not_started(job)
    assert f"none reads {HIGH}, the queue of high jobs" in message
    assert f"rundramatiq --queues {HIGH}" in message
    WorkerHeartbeat.objects.create(worker_id="interactive", hostname="h", pid=2, queues=[HIGH])
    assert f"2 workers alive and 0 messages waiting in {HIGH}" in why_not_started(job)
