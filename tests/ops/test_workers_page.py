"""The worker heartbeats page and the operations page name the same workers alive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leadengine.jobs import selectors, workers
from leadengine.jobs.models import WorkerHeartbeat


@pytest.mark.django_db
def test_the_heartbeats_page_lists_the_workers_the_operations_page_counts(
    admin_client, settings, monkeypatch
):
    settings.WORKER_SEEN_WITHIN = 60
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="alive-1", hostname="a", pid=1, queues=[], seen_at=now)
    WorkerHeartbeat.objects.create(
        worker_id="dead-1", hostname="b", pid=2, queues=[], seen_at=now - timedelta(minutes=10)
    )
    monkeypatch.setitem(workers._local_workers, "embedded-1", (["scrape_jobs"], now))
    alive = {worker.worker_id for worker in selectors.workers_seen() if worker.pk is not None}
    assert alive == {"alive-1"}

    page = admin_client.get("/admin/jobs/workerheartbeat/").content.decode()
    assert "alive-1" in page and "dead-1" not in page
    assert "1 embedded worker in this web process" in page and "embedded-1" in page
    everyone = admin_client.get("/admin/jobs/workerheartbeat/?alive=all").content.decode()
    assert "alive-1" in everyone and "dead-1" in everyone
    dashboard = admin_client.get("/admin/jobs/scrapejob/dashboard/").content.decode()
    assert "alive-1" in dashboard and "dead-1" not in dashboard


@pytest.mark.django_db
def test_the_admin_index_links_the_operations_page(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert 'href="/admin/jobs/scrapejob/dashboard/"' in page
