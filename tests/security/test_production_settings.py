"""Production settings: `check --deploy` is clean with DEBUG off, a missing required variable stops
start-up naming it, and secrets never show in the config summary, health output or logs.

Start-up is tested in subprocesses with a production environment, as a server would start.
"""

import io
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from leadengine import masking

ROOT = Path(__file__).resolve().parents[2]
DB_PASSWORD = "db-Pa55word-x7q"
BROKER_PASSWORD = "mq-Pa55word-k9z"
API_KEY = "serp-4f1c0ffee-key"


def production_env(**changes: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "leads.acme.example",
        "DATABASE_URL": f"postgres://leadengine:{DB_PASSWORD}@db.internal:5432/leadengine",
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_check_deploy_reports_nothing_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize("name", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_a_missing_required_variable_stops_start_up_naming_it(name, value):
    result = manage("check", env=production_env(**{name: value}))
    assert result.returncode != 0
    assert f"{name} must be set in the environment when DEBUG is off" in result.stderr


@pytest.mark.parametrize("key", ["short-key", "django-insecure-" + "x" * 50, "a" * 60])
def test_a_weak_secret_key_stops_start_up(key):
    result = manage("check", env=production_env(SECRET_KEY=key))
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value of at least 50 characters" in result.stderr
    assert key not in result.stderr


def test_config_summary_masks_every_secret_of_a_production_environment():
    env = production_env(
        DRAMATIQ_BROKER_URL=f"amqp://leadengine:{BROKER_PASSWORD}@mq.internal:5672/%2F",
        SERPAPI_API_KEY=API_KEY,
        CRUNCHBASE_API_KEY="cb-" + API_KEY,
        METRICS_TOKEN="tok-" + API_KEY,
    )
    result = manage("config_summary", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for secret in [env["SECRET_KEY"], DB_PASSWORD, BROKER_PASSWORD, API_KEY]:
        assert secret not in out and secret not in result.stderr
    assert 'SECRET_KEY = "***"' in out and 'SERPAPI_API_KEY = "***"' in out and 'METRICS_TOKEN = "***"' in out
    assert 'DATABASE_URL = "postgres://leadengine:***@db.internal:5432/leadengine"' in out
    assert "amqp://leadengine:***@mq.internal:5672/" in out
    # What is not secret is shown as it is.
    assert "DEBUG = false" in out and 'ALLOWED_HOSTS = ["leads.acme.example"]' in out
    assert "LEADENGINE_ALLOW_PRIVATE_URLS = false" in out


def test_config_summary_as_json_masks_too(settings):
    settings.SECRET_KEY = "k" * 20 + API_KEY
    settings.BRAVE_API_KEY = API_KEY
    settings.SEARXNG_URL = f"https://search:{DB_PASSWORD}@searx.acme.example/?token={BROKER_PASSWORD}"
    out = io.StringIO()
    call_command("config_summary", "--json", stdout=out)
    text = out.getvalue()
    assert API_KEY not in text and DB_PASSWORD not in text and BROKER_PASSWORD not in text
    assert '"BRAVE_API_KEY": "***"' in text and "searx.acme.example" in text


@pytest.mark.parametrize(
    "url, shown",
    [
        ("postgres://u:p%40ss@h:5432/d", "postgres://u:***@h:5432/d"),
        ("amqp://guest:guest@[::1]:5672/%2F", "amqp://guest:***@[::1]:5672/%2F"),
        (
            "amqp://u:pw1@mq1:5672/%2F,amqp://u:pw2@mq2:5672/%2F",
            "amqp://u:***@mq1:5672/%2F,amqp://u:***@mq2:5672/%2F",
        ),
        (
            "https://api.acme.example/search?q=x&api_key=abc123",
            "https://api.acme.example/search?q=x&api_key=***",
        ),
        ("https://searx.acme.example", "https://searx.acme.example"),
        ("sqlite:////srv/var/leadengine.sqlite3", "sqlite:////srv/var/leadengine.sqlite3"),
    ],
)
def test_mask_url_hides_passwords_and_secret_query_values(url, shown):
    assert masking.mask_url(url) == shown


def test_health_output_carries_no_secret(client, settings, monkeypatch):
    from leadengine import health

    settings.DRAMATIQ_BROKER_URL = f"amqp://leadengine:{BROKER_PASSWORD}@mq.internal:5672/%2F"

    def broker_down():
        raise ConnectionError(f"cannot reach amqp://leadengine:{BROKER_PASSWORD}@mq.internal:5672/")

    monkeypatch.setattr(health, "queue_depths", broker_down)
    response = client.get("/healthz")
    text = response.content.decode()
    assert response.status_code == 503 and response.json()["checks"]["broker"]["error"] == "ConnectionError"
    for secret in [BROKER_PASSWORD, settings.SECRET_KEY, "amqp://"]:
        assert secret not in text


def test_logged_secrets_are_masked_in_messages_and_tracebacks(settings):
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "PASSWORD": DB_PASSWORD},
    }
    settings.SERPAPI_API_KEY = API_KEY
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(masking.SecretsFilter())
    logger = logging.getLogger("leadengine.tests.secrets")
    logger.addHandler(handler)
    try:
        logger.warning("calling search with key %s", API_KEY)
        try:
            raise RuntimeError(f"connection to postgres://leadengine:{DB_PASSWORD}@db failed")
        except RuntimeError:
            logger.exception("database down")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert API_KEY not in text and DB_PASSWORD not in text
    assert "calling search with key ***" in text and "postgres://leadengine:***@db failed" in text


def test_the_console_log_handler_masks_secrets():
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, masking.SecretsFilter) for f in handler.filters)
    ]
    assert handlers, "the root logger's console handler has no SecretsFilter"
