"""LeadEngine's URLs: the admin, the versioned API with its schema and docs, and health."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from leadengine import health
from leadengine.jobs.api import RawLeadViewSet, ScrapeJobViewSet

router = DefaultRouter()
router.register("jobs/scrape", ScrapeJobViewSet, basename="scrapejob")
router.register("leads", RawLeadViewSet, basename="lead")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", health.healthz, name="healthz"),
]
