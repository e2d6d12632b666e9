"""Trial: jobs on quorum queues of a three-node RabbitMQ cluster while the node holding the job queue's
leader stops and starts again, and then a second node does.

The cluster is this test's own (tests/reliability/cluster.py: its own node names, loopback ports and
data directories; the machine's node on 5672 is not touched) and is taken down whatever happens. The
web side (this process) and two rundramatiq workers have the three nodes in DRAMATIQ_BROKER_URL, each
in another order, and DRAMATIQ_QUEUE_TYPE=quorum. No maintenance loop runs: a job whose publish was
not confirmed would stay queued, so every job completing shows every confirm arrived.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from django.db import connection
from django.db.models import Count

from leadengine.jobs import services
from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.conftest import need_services
from tests.environment import unavailable
from tests.integration.workers import Processes, completions, rabbitmq_sending, report, wait_finished
from tests.reliability.cluster import RabbitCluster, rabbitmq_bin

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

JOBS = 500  # at least; creation goes on until both nodes are back
CRITERIA = {"industry": "SaaS", "source_types": ["website"]}
SMALL_JOBS = {"SCRAPE_MAX_PAGES_PER_SITE": "1", "SCRAPE_OBEY_ROBOTS_TXT": "0"}
CREATE_EVERY = 0.02
# Jobs created before the first stop, and after each stop before that node starts again: a node's
# stop or start takes seconds or tens of seconds under load, so the outages wait for creation, never a
# clock.
EACH_STEP = 50


@pytest.fixture(scope="module")
def cluster(django_db_setup):
    if connection.vendor != "postgresql":
        need_services("PostgreSQL (DATABASE_URL)")
    if rabbitmq_bin() is None:
        unavailable(
            "rabbitmq-server is not installed: the cluster trial starts three RabbitMQ nodes of its own"
        )
    began = time.monotonic()
    with RabbitCluster(3) as started:
        started.up_s = time.monotonic() - began
        yield started


@pytest.fixture(scope="module")
def cluster_workers(cluster, tmp_path_factory):
    group = Processes(tmp_path_factory.mktemp("cluster-processes"))
    workers = [
        group.worker(
            f"cluster-{n}",
            threads=4,
            ready=False,  # both boot at once
            DRAMATIQ_BROKER_URL=",".join(cluster.urls(first=n)),
            DRAMATIQ_QUEUE_TYPE="quorum",
            **SMALL_JOBS,
        )
        for n in (1, 2)
    ]
    try:
        for worker in workers:
            worker.wait_ready(60)
        yield group
    finally:
        group.stop_all()


class Outages(threading.Thread):
    """Stops the queue leader's node, starts it again once jobs were created while it was down, then
    the same for the node leading after that; notes how many jobs existed at each step."""

    def __init__(self, cluster: RabbitCluster, queue: str, created: list):
        super().__init__(daemon=True)
        self.cluster, self.queue, self.created = cluster, queue, created
        self.steps: list[tuple[str, str, int]] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.wait_for(EACH_STEP)
            for _ in range(2):
                node = self.cluster.leader(self.queue)
                self.steps.append(("stop", node.name, len(self.created)))
                node.stop()
                self.wait_for(len(self.created) + EACH_STEP)
                self.cluster.restart(node)
                self.steps.append(("started", node.name, len(self.created)))
        except BaseException as exc:  # the test thread reports it
            self.error = exc

    def wait_for(self, jobs: int) -> None:
        while len(self.created) < jobs:
            time.sleep(0.05)


def test_jobs_on_quorum_queues_all_complete_once_while_two_nodes_in_turn_stop_and_start(
    user, cluster, cluster_workers, sites, settings, caplog
):
    settings.MAX_ACTIVE_JOBS_PER_USER = JOBS * 10
    pool = [sites.add() for _ in range(5)]
    queue = settings.SCRAPE_QUEUE
    caplog.set_level(logging.WARNING, logger="leadengine.jobs.messaging")
    started = time.monotonic()
    created: list[ScrapeJob] = []
    with rabbitmq_sending(urls=cluster.urls(first=0), queue_type="quorum"):
        outages = Outages(cluster, queue, created)
        outages.start()
        while (outages.is_alive() or len(created) < JOBS) and len(created) < 10 * JOBS:
            url = pool[len(created) % 5].url
            created.append(services.job_create(owner=user, criteria={**CRITERIA, "urls": [url]}))
            time.sleep(CREATE_EVERY)
        outages.join(5)
        created_s = time.monotonic() - started
        wait_finished(created, timeout=120)
    seconds = time.monotonic() - started
    assert outages.error is None, repr(outages.error)
    assert not outages.is_alive(), "a node did not come back"

    done = completions(cluster_workers.logs())
    runs = dict(ScrapeJob.objects.values_list("id", "attempts"))
    doubled = sum(count > 1 for count in done.values()) + sum(attempts > 1 for attempts in runs.values())
    unsent = [record for record in caplog.records if "not sent" in record.getMessage()]
    stops = [(name, before) for step, name, before in outages.steps if step == "stop"]
    # Jobs created from the stop until the node took connections again.
    during = [
        after - before
        for (_s, _n, before), (_t, _m, after) in zip(outages.steps[::2], outages.steps[1::2], strict=True)
    ]
    report(
        f"cluster trial, {len(created)} jobs on quorum queues, leader node stopped/started, then a second",
        jobs=len(created),
        stopped=" then ".join(f"{name} after {before} jobs" for name, before in stops),
        created_while_down="+".join(str(n) for n in during),
        unconfirmed=len(unsent),
        lost=sum(job.status != JobStatus.COMPLETED for job in created),
        doubled=doubled,
        leads=RawLead.objects.count(),
        cluster_up_s=round(cluster.up_s, 1),
        create_s=round(created_s, 1),
        seconds=round(seconds, 1),
    )
    assert len(stops) == 2 and stops[0][0] != stops[1][0], outages.steps
    assert all(n > 0 for n in during), f"no job was created while a node was down: {outages.steps}"
    assert unsent == []
    assert [job.status for job in created] == [JobStatus.COMPLETED] * len(created)
    assert doubled == 0 and set(runs.values()) == {1}
    # Each site's company is one lead of the owner; every other job counted it as a duplicate.
    assert RawLead.objects.count() == 5
    assert sum(job.total_processed + job.total_duplicates for job in created) == len(created)
    assert ScrapeJob.objects.aggregate(n=Count("id"))["n"] == len(created)
