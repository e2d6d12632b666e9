"""A headless Debian Chromium for the browser tests, launched through Playwright."""

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, need_browser


@pytest.fixture
def chromium(monkeypatch):
    """(playwright, browser): Playwright's sync API and a launched Chromium, closed after the test."""
    need_browser()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are still
    # plain synchronous code (Django's documented escape hatch for this case).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield playwright, browser
        finally:
            browser.close()
