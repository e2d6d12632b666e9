"""LeadEngine's settings plus the benchmark-only app (tests/benchmarks/benchapp): never used in production."""

from leadengine.settings import *  # noqa: F401,F403
from leadengine.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.benchmarks.benchapp"]
ROOT_URLCONF = "tests.benchmarks.benchapp.urls"
