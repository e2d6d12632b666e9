"""What the browser tests share: Debian's Chromium driven by Playwright (never a downloaded browser),
skipped with the reason when either is missing (failed under LEADENGINE_REQUIRE_SERVICES=1), and steps
that are timed and leave a screenshot each.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.environment import REQUIRE_SERVICES

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def need_browser() -> None:
    """Skip the test (fail it under LEADENGINE_REQUIRE_SERVICES=1) without Chromium or Playwright."""
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing: apt-get install -y chromium"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed: pip install -r requirements/dev.txt"
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"browser tests need Chromium: {reason} (LEADENGINE_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


class Steps:
    """Times each step and saves a screenshot at its end (NN-name.png; NN-name-failed.png if it failed)."""

    def __init__(self, page, directory: Path) -> None:
        self.page = page
        self.directory = directory
        self.timings: dict[str, float] = {}
        directory.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        number = len(self.timings) + 1
        try:
            yield
        except BaseException:
            # What the page showed when the step failed, beside the steps that passed.
            failed = self.directory / f"{number:02d}-{name}-failed.png"
            self.page.screenshot(path=str(failed), full_page=True)
            raise
        self.timings[name] = round(time.monotonic() - started, 2)
        self.page.screenshot(path=str(self.directory / f"{number:02d}-{name}.png"), full_page=True)

    def save(self) -> None:
        (self.directory / "timings.json").write_text(json.dumps(self.timings, indent=2))
        print("\nbrowser steps (seconds):", json.dumps(self.timings))
