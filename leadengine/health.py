"""Health of LeadEngine's parts: the database, the broker and the workers. No secrets in the output."""

from __future__ import annotations

import logging

import dramatiq
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from leadengine.jobs import messaging, selectors

log = logging.getLogger(__name__)


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def queue_depths(queue: str | None = None) -> dict[str, int]:
    """Messages waiting in a job queue, its delay and dead-letter queues; without `queue`, summed over
    the queues of every priority."""
    if queue is None:
        per_queue = [queue_depths(name) for name in messaging.SCRAPE_QUEUES.values()]
        return {state: sum(depths[state] for depths in per_queue) for state in per_queue[0]}
    broker = dramatiq.get_broker()
    if hasattr(broker, "get_queue_message_counts"):  # RabbitMQ
        ready, delayed, dead = broker.get_queue_message_counts(queue)
        return {"ready": ready, "delayed": delayed, "dead_letter": dead}
    stub_queues = getattr(broker, "queues", {})
    return {
        "ready": stub_queues[queue].qsize() if queue in stub_queues else 0,
        "delayed": stub_queues[f"{queue}.DQ"].qsize() if f"{queue}.DQ" in stub_queues else 0,
        "dead_letter": len(getattr(broker, "dead_letters_by_queue", {}).get(queue, [])),
    }


def check_broker() -> dict:
    kind = "rabbitmq" if settings.DRAMATIQ_BROKER_URL else "embedded"
    try:
        return {"ok": True, "kind": kind, "queue": queue_depths()}
    except Exception as exc:
        log.warning("broker health check failed", exc_info=True)
        return {"ok": False, "kind": kind, "error": type(exc).__name__}


def check_workers() -> dict:
    """Worker processes whose heartbeat is recent. Required unless HEALTH_REQUIRE_WORKERS is off."""
    required = settings.HEALTH_REQUIRE_WORKERS
    try:
        seen = len(selectors.workers_seen())
    except Exception as exc:
        return {"ok": not required, "required": required, "error": type(exc).__name__}
    return {
        "ok": seen > 0 or not required,
        "required": required,
        "seen": seen,
        "within_seconds": settings.WORKER_SEEN_WITHIN,
    }


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker(), "workers": check_workers()}
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}


@require_GET
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)
