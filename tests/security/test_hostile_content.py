"""Scraped content is hostile: escaped in the admin, neutralised in CSV exports, size-capped in storage."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from leadengine.csvsafe import safe_cell
from leadengine.jobs import exports, lead_insert
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


@pytest.fixture
def staff(db) -> Client:
    client = Client()
    client.force_login(
        get_user_model().objects.create_superuser("root", "root@acme.example", "pw-root-123456")
    )
    return client


@pytest.fixture
def hostile(user):
    job = ScrapeJob.objects.create(
        owner=user,
        status=JobStatus.FAILED,
        source_types=["website"],
        urls=[f"https://acme.example/{SCRIPT}"],
        search_query=SCRIPT,
        industry=IMG,
        error=f"ValueError: {SCRIPT}",
        traceback=f"Traceback: {SCRIPT}",
        warnings=[f"website: {SCRIPT}"],
        filters={"note": SCRIPT},
    )
    lead = RawLead.objects.create(
        owner=user,
        job=job,
        source="website",
        company_name=SCRIPT,
        website="javascript:alert(3)",
        email=f"{IMG}@acme.example",
        phone=IMG,
        location=SCRIPT,
        source_url="javascript:alert(4)",
        data_hash="d" * 64,
        raw_payload={"description": SCRIPT, "socials": {"x": IMG}},
    )
    return job, lead


def assert_inert(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert 'href="javascript:' not in page


@pytest.mark.parametrize(
    "name, args",
    [
        ("admin:jobs_rawlead_changelist", "none"),
        ("admin:jobs_rawlead_change", "lead"),
        ("admin:jobs_scrapejob_changelist", "none"),
        ("admin:jobs_scrapejob_change", "job"),
    ],
)
def test_scraped_text_is_escaped_in_the_admin(staff, hostile, name, args):
    job, lead = hostile
    url = reverse(name, args={"none": [], "lead": [lead.id], "job": [job.id]}[args])
    response = staff.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert_inert(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text


def test_a_search_for_markup_in_the_admin_is_escaped_too(staff, hostile):
    _, lead = hostile
    response = staff.get(reverse("admin:jobs_rawlead_changelist"), {"q": SCRIPT})
    page = response.content.decode()
    assert response.status_code == 200
    assert_inert(page)
    # The search found the hostile lead, and shows it (and the query) as text.
    assert reverse("admin:jobs_rawlead_change", args=[lead.id]) in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Acme Pty Ltd", "Acme Pty Ltd"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (0.75, "0.75"),
    ],
)
def test_safe_cell_neutralises_formula_starts(value, expected):
    assert safe_cell(value) == expected


def test_an_export_neutralises_formulas_in_every_column(user):
    job = ScrapeJob.objects.create(owner=user, source_types=["website"], urls=["https://acme.example/"])
    RawLead.objects.create(
        owner=user,
        job=job,
        source="website",
        company_name="=cmd|' /C calc'!A0",
        website="+acme.example",
        email="@acme.example",
        phone="-1",
        location="\tSydney",
        data_hash="e" * 64,
        raw_payload={"description": "\r=1+1", "emails": ["=x@acme.example"]},
    )
    out = io.StringIO()
    exports.write_csv(exports.lead_queryset(owner_id=user.id, job_id=job.id), out)
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    cells = dict(zip(header, row, strict=True))
    for column in ["company_name", "website", "email", "phone", "location", "description", "emails"]:
        assert cells[column].startswith("'"), (column, cells[column])
    assert not any(cell[:1] in "=+-@\t\r" for cell in row if cell)


def test_raw_payloads_are_capped_at_the_setting(user, settings):
    settings.RAW_PAYLOAD_MAX_BYTES = 4000
    payload = {
        "description": "x" * 50_000,
        "emails": [f"e{i}@acme.example" for i in range(5000)],
        "extra": {"html": "y" * 50_000},
    }
    capped = lead_insert.capped_payload(payload)
    assert capped["truncated"] is True
    assert len(json.dumps(capped)) <= settings.RAW_PAYLOAD_MAX_BYTES


@pytest.mark.parametrize(
    "payload",
    [
        {"emails": ["x" * 100_000] * 20},
        {f"key{i}": "y" * 1000 for i in range(200)},
        {"socials": {"x": "z" * 200_000}},
    ],
    ids=["long-list-items", "many-keys", "nested-dict"],
)
def test_raw_payloads_are_capped_whatever_their_shape(settings, payload):
    capped = lead_insert.capped_payload(payload)
    assert len(json.dumps(capped)) <= settings.RAW_PAYLOAD_MAX_BYTES
