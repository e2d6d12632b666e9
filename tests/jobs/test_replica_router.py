"""The read-replica router: with DATABASE_REPLICA_URL set, the marked list pages read through the
`replica` alias and everything else (details, writes, a page after one's own change) the primary.

The test run's `replica` alias is a second connection to the test database (tests/environment.py), so
these tests see which connection each query went through.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leadengine.db_router import REPLICA, ReplicaRouter, replica_reads
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.conftest import need_services

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture
def replica(settings):
    if REPLICA not in settings.DATABASES:
        need_services("PostgreSQL (DATABASE_URL) for the replica alias")
    settings.DATABASE_REPLICA_URL = settings.DATABASES[REPLICA]["NAME"]  # any value turns it on
    return settings


@pytest.fixture
def lead(user):
    job = ScrapeJob.objects.create(owner=user, status=JobStatus.COMPLETED, source_types=["website"])
    return RawLead.objects.create(
        owner=user, job=job, source="website", company_name="Acme Pty Ltd", data_hash="a" * 64
    )


class Queries:
    """The queries each database alias ran inside the block."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in ("default", REPLICA)}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str, table: str = "") -> list[str]:
        return [q["sql"] for q in self.contexts[alias].captured_queries if table in q["sql"]]


def test_only_marked_reads_go_to_the_replica_and_writes_never(replica):
    routing = ReplicaRouter()
    assert routing.db_for_read(RawLead) is None
    with replica_reads():
        assert router.db_for_read(RawLead) == REPLICA
        assert router.db_for_write(RawLead) == "default"
    assert router.db_for_read(RawLead) == "default"
    assert routing.allow_migrate(REPLICA, "jobs") is False
    assert routing.allow_migrate("default", "jobs") is None


def test_it_is_off_by_default(api, lead, settings):
    assert settings.DATABASE_REPLICA_URL == ""
    with replica_reads():
        assert router.db_for_read(RawLead) == "default"
    with Queries() as queries:
        assert api.get("/api/v1/leads/").json()["count"] == 1
    assert queries.on(REPLICA) == []


def test_the_api_lead_list_reads_the_replica_and_a_job_page_the_primary(replica, api, lead):
    with Queries() as queries:
        listed = api.get("/api/v1/leads/").json()
    assert [row["company_name"] for row in listed["results"]] == ["Acme Pty Ltd"]
    assert queries.on(REPLICA, "jobs_rawlead") and not queries.on("default", "jobs_rawlead")

    # A client polls its job right after creating it: the primary, which has it.
    with Queries() as queries:
        created = api.post(
            "/api/v1/jobs/scrape/",
            {"source_types": ["website"], "urls": ["https://a.example/"]},
            format="json",
        )
        assert created.status_code == 201, created.content
        detail = api.get(f"/api/v1/jobs/scrape/{created.json()['job_id']}/")
        assert detail.status_code == 200 and detail.json()["status"] == "queued"
    assert queries.on(REPLICA) == []


def test_the_admin_lists_read_the_replica_unless_they_follow_the_persons_own_change(replica, client, lead):
    admin = get_user_model().objects.create_superuser("root", "root@acme.example", "pw-root-123456")
    client.force_login(admin)
    for name in ("admin:jobs_rawlead_changelist", "admin:jobs_scrapejob_changelist"):
        with Queries() as queries:
            page = client.get(reverse(name))
        assert page.status_code == 200, name
        assert queries.on(REPLICA, "jobs_"), name
        assert not queries.on("default", "jobs_rawlead"), name
    with Queries() as queries:
        assert client.get(reverse("admin:jobs_dashboard")).status_code == 200
    assert queries.on(REPLICA, "jobs_scrapejob")

    # After a change the list carries its message: it reads the primary, which has the change.
    job = lead.job
    with Queries() as queries:
        done = client.post(
            reverse("admin:jobs_scrapejob_changelist"),
            {"action": "delete_selected", "_selected_action": [str(job.id)], "post": "yes"},
            follow=True,
        )
    assert done.status_code == 200
    assert b"Successfully deleted" in done.content
    assert not ScrapeJob.objects.filter(id=job.id).exists()
    assert queries.on(REPLICA) == []
