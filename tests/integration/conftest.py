from tests.integration.fixtures import _run_queues, fresh_processes, processes, rabbitmq, sites  # noqa: F401
