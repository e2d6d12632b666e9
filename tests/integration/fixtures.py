"""Fixtures of the tests with real processes, shared by tests/integration and tests/reliability."""

import pytest

from tests.integration.workers import Processes, Sites, delete_queues, rabbitmq_sending, require_services


@pytest.fixture(scope="session")
def _run_queues():
    """This run's queues (queue, .DQ, .XQ) are deleted when the session ends."""
    yield
    try:
        delete_queues()
    except Exception:
        pass  # RabbitMQ unreachable: the tests that needed it have already said so


@pytest.fixture(scope="module")
def rabbitmq(django_db_setup, _run_queues):
    """run_scrape_job sends to RabbitMQ from this process for the module's tests, as the web does."""
    require_services()
    with rabbitmq_sending() as broker:
        yield broker


@pytest.fixture(scope="module")
def processes(rabbitmq, tmp_path_factory):
    group = Processes(tmp_path_factory.mktemp("processes"))
    yield group
    group.stop_all()


@pytest.fixture(scope="module")
def sites():
    served = Sites()
    yield served
    served.stop()


@pytest.fixture
def fresh_processes(rabbitmq, tmp_path_factory):
    """Processes of one test only: for tests that must know which worker gets a job."""
    group = Processes(tmp_path_factory.mktemp("processes"))
    yield group
    group.stop_all()
