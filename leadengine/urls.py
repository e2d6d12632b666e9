"""LeadEngine's URLs: a landing page, the admin, the versioned API with its schema and docs, and health."""

from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from leadengine import health
from leadengine.jobs import metrics

# The admin's "View site" link goes to the landing page.
admin.site.site_url = reverse_lazy("home")

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="home"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("leadengine.jobs.api.urls")),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api_docs/redoc.html"),
        name="redoc",
    ),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
