"""The embedded mode of `make run`: one process, SQLite and an in-process broker, no server to install.

Runs the real commands in subprocesses, as `make run` does, and follows a job through HTTP.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.jobs.site import serve_company_site

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def call(url, token, data=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(data).encode() if data else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def embedded(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DRAMATIQ_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LEADENGINE_ALLOW_PRIVATE_URLS="1",
        SCRAPE_PER_HOST_DELAY="0",
        DJANGO_SUPERUSER_PASSWORD="pw-admin-123456",
    )
    assert manage(env, "migrate", "--noinput").returncode == 0
    assert (
        manage(
            env, "createsuperuser", "--noinput", "--username", "admin", "--email", "a@a.example"
        ).returncode
        == 0
    )
    token = manage(env, "drf_create_token", "admin").stdout.split()[2]
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
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("runembedded did not start:\n" + server.communicate()[0])
            time.sleep(0.2)
    yield base, token
    server.terminate()
    server.wait(timeout=30)


def test_make_run_serves_the_api_and_runs_jobs_in_process(embedded, httpserver):
    base, token = embedded
    site = serve_company_site(httpserver)
    status, job = call(
        f"{base}/api/v1/jobs/scrape/",
        token,
        {"industry": "SaaS", "geography": "Sydney, Australia", "source_types": ["website"], "urls": [site]},
    )
    assert status == 201 and job["status"] == "queued"
    deadline = time.monotonic() + 30
    while job["status"] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = call(f"{base}/api/v1/jobs/scrape/{job['job_id']}/", token)[1]
    assert job["status"] == "completed", job
    leads = call(f"{base}/api/v1/jobs/scrape/{job['job_id']}/leads/", token)[1]
    assert [lead["company_name"] for lead in leads["results"]] == ["Harbour Analytics"]
    health = json.loads(urllib.request.urlopen(base + "/healthz", timeout=5).read())
    assert health["checks"]["database"]["vendor"] == "sqlite"
    assert health["checks"]["broker"]["kind"] == "embedded"
