"""Every surface of LeadEngine walked as a newcomer would, in headless Debian Chromium, against what
`make run` starts: a real `manage.py runembedded` process (embedded broker and workers, SQLite).

The landing page; the admin: sign in, the Operations link, a job added from the form and watched in
the job list until it completes (without the page reloading), its page with attempts and source runs,
Run again, Cancel and Retry with their confirmation pages; the browsable API's HTML form; `manage.py
scrape --wait` run beside the server; a job that fails every attempt, dead-lettered by the server's
broker and requeued from the Operations page; Swagger UI and ReDoc; and the job list at 1280 px.

The browser reaches 127.0.0.1 only: every other request is aborted, so the docs prove they load
offline. Each step leaves a screenshot under test-artifacts/browser/surfaces/, and the steps' times
go to test-artifacts/browser/surfaces/timings.json.
"""

import json
import re
import shutil
from urllib.parse import urlsplit

import pytest

from tests.browser.embedded import ADMIN, ADMIN_PASSWORD, EmbeddedServer, start_site
from tests.browser.helpers import ARTIFACTS, Steps

pytestmark = pytest.mark.browser

SURFACES = ARTIFACTS / "surfaces"
WAIT = 30_000  # milliseconds: a job takes a second or two; job pages reload every 3 seconds
JOB_PAGE = re.compile(r".*/admin/jobs/scrapejob/([0-9a-f-]{36})/change/")
JOBS_API = "/api/v1/jobs/scrape/"


@pytest.fixture
def site():
    site = start_site()
    yield site
    site.release_all()
    site.server.stop()


@pytest.fixture
def server(tmp_path, site):
    server = EmbeddedServer(tmp_path)
    server.start()
    yield server
    server.stop()
    SURFACES.mkdir(parents=True, exist_ok=True)
    shutil.copy(server.log_path, SURFACES / "runembedded.log")


@pytest.fixture
def browsing(chromium, server):
    """(page, blocked): a 1280x800 page that reaches 127.0.0.1 only, and what it was refused (kind, URL)."""
    _, browser = chromium
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked: list[tuple[str, str]] = []

    def only_this_machine(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append((route.request.resource_type, route.request.url))
            route.abort()

    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.set_default_timeout(WAIT)
    try:
        yield page, blocked
    finally:
        context.close()


def submitted_job(page) -> str:
    """The id of the job whose page the add form's submission led to."""
    page.wait_for_url(JOB_PAGE)
    return JOB_PAGE.match(page.url).group(1)


def test_every_surface_works_for_a_newcomer(browsing, server, site):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)
    page, blocked = browsing
    steps = Steps(page, SURFACES)
    base = server.url
    status = page.locator(".field-status .readonly")
    notices = page.locator(".messagelist")
    attempts = page.locator("#job-attempts tr.le-attempt")

    with steps.step("landing-page"):
        page.goto(base + "/")
        expect(page.locator("h1")).to_have_text("LeadEngine")
        links = {"Admin": "/admin/", "Browsable API": "/api/v1/", "API docs": "/api/docs/"}
        links.update({"ReDoc": "/api/redoc/", "Health": "/healthz"})
        for name, href in links.items():
            expect(page.locator(f'main a[href="{href}"]')).to_contain_text(name)

    with steps.step("sign-in-to-the-admin"):
        page.click('main a[href="/admin/"]')
        page.fill("#id_username", ADMIN)
        page.fill("#id_password", ADMIN_PASSWORD)
        page.click('input[type="submit"]')
        expect(page.locator("#user-tools")).to_contain_text(ADMIN)

    with steps.step("admin-index-links-operations"):
        operations = page.get_by_role("link", name="Operations", exact=True)
        expect(operations).to_have_attribute("href", "/admin/jobs/scrapejob/dashboard/")

    # The job's first page is held until the job list is open: it is running when the list loads.
    listed = site.hold("/held/list/")
    with steps.step("add-a-job-from-the-admin-form"):
        page.click("tr.model-scrapejob a.addlink")
        expect(page.locator("#content h1")).to_have_text("Add a scrape job")
        page.check('input[name="source_types"][value="website"]')
        page.fill("#id_urls", site.url("/held/list/"))
        page.click('input[name="_save"]')
        first = submitted_job(page)
        expect(notices).to_contain_text(f"Job {first[:8]} queued.")

    with steps.step("job-list-updates-without-reload"):
        assert listed.reached.wait(20), "the embedded workers never ran the admin form's job"
        page.goto(base + "/admin/jobs/scrapejob/")
        row = page.locator("#result_list tbody tr", has=page.locator(f'[data-job-id="{first}"]'))
        badge = row.locator(".le-badge")
        expect(badge).to_have_text("Running")
        expect(row.locator(".le-pct")).not_to_have_text("100%")
        page.evaluate("window.leadengineSamePage = true")
        listed.release()
        expect(badge).to_have_text("Completed")
        expect(row.locator(".le-pct")).to_have_text("100%")
        expect(row.locator("td.field-saved")).to_have_text("1")
        assert page.evaluate("window.leadengineSamePage === true"), "the job list reloaded itself"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    with steps.step("job-page-attempts-and-sources"):
        row.locator(f'a[href*="{first}"]').click()
        expect(status).to_have_text("Completed")
        expect(attempts).to_have_count(1)
        expect(attempts.first).to_contain_text("Completed")
        run = page.locator("#source-runs tr.le-source-run")
        expect(run).to_have_count(1)
        expect(run.locator("td").nth(0)).to_have_text("website")
        expect(run.locator("td.le-pages")).not_to_have_text("0")
        expect(run.locator("td").nth(3)).to_have_text("1")  # source, attempt, pages, leads

    with steps.step("run-again-opens-a-filled-form"):
        page.click("a.le-action-run-again")
        expect(page.locator("#content h1")).to_have_text("Run a job again")
        expect(page.locator("#id_urls")).to_have_value(site.url("/held/list/"))
        expect(page.locator('input[name="source_types"][value="website"]')).to_be_checked()

    # The run-again form, sent to a page that stays unanswered while the job is cancelled.
    stalled = site.hold("/held/cancel/")
    with steps.step("cancel-from-the-job-page"):
        page.fill("#id_urls", site.url("/held/cancel/"))
        page.click('input[name="_save"]')
        second = submitted_job(page)
        assert stalled.reached.wait(20), "the embedded workers never ran the run-again job"
        page.reload()
        expect(status).to_have_text("Running")
        page.click("a.le-action-cancel")
        expect(page.locator(".le-confirm")).to_contain_text("Cancel this job?")
        page.click('input[value="Yes, cancel it"]')
        expect(notices).to_contain_text(f"Job {second[:8]} cancelled.")
        expect(status).to_have_text("Cancelled")
        expect(attempts.first).to_contain_text("Cancelled")

    with steps.step("retry-from-the-job-page"):
        page.click("a.le-action-retry")
        expect(page.locator(".le-confirm")).to_contain_text("Queue this job again, from the start?")
        page.click('input[value="Yes, retry it"]')
        expect(notices).to_contain_text(f"Job {second[:8]} queued again.")
        expect(status).to_have_text("Completed")  # the page reloads itself until the job ends
        stalled.release()  # the cancelled attempt's page: it stops at its next batch

    with steps.step("browsable-api-form-posts-201"):
        page.goto(base + JOBS_API)
        expect(page.locator(".navbar")).to_contain_text(ADMIN)
        form = page.locator("#post-object-form form")
        form.locator('input[name="search_query"]').fill("analytics")
        start_urls = [site.home, site.url("/about/")]
        form.locator('textarea[name="urls"]').fill("\n".join(start_urls))  # one a line
        form.locator('input[name="source_types"][value="website"]').check()
        form.locator("button", has_text="POST").click()
        answer = page.locator(".response-info")
        expect(answer).to_contain_text("HTTP 201 Created")
        created = json.loads(answer.locator("pre").inner_text().split("\n\n", 1)[1])
        assert created["urls"] == start_urls and created["source_types"] == ["website"]
        api_job = created["job_id"]
        expect(page.locator(".navbar")).to_contain_text(ADMIN)  # still signed in

    with steps.step("cli-scrape-wait-on-the-running-server"):
        result = server.manage("scrape", "--wait", "--timeout", "40", "--url", site.home, "--user", ADMIN)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "the embedded server running on this database takes it" in result.stdout
        assert "in this process" not in result.stdout
        cli_job = re.search(r"job ([0-9a-f-]{36}) completed", result.stdout).group(1)
        page.goto(base + "/admin/jobs/scrapejob/")
        expect(page.locator(f'.le-badge[data-job-id="{cli_job}"]')).to_have_text("Completed")
        expect(page.locator(f'.le-badge[data-job-id="{api_job}"]')).to_have_text("Completed")

    broken = site.flaky("/flaky/")
    with steps.step("a-job-fails-every-attempt"):
        page.goto(base + "/admin/jobs/scrapejob/add/")
        page.fill("#id_urls", site.url("/flaky/"))
        page.click('input[name="_save"]')
        dead = submitted_job(page)
        expect(status).to_have_text("Failed")
        expect(attempts).to_have_count(2)  # JOB_MAX_RETRIES=1: the first attempt and one retry
        expect(page.locator(".field-error .readonly")).to_contain_text("500")

    with steps.step("requeue-the-dead-letter-from-operations"):
        page.goto(base + "/admin/")
        operations.click()
        letter = page.locator("#dead-letters tr.le-dead-letter", has_text=dead)
        expect(letter).to_have_count(1)
        queue = server.env.get("SCRAPE_QUEUE", "scrape_jobs")
        expect(page.locator(f'#queue tr[data-queue="{queue}"] .le-dead')).to_have_text("1")
        cramped = page.evaluate(
            "[...document.querySelectorAll('.le-card')].filter(c => c.scrollWidth > c.clientWidth + 1)"
            ".map(c => c.id || c.querySelector('h2')?.textContent)"
        )
        assert cramped == [], f"operations cards overflow at 1280px: {cramped}"
        broken.mend()
        page.once("dialog", lambda dialog: dialog.accept())
        letter.locator('button[value="requeue"]').click()
        expect(notices).to_contain_text(f"Job {dead} was sent again")
        expect(page.locator("#dead-letters h2")).to_have_text("Dead letters: 0")
        page.goto(f"{base}/admin/jobs/scrapejob/{dead}/change/")
        expect(status).to_have_text("Completed")
        expect(attempts).to_have_count(3)
        expect(attempts.last).to_contain_text("Completed")

    with steps.step("swagger-ui-offline"):
        page.goto(base + "/api/docs/")
        operation = page.locator(f'.swagger-ui .opblock-summary-path[data-path="{JOBS_API}"]')
        expect(operation.first).to_be_visible()
        expect(page.locator(".swagger-ui .opblock")).not_to_have_count(0)
        assert blocked == [], f"the docs asked for other hosts: {blocked}"

    with steps.step("redoc-offline"):
        page.goto(base + "/api/redoc/")
        expect(page.get_by_text(JOBS_API, exact=True).first).to_be_visible()
        # ReDoc's bundle names its maker's logo on their CDN; the page's Content-Security-Policy keeps
        # the browser from asking for it, so no request leaves for another host.
        assert blocked == [], f"the docs asked for other hosts: {blocked}"

    with steps.step("job-list-fits-1280px"):
        page.goto(base + "/admin/jobs/scrapejob/")
        expect(page.locator("#result_list tbody tr")).to_have_count(5)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"the job list is {width}px wide at 1280px"

    (SURFACES / "blocked.json").write_text(json.dumps(blocked, indent=2))
    steps.save()
