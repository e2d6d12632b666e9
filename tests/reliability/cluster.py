"""A RabbitMQ cluster of this run's own, on loopback ports, for the cluster trial and the queue benchmark.

Each node is a `rabbitmq-server` process with its own node name, AMQP and distribution ports, data and
log directories, an empty plugin list and a config file of its own, all under one temporary directory
whose HOME holds the cluster's Erlang cookie (so its CLI calls reach these nodes only). The machine's own
node (rabbit@localhost on 5672) is never addressed: every `rabbitmqctl` call names a node of this
cluster with `-n`. `close()` stops every node, kills what did not stop, and removes the directory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pika


def rabbitmq_bin() -> Path | None:
    """The directory of the real rabbitmq-server script: Debian's /usr/sbin one re-runs itself as the
    rabbitmq user (another HOME, so another cookie); the one it wraps runs as whoever calls it."""
    found = shutil.which("rabbitmq-server")
    if not found:
        return None
    packaged = Path("/usr/lib/rabbitmq/bin")
    return packaged if (packaged / "rabbitmq-server").exists() else Path(found).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """One RabbitMQ node of the cluster: started, stopped and started again on the same data."""

    def __init__(self, cluster: RabbitCluster, index: int):
        self.cluster = cluster
        self.name = f"{cluster.prefix}{index}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.dir = cluster.dir / f"node{index}"
        self.dir.mkdir()
        (self.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            # A few small queues: no need for the default 40% of the machine's memory per node.
            "vm_memory_high_watermark.absolute = 1GB\n"
            "disk_free_limit.absolute = 50MB\n"
        )
        (self.dir / "enabled_plugins").write_text("[].\n")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def env(self) -> dict[str, str]:
        return {
            **self.cluster.env(),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_PID_FILE": str(self.dir / "pid"),
            # Distribution on loopback only; schedulers that do not busy-wait, so three idle nodes
            # leave the two cores to the workers.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": (
                "-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
            ),
        }

    def start(self) -> None:
        log = open(self.dir / "server.out", "ab")
        self.process = subprocess.Popen(
            [str(self.cluster.bin / "rabbitmq-server")],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=self.dir,
        )
        log.close()

    def wait_started(self, timeout: float = 90) -> None:
        """Until the node takes AMQP connections: it opens its listener once booted."""
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start in {timeout}s: {self.log()[-2000:]}")
            time.sleep(0.3)

    def log(self) -> str:
        path = self.dir / "server.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the node (its application and the Erlang VM): clients' connections to it close."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.ctl("stop", timeout=60)
            self.process.wait(30)
        except (subprocess.SubprocessError, OSError):
            self.kill()

    def terminate(self, grace: float = 30) -> None:
        """SIGTERM to the node's process group (the script stops RabbitMQ cleanly), SIGKILL after `grace`."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def ctl(self, *args: str, timeout: float = 60) -> str:
        result = subprocess.run(
            [str(self.cluster.bin / "rabbitmqctl"), "-n", self.name, *args],
            env=self.cluster.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise subprocess.CalledProcessError(result.returncode, args, result.stdout, result.stderr)
        return result.stdout

    def answers(self) -> bool:
        try:
            # A refused TCP connection says "not yet" without pika's error logs.
            socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
            parameters = pika.URLParameters(self.url + "?connection_attempts=1&socket_timeout=2")
            pika.BlockingConnection(parameters).close()
            return True
        except Exception:
            return False


class RabbitCluster:
    """`size` nodes joined into one cluster; a context manager that always takes everything down."""

    def __init__(self, size: int = 3):
        bin_dir = rabbitmq_bin()
        if bin_dir is None:
            raise FileNotFoundError("rabbitmq-server")
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="le-rabbit-cluster-"))
        self.prefix = f"le{secrets.token_hex(3)}n"
        cookie = self.dir / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        (self.dir / "rabbitmq-env.conf").write_text("")
        self.nodes = [Node(self, index) for index in range(1, size + 1)]

    def env(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
        return {
            **{key: os.environ[key] for key in keep if key in os.environ},
            "HOME": str(self.dir),
            # Not /etc/rabbitmq's: that one names the machine's own node.
            "RABBITMQ_CONF_ENV_FILE": str(self.dir / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def __enter__(self) -> RabbitCluster:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.wait_started(), self.nodes))
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", first.name)
            node.ctl("start_app")
        running = json.loads(first.ctl("cluster_status", "--formatter", "json"))["running_nodes"]
        assert sorted(running) == sorted(node.name for node in self.nodes), running

    def urls(self, first: int = 0) -> list[str]:
        """The nodes' URLs, starting from node `first`: each client prefers a node of its own."""
        order = self.nodes[first:] + self.nodes[:first]
        return [node.url for node in order]

    def leader(self, queue: str) -> Node:
        """The node holding the quorum queue's Raft leader, as a running node reports it."""
        for asker in self.running():
            try:
                rows = json.loads(asker.ctl("list_queues", "name", "leader", "--formatter", "json"))
            except subprocess.SubprocessError:
                continue
            for row in rows:
                if row["name"] == queue and row.get("leader"):
                    return next(node for node in self.nodes if node.name == row["leader"])
        raise LookupError(f"no leader reported for {queue}")

    def running(self) -> list[Node]:
        return [node for node in self.nodes if node.process is not None and node.process.poll() is None]

    def restart(self, node: Node) -> None:
        node.start()
        node.wait_started()

    def close(self) -> None:
        # All stop at once: SIGTERM to each, then each waited for (and killed if it hangs).
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.terminate(), self.nodes))
        for node in self.nodes:
            node.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
