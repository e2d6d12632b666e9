"""Test set-up shared by the whole suite.

Unit tests run on the database of DATABASE_URL (SQLite when unset) with Dramatiq's in-memory
StubBroker. Tests marked `services` use the real PostgreSQL and RabbitMQ: they skip with a message
when those are not configured, and fail instead when LEADENGINE_REQUIRE_SERVICES=1 (as in CI).
"""

import dramatiq
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.environment import RABBITMQ_URL, REQUIRE_SERVICES  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle history lives in the cache, keyed by user id, and ids repeat from test to test.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _scrape_settings(settings):
    # Test sites run on 127.0.0.1, and politeness delays only slow the suite down.
    settings.LEADENGINE_ALLOW_PRIVATE_URLS = True
    settings.SCRAPE_PER_HOST_DELAY = 0.0
    settings.SCRAPE_CONNECT_TIMEOUT = 2.0
    settings.SCRAPE_READ_TIMEOUT = 3.0
    settings.SCRAPE_RETRIES = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The replica alias mirrors the test database on another connection, which cannot see a test's
    # uncommitted rows: replica reads are off unless a test of the router turns them on.
    settings.DATABASE_REPLICA_URL = ""


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


@pytest.fixture
def stub_worker(stub_broker):
    """A Dramatiq worker in this process: `stub_broker.join(queue); stub_worker.join()` runs what was sent."""
    import leadengine.jobs.tasks  # noqa: F401

    worker = dramatiq.Worker(stub_broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("ana", "ana@acme.example", "pw-ana-123456")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("ben", "ben@other.example", "pw-ben-123456")


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def need_services(what: str) -> None:
    """Skip (on a laptop) or fail (in CI) a test whose service is unavailable."""
    message = f"{what} is not available: set DATABASE_URL to PostgreSQL and DRAMATIQ_BROKER_URL to RabbitMQ"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (LEADENGINE_REQUIRE_SERVICES=1)")
    pytest.skip(message)
