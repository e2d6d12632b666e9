"""`manage.py scrape` on the embedded default (SQLite, no broker URL), run in a process of its own.

The job must run: by a `manage.py runembedded` server on the same database when one is running (it
picks up other processes' jobs), by the command itself with --wait when none is, or, queued without
--wait, as soon as a server starts. When nothing will run it, --wait says why and exits non-zero.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from io import StringIO

import dramatiq
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from leadengine.jobs.management.commands import runembedded
from leadengine.jobs.management.commands import scrape as scrape_command
from leadengine.jobs.management.commands.scrape import why_not_started
from leadengine.jobs.models import ExportStatus, JobStatus, LeadExport, ScrapeJob, WorkerHeartbeat
from tests.deploy.test_embedded import ROOT, free_port, manage
from tests.jobs.site import serve_company_site

USERS = ["ana", "ben", "cat", "dan"]
MAKE_USERS = (
    "import json; from django.contrib.auth import get_user_model; "
    "from rest_framework.authtoken.models import Token; "
    f"users = [get_user_model().objects.create_user(name, password='pw-123456-x') for name in {USERS!r}]; "
    "print(json.dumps({u.username: Token.objects.create(user=u).key for u in users}))"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A migrated SQLite database with users and their API tokens, and the environment to use it."""
    tmp = tmp_path_factory.mktemp("embedded-cli")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DRAMATIQ_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        LEADENGINE_ALLOW_PRIVATE_URLS="1",
        SCRAPE_PER_HOST_DELAY="0",
    )
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    made = manage(env, "shell", "-c", MAKE_USERS)
    assert made.returncode == 0, made.stderr
    return env, json.loads(made.stdout.strip().splitlines()[-1])


def start_server(env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runembedded", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("runembedded did not start:\n" + server.communicate()[0])
            time.sleep(0.2)


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Token {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return response.status, response.read()


def jobs_of(base: str, token: str) -> list[dict]:
    return json.loads(get(f"{base}/api/v1/jobs/scrape/", token)[1])["results"]


def lead_names(base: str, token: str) -> list[str]:
    return [lead["company_name"] for lead in json.loads(get(f"{base}/api/v1/leads/", token)[1])["results"]]


def scrape(env, user: str, url: str, *options: str) -> subprocess.CompletedProcess:
    return manage(env, "scrape", "--user", user, "--source", "website", "--url", url, *options)


def test_without_a_server_scrape_wait_runs_the_job_in_its_own_process(project, httpserver):
    env, _ = project
    site = serve_company_site(httpserver)
    result = scrape(env, "ben", site, "--wait", "--timeout", "40")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no embedded server is running: running the job in this process" in result.stdout
    assert "completed: 1 leads saved" in result.stdout


def test_scrape_wait_with_nothing_to_run_the_job_says_why_and_fails(project):
    env, _ = project
    result = scrape(env, "dan", "https://a.example/", "--wait", "--timeout", "1", "--no-local-worker")
    assert result.returncode == 1
    assert "still queued after 1s: no embedded server is running for this database" in result.stderr
    assert "Start one with `make run` (or `manage.py runembedded`)" in result.stderr


def test_the_embedded_server_runs_the_jobs_of_other_processes(project, httpserver):
    env, tokens = project
    site = serve_company_site(httpserver)
    # Queued while no server runs: it runs when the server starts.
    queued = scrape(env, "cat", site)
    assert queued.returncode == 0, queued.stderr
    assert "the job runs when one starts (`make run`" in queued.stderr
    server, base = start_server(env)
    try:
        started = time.monotonic()
        # Created while the server runs. --no-local-worker: only the server can run it.
        result = scrape(env, "ana", site, "--wait", "--timeout", "40", "--no-local-worker")
        assert result.returncode == 0, result.stdout + result.stderr
        assert time.monotonic() - started < 30
        assert "the embedded server running on this database takes it" in result.stdout
        assert "completed: 1 leads saved" in result.stdout and "in this process" not in result.stdout
        [job] = jobs_of(base, tokens["ana"])
        assert job["status"] == "completed" and job["total_processed"] == 1
        assert lead_names(base, tokens["ana"]) == ["Harbour Analytics"]
        [job] = jobs_of(base, tokens["cat"])
        assert job["status"] == "completed" and lead_names(base, tokens["cat"]) == ["Harbour Analytics"]

        # The same server serves the landing page and the API docs' assets (no CDN).
        assert b"LeadEngine" in get(base + "/")[1]
        assert b"swagger-ui-bundle.js" in get(base + "/api/docs/")[1]
        status, body = get(base + "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
        assert status == 200 and len(body) > 100_000
    finally:
        server.terminate()
        server.wait(timeout=30)


# The same rules in this process: what the pickup sends, and what --wait says for each cause.


@pytest.fixture
def sent(stub_broker):
    middleware = runembedded.SentMessages()
    stub_broker.add_middleware(middleware)
    yield middleware
    stub_broker.middleware.remove(middleware)


def queued_job(user, **fields) -> ScrapeJob:
    return ScrapeJob.objects.create(
        owner=user, status=JobStatus.QUEUED, source_types=["website"], urls=["https://a.example/"], **fields
    )


def test_the_pickup_sends_other_processes_jobs_once_and_their_retries_again(
    user, stub_broker, sent, settings
):
    queue = stub_broker.queues[settings.SCRAPE_QUEUE]
    job = queued_job(user, dispatched_at=timezone.now())  # sent by another process, into its memory
    assert runembedded.pick_up(sent) == 1 and queue.qsize() == 1
    assert runembedded.pick_up(sent) == 0 and queue.qsize() == 1
    # Another process queued it again (a retry) after our send: ours is gone with the first attempt.
    ScrapeJob.objects.filter(id=job.id).update(dispatched_at=timezone.now() + timedelta(seconds=5))
    assert runembedded.pick_up(sent) == 1 and queue.qsize() == 2


def test_the_pickup_leaves_jobs_that_are_not_queued(user, stub_broker, sent, settings):
    ScrapeJob.objects.filter(id=queued_job(user).id).update(status=JobStatus.RUNNING)
    assert runembedded.pick_up(sent) == 0
    assert stub_broker.queues[settings.SCRAPE_QUEUE].qsize() == 0


def test_the_pickup_sends_other_processes_exports_once(user, stub_broker, sent, settings):
    LeadExport.objects.create(owner=user)
    LeadExport.objects.create(owner=user, status=ExportStatus.COMPLETED)
    assert runembedded.pick_up(sent) == 1 and runembedded.pick_up(sent) == 0
    assert stub_broker.queues[settings.EXPORT_QUEUE].qsize() == 1


def test_the_wait_says_why_early_and_at_the_timeout(user, stub_broker, monkeypatch):
    monkeypatch.setattr(scrape_command, "STALL_NOTICE", 0.2)
    err = StringIO()
    with pytest.raises(CommandError, match="still queued after 2s: no embedded server is running"):
        call_command(
            "scrape",
            "--user",
            "ana",
            "--url",
            "https://a.example/",
            "--wait",
            "--timeout",
            "2",
            local_worker=False,
            stdout=StringIO(),
            stderr=err,
        )
    assert "waiting: no embedded server is running for this database" in err.getvalue()


def test_with_a_broker_it_says_when_no_worker_is_alive_and_when_one_is(user, settings):
    settings.DRAMATIQ_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    job = queued_job(user, dispatched_at=timezone.now())
    message = why_not_started(job)
    assert "no worker heartbeat seen in the last" in message and "manage.py rundramatiq" in message
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1)
    assert "1 workers alive" in why_not_started(job)


def test_with_a_broker_it_says_when_the_job_was_never_sent(user, settings):
    settings.DRAMATIQ_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    message = why_not_started(queued_job(user))
    assert "has not reached the broker" in message and "manage.py maintenance" in message


def test_with_a_broker_it_says_when_the_broker_is_unreachable(user, settings, monkeypatch):
    # Port 1 refuses connections: a broker URL that points at nothing.
    url = "amqp://guest:guest@127.0.0.1:1/%2F?connection_attempts=1&socket_timeout=1"
    settings.DRAMATIQ_BROKER_URL = url
    settings.DRAMATIQ_BROKER_URLS = [url]
    monkeypatch.setattr(dramatiq, "get_broker", lambda: RabbitmqBroker(url=url, middleware=[]))
    message = why_not_started(queued_job(user, dispatched_at=timezone.now()))
    assert "the broker at 127.0.0.1:1 is unreachable" in message and "DRAMATIQ_BROKER_URL" in message
