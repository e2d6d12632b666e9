"""The test suite's environment, read before anything imports Django (loaded with `-p` in setup.cfg).

The suite's own broker is Dramatiq's in-memory StubBroker: DRAMATIQ_BROKER_URL is taken out of the
environment here and kept as RABBITMQ_URL for the tests that use RabbitMQ explicitly, on a queue of
their own. This must run before any plugin imports Django, which is why it is a plugin and not
conftest.py.
"""

import os
import uuid
from typing import NoReturn

import pytest

RABBITMQ_URL = os.environ.pop("DRAMATIQ_BROKER_URL", "")
os.environ["SCRAPE_QUEUE"] = f"test_scrape_jobs_{uuid.uuid4().hex[:8]}"
REQUIRE_SERVICES = os.environ.get("LEADENGINE_REQUIRE_SERVICES") == "1"
# A `replica` database alias on PostgreSQL, a mirror of the test database: the router's tests turn the
# replica reads on (DATABASE_REPLICA_URL); every other test runs with them off (tests/conftest.py).
_REPLICA_FOR_TESTS = "DATABASE_REPLICA_URL" not in os.environ and os.environ.get(
    "DATABASE_URL", ""
).startswith(("postgres://", "postgresql://"))
if _REPLICA_FOR_TESTS:
    os.environ["DATABASE_REPLICA_URL"] = os.environ["DATABASE_URL"]


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Once the settings have made the alias, the variable goes: processes the tests start (workers,
    benchmarks, servers) run on other databases and must not route reads to this one."""
    if _REPLICA_FOR_TESTS:
        from django.conf import settings

        assert "replica" in settings.DATABASES
        os.environ.pop("DATABASE_REPLICA_URL", None)


def unavailable(message: str) -> NoReturn:
    """Skip (on a laptop) or fail (in CI, LEADENGINE_REQUIRE_SERVICES=1) a test whose tool is missing."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (LEADENGINE_REQUIRE_SERVICES=1)")
    pytest.skip(message)
