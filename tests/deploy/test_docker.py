"""The docker/ files: the compose stack is valid and runs every part of LeadEngine."""

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.environment import unavailable

DOCKER = Path(__file__).resolve().parents[2] / "docker"
SECRETS = {
    "SECRET_KEY": "s" * 50,
    "POSTGRES_PASSWORD": "pg",
    "RABBITMQ_PASSWORD": "mq",
    "SEARXNG_SECRET": "sx",
}


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    unavailable("neither `docker compose` nor `docker-compose` is installed")


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*compose_command(), "-f", "compose.yaml", "config"],
        cwd=DOCKER,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_is_a_valid_compose_file_with_the_whole_stack():
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"postgres", "rabbitmq", "web", "worker", "maintenance", "migrate", "searxng"} <= services.keys()
    assert services["worker"]["command"][:3] == ["python", "manage.py", "rundramatiq"]
    assert services["maintenance"]["command"][:3] == ["python", "manage.py", "maintenance"]
    assert "management" in services["rabbitmq"]["image"]
    for name in ["postgres", "rabbitmq", "web", "worker", "maintenance", "searxng"]:
        assert "healthcheck" in services[name], name
    web_env = services["web"]["environment"]
    assert web_env["DEBUG"] == "0"
    assert web_env["DATABASE_URL"].startswith("postgres://")
    assert web_env["DRAMATIQ_BROKER_URL"].startswith("amqp://")


def test_the_app_reaches_postgresql_through_pgbouncer_in_transaction_pooling_mode():
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["environment"]["POOL_MODE"] == "transaction"
    assert "@postgres:5432/" in pgbouncer["environment"]["DATABASE_URL"]
    assert "healthcheck" in pgbouncer
    for name in ["web", "worker", "maintenance"]:
        environment = services[name]["environment"]
        assert "@pgbouncer:5432/" in environment["DATABASE_URL"], name
        assert environment["DATABASE_POOLER"] == "pgbouncer", name
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name
    # Migrations go straight to PostgreSQL.
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["migrate"]["environment"]["DATABASE_POOLER"] == ""


def test_it_refuses_to_start_without_its_secrets():
    result = compose_config({})
    assert result.returncode != 0
    assert "docker/.env" in result.stderr


def test_the_searxng_that_compose_runs_is_configured_to_answer_json():
    # SearXNG answers 403 to format=json unless its settings list the format; running it needs
    # Docker and the network, so this checks the settings the compose file mounts into it.
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    searxng = compose["services"]["searxng"]
    mounts = dict(volume.split(":")[:2][::-1] for volume in searxng["volumes"])
    settings = yaml.safe_load((DOCKER / mounts["/etc/searxng/settings.yml"]).read_text())
    assert "json" in settings["search"]["formats"]
    for service in ("web", "worker"):
        environment = compose["services"][service]["environment"]
        assert environment["SEARXNG_URL"] == "http://searxng:8080", service


def test_the_cluster_profile_runs_three_rabbitmq_nodes_and_quorum_queues():
    result = subprocess.run(
        [
            *compose_command(),
            "-f",
            "compose.yaml",
            "-f",
            "compose.cluster.yaml",
            "--profile",
            "cluster",
            "config",
        ],
        cwd=DOCKER,
        env={"PATH": "/usr/bin:/bin", **SECRETS, "RABBITMQ_ERLANG_COOKIE": "cookie"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    nodes = ["rabbitmq", "rabbitmq-2", "rabbitmq-3"]
    assert set(nodes) <= services.keys()
    conf = (DOCKER / "rabbitmq" / "cluster.conf").read_text()
    for node in nodes:
        assert services[node]["hostname"] == node and f"rabbit@{node}\n" in conf
        assert services[node]["environment"]["RABBITMQ_ERLANG_COOKIE"] == "cookie"
        assert any("/etc/rabbitmq/conf.d/" in volume for volume in services[node]["volumes"]), node
    for name in ["web", "worker", "maintenance", "migrate"]:
        environment = services[name]["environment"]
        assert environment["DRAMATIQ_QUEUE_TYPE"] == "quorum", name
        urls = environment["DRAMATIQ_BROKER_URL"].split(",")
        assert [url.split("@")[1].split(":")[0] for url in urls] == nodes, name
        assert {"rabbitmq-2", "rabbitmq-3"} <= services[name]["depends_on"].keys(), name
    # Without the profile, the stack is the single-node one it always was.
    single = yaml.safe_load(compose_config(SECRETS).stdout)["services"]
    assert "rabbitmq-2" not in single and "DRAMATIQ_QUEUE_TYPE" not in single["worker"]["environment"]
