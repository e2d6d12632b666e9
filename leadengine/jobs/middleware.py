"""Dramatiq middleware of LeadEngine's workers."""

import threading

from dramatiq.middleware import Middleware

# Set when the worker process begins to shut down (SIGTERM): running jobs save the batch in hand,
# hand the rest of the job back, and end, instead of being cut off mid-write.
shutting_down = threading.Event()


class GracefulShutdown(Middleware):
    def after_worker_boot(self, broker, worker) -> None:
        # A process that starts a worker again (embedded mode, tests) starts it running.
        shutting_down.clear()

    def before_worker_shutdown(self, broker, worker) -> None:
        shutting_down.set()
