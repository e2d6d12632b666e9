"""LeadEngine through PgBouncer in transaction pooling mode (DATABASE_POOLER=pgbouncer), in front of the
test run's PostgreSQL: six clients at once on two server connections, each creating, claiming and
finishing a job, saving leads in batches, iterating its leads in chunks and locking rows."""

import json
import subprocess
import sys

import pytest

from tests.integration.pgbouncer import PgBouncer
from tests.integration.workers import ROOT, process_env, require_services

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pgbouncer(tmp_path):
    require_services()
    bouncer = PgBouncer(tmp_path, pool_size=2)
    yield bouncer
    bouncer.stop()


def test_it_runs_every_kind_of_database_work_through_transaction_pooling(pgbouncer):
    env = process_env("pooled", DATABASE_URL=pgbouncer.url("pooled"), DATABASE_POOLER="pgbouncer")
    env.pop("DRAMATIQ_BROKER_URL")  # the jobs' messages stay in this process's in-memory broker
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.pooled_workload", "pgb"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert len(result["rows"]) == 6
    for row in result["rows"].values():
        assert row == {"exported": 24, "saved": 24, "locked": 1, "processed": 24, "prepare_threshold": None}
    pool = pgbouncer.pool()
    # Every statement went through the pool's two server connections.
    assert pool["pool_mode"] == "transaction" and pool["sv_active"] + pool["sv_idle"] + pool["sv_used"] <= 2
