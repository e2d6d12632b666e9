"""Rows of two tenants and a staff member, shared by the security tests.

`ana` (the `user` fixture) owns a queued job, a failed job with a lead, and a completed CSV export;
`ben` (`other_user`) owns nothing of hers; `sam` is staff. Each test gets a fresh copy.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from leadengine.jobs import exports
from leadengine.jobs.models import JobStatus, LeadExport, RawLead, ScrapeJob


@dataclass
class Tenant:
    queued: ScrapeJob
    failed: ScrapeJob
    lead: RawLead
    export: LeadExport


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user(
        "sam", "sam@leadengine.example", "pw-sam-123456", is_staff=True
    )


@pytest.fixture
def owned(user, settings, tmp_path) -> Tenant:
    settings.EXPORTS_DIR = tmp_path / "exports"
    queued = ScrapeJob.objects.create(
        owner=user, source_types=["website"], urls=["https://a.example/"], search_query="ana's secret market"
    )
    failed = ScrapeJob.objects.create(
        owner=user, status=JobStatus.FAILED, source_types=["google"], industry="Fintech", error="TimeoutError"
    )
    lead = RawLead.objects.create(
        owner=user,
        job=failed,
        source="google",
        company_name="Ana Leads Ltd",
        website="https://ana-leads.example/",
        data_hash="a" * 64,
    )
    export = LeadExport.objects.create(owner=user, job=failed)
    exports.export_run(export.id)
    export.refresh_from_db()
    return Tenant(queued, failed, lead, export)


def client_for(who, users: dict) -> APIClient:
    """An API client signed in as `who` (owner, other, staff), or anonymous."""
    client = APIClient()
    if who != "anonymous":
        client.force_authenticate(users[who])
    return client
