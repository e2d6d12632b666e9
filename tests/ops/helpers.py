"""Rows for the operations tests, built directly."""

from datetime import timedelta

from django.utils import timezone

from leadengine.jobs.models import JobStatus, RawLead, ScrapeJob


def make_job(owner, **fields) -> ScrapeJob:
    values = {"status": JobStatus.COMPLETED, "source_types": ["website"], "search_query": "saas sydney"}
    return ScrapeJob.objects.create(owner=owner, **{**values, **fields})


def make_lead(job, n: int = 0, **fields) -> RawLead:
    values = {
        "source": "website",
        "company_name": f"Company {n}",
        "website": f"https://www.company{n}.example/",
        "email": f"hello@company{n}.example",
        "phone": "+61291234567",
        "location": "Sydney, AU",
        "confidence": 0.8,
        "raw_payload": {"emails": [f"hello@company{n}.example"], "address": "1 George St"},
        "data_hash": f"{n:064x}",
        "scraped_at": timezone.now() + timedelta(microseconds=n),
    }
    return RawLead.objects.create(owner=job.owner, job=job, **{**values, **fields})
