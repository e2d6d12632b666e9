"""WSGI entry point: `gunicorn leadengine.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadengine.settings")
application = get_wsgi_application()
