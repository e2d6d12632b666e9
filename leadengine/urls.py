"""LeadEngine's URLs: the admin, the versioned API with its schema and docs, health and metrics."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from leadengine import health
from leadengine.jobs import metrics

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("leadengine.jobs.api.urls")),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
