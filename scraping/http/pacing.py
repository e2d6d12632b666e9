"""Politeness between requests: the turn of each host, and how long a server asked us to wait."""

from __future__ import annotations

import asyncio
import email.utils
import time


class HostSlot:
    """The politeness state of one host: how many requests may run at once and when the next may start."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.lock = asyncio.Lock()
        self.next_start = 0.0
        self.delay = delay

    async def wait_turn(self) -> None:
        # Starts are spaced by `delay` even when several requests may run at the same time.
        async with self.lock:
            wait = self.next_start - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self.next_start = time.monotonic() + self.delay


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
