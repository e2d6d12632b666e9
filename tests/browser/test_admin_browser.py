"""The admin in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no download).

One walk through everyday use against a live server with an in-process worker: log in, create a job,
watch it reach `completed` with its bar filled, open a lead, retry a failed job, export CSV and read
the downloaded file, open the operations page. Each step leaves a screenshot under test-artifacts/browser/,
and the steps' times go to test-artifacts/browser/timings.json.
"""

import csv
import io
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from leadengine.jobs.models import JobStatus, ScrapeJob
from tests.browser.helpers import ARTIFACTS, Steps
from tests.jobs.site import serve_company_site

pytestmark = pytest.mark.browser

WAIT = 30_000  # milliseconds: a job here takes a second or two; pages refresh every 3 seconds


@pytest.fixture
def browser_page(chromium):
    playwright, browser = chromium
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        # The API calls go through a context of their own: no session cookie, a token instead.
        yield page, playwright.request
    finally:
        context.close()


def go_when_selected(page, job_id, action: str) -> None:
    page.check(f'input[name="_selected_action"][value="{job_id}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


@pytest.mark.django_db(transaction=True)
def test_everyday_use_in_the_admin(
    browser_page, live_server, stub_worker, httpserver, settings, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    from leadengine.jobs.tasks import run_scrape_job

    monkeypatch.setitem(run_scrape_job.options, "max_retries", 0)
    settings.EXPORTS_DIR = tmp_path / "exports"
    page, requests = browser_page
    steps = Steps(page, ARTIFACTS)
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pw-123456")
    api = requests.new_context(
        base_url=live_server.url,
        extra_http_headers={"Authorization": f"Token {Token.objects.create(user=admin).key}"},
    )
    site = serve_company_site(httpserver)

    with steps.step("login"):
        page.goto(f"{live_server.url}/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", "admin-pw-123456")
        page.click('input[type="submit"]')
        expect(page.locator("#user-tools")).to_contain_text("admin")

    with steps.step("create-job-and-watch-it-complete"):
        response = api.post(
            "/api/v1/jobs/scrape/",
            data={"search_query": "analytics", "source_types": ["website"], "urls": [site]},
        )
        assert response.status == 201, response.text()
        job_id = response.json()["job_id"]
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/{job_id}/change/")
        # The page reloads itself every few seconds while the job runs.
        expect(page.locator(".field-status .readonly")).to_have_text("Completed")
        expect(page.locator('.field-progress_display progress[value="100"]')).to_be_visible()
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/")
        expect(page.locator('#result_list progress[value="100"]')).to_be_visible()

    with steps.step("open-a-lead"):
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/{job_id}/change/")
        page.click(".field-leads_link a")
        page.click("#result_list tbody tr th a")
        expect(page.locator(".field-email .readonly")).to_have_text("hello@harbour-analytics.com.au")
        expect(page.locator(".field-payload_display pre")).to_contain_text("harbour-analytics")

    with steps.step("retry-a-failed-job"):
        failed = api.post(
            "/api/v1/jobs/scrape/",
            data={"search_query": "down", "source_types": ["website"], "urls": ["http://127.0.0.1:9/"]},
        ).json()["job_id"]
        deadline = time.monotonic() + WAIT / 1000
        while ScrapeJob.objects.get(id=failed).status != JobStatus.FAILED and time.monotonic() < deadline:
            time.sleep(0.1)
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/?status__exact=failed")
        go_when_selected(page, failed, "retry_jobs")
        expect(page.locator(".messagelist")).to_contain_text("1 job(s) queued again.")

    with steps.step("export-csv-and-read-it"):
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/?status__exact=completed")
        go_when_selected(page, job_id, "export_jobs_csv")
        link = page.locator("a.le-download").first
        expect(link).to_be_visible()  # after the export page refreshed itself
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert download.suggested_filename.startswith("leadengine-job-")
        rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
        assert [row["company_name"] for row in rows] == ["Harbour Analytics"]
        assert rows[0]["email"] == "hello@harbour-analytics.com.au"

    with steps.step("operations-page"):
        page.goto(f"{live_server.url}/admin/jobs/scrapejob/")
        page.get_by_role("link", name="Operations", exact=True).click()
        expect(page.locator('#jobs-by-status td[data-status="completed"]')).to_have_text("1")
        expect(page.locator("#workers h2")).to_contain_text("Workers seen in the last minute: 1")
        expect(page.locator("#leads-per-day .le-day")).to_have_count(30)
        expect(page.locator("#slowest-sources")).to_contain_text("website")

    api.dispose()
    steps.save()
