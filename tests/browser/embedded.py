"""What `make run` starts, for the browser tests: a real `manage.py runembedded` process on its own
SQLite database with a superuser, and the company website its jobs visit, served on 127.0.0.1.

Beside the plain site (tests/jobs/site.py) the test site has paths whose behaviour the test controls:
a `Hold` keeps the first request waiting until released (a job that stays running while the browser
looks at it), and a `Flaky` page answers 500 until it is mended (a job that fails every attempt).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.deploy.test_embedded import ROOT, free_port
from tests.jobs.site import HOME, serve_company_site

ADMIN = "admin"
ADMIN_PASSWORD = "admin-pw-123456"
# Short retries, so a failing job reaches its dead letter in a second or two: one retry after a
# fraction of a second. Fetches are not retried (one failed attempt is one failed page).
SERVER_ENV = {
    "LEADENGINE_ALLOW_PRIVATE_URLS": "1",
    "SCRAPE_PER_HOST_DELAY": "0",
    "SCRAPE_RETRIES": "0",
    "SCRAPE_CONNECT_TIMEOUT": "2",
    "SCRAPE_READ_TIMEOUT": "20",
    "JOB_MAX_RETRIES": "1",
    "JOB_MIN_BACKOFF": "200",
    "JOB_MAX_BACKOFF": "1000",
    "PYTHONUNBUFFERED": "1",
}


def _home() -> Response:
    return Response(HOME, content_type="text/html; charset=utf-8")


class Hold:
    """The first request waits until `release()` (or `patience` seconds), later ones are answered at once."""

    def __init__(self, patience: float = 15.0) -> None:
        self.patience = patience
        self.reached = threading.Event()
        self.released = threading.Event()

    def __call__(self, request: Request) -> Response:
        if not self.reached.is_set():
            self.reached.set()
            self.released.wait(self.patience)
        return _home()

    def release(self) -> None:
        self.released.set()


class Flaky:
    """Answers 500 until `mend()`, then the home page."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, request: Request) -> Response:
        return Response("down for maintenance", status=500) if self.down else _home()

    def mend(self) -> None:
        self.down = False


@dataclass
class CompanySite:
    server: HTTPServer
    home: str
    holds: list[Hold] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def hold(self, path: str) -> Hold:
        hold = Hold()
        self.server.expect_request(path).respond_with_handler(hold)
        self.holds.append(hold)
        return hold

    def flaky(self, path: str) -> Flaky:
        flaky = Flaky()
        self.server.expect_request(path).respond_with_handler(flaky)
        return flaky

    def release_all(self) -> None:
        for hold in self.holds:
            hold.release()


def start_site() -> CompanySite:
    # Threaded: a held request must not hold the other jobs' requests back.
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    return CompanySite(server, serve_company_site(server))


class EmbeddedServer:
    """`migrate`, a superuser, then `runembedded` on a free port; `manage()` runs commands beside it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "DRAMATIQ_BROKER_URL", "DJANGO_SETTINGS_MODULE")
        }
        self.env.update(SERVER_ENV, DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}")
        self.log_path = directory / "runembedded.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def manage(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self) -> None:
        migrated = self.manage("migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        made = self.manage(
            "createsuperuser",
            "--noinput",
            "--username",
            ADMIN,
            "--email",
            "admin@example.com",
            DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
        )
        assert made.returncode == 0, made.stderr
        port = free_port()
        # The log goes to a file: a pipe nobody reads would fill up and stall the server.
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runembedded", "--noreload", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise AssertionError("runembedded did not start:\n" + self.log()) from None
                time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
