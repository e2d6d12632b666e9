"""What every benchmark shares: a throwaway PostgreSQL database, Django set up on it, memory figures,
and the report (a table for people, then one JSON line for machines: always the last line printed).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadengine"
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def base_database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def database_url(name: str) -> str:
    parts = urlsplit(base_database_url())
    return urlunsplit(parts._replace(path="/" + name))


def _admin_connection():
    import psycopg

    return psycopg.connect(
        database_url("postgres").replace("postgres://", "postgresql://", 1), autocommit=True
    )


def create_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_available() -> bool:
    try:
        with _admin_connection():
            return True
    except Exception:
        return False


@contextmanager
def throwaway_database(prefix: str = "leadengine_bench", keep: bool = False) -> Iterator[str]:
    """A fresh database named `prefix_<random>` for the length of the block; its URL is yielded."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    create_database(name)
    try:
        yield database_url(name)
    finally:
        if not keep:
            drop_database(name)


def django_setup(db_url: str, *, migrate: bool = True, **env: str) -> None:
    """Point Django at `db_url` (plus any settings given as environment variables), set it up, migrate."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadengine.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.update(env)
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The resident memory of this process now."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def ratio(figure: float, baseline: float) -> float:
    return round(figure / baseline, 2) if baseline else float("inf")


def report(name: str, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """Print `rows` as a table and then `summary` (with the rows) as the JSON line that ends the output."""
    if rows:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        cells = [[_cell(row.get(column, "")) for column in columns] for row in rows]
        widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
        print()
        print(f"== {name} ==")
        print("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)))
        print("  ".join("-" * width for width in widths))
        for line in cells:
            print("  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)))
        print()
    print(json.dumps({"benchmark": name, **summary, "rows": rows}, default=str), flush=True)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return str(value)


def broker_url() -> str:
    return os.environ.get("DRAMATIQ_BROKER_URL") or DEFAULT_BROKER_URL


def rabbitmq_available(url: str = "") -> bool:
    import pika

    try:
        parameters = pika.URLParameters((url or broker_url()) + "?socket_timeout=2&connection_attempts=1")
        pika.BlockingConnection(parameters).close()
        return True
    except Exception:
        return False


def delete_queues(queue: str) -> None:
    """Delete a benchmark's queues (its SCRAPE_QUEUE and the high and low ones named after it) and
    Dramatiq's delay and dead-letter queues beside each."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(broker_url()))
    try:
        channel = connection.channel()
        for base in (queue, f"{queue}.high", f"{queue}.low"):
            for name in (base, f"{base}.DQ", f"{base}.XQ"):
                channel.queue_delete(name)
    finally:
        connection.close()


def bench_env(db_url: str, queue: str, **extra: str) -> dict[str, str]:
    """The environment of a benchmark's Django processes: its database and queue, no politeness limits."""
    return {
        "DATABASE_URL": db_url,
        "DRAMATIQ_BROKER_URL": broker_url(),
        "SCRAPE_QUEUE": queue,
        "MAX_ACTIVE_JOBS_PER_USER": "1000000000",
        "JOB_CREATE_RATE": "1000000000/s",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
