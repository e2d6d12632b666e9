"""Runs a job's sources concurrently and hands their results to synchronous code as events.

The job layer is synchronous (a Dramatiq worker thread, Django's ORM); sources are asyncio code that
shares one HTTP client. `run_sources()` runs the event loop in a thread of its own and yields events
through a bounded queue, so a slow consumer (the database) holds the crawl back instead of letting it
pile up in memory, and a slow source never holds back the leads of the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from scraping.errors import ConfigurationError
from scraping.http import HttpClient
from scraping.sources import REGISTRY, SourceContext
from scraping.types import Criteria, Lead, ScrapeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadsFound:
    source: str
    leads: list[Lead]


@dataclass(frozen=True)
class SourceWarning:
    source: str
    url: str
    message: str


@dataclass(frozen=True)
class Progress:
    pages_done: int  # increments since the previous Progress
    pages_planned: int


@dataclass(frozen=True)
class SourceFinished:
    source: str
    leads: int
    seconds: float
    error: str = ""  # empty when the source ran to its end
    configuration_error: bool = False  # retrying the job will not fix it
    pages: int = 0  # pages the source read


Event = LeadsFound | SourceWarning | Progress | SourceFinished

_DONE = object()


def run_sources(criteria: Criteria, sources: list[str], settings: ScrapeSettings) -> Iterator[Event]:
    """Yield the events of running `sources` for `criteria` until all of them have finished.

    Closing the generator early (the job was cancelled, the worker is shutting down) stops the
    sources at their next await and waits for the loop thread to end.
    """
    unknown = [name for name in sources if name not in REGISTRY]
    if unknown:
        raise ConfigurationError(f"unknown source: {', '.join(unknown)}")

    events: queue.Queue = queue.Queue(maxsize=64)
    stop = threading.Event()

    def put(event: object) -> None:
        # Blocks while the consumer is behind; gives up when the consumer has gone.
        while not stop.is_set():
            try:
                events.put(event, timeout=0.2)
                return
            except queue.Full:
                continue

    async def run_one(name: str, http: HttpClient) -> None:
        started = time.monotonic()
        found = 0
        pages = 0

        def progress(done: int, planned: int) -> None:
            nonlocal pages
            pages += done
            put(Progress(done, planned))

        def finished(error: str = "", configuration_error: bool = False) -> SourceFinished:
            elapsed = time.monotonic() - started
            return SourceFinished(name, found, elapsed, error, configuration_error, pages=pages)

        ctx = SourceContext(
            source=name,
            http=http,
            settings=settings,
            warn=lambda url, message: put(SourceWarning(name, url, message)),
            progress=progress,
            stopping=stop.is_set,
        )
        try:
            async for batch in REGISTRY[name](criteria, ctx):
                if batch:
                    found += len(batch)
                    await asyncio.to_thread(put, LeadsFound(name, batch))
                if stop.is_set():
                    break
        except ConfigurationError as exc:
            put(finished(str(exc), configuration_error=True))
        except Exception as exc:  # one source's failure never stops the others
            log.warning("source %s failed", name, exc_info=True)
            put(finished(f"{type(exc).__name__}: {exc}"))
        else:
            put(finished())

    async def main() -> None:
        async with HttpClient(settings) as http:
            tasks = [asyncio.create_task(run_one(name, http)) for name in sources]
            while tasks:
                done, pending = await asyncio.wait(tasks, timeout=0.2)
                tasks = list(pending)
                if stop.is_set():
                    for task in tasks:
                        task.cancel()
                    await asyncio.gather(*tasks, return_exceptions=True)
                    break

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except Exception as exc:  # the loop itself failed: report it as every source's error
            log.exception("scraping loop failed")
            for name in sources:
                put(SourceFinished(name, 0, 0.0, f"{type(exc).__name__}: {exc}"))
        finally:
            put(_DONE)

    thread = threading.Thread(target=thread_main, name="scraping-loop", daemon=True)
    thread.start()
    try:
        while True:
            try:
                event = events.get(timeout=1.0)
            except queue.Empty:
                # Nothing new: a tick lets the consumer beat its heartbeat and notice a cancel.
                yield Progress(0, 0)
                continue
            if event is _DONE:
                break
            yield event
    finally:
        stop.set()
        thread.join(timeout=30)
