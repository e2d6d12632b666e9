"""/metrics: the numbers come from the database and the broker, and move when jobs run."""

import json
import logging

import dramatiq
import pytest
from prometheus_client.parser import text_string_to_metric_families

import leadengine.jobs.tasks  # noqa: F401  declares the actors this test's worker runs
from tests.jobs.site import serve_company_site


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.mark.django_db(transaction=True)
def test_the_values_move_when_a_job_runs(client, api, httpserver, stub_broker, settings, caplog):
    caplog.set_level(logging.INFO, logger="leadengine.jobs")
    ready = ("leadengine_queue_messages", (("queue", settings.SCRAPE_QUEUE), ("state", "ready")))
    before = scrape(client)
    assert before[("leadengine_jobs", (("status", "completed"),))] == 0
    assert before[ready] == 0 and before[("leadengine_workers_seen", ())] == 0
    url = serve_company_site(httpserver)
    response = api.post(
        "/api/v1/jobs/scrape/",
        {"search_query": "analytics", "source_types": ["website"], "urls": [url]},
        format="json",
    )
    assert response.status_code == 201
    # No worker runs yet: the job waits, queued, its message in the queue.
    queued = scrape(client)
    assert queued[("leadengine_jobs", (("status", "queued"),))] == 1
    assert queued[ready] == 1
    worker = dramatiq.Worker(stub_broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        stub_broker.join(settings.SCRAPE_QUEUE, timeout=30_000)
        worker.join()
        after = scrape(client)
    finally:
        worker.stop()

    assert after[("leadengine_jobs", (("status", "completed"),))] == 1
    assert after[("leadengine_jobs", (("status", "queued"),))] == 0
    assert after[ready] == 0
    assert after[("leadengine_leads_saved_total", ())] == 1
    assert after[("leadengine_source_runs_total", (("outcome", "ok"), ("source", "website")))] == 1
    assert after[("leadengine_source_errors_total", (("source", "website"),))] == 0
    assert after[("leadengine_job_duration_seconds_count", ())] == 1
    assert after[("leadengine_job_duration_seconds_bucket", (("le", "+Inf"),))] == 1
    assert after[("leadengine_workers_seen", ())] == 1
    # One structured line per job event, as LOG_JSON=1 prints it.
    from leadengine.logs import JsonFormatter

    lines = [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "leadengine.jobs"
    ]
    assert {"received", "running", "source_done", "saved", "completed"} <= {line["event"] for line in lines}
    completed = next(line for line in lines if line["event"] == "completed")
    assert (
        completed["job_id"] == response.json()["job_id"] and completed["duration"] > 0 and completed["owner"]
    )


@pytest.mark.django_db
def test_a_failed_source_counts_as_an_error(client, user):
    from leadengine.jobs.outcomes import source_run_record
    from scraping.runner import SourceFinished
    from tests.ops.helpers import make_job

    source_run_record(
        make_job(user),
        SourceFinished(source="google", leads=0, seconds=1.5, error="no key", configuration_error=True),
    )
    assert scrape(client)[("leadengine_source_errors_total", (("source", "google"),))] == 1


@pytest.mark.django_db
def test_a_metrics_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
