"""The list filters' dates: whatever ISO 8601 allows is answered, a 400 at worst, never a 500."""

import pytest

JOBS = "/api/v1/jobs/scrape/"
LEADS = "/api/v1/leads/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, query, status",
    [
        # An offset beyond PostgreSQL's 15:59 (ISO allows up to 23:59): read as the UTC time it names.
        (JOBS, "created_after=4840-05-18T13:59:25.032339-17:08", 200),
        (JOBS, "created_before=2026-01-01T00:00:00%2B23:59", 200),
        (LEADS, "scraped_after=2026-01-01T00:00:00-20:00", 200),
        # The first hour of year 1 at +01:00 has no UTC time.
        (JOBS, "created_before=0001-01-01T00:30:00%2B01:00", 400),
    ],
)
def test_a_date_with_any_iso_offset_is_read_as_utc_or_refused(api, path, query, status):
    response = api.get(f"{path}?{query}")
    assert response.status_code == status, response.content
