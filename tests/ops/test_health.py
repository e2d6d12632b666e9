"""GET /healthz and `manage.py health`: each part down in turn."""

import json

import pytest
from django.core.management import call_command

from leadengine import health
from leadengine.jobs import selectors, workers


def broken(*args, **kwargs):
    raise OSError("down")


@pytest.fixture
def workers_required(settings):
    settings.HEALTH_REQUIRE_WORKERS = True


@pytest.mark.django_db
def test_it_is_healthy_with_a_recent_worker_heartbeat(client, workers_required):
    workers.beat("host:1:abc", queues=["scrape_jobs"])
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["workers"] == {
        "ok": True,
        "required": True,
        "seen": 1,
        "within_seconds": 60.0,
    }


@pytest.mark.django_db
def test_it_is_unhealthy_without_workers_when_they_are_required(client, workers_required):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_it_is_unhealthy_when_the_broker_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "queue_depths", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "kind": "embedded", "error": "OSError"}


@pytest.mark.django_db
def test_it_is_unhealthy_when_the_database_is_down(client, monkeypatch, workers_required):
    monkeypatch.setattr(health.connection, "cursor", broken)
    monkeypatch.setattr(selectors, "workers_seen", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OSError"}
    assert checks["workers"]["ok"] is False and "down" not in response.content.decode()


@pytest.mark.django_db
def test_the_command_prints_the_report_and_exits_1_when_unhealthy(capsys, monkeypatch, workers_required):
    workers.beat("host:1:abc", queues=[])
    call_command("health")
    assert json.loads(capsys.readouterr().out)["ok"] is True
    monkeypatch.setattr(health, "queue_depths", broken)
    with pytest.raises(SystemExit) as stopped:
        call_command("health")
    assert stopped.value.code == 1
    assert json.loads(capsys.readouterr().out)["checks"]["broker"]["ok"] is False
