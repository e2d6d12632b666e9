"""Tenancy in the admin: staff who are not superusers see and act on their own jobs, leads, exports and
schedules only (lists, pages, actions, buttons, counts, the live view, downloads); superusers see
everyone's, with an owner filter. Another owner's page is a 404, never shown."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from leadengine.jobs.models import (
    ExportStatus,
    JobStatus,
    LeadExport,
    RawLead,
    ScrapeJob,
    ScrapeSchedule,
)

MODELS = ["scrapejob", "rawlead", "leadexport", "scrapeschedule"]


def staff_user(name: str):
    person = get_user_model().objects.create_user(
        name, f"{name}@acme.example", f"pw-{name}-123456", is_staff=True
    )
    person.user_permissions.set(Permission.objects.filter(content_type__app_label="jobs"))
    return person


def rows_of(owner, tag: str, tmp_path: Path) -> dict:
    job = ScrapeJob.objects.create(
        owner=owner,
        status=JobStatus.FAILED,
        source_types=["website"],
        urls=[f"https://{tag}.example/"],
        search_query=f"{tag} query",
        error=f"{tag} error",
    )
    lead = RawLead.objects.create(
        owner=owner, job=job, source="website", company_name=f"{tag} company", data_hash=(tag * 16)[:64]
    )
    export = LeadExport.objects.create(
        owner=owner, job=job, status=ExportStatus.COMPLETED, file_name=f"{tag}.csv", size_bytes=13
    )
    csv = tmp_path / str(owner.pk) / f"{export.id}.csv"
    csv.parent.mkdir(exist_ok=True)
    csv.write_text("company_name\n")
    schedule = ScrapeSchedule.objects.create(
        owner=owner,
        name=f"{tag} schedule",
        interval_seconds=3600,
        source_types=["website"],
        urls=[f"https://{tag}.example/"],
    )
    return {"scrapejob": job, "rawlead": lead, "leadexport": export, "scrapeschedule": schedule}


@pytest.fixture
def world(db, tmp_path, settings):
    settings.EXPORTS_DIR = tmp_path
    alice, bob = staff_user("alice"), staff_user("bob")
    root = get_user_model().objects.create_superuser("root", "root@acme.example", "pw-root-123456")
    clients = {}
    for person in (alice, bob, root):
        clients[person.username] = Client()
        clients[person.username].force_login(person)
    return {
        "users": {"alice": alice, "bob": bob, "root": root},
        "clients": clients,
        "rows": {"alice": rows_of(alice, "alpha", tmp_path), "bob": rows_of(bob, "bravo", tmp_path)},
    }


def change_url(model: str, row) -> str:
    return reverse(f"admin:jobs_{model}_change", args=[row.pk])


@pytest.mark.parametrize("model", MODELS)
def test_each_list_shows_staff_their_own_rows_and_superusers_everyones(world, model):
    mine, theirs = world["rows"]["alice"][model], world["rows"]["bob"][model]
    url = reverse(f"admin:jobs_{model}_changelist")
    alice_list = world["clients"]["alice"].get(url).content.decode()
    assert change_url(model, mine) in alice_list and change_url(model, theirs) not in alice_list
    assert "By owner" not in alice_list
    root_list = world["clients"]["root"].get(url).content.decode()
    assert change_url(model, mine) in root_list and change_url(model, theirs) in root_list
    assert "By owner" in root_list
    only_bob = world["clients"]["root"].get(url, {"owner": world["users"]["bob"].pk}).content.decode()
    assert change_url(model, theirs) in only_bob and change_url(model, mine) not in only_bob


@pytest.mark.parametrize("model", MODELS)
def test_another_owners_page_is_a_404_and_ones_own_is_shown(world, model):
    alice = world["clients"]["alice"]
    mine, theirs = world["rows"]["alice"][model], world["rows"]["bob"][model]
    assert alice.get(change_url(model, mine)).status_code == 200
    response = alice.get(change_url(model, theirs))
    assert response.status_code == 404
    assert str(theirs) not in response.content.decode()
    assert alice.get(reverse(f"admin:jobs_{model}_delete", args=[theirs.pk])).status_code == 404
    assert (
        alice.post(reverse(f"admin:jobs_{model}_delete", args=[theirs.pk]), {"post": "yes"}).status_code
        == 404
    )
    assert type(theirs).objects.filter(pk=theirs.pk).exists()
    assert alice.get(reverse(f"admin:jobs_{model}_history", args=[theirs.pk])).status_code == 404
    assert world["clients"]["root"].get(change_url(model, theirs)).status_code == 200


def test_list_actions_skip_another_owners_jobs(world, stub_broker):
    alice = world["clients"]["alice"]
    mine, theirs = world["rows"]["alice"]["scrapejob"], world["rows"]["bob"]["scrapejob"]
    url = reverse("admin:jobs_scrapejob_changelist")
    alice.post(url, {"action": "retry_jobs", "_selected_action": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == JobStatus.QUEUED and theirs.status == JobStatus.FAILED
    alice.post(url, {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"})
    alice.post(url, {"action": "cancel_jobs", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.FAILED
    leads = reverse("admin:jobs_rawlead_changelist")
    bob_lead = world["rows"]["bob"]["rawlead"]
    alice.post(leads, {"action": "delete_selected", "_selected_action": [bob_lead.pk], "post": "yes"})
    assert RawLead.objects.filter(pk=bob_lead.pk).exists()


def test_buttons_run_again_and_downloads_of_another_owners_rows_are_404s(world):
    alice = world["clients"]["alice"]
    theirs = world["rows"]["bob"]["scrapejob"]
    for name in ["retry", "cancel"]:
        url = reverse(f"admin:jobs_scrapejob_{name}", args=[theirs.pk])
        assert alice.get(url).status_code == 404
        assert alice.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.FAILED
    assert alice.get(reverse("admin:jobs_scrapejob_add"), {"from": str(theirs.pk)}).status_code == 404
    bob_export = world["rows"]["bob"]["leadexport"]
    assert alice.get(reverse("admin:jobs_leadexport_download", args=[bob_export.pk])).status_code == 404
    mine = world["rows"]["alice"]["leadexport"]
    assert alice.get(reverse("admin:jobs_leadexport_download", args=[mine.pk])).status_code == 200
    root = world["clients"]["root"]
    assert root.get(reverse("admin:jobs_scrapejob_add"), {"from": str(theirs.pk)}).status_code == 200


def test_the_live_view_and_the_counts_hold_only_ones_own_jobs(world):
    alice = world["clients"]["alice"]
    mine, theirs = world["rows"]["alice"]["scrapejob"], world["rows"]["bob"]["scrapejob"]
    live = reverse("admin:jobs_scrapejob_live")
    data = alice.get(live, {"id": [str(mine.pk), str(theirs.pk)]}).json()
    assert [row["id"] for row in data["jobs"]] == [str(mine.pk)]
    assert data["counts"]["failed"] == 1
    assert world["clients"]["root"].get(live, {"id": [str(theirs.pk)]}).json()["counts"]["failed"] == 2
    page = alice.get(reverse("admin:jobs_scrapejob_changelist")).content.decode()
    assert 'data-status="failed">1</b>' in page


def test_a_schedule_added_by_staff_is_theirs(world):
    alice = world["clients"]["alice"]
    url = reverse("admin:jobs_scrapeschedule_add")
    form = alice.get(url).content.decode()
    assert 'name="owner"' not in form
    response = alice.post(
        url,
        {
            "name": "weekly harbour",
            "enabled": "on",
            "interval_seconds": "86400",
            "cron": "",
            "source_types": '["website"]',
            "urls": '["https://harbour.example/"]',
            "keywords": "[]",
            "filters": "{}",
            "max_results": "100",
            "industry": "",
            "geography": "",
            "search_query": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ScrapeSchedule.objects.get(name="weekly harbour").owner == world["users"]["alice"]


def test_the_dramatiq_tasks_admin_is_gone(world):
    page = world["clients"]["root"].get(reverse("admin:index")).content.decode()
    assert "django_dramatiq" not in page and "Scrape jobs" in page


@pytest.mark.django_db
def test_actions_that_create_jobs_or_exports_need_the_right_to_add_them(tmp_path):
    viewer = get_user_model().objects.create_user(
        "viewer", "v@acme.example", "pw-viewer-123456", is_staff=True
    )
    viewer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="jobs", codename__startswith="view_")
    )
    rows = rows_of(viewer, "viewer", tmp_path)
    client = Client()
    client.force_login(viewer)
    jobs = client.get(reverse("admin:jobs_scrapejob_changelist")).content.decode()
    leads = client.get(reverse("admin:jobs_rawlead_changelist")).content.decode()
    for page in (jobs, leads):
        assert "export_" not in page and "enrich_" not in page  # offered to no one who may not add
    response = client.post(
        reverse("admin:jobs_rawlead_changelist"),
        {"action": "enrich_leads", "_selected_action": [rows["rawlead"].pk]},
    )
    assert response.status_code in (200, 302)
    assert ScrapeJob.objects.count() == 1 and LeadExport.objects.count() == 1

    maker = staff_user("maker")
    client.force_login(maker)
    assert (
        'value="export_jobs_csv"' in client.get(reverse("admin:jobs_scrapejob_changelist")).content.decode()
    )
