"""The admin: staff browse jobs and leads, retry and cancel jobs, inspect a lead's payload."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob


@pytest.fixture
def staff(db, client):
    admin = get_user_model().objects.create_superuser("root", "root@acme.example", "pw-root-123456")
    client.force_login(admin)
    return client


@pytest.fixture
def jobs(user):
    failed = ScrapeJob.objects.create(
        owner=user,
        status=JobStatus.FAILED,
        source_types=["website"],
        urls=["https://a.example/"],
        search_query="saas sydney",
        error="TimeoutError",
    )
    queued = ScrapeJob.objects.create(
        owner=user,
        status=JobStatus.QUEUED,
        source_types=["google"],
        industry="Fintech",
        geography="London, UK",
    )
    return failed, queued


def test_it_lists_jobs_with_filters_and_search(staff, jobs):
    failed, queued = jobs
    url = reverse("admin:jobs_scrapejob_changelist")
    page = staff.get(url).content.decode()
    assert str(failed.id)[:8] in page and str(queued.id)[:8] in page
    assert "<progress" in page
    only_failed = staff.get(url, {"status__exact": "failed"}).content.decode()
    assert str(failed.id)[:8] in only_failed and str(queued.id)[:8] not in only_failed
    google = staff.get(url, {"source_type": "google"}).content.decode()
    assert str(queued.id)[:8] in google and str(failed.id)[:8] not in google
    for term in ["Fintech", "London", str(queued.id)]:
        found = staff.get(url, {"q": term}).content.decode()
        assert str(queued.id)[:8] in found and str(failed.id)[:8] not in found, term
    assert str(failed.id)[:8] in staff.get(url, {"q": "TimeoutError"}).content.decode()


def test_it_retries_and_cancels_jobs_from_actions(
    staff, jobs, stub_broker, settings, django_capture_on_commit_callbacks
):
    failed, queued = jobs
    url = reverse("admin:jobs_scrapejob_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            url, {"action": "retry_jobs", "_selected_action": [failed.id, queued.id]}, follow=True
        )
    failed.refresh_from_db()
    assert failed.status == JobStatus.QUEUED and failed.error == ""
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 1
    messages = [str(m) for m in response.context["messages"]]
    assert "1 job(s) queued again." in messages
    assert any("Only failed or cancelled jobs can be retried" in m for m in messages)
    staff.post(url, {"action": "cancel_jobs", "_selected_action": [queued.id]})
    queued.refresh_from_db()
    assert queued.status == JobStatus.CANCELLED


def test_a_job_page_links_to_its_leads_and_a_lead_shows_its_payload_escaped(staff, jobs, user):
    failed, _ = jobs
    lead = RawLead.objects.create(
        owner=user,
        job=failed,
        source="website",
        company_name="<b>Acme</b>",
        data_hash="c" * 64,
        raw_payload={"company_name": "<script>x</script>", "emails": ["a@acme.example"]},
    )
    job_page = staff.get(reverse("admin:jobs_scrapejob_change", args=[failed.id])).content.decode()
    leads_url = reverse("admin:jobs_rawlead_changelist") + f"?job__id__exact={failed.id}"
    assert leads_url in job_page
    listing = staff.get(leads_url)
    assert listing.status_code == 200 and "&lt;b&gt;Acme&lt;/b&gt;" in listing.content.decode()
    lead_page = staff.get(reverse("admin:jobs_rawlead_change", args=[lead.id])).content.decode()
    assert "&quot;company_name&quot;: &quot;&lt;script&gt;x&lt;/script&gt;&quot;" in lead_page
    assert "<script>x</script>" not in lead_page


def test_a_non_staff_user_cannot_log_into_the_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:jobs_scrapejob_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_filters_leads_by_source(staff, jobs, user):
    failed, _ = jobs
    for source, name in [("website", "Harbour"), ("linkedin", "Kestrel")]:
        RawLead.objects.create(owner=user, job=failed, source=source, company_name=name, data_hash=name * 8)
    page = staff.get(reverse("admin:jobs_rawlead_changelist"), {"source": "linkedin"}).content.decode()
    assert "Kestrel" in page and "Harbour" not in page


def test_deleting_jobs_in_the_admin_goes_through_the_services(staff, jobs, monkeypatch):
    failed, queued = jobs
    RawLead.objects.create(owner=failed.owner, job=failed, source="website", data_hash="a" * 64)
    deleted = []
    delete = services.jobs_delete

    def recording(queryset):
        deleted.append(set(queryset.values_list("id", flat=True)))
        return delete(queryset)

    monkeypatch.setattr(services, "jobs_delete", recording)
    response = staff.post(
        reverse("admin:jobs_scrapejob_changelist"),
        {"action": "delete_selected", "_selected_action": [failed.id], "post": "yes"},
    )
    assert response.status_code == 302
    assert list(ScrapeJob.objects.all()) == [queued] and not RawLead.objects.exists()
    response = staff.post(reverse("admin:jobs_scrapejob_delete", args=[queued.id]), {"post": "yes"})
    assert response.status_code == 302 and not ScrapeJob.objects.exists()
    assert deleted == [{failed.id}, {queued.id}]
