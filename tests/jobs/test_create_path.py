"""Creating a job on PostgreSQL and RabbitMQ: the active-job limit holds under concurrent creates, a
failed insert leaves nothing behind, and the send runs on the process's sender thread, which stamps
dispatched_at once the broker confirmed, several jobs in one UPDATE."""

import threading

import pytest
from django.db import IntegrityError, connection, connections
from django.db.models import Q

from leadengine.jobs import messaging, services
from leadengine.jobs.models import ACTIVE_STATUSES, ScrapeJob
from leadengine.jobs.services import job_sql
from tests.conftest import need_services

CRITERIA = {"industry": "SaaS", "source_types": ["website"], "urls": ["https://acme.example/"]}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_owner_never_pass_the_active_limit(user, settings, stub_broker):
    if connection.vendor != "postgresql":
        need_services("PostgreSQL (DATABASE_URL)")
    settings.MAX_ACTIVE_JOBS_PER_USER = 3
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def create() -> None:
        try:
            start.wait()
            services.job_create(owner=user, criteria=CRITERIA)
            outcomes.append("created")
        except services.ActiveJobLimitExceeded:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 5
    assert ScrapeJob.objects.filter(owner=user).count() == 3


@pytest.mark.django_db
def test_the_limit_counts_only_active_jobs_through_their_partial_index(user, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    ScrapeJob.objects.create(owner=user, status="completed", **CRITERIA)
    services.job_create(owner=user, criteria=CRITERIA)
    with pytest.raises(services.ActiveJobLimitExceeded, match="You already have 1 jobs"):
        services.job_create(owner=user, criteria=CRITERIA)
    index = next(index for index in ScrapeJob._meta.indexes if index.name == "job_owner_active")
    assert index.condition == Q(status__in=ACTIVE_STATUSES)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_new_jobs_message_is_sent_beside_the_caller_and_stamped_once_confirmed(user, settings, monkeypatch):
    from tests.integration.workers import rabbitmq_sending, require_services

    require_services()
    sent_by: list[str] = []
    send = messaging.send

    def recording_send(route, object_id):
        sent_by.append(threading.current_thread().name)
        send(route, object_id)

    monkeypatch.setattr(messaging, "send", recording_send)
    with rabbitmq_sending() as broker:
        broker.flush(settings.SCRAPE_QUEUE)
        jobs = [services.job_create(owner=user, criteria=CRITERIA) for _ in range(5)]
        assert messaging.drain_sends(timeout=30)

        assert sent_by == ["sender"] * 5  # not the caller's thread
        stamped = ScrapeJob.objects.filter(id__in=[job.id for job in jobs], dispatched_at__isnull=False)
        assert stamped.count() == 5
        assert broker.get_queue_message_counts(settings.SCRAPE_QUEUE)[0] == 5
        broker.flush(settings.SCRAPE_QUEUE)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_insert_that_fails_leaves_no_row_and_no_transaction_open(user, stub_broker):
    if connection.vendor != "postgresql":
        need_services("PostgreSQL (DATABASE_URL)")
    with pytest.raises(IntegrityError):  # the insert itself fails, after the lock: a CHECK constraint
        services.job_create(owner=user, criteria={**CRITERIA, "max_results": -1})

    assert not connection.in_atomic_block and connection.connection.info.transaction_status == 0  # idle
    assert ScrapeJob.objects.count() == 0
    services.job_create(owner=user, criteria=CRITERIA)  # the connection goes on working
    assert ScrapeJob.objects.filter(owner=user).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_jobs_confirmed_close_together_are_stamped_in_one_update(user, settings, monkeypatch):
    from tests.integration.workers import rabbitmq_sending, require_services

    require_services()
    stamps: list[list] = []
    stamp = job_sql.stamp_dispatched

    def recording_stamp(job_ids):
        stamps.append(list(job_ids))
        stamp(job_ids)

    monkeypatch.setattr(job_sql, "stamp_dispatched", recording_stamp)
    monkeypatch.setattr(messaging, "STAMP_WAIT", 2.0)  # every create below falls in the first's wait
    with rabbitmq_sending() as broker:
        broker.flush(settings.SCRAPE_QUEUE)
        jobs = [services.job_create(owner=user, criteria=CRITERIA) for _ in range(5)]
        assert messaging.drain_sends(timeout=30)

        assert stamps == [[job.id for job in jobs]]
        assert ScrapeJob.objects.filter(dispatched_at__isnull=False).count() == 5
        assert broker.get_queue_message_counts(settings.SCRAPE_QUEUE)[0] == 5
        broker.flush(settings.SCRAPE_QUEUE)
