"""The job console, by audience: jobs, leads, exports, schedules, workers, and the dashboard.

Django's admin autodiscovery imports this package; importing each module registers its ModelAdmins.
"""

from leadengine.jobs.admin import dashboard, exports, jobs, leads, schedules, workers  # noqa: F401
