"""The job console, by audience: jobs, leads, exports, schedules, workers, and the dashboard.

Django's admin autodiscovery imports this package; importing each module registers its ModelAdmins.
django_dramatiq's "Tasks" admin is taken away: its AdminMiddleware is off (see settings), so that
table stays empty, and the ScrapeJob pages are the job record.
"""

from django.contrib import admin
from django_dramatiq.models import Task

from leadengine.jobs.admin import dashboard, exports, jobs, leads, schedules, workers  # noqa: F401

if admin.site.is_registered(Task):
    admin.site.unregister(Task)
