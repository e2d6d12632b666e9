"""Print LeadEngine's effective configuration with every secret masked.

Each setting that leadengine/settings.py defines is shown once, `NAME = value` (the value as JSON),
so an operator can see what a process runs with, and paste it into a ticket, without leaking
SECRET_KEY, database or broker passwords, or the API keys of sources.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from leadengine import settings as project_settings
from leadengine.masking import mask_setting, mask_text, secret_values


def effective_settings() -> dict:
    """The settings LeadEngine's own settings module defines, as the running process sees them, masked."""
    names = sorted(name for name in vars(project_settings) if name.isupper())
    return {name: mask_setting(name, getattr(settings, name)) for name in names}


class Command(BaseCommand):
    help = "Print the effective configuration, with secrets masked."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="One JSON object instead of NAME = value lines."
        )

    def handle(self, *args, **options):
        summary = effective_settings()
        if options["json"]:
            text = json.dumps(summary, indent=2, default=str)
        else:
            text = "\n".join(f"{name} = {json.dumps(value, default=str)}" for name, value in summary.items())
        # Whatever the rules above missed (a secret copied into another setting), the values go too.
        self.stdout.write(mask_text(text, secret_values(settings)))
