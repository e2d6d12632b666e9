"""CSV exports: the API, the actor, the admin action and `manage.py export_leads`."""

import csv
import io

import pytest
from django.core.management import call_command

from leadengine.csvsafe import safe_cell
from leadengine.jobs import exports
from leadengine.jobs.models import ExportStatus, LeadExport
from tests.ops.helpers import make_job, make_lead

EXPORTS = "/api/v1/exports/"


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def create_export(api, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(EXPORTS, body, format="json")
    return response


@pytest.mark.django_db
def test_it_exports_a_jobs_leads_through_the_api(api, user, django_capture_on_commit_callbacks):
    job = make_job(user)
    for n in range(3):
        make_lead(job, n)
    other_job = make_job(user)
    make_lead(other_job, 9)

    response = create_export(api, django_capture_on_commit_callbacks, job_id=str(job.id))
    assert response.status_code == 201, response.content
    export_id = response.json()["export_id"]
    assert response.json()["status"] == "queued" and response.json()["download_url"] is None
    assert api.get(f"{EXPORTS}{export_id}/download/").status_code == 409

    exports.export_run(export_id)

    detail = api.get(f"{EXPORTS}{export_id}/").json()
    assert (detail["status"], detail["rows_total"], detail["rows_written"], detail["progress"]) == (
        "completed",
        3,
        3,
        100,
    )
    download = api.get(detail["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="leadengine-job-')
    content = b"".join(download.streaming_content)
    assert not content.startswith(b"\xef\xbb\xbf")
    rows = rows_of(content)
    assert [row["company_name"] for row in rows] == ["Company 0", "Company 1", "Company 2"]
    assert list(rows[0]) == exports.HEADER == detail["columns"]
    assert rows[0]["address"] == "1 George St" and rows[0]["phone"] == "'+61291234567"


@pytest.mark.django_db
def test_it_neutralises_formulas_and_writes_a_bom_when_asked(user):
    job = make_job(user)
    make_lead(job, 1, company_name='=HYPERLINK("http://evil.example","x")', location="@SUM(A1)")
    export = exports.export_create(owner=user, job=job, bom=True)
    exports.export_run(export.id)
    content = exports.export_path(export).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    row = rows_of(content)[0]
    assert row["company_name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["location"] == "'@SUM(A1)"
    assert safe_cell("-1") == "'-1" and safe_cell(0.5) == "0.5" and safe_cell(None) == ""


@pytest.mark.django_db
def test_it_exports_only_the_owners_leads_matching_a_filter(
    api, user, other_user, django_capture_on_commit_callbacks
):
    mine = make_job(user)
    make_lead(mine, 1, email="")
    make_lead(mine, 2)
    make_lead(make_job(other_user), 3)
    response = create_export(api, django_capture_on_commit_callbacks, filters={"has_email": True})
    assert response.status_code == 201, response.content
    exports.export_run(response.json()["export_id"])
    export = LeadExport.objects.get(id=response.json()["export_id"])
    assert [row["company_name"] for row in rows_of(exports.export_path(export).read_bytes())] == ["Company 2"]


@pytest.mark.django_db
def test_another_users_job_or_export_is_not_found(api, other_user, django_capture_on_commit_callbacks):
    theirs = make_job(other_user)
    assert create_export(api, django_capture_on_commit_callbacks, job_id=str(theirs.id)).status_code == 404
    export = exports.export_create(owner=other_user, job=theirs)
    assert api.get(f"{EXPORTS}{export.id}/").status_code == 404
    assert api.get(f"{EXPORTS}{export.id}/download/").status_code == 404
    assert create_export(api, django_capture_on_commit_callbacks, filters={"nope": 1}).status_code == 400
    for ids in ["not-a-list", ["x"], {"a": 1}, 5]:
        response = create_export(api, django_capture_on_commit_callbacks, filters={"ids": ids})
        assert response.status_code == 400 and "filters" in response.json()
    assert (
        create_export(api, django_capture_on_commit_callbacks, filters={"ids": [str(export.id)]}).status_code
        == 201
    )


@pytest.mark.django_db(transaction=True)
def test_the_export_actor_writes_the_file(user, stub_broker, stub_worker, settings):
    job = make_job(user)
    make_lead(job, 1)
    export = exports.export_create(owner=user, job=job)  # autocommit: sent at once
    stub_broker.join(settings.EXPORT_QUEUE, timeout=10_000)
    stub_worker.join()
    export.refresh_from_db()
    assert export.status == ExportStatus.COMPLETED and export.rows_written == 1
    assert export.size_bytes == exports.export_path(export).stat().st_size > 0


@pytest.mark.django_db
def test_the_command_writes_a_file_and_stdout(user, tmp_path, capsys):
    job = make_job(user)
    make_lead(job, 1)
    make_lead(job, 2, email="")
    target = tmp_path / "out.csv"
    call_command("export_leads", "--owner", "ana", "--job", str(job.id), "-o", str(target), "--bom")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(rows_of(target.read_bytes())) == 2
    call_command("export_leads", "--owner", "ana", "--has-email")
    assert [row["company_name"] for row in rows_of(capsys.readouterr().out.encode())] == ["Company 1"]


@pytest.mark.django_db
def test_the_admin_action_queues_an_export_for_the_jobs_owner(
    client, admin_user, user, django_capture_on_commit_callbacks
):
    job = make_job(user)
    make_lead(job, 1)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/admin/jobs/scrapejob/", {"action": "export_jobs_csv", "_selected_action": [job.id]}
        )
    export = LeadExport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/leadexport/{export.id}/change/")
    assert export.owner == user and export.job == job
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' in page.content
    exports.export_run(export.id)
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' not in page.content and b"Download CSV" in page.content
    download = client.get(f"/admin/jobs/leadexport/{export.id}/download/")
    assert rows_of(b"".join(download.streaming_content))[0]["company_name"] == "Company 1"


@pytest.mark.django_db
def test_people_fill_a_column_group_of_three(user):
    job = make_job(user)
    people = [
        {
            "name": "Aroha Ngata",
            "role": "Managing Director",
            "email": "aroha@company1.example",
            "linkedin": "",
        },
        {"name": "Sam Teo", "role": "CTO", "email": "", "linkedin": "https://www.linkedin.com/in/samteo"},
        {"name": "Mere Walker", "role": "", "email": "", "linkedin": ""},
        {"name": "Fourth Person", "role": "Engineer", "email": "", "linkedin": ""},
    ]
    make_lead(job, 1, raw_payload={"people": people})
    make_lead(job, 2, raw_payload={"people": ["https://www.linkedin.com/in/from-before"]})
    export = exports.export_create(owner=user, job=job)
    exports.export_run(export.id)
    rows = {row["company_name"]: row for row in rows_of(exports.export_path(export).read_bytes())}
    first, older = rows["Company 1"], rows["Company 2"]
    assert [first["people_1_name"], first["people_1_role"], first["people_1_email"]] == [
        "Aroha Ngata",
        "Managing Director",
        "aroha@company1.example",
    ]
    assert first["people_2_linkedin"] == "https://www.linkedin.com/in/samteo"
    assert first["people_3_name"] == "Mere Walker" and "people_4_name" not in first
    # Leads saved before people had records list profile URLs: they land in the linkedin column.
    assert (older["people_1_name"], older["people_1_linkedin"]) == (
        "",
        "https://www.linkedin.com/in/from-before",
    )
    assert list(first)[-12:] == [
        f"people_{i}_{f}" for i in (1, 2, 3) for f in ("name", "role", "email", "linkedin")
    ]


def test_leads_are_read_in_chunks_in_order_without_a_server_side_cursor(user):
    from django.utils import timezone

    job = make_job(user)
    same_time = timezone.now()
    # Several leads share a scraped_at: the chunks page on (scraped_at, id), so none is skipped or repeated.
    for n in range(7):
        make_lead(job, n, scraped_at=same_time if n < 5 else timezone.now())
    leads = exports.lead_queryset(owner_id=user.pk)
    assert [lead.id for lead in exports.in_chunks(leads, size=2)] == list(leads.values_list("id", flat=True))
    assert len(list(exports.in_chunks(leads, size=2))) == 7
