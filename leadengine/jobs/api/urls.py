"""The API's routes under /api/v1/: the viewsets' router and the enrichment endpoints."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from leadengine.jobs.api.exports import LeadExportViewSet
from leadengine.jobs.api.jobs import ScrapeJobViewSet
from leadengine.jobs.api.leads import RawLeadViewSet, enrich_job_leads, enrich_leads

router = DefaultRouter()
router.register("jobs/scrape", ScrapeJobViewSet, basename="scrapejob")
router.register("leads", RawLeadViewSet, basename="lead")
router.register("exports", LeadExportViewSet, basename="leadexport")

urlpatterns = [
    # Before the router: these paths are not the router's lookups of a lead or job.
    path("leads/enrich/", enrich_leads, name="lead-enrich"),
    path("jobs/scrape/<uuid:pk>/enrich/", enrich_job_leads, name="scrapejob-enrich"),
    *router.urls,
]
