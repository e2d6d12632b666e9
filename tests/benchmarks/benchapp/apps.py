from django.apps import AppConfig


class BenchappConfig(AppConfig):
    name = "tests.benchmarks.benchapp"
    label = "benchapp"
    default_auto_field = "django.db.models.BigAutoField"
