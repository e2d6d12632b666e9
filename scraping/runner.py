"""Runs a job's sources concurrently and hands their results to synchronous code as events.

The job layer is synchronous (a Dramatiq worker thread, Django's ORM); sources are asyncio code that
shares one HTTP client. `run_sources()` runs the event loop in a thread of its own and yields events
from a thread-safe queue. Nothing on the loop ever waits for the consumer: events go into an unbounded
`queue.SimpleQueue` (whose `put` never blocks), page progress is added up on the loop and sent at most
every `_PROGRESS_EVERY` seconds, and only leads are held back: a source waits (an asyncio semaphore,
given back by the consumer through `call_soon_threadsafe`) while `_LEADS_IN_QUEUE` batches are
unread, so a slow consumer (the database) bounds the leads in memory while every crawl keeps fetching,
and a slow source never holds back the leads of the others.
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
_LEADS_IN_QUEUE = 64  # lead batches sent and not yet taken by the consumer, at most
_PROGRESS_EVERY = 0.05  # seconds: page progress of that long travels as one event


def run_sources(criteria: Criteria, sources: list[str], settings: ScrapeSettings) -> Iterator[Event]:
    """Yield the events of running `sources` for `criteria` until all of them have finished.

    Closing the generator early (the job was cancelled, the worker is shutting down) stops the
    sources at their next await and waits for the loop thread to end.
    """
    unknown = [name for name in sources if name not in REGISTRY]
    if unknown:
        raise ConfigurationError(f"unknown source: {', '.join(unknown)}")

    events: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    loop_side: dict[str, object] = {}  # the loop and its lead semaphore, once the loop runs

    async def run_one(name: str, http: HttpClient, tally: _ProgressTally, room: asyncio.Semaphore) -> None:
        started = time.monotonic()
        found = 0
        pages = 0

        def progress(done: int, planned: int) -> None:
            nonlocal pages
            pages += done
            tally.add(done, planned)

        def finished(error: str = "", configuration_error: bool = False) -> SourceFinished:
            elapsed = time.monotonic() - started
            return SourceFinished(name, found, elapsed, error, configuration_error, pages=pages)

        ctx = SourceContext(
            source=name,
            http=http,
            settings=settings,
            warn=lambda url, message: events.put(SourceWarning(name, url, message)),
            progress=progress,
            stopping=stop.is_set,
        )
        try:
            async for batch in REGISTRY[name](criteria, ctx):
                if batch:
                    found += len(batch)
                    await room.acquire()  # given back when the consumer has taken the batch
                    events.put(LeadsFound(name, batch))
                if stop.is_set():
                    break
        except ConfigurationError as exc:
            tally.flush()
            events.put(finished(str(exc), configuration_error=True))
        except Exception as exc:  # one source's failure never stops the others
            log.warning("source %s failed", name, exc_info=True)
            tally.flush()
            events.put(finished(f"{type(exc).__name__}: {exc}"))
        else:
            tally.flush()  # a source's progress reaches the consumer before its end
            events.put(finished())

    async def main() -> None:
        room = asyncio.Semaphore(_LEADS_IN_QUEUE)
        loop_side.update(loop=asyncio.get_running_loop(), room=room)
        tally = _ProgressTally(events)
        try:
            async with HttpClient(settings) as http:
                tasks = [asyncio.create_task(run_one(name, http, tally, room)) for name in sources]
                while tasks:
                    done, pending = await asyncio.wait(tasks, timeout=0.2)
                    tasks = list(pending)
                    if stop.is_set():
                        for task in tasks:
                            task.cancel()
                        await asyncio.gather(*tasks, return_exceptions=True)
                        break
        finally:
            tally.flush()

    def thread_main() -> None:
        try:
            asyncio.run(main())
        except Exception as exc:  # the loop itself failed: report it as every source's error
            log.exception("scraping loop failed")
            for name in sources:
                events.put(SourceFinished(name, 0, 0.0, f"{type(exc).__name__}: {exc}"))
        finally:
            events.put(_DONE)

    def give_back_room() -> None:
        loop, room = loop_side["loop"], loop_side["room"]
        try:
            loop.call_soon_threadsafe(room.release)  # type: ignore[attr-defined]
        except RuntimeError:
            pass  # the loop has ended: nobody waits for room any more

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
            if isinstance(event, LeadsFound):
                give_back_room()
    finally:
        stop.set()
        thread.join(timeout=30)


class _ProgressTally:
    """Page progress added up on the loop and sent as one `Progress` event every `_PROGRESS_EVERY`
    seconds: a page costs the consumer no wake-up of its own. Touched only from the loop's thread."""

    def __init__(self, events: queue.SimpleQueue) -> None:
        self.events = events
        self.done = self.planned = 0
        self.timer: asyncio.TimerHandle | None = None

    def add(self, done: int, planned: int) -> None:
        self.done += done
        self.planned += planned
        if self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(_PROGRESS_EVERY, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.done or self.planned:
            self.events.put(Progress(self.done, self.planned))
            self.done = self.planned = 0
