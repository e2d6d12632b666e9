"""The HTTP client's provider API calls: JSON in and out, no robots.txt, credentials refused without the
secret, retries within a budget, the address guard, and per-host caps without crawl delays."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import pytest

from scraping.errors import BlockedURLError, ConfigurationError, ScrapeError
from scraping.http import HttpClient, safe_url
from scraping.types import ScrapeSettings


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def api(settings: ScrapeSettings, method: str, url: str, **kwargs: Any):
    async with HttpClient(settings, allowed_addresses={"127.0.0.1"}) as http:
        return await http.request_api(method, url, **kwargs)


# --- provider APIs ----------------------------------------------------------------------------------

API = "api.provider.example"


@pytest.fixture()
def api_host(server, fake_dns):
    fake_dns[API] = ["127.0.0.1"]
    return server


def test_request_api_returns_parsed_json_without_robots_txt(api_host, scrape_settings):
    api_host.route(API, "/v1/search", json={"results": [1, 2]})
    response = run(api(scrape_settings, "GET", api_host.url(API, "/v1/search"), params={"q": "acme"}))
    assert response.status == 200 and response.data == {"results": [1, 2]}
    assert [path for _, path, _ in api_host.log.requests] == ["/v1/search?q=acme"]


def test_request_api_posts_json(api_host, scrape_settings):
    api_host.route(API, "/v4/searches", json={"count": 0, "entities": []})
    response = run(
        api(
            scrape_settings,
            "POST",
            api_host.url(API, "/v4/searches"),
            json={"limit": 5},
            headers={"X-cb-user-key": "k3y-s3cret-value"},
        )
    )
    assert response.data["count"] == 0


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_a_configuration_error_without_the_secret(api_host, scrape_settings, status):
    api_host.route(API, "/v1/search", status=status, json={"error": "bad key sk-live-123456"})
    with pytest.raises(ConfigurationError) as caught:
        run(
            api(
                scrape_settings,
                "GET",
                api_host.url(API, "/v1/search"),
                params={"api_key": "sk-live-123456"},
                headers={"Authorization": "Bearer sk-live-123456"},
            )
        )
    assert API in str(caught.value) and str(status) in str(caught.value)
    assert "sk-live-123456" not in str(caught.value)


def test_other_client_errors_carry_status_and_a_redacted_excerpt(api_host, scrape_settings):
    api_host.route(
        API,
        "/v1/search",
        status=422,
        content_type="application/json",
        body='{"error": "invalid query for key sk-live-123456: count must be <= 20"}',
    )
    with pytest.raises(ScrapeError) as caught:
        run(
            api(scrape_settings, "GET", api_host.url(API, "/v1/search"), params={"api_key": "sk-live-123456"})
        )
    message = str(caught.value)
    assert "HTTP 422" in message and "count must be <= 20" in message
    assert "sk-live-123456" not in message and "api_key" not in message
    assert not isinstance(caught.value, ConfigurationError)


def test_malformed_json_is_a_scrape_error(api_host, scrape_settings):
    api_host.route(API, "/v1/search", body="<html>oops</html>", content_type="application/json")
    with pytest.raises(ScrapeError, match="malformed JSON"):
        run(api(scrape_settings, "GET", api_host.url(API, "/v1/search")))


def test_429_waits_for_retry_after_then_succeeds(api_host, scrape_settings):
    api_host.route(
        API, "/v1/search", fail_times=1, status_when_failing=429, retry_after="0", json={"ok": True}
    )
    response = run(api(scrape_settings, "GET", api_host.url(API, "/v1/search")))
    assert response.data == {"ok": True}
    assert len(api_host.log.requests) == 2


def test_429_beyond_the_retry_budget_gives_up(api_host, scrape_settings):
    api_host.route(API, "/v1/search", fail_times=99, status_when_failing=429, retry_after="1")
    budget = replace(scrape_settings, max_retry_wait=0.5, api_retry_budget=0.5, retries=5)
    with pytest.raises(ScrapeError, match="retry budget"):
        run(api(budget, "GET", api_host.url(API, "/v1/search")))


def test_5xx_is_retried_with_backoff(api_host, scrape_settings):
    api_host.route(API, "/v1/search", fail_times=1, status_when_failing=502, json={"ok": 1})
    assert run(api(scrape_settings, "GET", api_host.url(API, "/v1/search"))).data == {"ok": 1}


def test_the_api_path_is_guarded_too(scrape_settings):
    with pytest.raises(BlockedURLError):
        run(api(scrape_settings, "GET", "http://169.254.169.254/latest/meta-data/"))


def test_safe_url_drops_query_user_info_and_fragment():
    url = "https://user:pw@api.acme.com:8443/v1/x?key=secret#frag"
    assert safe_url(url) == "https://api.acme.com:8443/v1/x"


def test_api_calls_have_the_per_host_cap_but_no_crawl_delay(api_host, scrape_settings):
    api_host.route(API, "/v1/search", json={"ok": True}, delay=0.05)
    paced = replace(scrape_settings, per_host_delay=1.0, per_host_concurrency=2)

    async def main() -> None:
        async with HttpClient(paced, allowed_addresses={"127.0.0.1"}) as http:
            url = api_host.url(API, "/v1/search")
            await asyncio.gather(*(http.request_api("GET", url) for _ in range(6)))

    started = time.monotonic()
    run(main())
    assert time.monotonic() - started < 1.0
    assert api_host.log.max_in_flight[API] == 2
