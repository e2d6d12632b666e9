"""The admin as a job console: add a job (or run one again), retry and cancel from its page, the list's
badges, counts and live rows, a job's attempts and source runs, and progress that never goes back."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from leadengine.jobs import services
from leadengine.jobs.models import AttemptOutcome, JobAttempt, JobStatus, ScrapeJob, ScrapeSchedule, SourceRun
from scraping.types import Lead

ADD = reverse("admin:jobs_scrapejob_add")
LIST = reverse("admin:jobs_scrapejob_changelist")
LIVE = reverse("admin:jobs_scrapejob_live")


@pytest.fixture
def staff(db):
    """A staff user (not a superuser) with the jobs app's permissions."""
    person = get_user_model().objects.create_user(
        "cleo", "cleo@acme.example", "pw-cleo-123456", is_staff=True
    )
    person.user_permissions.set(Permission.objects.filter(content_type__app_label="jobs"))
    return person


@pytest.fixture
def console(client, staff):
    client.force_login(staff)
    return client


def make_job(owner, status=JobStatus.FAILED, **fields) -> ScrapeJob:
    values = {
        "source_types": ["website"],
        "urls": ["https://harbour.example/"],
        "error": "TimeoutError: slow",
    }
    return ScrapeJob.objects.create(owner=owner, status=status, **{**values, **fields})


def form_data(**fields) -> dict:
    data = {
        "search_query": "",
        "industry": "",
        "geography": "",
        "keywords": "",
        "urls": "https://harbour.example/\n\n  https://kestrel.example/about  \n",
        "source_types": ["website"],
        "company_size": "",
        "max_results": "50",
        "enrich": "on",
    }
    return {**data, **fields}


def test_the_add_form_creates_a_job_through_the_service_and_sends_it(
    console, staff, stub_broker, settings, django_capture_on_commit_callbacks
):
    page = console.get(ADD)
    assert page.status_code == 200
    html = page.content.decode()
    for source in ["website", "google", "linkedin", "crunchbase"]:
        assert f'value="{source}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post(ADD, form_data(keywords="dentists\n\nclinics", company_size="11-50, 51-100"))
    job = ScrapeJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:jobs_scrapejob_change", args=[job.id]
    )
    assert job.owner == staff and job.status == JobStatus.QUEUED
    assert job.urls == ["https://harbour.example/", "https://kestrel.example/about"]
    assert job.keywords == ["dentists", "clinics"]
    assert job.filters == {"company_size": ["11-50", "51-100"]}
    assert job.max_results == 50 and job.enrich is True and job.source_types == ["website"]
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"urls": "ftp://files.example/"},
            "urls",
            "Item 1 (ftp://files.example/): Only http and https URLs are allowed.",
        ),
        ({"max_results": "5000"}, "max_results", "at most 500: SCRAPE_MAX_RESULTS_CAP"),
        ({"max_results": "many"}, "max_results", "Enter a whole number."),
        ({"urls": "", "industry": "dentists"}, "urls", "The website source needs at least one URL."),
        ({"source_types": []}, "source_types", "Choose at least one source."),
        ({"source_types": ["telepathy"]}, "source_types", "telepathy"),
        (
            {"urls": "", "source_types": ["google"]},
            None,
            "Nothing to search for: give at least one of search_query",
        ),
    ],
)
def test_the_add_form_refuses_what_the_api_refuses_on_the_field_and_writes_nothing(
    console, fields, field, message
):
    response = console.post(ADD, form_data(**fields))
    assert response.status_code == 200
    form = response.context["adminform"].form
    errors = form.errors.get(field or "__all__", [])
    assert any(message in error for error in errors), form.errors
    assert ScrapeJob.objects.count() == 0


def test_the_add_form_says_when_the_owner_has_too_many_active_jobs(console, staff, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1
    make_job(staff, status=JobStatus.RUNNING)
    response = console.post(ADD, form_data())
    assert response.status_code == 200
    assert "the limit is 1" in " ".join(response.context["adminform"].form.non_field_errors())
    assert ScrapeJob.objects.count() == 1


def test_run_again_opens_the_add_form_filled_with_the_jobs_criteria(console, staff):
    job = make_job(
        staff,
        source_types=["google", "crunchbase"],
        urls=[],
        keywords=["fintech", "payments"],
        geography="London",
        filters={"company_size": "11-50"},
        max_results=30,
        enrich=False,
    )
    page = console.get(reverse("admin:jobs_scrapejob_change", args=[job.id])).content.decode()
    assert f"{ADD}?from={job.id}" in page
    form = console.get(ADD, {"from": str(job.id)}).context["adminform"].form
    assert form.initial["keywords"] == "fintech\npayments"
    assert form.initial["source_types"] == ["google", "crunchbase"]
    assert form.initial["company_size"] == "11-50" and form.initial["max_results"] == 30
    html = console.get(ADD, {"from": str(job.id)}).content.decode()
    assert "fintech\npayments</textarea>" in html and 'value="London"' in html
    assert console.get(ADD, {"from": "not-a-job"}).status_code == 200


def test_retry_and_cancel_buttons_ask_first_then_act_through_the_services(
    console, staff, stub_broker, django_capture_on_commit_callbacks
):
    failed = make_job(staff)
    queued = make_job(staff, status=JobStatus.QUEUED, error="")
    failed_page = console.get(reverse("admin:jobs_scrapejob_change", args=[failed.id])).content.decode()
    retry = reverse("admin:jobs_scrapejob_retry", args=[failed.id])
    assert (
        retry in failed_page and reverse("admin:jobs_scrapejob_cancel", args=[failed.id]) not in failed_page
    )

    confirm = console.get(retry)
    assert confirm.status_code == 200 and "Queue this job again" in confirm.content.decode()
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = console.post(retry, follow=True)
    failed.refresh_from_db()
    assert failed.status == JobStatus.QUEUED and failed.error == ""
    assert f"Job {str(failed.id)[:8]} queued again." in [str(m) for m in done.context["messages"]]

    cancel = reverse("admin:jobs_scrapejob_cancel", args=[queued.id])
    assert "Yes, cancel it" in console.get(cancel).content.decode()
    console.post(cancel)
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED
    # Cancelling it again is refused with the reason, and nothing changes.
    again = console.post(cancel, follow=True)
    assert any("cannot be cancelled" in str(m) for m in again.context["messages"])


def test_a_staff_user_with_view_permission_only_gets_no_buttons(client, staff, db):
    viewer = get_user_model().objects.create_user("vic", "vic@acme.example", "pw-vic-123456", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_scrapejob"))
    job = make_job(viewer)
    client.force_login(viewer)
    page = client.get(reverse("admin:jobs_scrapejob_change", args=[job.id])).content.decode()
    assert reverse("admin:jobs_scrapejob_retry", args=[job.id]) not in page
    assert client.post(reverse("admin:jobs_scrapejob_retry", args=[job.id])).status_code == 403
    assert client.get(ADD).status_code == 403


def test_the_list_shows_badges_counts_short_errors_and_the_urls_hosts(console, staff):
    failed = make_job(staff, error="ConnectError: refused\n" + "x" * 500)
    running = make_job(staff, status=JobStatus.RUNNING, error="", urls=["https://kestrel.example/a"])
    make_job(staff, status=JobStatus.RUNNING, error="", search_query="dentists lyon", urls=[])
    html = console.get(LIST).content.decode()
    assert f'class="le-badge le-status-failed" data-job-id="{failed.id}"' in html
    assert f'class="le-badge le-status-running" data-job-id="{running.id}"' in html
    assert 'data-status="running">2</b>' in html and 'data-status="failed">1</b>' in html
    assert 'data-status="completed">0</b>' in html
    assert ">ConnectError: refused</span>" in html and "x" * 400 not in html
    assert ">kestrel.example</span>" in html and ">dentists lyon</span>" in html
    found = console.get(LIST, {"q": "kestrel.example"}).content.decode()
    assert str(running.id) in found and str(failed.id) not in found
    assert f'data-url="{LIVE}"' in html and "jobs/admin/job_console.js" in html


def test_the_live_view_returns_the_asked_rows_with_progress_and_the_counts(console, staff):
    running = make_job(staff, status=JobStatus.RUNNING, error="", progress=42, total_found=7, pages_done=3)
    queued = make_job(staff, status=JobStatus.QUEUED, error="")
    response = console.get(LIVE, {"id": [str(running.id), str(queued.id), "nonsense"]})
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["jobs"]}
    assert rows.keys() == {str(running.id), str(queued.id)}
    assert rows[str(running.id)]["progress"] == 42 and rows[str(running.id)]["found"] == 7
    assert rows[str(running.id)]["active"] is True and rows[str(queued.id)]["status"] == "queued"
    assert response.json()["counts"]["running"] == 1
    assert console.get(LIVE).json()["jobs"] == []


def test_a_jobs_page_shows_its_attempts_retry_window_and_source_runs(console, staff, settings):
    settings.JOB_MIN_BACKOFF = 10_000
    job = make_job(staff, status=JobStatus.QUEUED, error="", search_query="solar installers")
    claimed = services.job_claim(job.id)
    before = timezone.now()
    assert services.job_mark_retrying(job.id, error="ConnectError: provider down")
    waiting = console.get(reverse("admin:jobs_scrapejob_change", args=[job.id])).content.decode()
    assert "between " in waiting and "failed, will retry" in waiting
    claimed = services.job_claim(job.id)
    SourceRun.objects.create(job=job, source="website", pages=7, leads=4, seconds=2.5, error="")
    warnings = ["website: https://harbour.example/x: 404", "google: quota reached"]
    assert services.job_complete(claimed, warnings=warnings)
    first, second = JobAttempt.objects.filter(job=job).order_by("started_at", "id")
    assert (first.number, first.outcome, first.error) == (
        1,
        AttemptOutcome.RETRYING,
        "ConnectError: provider down",
    )
    assert before + timedelta(seconds=10) <= first.retry_from <= first.retry_by
    assert first.retry_by <= before + timedelta(seconds=21)
    assert (second.number, second.outcome) == (2, AttemptOutcome.COMPLETED) and second.finished_at
    page = console.get(reverse("admin:jobs_scrapejob_change", args=[job.id])).content.decode()
    assert "ConnectError: provider down" in page and "failed, will retry" in page
    assert "retried" in page and "between " not in page
    run_row = " ".join(page.split('<tr class="le-source-run">')[1].split("</tr>")[0].split())
    # source, attempt, pages, leads, warnings of that source, duration, finished, error
    assert run_row.startswith(
        '<td>website</td> <td>2</td> <td class="le-pages">7</td> <td>4</td> <td>1</td> <td>2.5s</td>'
    ), run_row
    assert run_row.endswith('<td class="le-error">-</td>')
    assert "<th>Search query</th><td>solar installers</td>" in page
    assert timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M:%S") in page


def test_progress_never_goes_back_and_stays_low_while_the_plan_grows(staff):
    """A search (discovery) then visits of the sites it found (enrichment): the plan grows twice."""
    job = make_job(staff, status=JobStatus.QUEUED, source_types=["google"], urls=[], max_results=10)
    job = services.job_claim(job.id)
    stored = []

    def beat(done, planned):
        services.job_heartbeat(job, pages_done=done, pages_planned=planned)
        stored.append(ScrapeJob.objects.get(id=job.id).progress)

    beat(0, 1)  # one search page planned
    beat(1, 1)  # the search page done: pages say 100%, nothing is found yet
    beat(1, 11)  # ten sites to visit
    growing = list(stored)
    services.job_save_leads(job, [Lead(source="google", company_name=f"Co {n}") for n in range(3)])
    beat(4, 11)
    beat(4, 21)  # the sites link to more pages
    services.job_save_leads(job, [Lead(source="google", company_name=f"Co {n}") for n in range(3, 9)])
    beat(15, 21)
    beat(21, 21)
    services.job_complete(job, warnings=[], pages_done=21, pages_planned=21)
    stored.append(ScrapeJob.objects.get(id=job.id).progress)
    assert stored == sorted(stored), stored
    assert max(growing) <= 10, growing
    assert stored[3] >= 30 and stored[-2] < 100 and stored[-1] == 100, stored
    assert ScrapeJob.objects.get(id=job.id).pages_planned == 21


def test_a_schedules_criteria_pass_the_same_check_as_a_jobs(console):
    data = {
        "name": "nightly",
        "enabled": "on",
        "interval_seconds": "3600",
        "cron": "",
        "source_types": '["website"]',
        "urls": '["ftp://files.example/"]',
        "keywords": "[]",
        "filters": "{}",
        "max_results": "5000",
        "industry": "",
        "geography": "",
        "search_query": "",
    }
    response = console.post(reverse("admin:jobs_scrapeschedule_add"), data)
    errors = response.context["adminform"].form.errors
    assert errors["urls"] == ["Item 1 (ftp://files.example/): Only http and https URLs are allowed."]
    assert "at most 500: SCRAPE_MAX_RESULTS_CAP" in errors["max_results"][0]
    assert not ScrapeSchedule.objects.exists()
    ok = console.post(
        reverse("admin:jobs_scrapeschedule_add"),
        {**data, "urls": '["https://harbour.example/"]', "max_results": "50"},
    )
    assert ok.status_code == 302 and ScrapeSchedule.objects.get().urls == ["https://harbour.example/"]


def test_attempts_record_a_dead_worker_a_shutdown_and_a_cancel(staff, settings):
    job = make_job(staff, status=JobStatus.QUEUED, error="")
    services.job_claim(job.id)
    ScrapeJob.objects.filter(id=job.id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    claimed = services.job_claim(job.id)  # a redelivered message takes the dead worker's job
    assert services.job_release(claimed)
    claimed = services.job_claim(job.id)
    services.job_cancel(claimed)
    outcomes = list(
        JobAttempt.objects.filter(job=job).order_by("started_at", "id").values_list("number", "outcome")
    )
    assert outcomes == [
        (1, AttemptOutcome.INTERRUPTED),
        (2, AttemptOutcome.RELEASED),
        (2, AttemptOutcome.CANCELLED),
    ]
    assert not JobAttempt.objects.filter(job=job, finished_at__isnull=True).exists()


def test_text_from_the_open_web_is_escaped_on_the_list_the_page_and_the_confirmation(console, staff):
    hostile = "<img src=x onerror=alert(1)>"
    job = make_job(staff, search_query=hostile, keywords=[hostile], error=hostile)
    JobAttempt.objects.create(job=job, number=1, outcome=AttemptOutcome.FAILED, error=hostile)
    SourceRun.objects.create(job=job, source="website", error=hostile)
    for url in [
        LIST,
        reverse("admin:jobs_scrapejob_change", args=[job.id]),
        reverse("admin:jobs_scrapejob_retry", args=[job.id]),
    ]:
        html = console.get(url).content.decode()
        assert hostile not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url


def test_a_retry_that_will_not_come_says_so(console, staff):
    job = make_job(staff, status=JobStatus.QUEUED, error="")
    services.job_claim(job.id)
    services.job_mark_retrying(job.id, error="ConnectError: provider down")
    services.job_cancel(ScrapeJob.objects.get(id=job.id))
    page = console.get(reverse("admin:jobs_scrapejob_change", args=[job.id])).content.decode()
    assert "not retried: the job is cancelled" in page and "between " not in page
