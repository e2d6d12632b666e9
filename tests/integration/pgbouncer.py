"""PgBouncer (Debian's `pgbouncer` package) in transaction pooling mode on a loopback port, in front of
the test run's PostgreSQL: for the tests and trials of LeadEngine through a connection pooler.

Skipped with a message where the binary is missing, failed instead under LEADENGINE_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from psycopg.rows import dict_row

from tests.environment import unavailable
from tests.integration.workers import wait_for


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgBouncer:
    """One pgbouncer process; `stop()` ends it. Server connections per database and user: `pool_size`."""

    def __init__(self, directory: Path, pool_size: int = 4, max_client_conn: int = 200):
        binary = shutil.which("pgbouncer") or next(
            (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(path)), None
        )
        if not binary:
            unavailable("pgbouncer is not installed (Debian package `pgbouncer`)")
        db = connection.settings_dict
        self.user = db["USER"] or "postgres"
        self.password = db.get("PASSWORD") or ""
        self.database = db["NAME"]
        self.pool_size = pool_size
        self.port = _free_port()
        self.log_path = directory / "pgbouncer.log"
        (directory / "users.txt").write_text(f'"{self.user}" "{self.password}"\n')
        (directory / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {directory / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            "reserve_pool_size = 0\n"
            f"max_client_conn = {max_client_conn}\n"
            f"admin_users = {self.user}\n"
            # psycopg, like libpq, may send these: accepted and ignored rather than refused.
            "ignore_startup_parameters = extra_float_digits,options\n"
        )
        command = [binary, str(directory / "pgbouncer.ini")]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]  # it refuses to run as root; it reads its files first
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        wait_for(self._answers, 15, "pgbouncer to accept connections", interval=0.1)

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited:\n{self.log_path.read_text(errors='replace')[-2000:]}")
        try:
            self.admin("SHOW VERSION")
            return True
        except psycopg.Error:
            return False

    def url(self, application_name: str = "") -> str:
        """A DATABASE_URL for the test database through this pgbouncer."""
        password = f":{quote(self.password, safe='')}" if self.password else ""
        query = f"?application_name={application_name}" if application_name else ""
        return (
            f"postgres://{quote(self.user, safe='')}{password}@127.0.0.1:{self.port}/{self.database}{query}"
        )

    def admin(self, command: str) -> list[dict]:
        """A command on pgbouncer's admin console (SHOW POOLS, SHOW SERVERS, ...), its rows as dicts."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            dbname="pgbouncer",
            user=self.user,
            password=self.password or None,
            autocommit=True,
            prepare_threshold=None,
            connect_timeout=3,
        ) as admin:
            with admin.cursor(row_factory=dict_row) as cursor:
                cursor.execute(command)
                return cursor.fetchall() if cursor.description else []

    def pool(self) -> dict:
        """The test database's pool: client connections (cl_*) and server connections (sv_*)."""
        rows = [row for row in self.admin("SHOW POOLS") if row["database"] == self.database]
        return rows[0] if rows else {}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # safe shutdown: waits for clients' transactions
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def server_connections(application: str = "") -> int:
    """Client backends on the test database other than this process's: pgbouncer's server connections
    when every other process connects through it. `application`: only those whose application_name
    starts with it (pgbouncer's carry its clients' names), leaving out this process's own threads'
    connections (the sender thread stamps the jobs it sent)."""
    for alias in connections:  # this process's other aliases (the replica's) are not pgbouncer's
        if alias != DEFAULT_DB_ALIAS:
            connections[alias].close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name LIKE %s",
            [application + "%"],
        )
        return cursor.fetchone()[0]
