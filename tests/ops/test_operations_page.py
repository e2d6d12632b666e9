"""The operations page: counts and charts from the jobs table, queue depth, dead letters requeued from
the page (on the embedded StubBroker and on RabbitMQ), and what staff who are not superusers see."""

import re
from datetime import timedelta

import dramatiq
import pika
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from leadengine.jobs import messaging, services
from leadengine.jobs.admin import dashboard
from leadengine.jobs.models import JobStatus, ScrapeJob
from tests.ops.helpers import make_job

PAGE = "/admin/jobs/scrapejob/dashboard/"


@pytest.fixture
def superuser(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_client(client, user):
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def count(page: str, status: str) -> int:
    return int(re.search(rf'data-status="{status}">(\d+)<', page).group(1))


def dead_letter_a_job(owner, broker) -> ScrapeJob:
    """A job that failed its last attempt and whose message Dramatiq dead-lettered, on the StubBroker."""
    from leadengine.jobs.tasks import run_scrape_job

    original = run_scrape_job.options["max_retries"]
    run_scrape_job.options["max_retries"] = 0
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        job = services.job_create(
            owner=owner, criteria={"source_types": ["website"], "urls": ["http://127.0.0.1:9/"]}
        )
        broker.join(settings.SCRAPE_QUEUE, fail_fast=False, timeout=30_000)
        worker.join()
    finally:
        worker.stop()
        run_scrape_job.options["max_retries"] = original
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and len(broker.dead_letters_by_queue[settings.SCRAPE_QUEUE]) == 1
    return job


@pytest.mark.django_db
def test_the_page_counts_jobs_by_status_and_charts_throughput_and_failure_rate(superuser, user):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for _ in range(3):
        make_job(user, completed_at=hour)
    make_job(user, status=JobStatus.FAILED, completed_at=hour)
    make_job(user, completed_at=hour - timedelta(hours=5))
    make_job(user, completed_at=hour - timedelta(hours=5))
    make_job(user, completed_at=hour - timedelta(days=3))  # outside the 48 hours, inside the 30 days
    make_job(user, status=JobStatus.RUNNING)

    page = superuser.get(PAGE).content.decode()
    assert (count(page, "completed"), count(page, "failed"), count(page, "running")) == (6, 1, 1)
    assert count(page, "queued") == 0
    assert '<span id="throughput-completed">5</span>' in page
    assert '<span id="throughput-failed">1</span>' in page
    assert '<span id="failure-rate">17%</span>' in page  # 1 of 6 finished in 48 hours
    chart = re.search(r'<svg[^>]*id="throughput-chart".*?</svg>', page, re.S).group(0)
    assert sorted(re.findall(r'class="le-completed"[^>]*data-count="(\d+)"', chart)) == ["2", "3"]
    assert re.findall(r'class="le-failed"[^>]*data-count="(\d+)"', chart) == ["1"]
    rates = re.search(r'<svg[^>]*id="failure-rate-chart".*?</svg>', page, re.S).group(0)
    assert sorted(re.findall(r'data-rate="(\d+)"', rates)) == ["0", "25"]

    per_day = superuser.get(PAGE + "?period=day").content.decode()
    assert '<span id="throughput-completed">6</span>' in per_day
    assert superuser.get(PAGE + "?period=<script>").status_code == 200


@pytest.mark.django_db
def test_the_page_loads_nothing_from_another_host(superuser, user):
    make_job(user, completed_at=timezone.now())
    page = superuser.get(PAGE).content.decode()
    assert "<svg" in page
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page)
    assert tags and not [tag for tag in tags if re.search(r'(?:src|href)="(?:https?:)?//', tag)]
    assert "@import" not in page and "url(http" not in page


@pytest.mark.django_db
def test_the_page_shows_each_queues_depth(superuser, user, stub_broker):
    messaging.send_scrape_job(make_job(user, status=JobStatus.QUEUED).id)
    messaging.send_scrape_job(make_job(user, status=JobStatus.QUEUED).id)
    page = superuser.get(PAGE).content.decode()
    row = re.search(rf'<tr data-queue="{settings.SCRAPE_QUEUE}">.*?</tr>', page, re.S).group(0)
    assert '<td class="le-ready">2</td>' in row and '<td class="le-dead">0</td>' in row
    assert f'<tr data-queue="{settings.EXPORT_QUEUE}">' in page


@pytest.mark.django_db(transaction=True)
def test_a_dead_lettered_job_is_requeued_from_the_page(superuser, user, stub_broker):
    job = dead_letter_a_job(user, stub_broker)
    page = superuser.get(PAGE).content.decode()
    letter = re.search(r'<tr class="le-dead-letter" data-message-id="([^"]+)">.*?</tr>', page, re.S)
    assert str(job.id) in letter.group(0) and "127.0.0.1:9" in letter.group(0)
    assert "Dead letters: 1" in page

    response = superuser.post(
        PAGE,
        {"action": "requeue", "queue": settings.SCRAPE_QUEUE, "message_id": letter.group(1)},
        follow=True,
    )
    assert "was sent again" in response.content.decode() and "Dead letters: 0" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.dispatched_at is not None and job.error == ""
    queued = stub_broker.queues[settings.SCRAPE_QUEUE]
    assert queued.qsize() == 1
    message = dramatiq.Message.decode(queued.queue[0])  # peeked: the queue stays joinable
    assert message.args == (str(job.id),) and message.actor_name == "run_scrape_job"
    assert stub_broker.dead_letters_by_queue[settings.SCRAPE_QUEUE] == []

    again = superuser.post(
        PAGE,
        {"action": "requeue", "queue": settings.SCRAPE_QUEUE, "message_id": letter.group(1)},
        follow=True,
    )
    assert "No such dead letter" in again.content.decode()
    bad = superuser.post(PAGE, {"action": "requeue", "queue": "nope", "message_id": "x"}, follow=True)
    assert bad.status_code == 200 and "Unknown queue" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_staff_who_are_not_superusers_see_their_own_counts_and_cannot_requeue(
    staff_client, user, other_user, stub_broker
):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    make_job(user, completed_at=now)
    make_job(user, completed_at=now)
    for _ in range(3):
        make_job(other_user, completed_at=now)
    make_job(other_user, status=JobStatus.FAILED, completed_at=now)
    dead = dead_letter_a_job(other_user, stub_broker)
    message_id = stub_broker.dead_letters_by_queue[settings.SCRAPE_QUEUE][0].message_id

    page = staff_client.get(PAGE).content.decode()
    assert (count(page, "completed"), count(page, "failed")) == (2, 0)
    assert (
        '<span id="throughput-completed">2</span>' in page and '<span id="throughput-failed">0</span>' in page
    )
    assert 'id="dead-letters"' not in page and 'id="queue"' not in page and message_id not in page
    assert str(dead.id) not in page

    response = staff_client.post(
        PAGE, {"action": "requeue", "queue": settings.SCRAPE_QUEUE, "message_id": message_id}
    )
    assert response.status_code == 403
    dead.refresh_from_db()
    assert (
        dead.status == JobStatus.FAILED and len(stub_broker.dead_letters_by_queue[settings.SCRAPE_QUEUE]) == 1
    )

    superuser = get_user_model().objects.create_superuser("root", "root@acme.example", "pw-root-123456")
    staff_client.force_login(superuser)
    page = staff_client.get(PAGE).content.decode()
    assert (count(page, "completed"), count(page, "failed")) == (5, 2) and message_id in page


@pytest.mark.django_db
def test_the_figures_are_aggregates_of_the_jobs_table(admin_user, rf, django_assert_max_num_queries, user):
    for n in range(20):
        make_job(
            user, status=JobStatus.FAILED if n % 4 == 0 else JobStatus.COMPLETED, completed_at=timezone.now()
        )
    request = rf.get(PAGE)
    request.user = admin_user
    with django_assert_max_num_queries(8) as queries:
        context = dashboard.dashboard_context(request)
    assert not [q for q in queries.captured_queries if "jobs_rawlead" in q["sql"]]
    assert context["throughput"]["completed"] + context["throughput"]["failed"] == 20


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_dead_letter_on_rabbitmq_is_requeued_and_the_others_stay(superuser, user):
    from tests.integration.workers import queue_names, rabbitmq_sending, require_services

    require_services()
    queue = settings.SCRAPE_QUEUE
    with rabbitmq_sending() as broker:
        broker.flush(queue)
        jobs = [
            make_job(
                user,
                status=JobStatus.FAILED,
                error="SourcesFailed: every source failed",
                completed_at=timezone.now(),
            )
            for _ in range(2)
        ]
        ids = [
            broker.enqueue(dramatiq.Message(queue, "run_scrape_job", (str(j.id),), {}, {})).message_id
            for j in jobs
        ]
        # Rejected without requeue, as Dramatiq's consumer does after the last retry: RabbitMQ moves
        # them to <queue>.XQ with an x-death header.
        connection = pika.BlockingConnection(broker.parameters)
        channel = connection.channel()
        for _ in jobs:
            method, _properties, _body = channel.basic_get(queue)
            channel.basic_nack(method.delivery_tag, requeue=False)
        connection.close()
        assert broker.get_queue_message_counts(queue) == (0, 0, 2)

        page = superuser.get(PAGE).content.decode()
        assert all(message_id in page for message_id in ids) and "every source failed" in page
        assert broker.get_queue_message_counts(queue) == (0, 0, 2)  # reading took none away

        response = superuser.post(
            PAGE, {"action": "requeue", "queue": queue, "message_id": ids[0]}, follow=True
        )
        assert "was sent again" in response.content.decode()
        jobs[0].refresh_from_db()
        jobs[1].refresh_from_db()
        assert jobs[0].status == JobStatus.QUEUED and jobs[0].dispatched_at is not None
        assert jobs[1].status == JobStatus.FAILED
        assert broker.get_queue_message_counts(queue) == (1, 0, 1)
        connection = pika.BlockingConnection(broker.parameters)
        channel = connection.channel()
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        dead = channel.basic_get(f"{queue}.XQ", auto_ack=True)
        connection.close()
        assert dramatiq.Message.decode(body).args == (str(jobs[0].id),)
        assert dramatiq.Message.decode(dead[2]).message_id == ids[1]
        connection = pika.BlockingConnection(broker.parameters)
        for name in queue_names():  # the page declared every priority's queues
            connection.channel().queue_delete(name)
        connection.close()


@pytest.mark.django_db
def test_the_page_counts_the_workers_that_selectors_sees_alive(superuser):
    from leadengine.jobs import selectors
    from leadengine.jobs.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w-alive", hostname="alive-host", pid=11, queues=["q"], seen_at=now
    )
    WorkerHeartbeat.objects.create(
        worker_id="w-gone", hostname="gone-host", pid=12, queues=["q"], seen_at=now - timedelta(hours=2)
    )
    page = superuser.get(PAGE).content.decode()
    assert [worker.worker_id for worker in selectors.workers_seen()] == ["w-alive"]
    assert "Workers seen in the last minute: 1" in page and "alive-host pid 11" in page
    assert "gone-host" not in page


@pytest.mark.django_db
def test_the_page_and_a_requeue_say_so_when_the_broker_is_down(superuser, user):
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    make_job(user, completed_at=timezone.now())
    previous = dramatiq.get_broker()
    # Nothing listens on port 1: every connection is refused at once.
    down = RabbitmqBroker(url="amqp://guest:guest@127.0.0.1:1/%2F?connection_attempts=1", middleware=[])
    dramatiq.set_broker(down)
    try:
        page = superuser.get(PAGE)
        response = superuser.post(
            PAGE, {"action": "requeue", "queue": settings.SCRAPE_QUEUE, "message_id": "m"}, follow=True
        )
    finally:
        dramatiq.set_broker(previous)
    assert page.status_code == 200 and "Broker unavailable (" in page.content.decode()
    assert count(page.content.decode(), "completed") == 1
    assert response.status_code == 200 and "the dead letter is kept" in response.content.decode()
