"""The compose stack's worker pools: every job queue is read, the high jobs' queue by a pool of its own."""

import yaml

from tests.deploy.test_docker import SECRETS, compose_config

# The queue names of a default install (SCRAPE_QUEUE=scrape_jobs, EXPORT_QUEUE=exports).
HIGH, NORMAL, LOW, EXPORTS = "scrape_jobs.high", "scrape_jobs", "scrape_jobs.low", "exports"


def queues_read(command: list[str]) -> set[str] | None:
    """The queues a rundramatiq command reads; None for every queue (no --queues)."""
    if "--queues" not in command:
        return None
    rest = command[command.index("--queues") + 1 :]
    return set(next((rest[:i] for i, arg in enumerate(rest) if arg.startswith("-")), rest))


def test_the_worker_pools_read_every_queue_and_high_alone_in_a_pool_of_its_own():
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    pools = {
        name: queues_read(service["command"])
        for name, service in services.items()
        if service.get("command", [])[:3] == ["python", "manage.py", "rundramatiq"]
    }
    assert set(pools) >= {"worker", "worker-high"}
    assert pools["worker-high"] == {HIGH}
    # The bulk pool does not read high: a high message it took would wait behind its prefetched low jobs.
    assert HIGH not in pools["worker"] and {NORMAL, LOW, EXPORTS} <= pools["worker"]
    read = set().union(*(queues for queues in pools.values() if queues is not None))
    assert {HIGH, NORMAL, LOW, EXPORTS} <= read
    # Prefetch (running messages included) no larger than the threads: no low job waits in a process.
    command = services["worker"]["command"]
    threads = command[command.index("--threads") + 1]
    assert services["worker"]["environment"]["dramatiq_queue_prefetch"] == threads
    for name in pools:
        assert "healthcheck" in services[name] and services[name]["environment"]["DRAMATIQ_BROKER_URL"]
