"""`manage.py purge --older-than`: old finished jobs with their leads, old exports; never active jobs."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from leadengine.jobs import exports
from leadengine.jobs.models import JobStatus, LeadExport, RawLead, ScrapeJob, SourceRun
from tests.ops.helpers import make_job, make_lead


@pytest.mark.django_db
def test_it_deletes_old_finished_jobs_leads_and_exports_in_batches(user, settings, tmp_path, capsys):
    settings.EXPORTS_DIR = tmp_path
    old = timezone.now() - timedelta(days=100)
    old_job = make_job(user, created_at=old)
    for n in range(5):
        make_lead(old_job, n)
    SourceRun.objects.create(job=old_job, source="website", finished_at=old)
    stuck = make_job(user, status=JobStatus.RUNNING, created_at=old)
    recent = make_job(user)
    make_lead(recent, 99)
    export = exports.export_create(owner=user, job=old_job)
    exports.export_run(export.id)
    LeadExport.objects.filter(id=export.id).update(created_at=old)

    call_command("purge", "--older-than", "90d", "--dry-run")
    assert "would delete 1 jobs, 5 leads, 1 exports, 1 source runs" in capsys.readouterr().out
    assert RawLead.objects.count() == 6

    call_command("purge", "--older-than", "90d", "--batch-size", "2")
    assert "deleted 1 exports, 1 source runs, 5 leads, 1 jobs" in capsys.readouterr().out
    assert set(ScrapeJob.objects.all()) == {stuck, recent}
    assert list(RawLead.objects.values_list("job", flat=True)) == [recent.id]
    assert not LeadExport.objects.exists() and not exports.export_path(export).exists()


def test_it_refuses_an_unreadable_age():
    with pytest.raises(CommandError):
        call_command("purge", "--older-than", "ninety days")
