"""Trial 1: kill -9 of rundramatiq workers in the middle of jobs, with other workers running.

Three worker slots; a kill takes the worker crawling a job that has saved part of its leads, and a new
worker is started in its slot. The killed job stays `running` until its heartbeat is older than
JOB_STALE_AFTER; the maintenance loop then takes it back and another worker runs it again, recognising
the leads the killed attempt had saved as the job's own.
"""

import time

import pytest

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob
from tests.integration.workers import completions, create_job, expected_leads, leads_of, report, wait_finished

pytestmark = [pytest.mark.services, pytest.mark.reliability, pytest.mark.django_db(transaction=True)]

KILLS = 20
# Each site's contact page answers after its delay: a job saves its three leads about 0.3, 1.2 and 2.2
# seconds into its run, so a kill after the first lead and before the last lands mid-job.
DELAYS = (0.3, 1.2, 2.2)
IN_FLIGHT = 5  # unfinished jobs not yet killed, kept available as kill targets
# A kill also interrupts the other job on the worker's second thread: a job may be interrupted several
# times here, more than the default attempt limit allows.
ATTEMPTS = {"JOB_MAX_RETRIES": "6"}


def test_kill_9_of_workers_mid_job_loses_and_doubles_nothing(api, processes, sites, settings):
    settings.MAX_ACTIVE_JOBS_PER_USER = 1000  # killed jobs stay active until they are taken back
    processes.maintenance("kill-maintenance", **ATTEMPTS)
    slots = {slot: processes.worker(f"kill-{slot}0", **ATTEMPTS) for slot in "ABC"}
    restarts = dict.fromkeys(slots, 0)
    job_sites: dict = {}
    killed: set = set()
    started = time.monotonic()

    def new_job():
        own = [sites.add(contact_delay=delay) for delay in DELAYS]
        job = create_job(api, [site.url for site in own])
        job_sites[job.id] = own

    def target():
        """(slot, job id) of a job mid-run on a worker that may be killed now, or None."""
        ready = {
            slot for slot, worker in slots.items() if worker.alive() and worker.ready_line in worker.log()
        }
        running = (
            ScrapeJob.objects.filter(status=JobStatus.RUNNING)
            .exclude(id__in=killed)
            .values_list("id", flat=True)
        )
        for job_id in running:
            saved = RawLead.objects.filter(job_id=job_id).count()
            if not 0 < saved < len(DELAYS):
                continue
            visitor = max(
                (site for site in job_sites[job_id] if site.requests), key=lambda s: s.requests[-1][0]
            )
            for slot in ready:
                # Another ready worker must remain while this one is down.
                if slots[slot].name == visitor.last_visitor() and len(ready) > 1:
                    return slot, job_id
        return None

    while len(killed) < KILLS:
        assert time.monotonic() - started < 150, f"only {len(killed)} kills landed mid-job"
        unfinished = ScrapeJob.objects.exclude(status=JobStatus.COMPLETED).exclude(id__in=killed).count()
        for _ in range(IN_FLIGHT - unfinished):
            new_job()
        found = target()
        if not found:
            time.sleep(0.05)
            continue
        slot, job_id = found
        slots[slot].kill()
        killed.add(job_id)
        restarts[slot] += 1
        slots[slot] = processes.worker(f"kill-{slot}{restarts[slot]}", ready=False, **ATTEMPTS)

    jobs = list(ScrapeJob.objects.all())
    wait_finished(jobs, timeout=90)
    seconds = round(time.monotonic() - started, 1)

    done = completions(processes.logs())
    lost = doubled = 0
    for job in jobs:
        expected = expected_leads(job_sites[job.id])
        saved = leads_of(job)
        lost += len(expected - saved)
        doubled += len(saved - expected) + max(0, done.get(str(job.id), 0) - 1)
        doubled += max(0, job.total_processed - len(expected)) + job.total_duplicates
    report(
        "trial 1, kill -9",
        jobs=len(jobs),
        kills=len(killed),
        lost=lost,
        doubled=doubled,
        rerun=sum(job.attempts > 1 for job in jobs),
        seconds=seconds,
    )
    assert [(job.status, job.error) for job in jobs] == [(JobStatus.COMPLETED, "")] * len(jobs)
    assert (lost, doubled) == (0, 0)
    for job in jobs:
        assert leads_of(job) == expected_leads(job_sites[job.id])
        assert (job.total_found, job.total_processed, job.total_duplicates) == (3, 3, 0)
        assert done.get(str(job.id), 0) <= 1
    # Every killed job was run again after its worker died.
    assert all(job.attempts >= 2 for job in jobs if job.id in killed)
    assert RawLead.objects.count() == 3 * len(jobs)
