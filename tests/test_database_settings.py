"""The database settings: DATABASE_POOLER, DATABASE_REPLICA_URL and CONN_MAX_AGE, read as a process of
LeadEngine reads them at start-up."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRINT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({alias: {k: db.get(k) for k in "
    "('NAME', 'HOST', 'PORT', 'CONN_MAX_AGE', 'DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS', 'TEST')} "
    "for alias, db in settings.DATABASES.items()}))"
)


def databases(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CONN_MAX_AGE"))}
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "leadengine.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_pgbouncer_turns_off_server_side_cursors_and_prepared_statements():
    done = databases(
        DATABASE_URL="postgres://le@pgbouncer:6432/leadengine",
        DATABASE_POOLER="pgbouncer",
        CONN_MAX_AGE="30",
    )
    assert done.returncode == 0, done.stderr
    default = json.loads(done.stdout)["default"]
    assert (default["HOST"], default["PORT"], default["CONN_MAX_AGE"]) == ("pgbouncer", 6432, 30)
    assert default["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert default["OPTIONS"]["prepare_threshold"] is None


def test_without_a_pooler_server_side_cursors_stay_on_and_there_is_no_replica():
    done = databases(DATABASE_URL="postgres://le@db:5432/leadengine")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert set(found) == {"default"}
    assert not found["default"].get("DISABLE_SERVER_SIDE_CURSORS")


def test_a_replica_url_adds_the_replica_alias_with_the_same_pooling():
    done = databases(
        DATABASE_URL="postgres://le@primary:5432/leadengine",
        DATABASE_REPLICA_URL="postgres://le@replica:5432/leadengine",
        DATABASE_POOLER="pgbouncer",
    )
    assert done.returncode == 0, done.stderr
    replica = json.loads(done.stdout)["replica"]
    assert replica["HOST"] == "replica" and replica["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_an_unknown_pooler_stops_start_up_naming_the_setting():
    done = databases(DATABASE_URL="postgres://le@db:5432/leadengine", DATABASE_POOLER="pgpool")
    assert done.returncode != 0
    assert "DATABASE_POOLER must be pgbouncer or empty" in done.stderr
