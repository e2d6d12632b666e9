from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "leadengine.jobs"
    label = "jobs"
    verbose_name = "Scraping"
    default_auto_field = "django.db.models.BigAutoField"
