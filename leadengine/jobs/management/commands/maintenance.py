"""The maintenance loop: `requeue_stale` every few seconds until SIGTERM. Safe to run several at once."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from leadengine.jobs import exports, schedules, services, workers

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run LeadEngine's periodic maintenance (stale jobs, unsent jobs) in a loop until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between rounds")
        parser.add_argument("--once", action="store_true", help="run one round and exit")

    def handle(self, *args, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"maintenance loop every {options['interval']}s")
        run_maintenance(stop, options["interval"], once=options["once"])


def run_maintenance(stop: threading.Event, interval: float, *, once: bool = False) -> None:
    """Run every maintenance task each `interval` seconds until `stop` is set."""
    while True:
        try:
            for task in maintenance_tasks():
                task()
        except Exception:
            # A database or broker outage: log it and try again next round instead of exiting.
            log.exception("maintenance round failed")
        finally:
            close_old_connections()
        if once or stop.wait(interval):
            break


def maintenance_tasks():
    """Each task is safe to run concurrently from several processes."""
    return [
        services.requeue_stale,
        schedules.run_due_schedules,
        exports.fail_stuck_exports,
        workers.forget_dead_workers,
    ]
