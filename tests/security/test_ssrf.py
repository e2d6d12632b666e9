"""SSRF cases beyond those of tests/scraping/test_http.py, through scraping.http's public API, and a
refused URL seen through a whole job: a per-URL error on the job, never a crash.

The guard itself is tested there (the issue's list: loopback, 10/8, 172.16/12, 192.168/16,
169.254.169.254, [::1], [::ffff:127.0.0.1], 0.0.0.0, 2130706433, a name resolving to loopback, a
redirect to a private address); here: range edges, more encodings, IPv6 forms of private IPv4
addresses, private answers of DNS, and more redirect targets.
"""

import asyncio
from functools import partial

import pytest

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from scraping import runner
from scraping.errors import BlockedURLError, ScrapeError
from scraping.http import HttpClient
from scraping.types import ScrapeSettings
from tests.jobs.site import serve_company_site
from tests.scraping.conftest import FixtureServer, install_fake_dns, make_settings

SITE = "www.brightwave.co.uk"  # a fixture site of tests/scraping, served on 127.0.0.1


@pytest.fixture()
def server():
    fixture_server = FixtureServer()
    yield fixture_server
    fixture_server.close()


@pytest.fixture()
def fake_dns(monkeypatch):
    return install_fake_dns(monkeypatch)


def fetch(url: str, allowed: set[str] | None = None, settings: ScrapeSettings | None = None):
    async def go():
        async with HttpClient(settings or make_settings(), allowed_addresses=allowed or set()) as http:
            return await http.fetch_page(url)

    return asyncio.run(go())


MORE_REFUSED_HOSTS = [
    "10.255.255.255",
    "172.31.255.254",
    "192.168.255.255",
    "127.255.255.254",
    "255.255.255.255",
    "0",
    "0x0a000001",
    "012.0.0.1",
    "167772161",
    "0xa9.0xfe.0xa9.0xfe",
    "169.254.0.1",
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "[::ffff:10.0.0.1]",
    "[::ffff:192.168.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "[ff02::1]",
    "[fd12:3456::1]",
    "[fe80::1%25eth0]",
    "[::127.0.0.1]",
    "198.18.0.1",
    "192.0.0.1",
    "192.0.2.1",
]


@pytest.mark.parametrize("host", MORE_REFUSED_HOSTS)
def test_the_guard_refuses_more_private_forms_before_connecting(server, host):
    # httpx itself rejects some forms (a leading-zero octet) as invalid URLs: refused all the same.
    with pytest.raises(BlockedURLError, match="refused|invalid URL"):
        fetch(f"http://{host}:{server.port}/")
    assert server.log.requests == []


@pytest.mark.parametrize("host", ["localhost.", "LOCALHOST", "ip6-localhost"])
def test_local_names_never_reach_a_local_server(server, host):
    # Refused after resolution, or not resolvable at all on this machine: never connected.
    with pytest.raises(ScrapeError):
        fetch(f"http://{host}:{server.port}/")
    assert server.log.requests == []


@pytest.mark.parametrize(
    "answer", ["::1", "::ffff:127.0.0.1", "169.254.169.254", "fd00::1", "0.0.0.0", "100.64.0.1", "10.1.2.3"]
)
def test_a_name_whose_dns_answer_is_private_is_refused(server, fake_dns, answer):
    fake_dns["metadata.acme-cloud.example"] = [answer]
    with pytest.raises(BlockedURLError, match="refused"):
        fetch(f"http://metadata.acme-cloud.example:{server.port}/")
    assert server.log.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://2130706434:{port}/",
        "http://0x7f000002:{port}/",
        "http://127.2:{port}/",
        "http://[::ffff:127.0.0.2]:{port}/",
        "http://acme.example@127.0.0.2:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.1/",
        "http://172.16.0.1/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:{port}/",
    ],
)
def test_every_kind_of_redirect_target_is_checked(server, fake_dns, target):
    # 127.0.0.1 (the server) is let through exactly; 127.0.0.2 and the rest are not.
    server.route(SITE, "/go", status=302, location=target.format(port=server.port))
    with pytest.raises(BlockedURLError):
        fetch(server.url(SITE, "/go"), allowed={"127.0.0.1"})
    assert [path for _, path, _ in server.log.requests] == ["/robots.txt", "/go"]


def test_a_redirect_chain_is_checked_at_its_last_hop(server, fake_dns):
    server.route(SITE, "/one", status=302, location="{{BASE}}/two")
    server.route(SITE, "/two", status=301, location="http://10.0.0.1/admin")
    with pytest.raises(BlockedURLError, match="10.0.0.1"):
        fetch(server.url(SITE, "/one"), allowed={"127.0.0.1"})
    assert [path for _, path, _ in server.log.requests] == ["/robots.txt", "/one", "/two"]


def test_the_guard_is_on_unless_a_setting_opens_it(settings):
    assert ScrapeSettings().allow_private_urls is False
    from leadengine.jobs.pipeline import scrape_settings

    settings.LEADENGINE_ALLOW_PRIVATE_URLS = False
    assert scrape_settings().allow_private_urls is False


# --- through a job ----------------------------------------------------------------------------------

JOBS = "/api/v1/jobs/scrape/"
# (The API already refuses a decimal host such as http://2130706434/ as an invalid URL.)
PRIVATE_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://127.0.0.2/",
    "http://[::1]/",
    "http://user@192.168.1.1/",
]


@pytest.fixture
def guarded_jobs(settings, monkeypatch):
    """Jobs run with the guard on; only the test's own site (exactly 127.0.0.1) is let through."""
    settings.LEADENGINE_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(runner, "HttpClient", partial(HttpClient, allowed_addresses={"127.0.0.1"}))


def run_job(api, urls, stub_broker, stub_worker, settings, django_capture_on_commit_callbacks) -> ScrapeJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(JOBS, {"source_types": ["website"], "urls": urls}, format="json")
    assert response.status_code == 201, response.content
    stub_broker.join(settings.SCRAPE_QUEUE, fail_fast=False, timeout=30_000)
    stub_worker.join()
    return ScrapeJob.objects.get(id=response.json()["job_id"])


@pytest.mark.django_db(transaction=True)
def test_refused_urls_are_per_url_warnings_and_the_job_completes(
    api, httpserver, guarded_jobs, stub_broker, stub_worker, settings, django_capture_on_commit_callbacks
):
    site = serve_company_site(httpserver).replace("localhost", "127.0.0.1")
    job = run_job(
        api, [*PRIVATE_URLS, site], stub_broker, stub_worker, settings, django_capture_on_commit_callbacks
    )
    assert job.status == JobStatus.COMPLETED, (job.error, job.warnings)
    assert RawLead.objects.get(job=job).company_name == "Harbour Analytics"
    refused = [warning for warning in job.warnings if "refused" in warning]
    assert len(refused) == len(PRIVATE_URLS), job.warnings
    assert stub_broker.dead_letters == []


@pytest.mark.django_db(transaction=True)
def test_a_job_of_refused_urls_only_fails_at_once_with_the_reasons(
    api, guarded_jobs, stub_broker, stub_worker, settings, django_capture_on_commit_callbacks
):
    job = run_job(api, PRIVATE_URLS, stub_broker, stub_worker, settings, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.attempts == 1  # a refusal is not retried
    assert "every URL was refused" in job.error and "169.254.169.254" in job.error
    assert RawLead.objects.filter(job=job).count() == 0
