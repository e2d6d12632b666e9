"""Fuzzing the API with schemathesis against LeadEngine's own OpenAPI schema (/api/schema/).

Every operation gets a bounded number of generated requests (FUZZ_EXAMPLES, default 25), sent
in-process through the WSGI application as a signed-in user (token). No answer may be a 5xx, and
every documented answer must match the schema: its status's body shape and its content type.
"""

import os
import uuid

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from leadengine.jobs import exports
from leadengine.jobs.models import JobStatus, LeadExport, RawLead, ScrapeJob
from leadengine.wsgi import application

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def keep_connection():
    # As Django's test client does: a request must not close the connection holding the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(user, settings, keep_connection, tmp_path) -> str:
    # Limits high enough that generated creations are answered by validation, not by quotas.
    settings.JOB_CREATE_RATE = "100000/minute"
    settings.MAX_ACTIVE_JOBS_PER_USER = 100_000
    settings.EXPORTS_DIR = tmp_path
    # A job, a lead and an export of the user's with known ids, so that lists answer with rows and
    # half of the generated ids (see known_ids) reach a real row.
    job = ScrapeJob.objects.create(
        id=KNOWN_IDS["jobs"],
        owner=user,
        status=JobStatus.FAILED,
        source_types=["website"],
        urls=["https://acme.example/"],
        warnings=["website: x"],
        error="E",
    )
    RawLead.objects.create(
        id=KNOWN_IDS["leads"],
        owner=user,
        job=job,
        source="website",
        company_name="Acme",
        website="https://acme.example/",
        email="a@acme.example",
        data_hash="f" * 64,
        raw_payload={"emails": ["a@acme.example"]},
    )
    exports.export_run(LeadExport.objects.create(id=KNOWN_IDS["exports"], owner=user, job=job).id)
    return Token.objects.create(user=user).key


# Loaded when the module is collected (schemathesis's lazy fixture loader does not run on this pytest).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


KNOWN_IDS = {"jobs": uuid.UUID(int=1), "leads": uuid.UUID(int=2), "exports": uuid.UUID(int=3)}


@schema.hook("flatmap_path_parameters")
def known_ids(context, path_parameters):
    """Half of the generated ids are replaced by the id of the user's own row of that collection."""
    if not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    collection = next(name for name in KNOWN_IDS if f"/{name}/" in context.operation.path)
    return st.sampled_from([path_parameters, {**path_parameters, "id": str(KNOWN_IDS[collection])}])


@schema.parametrize()
@hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_and_answers_as_documented(case, token, stub_broker):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
