"""Create a development superuser once and print how to log in (used by `make run`)."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the development login `admin` with a random password (DEBUG only) and print it."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensure_dev_admin only runs with DEBUG on; use createsuperuser in production")
        login_file = Path(settings.BASE_DIR) / "var" / "dev-login.txt"
        users = get_user_model().objects
        if not users.filter(username="admin").exists():
            password = secrets.token_urlsafe(12)
            users.create_superuser("admin", "admin@localhost", password)
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(password + "\n")
            login_file.chmod(0o600)
        password = (
            login_file.read_text().strip()
            if login_file.exists()
            else "(set with: manage.py changepassword admin)"
        )
        url = options["url"].rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  LeadEngine admin: {url}/admin/\n"
                f"  API:              {url}/api/v1/  (docs: {url}/api/docs/)\n"
                f"  login:            admin / {password}\n"
            )
        )
