"""Worker heartbeats: rows in the database for worker processes, memory for embedded workers."""

import time
from datetime import timedelta

import dramatiq
import pytest
from django.utils import timezone

from leadengine.jobs import selectors, workers
from leadengine.jobs.models import WorkerHeartbeat


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_writes_its_heartbeat_and_removes_it_at_shutdown(stub_broker, monkeypatch, settings):
    monkeypatch.setattr(workers, "_use_database", lambda: True)
    settings.WORKER_HEARTBEAT_INTERVAL = 0.1
    worker = dramatiq.Worker(stub_broker, worker_threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 5
        while not WorkerHeartbeat.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        row = WorkerHeartbeat.objects.get()
        time.sleep(0.3)
        assert WorkerHeartbeat.objects.get().seen_at > row.seen_at
        assert [seen.worker_id for seen in selectors.workers_seen()] == [row.worker_id]
    finally:
        worker.stop()
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_embedded_workers_are_seen_while_they_run(stub_worker):
    seen = selectors.workers_seen()
    assert len(seen) == 1 and seen[0].pid and not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_old_heartbeats_are_not_counted_and_are_forgotten_after_a_day():
    workers.beat("old:1:a", queues=[])
    workers.beat("older:2:b", queues=[])
    WorkerHeartbeat.objects.filter(worker_id="old:1:a").update(seen_at=timezone.now() - timedelta(minutes=2))
    WorkerHeartbeat.objects.filter(worker_id="older:2:b").update(seen_at=timezone.now() - timedelta(days=2))
    assert selectors.workers_seen() == []
    assert workers.forget_dead_workers() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["old:1:a"]
