"""Second-layer enrichment: a website job over leads' websites whose finds merge into those leads."""

import pytest

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from scraping.normalize import identity
from scraping.types import Lead
from tests.jobs.site import serve_company_site
from tests.ops.helpers import make_job, make_lead


@pytest.mark.django_db
def test_merge_fills_what_is_missing_and_keeps_what_is_there(user):
    found = Lead(
        source="website",
        company_name="Acme Pty Ltd",
        website="https://www.acme.example/",
        email="sales@acme.example",
        phone="+61290000000",
        emails=["sales@acme.example"],
        socials={"linkedin": "https://www.linkedin.com/company/acme/", "x": "https://x.com/acme"},
    )
    lead = make_lead(
        make_job(user),
        1,
        data_hash=identity(found),
        email="",
        phone="+61291234567",
        raw_payload={"emails": ["old@acme.example"], "socials": {"x": "https://x.com/acme-old"}},
    )
    job = make_job(user, status=JobStatus.RUNNING, filters={"enrichment": True})

    assert services.leads_merge_enrichment(job, [found]) == 1
    lead.refresh_from_db()
    assert lead.email == "sales@acme.example" and lead.phone == "+61291234567"
    assert lead.raw_payload["emails"] == ["old@acme.example", "sales@acme.example"]
    assert lead.raw_payload["socials"] == {
        "x": "https://x.com/acme-old",
        "linkedin": "https://www.linkedin.com/company/acme/",
    }
    assert lead.raw_payload["enriched_by_job"] == str(job.id)
    assert services.leads_merge_enrichment(job, [found]) == 0  # nothing new the second time
    assert (
        services.leads_merge_enrichment(make_job(user, status=JobStatus.RUNNING), [found]) == 0
    )  # not an enrichment


@pytest.mark.django_db(transaction=True)
def test_an_enrichment_job_fills_a_leads_missing_contacts(
    api, user, httpserver, stub_broker, stub_worker, settings
):
    url = serve_company_site(httpserver)
    assert (
        api.post(
            "/api/v1/jobs/scrape/",
            {"search_query": "x", "source_types": ["website"], "urls": [url]},
            format="json",
        ).status_code
        == 201
    )
    stub_broker.join(settings.SCRAPE_QUEUE, timeout=30_000)
    stub_worker.join()
    lead = RawLead.objects.get()
    RawLead.objects.filter(id=lead.id).update(email="", phone="", raw_payload={"emails": [], "phones": []})

    response = api.post("/api/v1/leads/enrich/", {"lead_ids": [str(lead.id)]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["source_types"] == ["website"] and response.json()["urls"] == [lead.website]
    stub_broker.join(settings.SCRAPE_QUEUE, timeout=30_000)
    stub_worker.join()

    job = ScrapeJob.objects.get(id=response.json()["job_id"])
    lead.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.total_duplicates == 1
    assert lead.email == "hello@harbour-analytics.com.au" and lead.phone == "+61291234567"
    assert lead.raw_payload["enriched_by_job"] == str(job.id) and RawLead.objects.count() == 1


@pytest.mark.django_db
def test_a_jobs_leads_missing_contacts_are_enriched_and_others_leads_never(
    api, user, other_user, django_capture_on_commit_callbacks
):
    job = make_job(user)
    make_lead(job, 1)  # complete: not visited again
    make_lead(job, 2, phone="")
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"/api/v1/jobs/scrape/{job.id}/enrich/")
        assert response.status_code == 201 and response.json()["urls"] == ["https://www.company2.example/"]
        theirs = make_lead(make_job(other_user), 3)
        assert api.post(f"/api/v1/jobs/scrape/{theirs.job_id}/enrich/").status_code == 404
        assert (
            api.post("/api/v1/leads/enrich/", {"lead_ids": [str(theirs.id)]}, format="json").status_code
            == 409
        )


@pytest.mark.django_db
def test_the_admin_action_enriches_selected_leads(
    client, admin_user, user, django_capture_on_commit_callbacks
):
    lead = make_lead(make_job(user), 1, email="")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/admin/jobs/rawlead/", {"action": "enrich_leads", "_selected_action": [lead.id]}, follow=True
        )
    job = ScrapeJob.objects.get(filters={"enrichment": True})
    assert response.status_code == 200 and b"Enrichment job" in response.content
    assert job.owner == user and job.urls == [lead.website]
