from tests.integration.fixtures import _run_queues, processes, rabbitmq, sites  # noqa: F401
