from tests.integration.fixtures import _run_queues, fresh_processes, processes, rabbitmq, sites  # noqa: F401
from tests.integration.workers import FIGURES


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("reliability trials")
        for line in FIGURES:
            terminalreporter.write_line(line)
