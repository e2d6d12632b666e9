"""Tenant isolation: every API endpoint and action, for the owner, another user, anonymous and staff.

Another user's id answers 404 (never 403, so ids cannot be probed), lists and filters never reach
another user's rows, and no answer to anyone but the owner carries the owner's ids or scraped text.
Staff are ordinary users in the API and, unless superusers, in the admin too (tests/jobs/
test_admin_tenancy.py has the admin's every page); non-staff cannot log into the admin.
"""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from leadengine.jobs.models import JobStatus, LeadExport, ScrapeJob
from tests.security.conftest import client_for

ROLES = ["owner", "other", "anonymous", "staff"]
JOBS = "/api/v1/jobs/scrape/"
BODY = {"industry": "SaaS", "source_types": ["website"], "urls": ["https://acme.example/"]}

# (name, method, path, body, expected status by role: owner, other, anonymous, staff, text the owner sees)
MINE_404 = (200, 404, 403, 404)
LIST = (200, 200, 403, 200)
MATRIX = [
    ("job list", "get", JOBS, None, LIST, "{failed}"),
    ("job list filtered", "get", JOBS + "?status=failed&source_type=google", None, LIST, "{failed}"),
    ("job create", "post", JOBS, BODY, (201, 201, 403, 201), ""),
    ("job detail", "get", JOBS + "{failed}/", None, MINE_404, "{failed}"),
    ("job leads", "get", JOBS + "{failed}/leads/", None, MINE_404, "{lead}"),
    ("job cancel", "post", JOBS + "{queued}/cancel/", None, MINE_404, "cancelled"),
    ("job retry", "post", JOBS + "{failed}/retry/", None, MINE_404, "queued"),
    ("job enrich", "post", JOBS + "{failed}/enrich/", None, (201, 404, 403, 404), "ana-leads.example"),
    ("lead list", "get", "/api/v1/leads/", None, LIST, "{lead}"),
    ("lead list by job", "get", "/api/v1/leads/?job={failed}", None, LIST, "{lead}"),
    ("lead list search", "get", "/api/v1/leads/?search=Ana&has_email=false", None, LIST, "{lead}"),
    ("lead detail", "get", "/api/v1/leads/{lead}/", None, MINE_404, "Ana Leads Ltd"),
    (
        "lead enrich",
        "post",
        "/api/v1/leads/enrich/",
        {"lead_ids": ["{lead}"]},
        (201, 409, 403, 409),
        "ana-leads.example",
    ),
    ("export list", "get", "/api/v1/exports/", None, LIST, "{export}"),
    (
        "export create for a job",
        "post",
        "/api/v1/exports/",
        {"job_id": "{failed}"},
        (201, 404, 403, 404),
        "{failed}",
    ),
    ("export detail", "get", "/api/v1/exports/{export}/", None, MINE_404, "{export}"),
    ("export download", "get", "/api/v1/exports/{export}/download/", None, MINE_404, "Ana Leads Ltd"),
    ("schema", "get", "/api/schema/", None, (200, 200, 200, 200), ""),
]


def fill(template, owned):
    ids = {
        "queued": owned.queued.id,
        "failed": owned.failed.id,
        "lead": owned.lead.id,
        "export": owned.export.id,
    }
    if isinstance(template, str):
        return template.format(**ids)
    if isinstance(template, dict):
        return {key: fill(value, owned) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(value, owned) for value in template]
    return template


def owners_secrets(owned) -> list[str]:
    return [
        str(owned.queued.id),
        str(owned.failed.id),
        str(owned.lead.id),
        str(owned.export.id),
        "Ana Leads",
        "ana-leads.example",
        "secret market",
    ]


def body_text(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "name, method, path, body, expected, owner_sees", MATRIX, ids=[row[0] for row in MATRIX]
)
def test_the_permission_matrix(
    role, name, method, path, body, expected, owner_sees, owned, user, other_user, staff_user
):
    client = client_for(role, {"owner": user, "other": other_user, "staff": staff_user})
    statuses_before = dict(ScrapeJob.objects.filter(owner=user).values_list("id", "status"))

    response = getattr(client, method)(fill(path, owned), fill(body, owned), format="json")

    assert response.status_code == expected[ROLES.index(role)], body_text(response)[:300]
    text = body_text(response)
    if role == "owner":
        assert fill(owner_sees, owned) in text
        return
    for secret in owners_secrets(owned):
        assert secret not in text, f"{role} saw {secret!r} in {name}"
    # Nothing of the owner's changed, and anything created belongs to the caller.
    assert dict(ScrapeJob.objects.filter(owner=user).values_list("id", "status")) == statuses_before
    assert LeadExport.objects.filter(owner=user).count() == 1


def test_a_created_job_or_export_belongs_to_the_caller_whatever_the_body_says(api, user, other_user):
    response = api.post(JOBS, {**BODY, "owner": other_user.id, "user_id": other_user.id}, format="json")
    assert response.status_code == 201 and ScrapeJob.objects.get(id=response.json()["job_id"]).owner == user
    response = api.post("/api/v1/exports/", {"owner": other_user.id}, format="json")
    assert response.status_code == 201 and LeadExport.objects.get().owner == user


def test_an_export_of_another_users_lead_ids_holds_none_of_them(owned, other_user):
    from leadengine.jobs import exports

    client = client_for("other", {"other": other_user})
    response = client.post("/api/v1/exports/", {"filters": {"ids": [str(owned.lead.id)]}}, format="json")
    assert response.status_code == 201
    export = exports.export_run(response.json()["export_id"])
    assert export.status == "completed" and export.rows_written == 0
    download = client.get(f"/api/v1/exports/{export.id}/download/")
    assert download.status_code == 200 and "Ana Leads" not in body_text(download)


def test_staff_see_only_their_own_jobs_and_leads_in_the_admin(owned, staff_user):
    staff_user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_scrapejob", "view_rawlead"])
    )
    client = Client()
    client.force_login(staff_user)
    jobs = client.get(reverse("admin:jobs_scrapejob_changelist"))
    leads = client.get(reverse("admin:jobs_rawlead_changelist"))
    assert jobs.status_code == 200 and str(owned.failed.id)[:8] not in jobs.content.decode()
    assert leads.status_code == 200 and "Ana Leads Ltd" not in leads.content.decode()
    page = client.get(reverse("admin:jobs_scrapejob_change", args=[owned.failed.id]))
    assert page.status_code == 404


@pytest.mark.parametrize(
    "path", ["admin:index", "admin:jobs_scrapejob_changelist", "admin:jobs_rawlead_changelist"]
)
def test_a_non_staff_user_is_sent_to_the_admin_login(owned, user, path):
    client = Client()
    client.force_login(user)
    response = client.get(reverse(path))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_a_non_staff_user_cannot_log_into_the_admin_with_a_correct_password(user):
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": "ana", "password": "pw-ana-123456", "next": reverse("admin:index")},
    )
    assert response.status_code == 200 and "staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_job_status_filter_is_applied_within_the_callers_jobs(owned, other_user):
    ScrapeJob.objects.create(
        owner=other_user, status=JobStatus.FAILED, source_types=["google"], industry="Ben"
    )
    client = client_for("other", {"other": other_user})
    results = client.get(JOBS, {"status": ["failed", "queued"]}).json()["results"]
    assert [job["industry"] for job in results] == ["Ben"]
