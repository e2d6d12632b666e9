"""`runserver` plus Dramatiq worker threads and the maintenance loop in the same process.

LeadEngine's embedded mode: no broker server and no database server to install. The broker is
Dramatiq's in-process StubBroker, so the jobs' messages live in this process's memory; jobs left
queued or running by a previous run are sent again at start.
"""

import logging
import threading

import dramatiq
from django.conf import settings
from django.core.management import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import close_old_connections

from leadengine.jobs import services
from leadengine.jobs.management.commands.maintenance import run_maintenance

log = logging.getLogger(__name__)


class Command(RunserverCommand):
    help = "Run the web server with in-process workers (embedded mode, no broker server)."

    def inner_run(self, *args, **options):
        # Under the autoreloader this runs in the child process that serves: start the workers here.
        if settings.DRAMATIQ_BROKER_URL:
            raise CommandError(
                "runembedded is for the embedded broker; unset DRAMATIQ_BROKER_URL "
                "or run `manage.py runserver` and `manage.py rundramatiq`."
            )
        start_embedded_worker()
        super().inner_run(*args, **options)


def start_embedded_worker() -> dramatiq.Worker:
    import leadengine.jobs.tasks  # noqa: F401  declares the actors on the broker before the worker starts

    broker = dramatiq.get_broker()
    worker = dramatiq.Worker(broker, worker_threads=settings.EMBEDDED_WORKER_THREADS, worker_timeout=100)
    worker.start()
    resend_unfinished()
    threading.Thread(
        target=run_maintenance, args=(threading.Event(), 10.0), name="maintenance", daemon=True
    ).start()
    log.info("embedded worker started with %d threads", settings.EMBEDDED_WORKER_THREADS)
    return worker


def resend_unfinished() -> None:
    """The in-memory queue died with the previous process: send its unfinished jobs again."""
    services.jobs_resend_unfinished()
    close_old_connections()
