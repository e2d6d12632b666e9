"""WSGI entry point: `gunicorn leadengine.wsgi`.

Once the application and its URLs (views, serializers, the admin, the API schema) are loaded, the
objects they made are moved out of the garbage collector's generations (`gc.freeze`): they live as
long as the process, and a full collection that walked them all (about 100,000) paused a worker for
30 to 60 ms every few thousand requests, the slowest of its requests. Collections now walk only what
requests make.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadengine.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  loaded now rather than by the first request
gc.freeze()
