"""The source registry. A source is one module with one `run()` registered under its name.

    @register("website")
    async def run(criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]:
        ...
        yield [lead, ...]

A source yields leads in batches as it finds them, reports per-URL problems with `ctx.warn()` and
its work with `ctx.progress()`, and raises `ConfigurationError` when it cannot run at all. This
module imports no source: the sources import it to register, and `scraping.sources` imports them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from scraping.http import HttpClient
from scraping.types import Criteria, Lead, ScrapeSettings


class SourceFunc(Protocol):
    """A source's `run()`: the criteria in, batches of leads out."""

    def __call__(self, criteria: Criteria, ctx: SourceContext) -> AsyncIterator[list[Lead]]: ...


@dataclass
class SourceContext:
    """What a running source may use: the shared HTTP client, settings, and the job's reporters."""

    source: str
    http: HttpClient
    settings: ScrapeSettings
    warn: Callable[[str, str], None]  # (url or "", message): a problem that does not stop the source
    progress: Callable[[int, int], None]  # (pages done, pages newly planned), both increments
    stopping: Callable[[], bool] = field(default=lambda: False)  # the job was cancelled or is shutting down


REGISTRY: dict[str, SourceFunc] = {}


def register(name: str) -> Callable[[SourceFunc], SourceFunc]:
    def decorator(func: SourceFunc) -> SourceFunc:
        REGISTRY[name] = func
        return func

    return decorator


def source_names() -> list[str]:
    return sorted(REGISTRY)
