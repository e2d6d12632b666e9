"""Paging of large lists: the API's offset cap and keyset (`cursor`) pages, and the admin's change
lists that count at most ADMIN_COUNT_CAP rows exactly and show the planner's estimate past it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from leadengine.api_limits import MAX_OFFSET
from leadengine.jobs.admin import paging
from leadengine.jobs.models import RawLead, ScrapeJob

LEADS = "/api/v1/leads/"
JOBS = "/api/v1/jobs/scrape/"


def make_leads(owner, count: int, *, same_time_every: int = 1) -> list[RawLead]:
    """`count` leads of one job, newest first; every `same_time_every` of them share a scraped_at (as a
    batch of the worker's does), so that pages must cut through ties."""
    job = ScrapeJob.objects.create(owner=owner, source_types=["website"], urls=["https://a.example/"])
    start = timezone.now()
    rows = [
        RawLead(
            owner=owner,
            job=job,
            source="website",
            company_name=f"Company {n}",
            data_hash=f"{n:064d}",
            scraped_at=start - timedelta(seconds=n // same_time_every),
        )
        for n in range(count)
    ]
    RawLead.objects.bulk_create(rows)
    return list(RawLead.objects.filter(owner=owner).order_by("-scraped_at", "id"))


def follow(api, url: str, params: dict) -> list[str]:
    names, response = [], api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body  # keyset pages never count
        names += [row["company_name"] for row in body["results"]]
        if not body["next"]:
            return names
        response = api.get(body["next"])


@pytest.mark.parametrize("same_time_every", [1, 7])
def test_cursor_pages_walk_every_lead_once_in_order(api, user, same_time_every):
    leads = make_leads(user, 45, same_time_every=same_time_every)
    walked = follow(api, LEADS, {"cursor": "", "limit": 10})
    assert walked == [lead.company_name for lead in leads]


def test_cursor_pages_of_a_jobs_leads_and_of_jobs(api, user, other_user):
    leads = make_leads(user, 12)
    make_leads(other_user, 5)
    job_leads = follow(api, f"{JOBS}{leads[0].job_id}/leads/", {"cursor": "", "limit": 5})
    assert walked_set(job_leads) == {lead.company_name for lead in leads}
    assert len(api.get(JOBS, {"cursor": ""}).json()["results"]) == 1


def walked_set(names: list[str]) -> set[str]:
    assert len(names) == len(set(names))
    return set(names)


def test_the_deepest_offset_allowed_answers_a_page_with_a_count(api, user):
    make_leads(user, 3)
    response = api.get(LEADS, {"offset": MAX_OFFSET})
    assert response.status_code == 200
    assert response.json()["count"] == 3 and response.json()["results"] == []
    refused = api.get(LEADS, {"offset": MAX_OFFSET + 1})
    assert refused.status_code == 400 and "cursor" in refused.json()["offset"][0]


def test_a_cursor_that_is_not_one_is_a_404_not_a_500(api, user):
    make_leads(user, 3)
    assert api.get(LEADS, {"cursor": "not-a-cursor!"}).status_code == 404


@pytest.fixture
def root(db, client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@a.example", "pw-root-12345"))
    return client


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(paging.CappedCountPaginator, "cap", 5)


def test_admin_counts_exactly_up_to_the_cap(root, user):
    make_leads(user, 4)
    page = root.get(reverse("admin:jobs_rawlead_changelist"))
    assert page.context["cl"].result_count == 4 and not page.context["cl"].paginator.estimated
    assert "4 raw leads" in page.content.decode()


def test_admin_past_the_cap_estimates_and_pages_up_to_the_cap(root, user, small_cap, settings):
    leads = make_leads(user, 12)
    url = reverse("admin:jobs_rawlead_changelist")
    root.get(url)  # the model admins are shared: list_per_page is set on the registered one
    from django.contrib import admin

    monkey = admin.site._registry[RawLead]
    old, monkey.list_per_page = monkey.list_per_page, 2
    try:
        first = root.get(url)
        cl = first.context["cl"]
        assert cl.paginator.estimated and cl.result_count >= 6
        assert "about" in first.content.decode() and "an estimate" in first.content.decode()
        assert cl.paginator.num_pages == 3  # 5 rows pageable, 2 a page
        last = root.get(url, {"p": 3})
        shown = [row.company_name for row in last.context["cl"].result_list]
        assert shown == [lead.company_name for lead in leads[4:6]]
        beyond = root.get(url, {"p": 4})
        assert beyond.status_code == 302 and "e=1" in beyond.url
        # A filter that leaves few rows counts them exactly again.
        searched = root.get(url, {"q": "Company 11"})
        assert searched.context["cl"].result_count == 1 and not searched.context["cl"].paginator.estimated
    finally:
        monkey.list_per_page = old


def test_admin_job_list_estimates_past_the_cap(root, user, small_cap):
    for n in range(8):
        ScrapeJob.objects.create(owner=user, source_types=["google"], industry=f"Trade {n}")
    page = root.get(reverse("admin:jobs_scrapejob_changelist"))
    assert page.status_code == 200 and page.context["cl"].paginator.estimated
    assert "about" in page.content.decode()


def test_the_job_list_date_hierarchy_offers_the_periods_between_the_first_and_last_job(root, user):
    now = timezone.now()
    for days in (0, 400, 800):
        job = ScrapeJob.objects.create(owner=user, source_types=["google"], industry="SaaS")
        ScrapeJob.objects.filter(pk=job.pk).update(created_at=now - timedelta(days=days))
    url = reverse("admin:jobs_scrapejob_changelist")
    page = root.get(url).content.decode()
    years = range((now - timedelta(days=800)).year, now.year + 1)
    for year in years:
        assert f"created_at__year={year}" in page
    one_year = root.get(url, {"created_at__year": now.year, "created_at__month": now.month})
    assert one_year.status_code == 200 and f"created_at__day={timezone.localtime(now).day}" in (
        one_year.content.decode()
    )


def test_a_search_that_fits_one_page_reads_the_leads_once(root, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_leads(user, 30)
    url = reverse("admin:jobs_rawlead_changelist")
    with CaptureQueriesContext(connection) as queries:
        page = root.get(url, {"q": "Company 2"})
    searches = [q["sql"] for q in queries if "LIKE" in q["sql"] and "jobs_rawlead" in q["sql"]]
    assert len(searches) == 1, searches
    shown = {row.company_name for row in page.context["cl"].result_list}
    # Two words: "Company" and "2" (in 2, 12 and 20-29).
    assert shown == {f"Company {n}" for n in range(30) if "2" in str(n)}
    assert page.context["cl"].result_count == 12 and "12 raw leads" in page.content.decode()


def test_an_api_first_page_that_holds_every_row_is_read_once(api, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_leads(user, 12)
    with CaptureQueriesContext(connection) as queries:
        body = api.get(LEADS, {"search": "Company 1", "limit": 10}).json()
    reads = [q["sql"] for q in queries if "jobs_rawlead" in q["sql"]]
    assert len(reads) == 1, reads
    assert body["count"] == 3 and len(body["results"]) == 3 and body["next"] is None
    full = api.get(LEADS, {"limit": 10}).json()
    assert full["count"] == 12 and len(full["results"]) == 10 and "offset=10" in full["next"]
