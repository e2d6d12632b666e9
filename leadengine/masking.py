"""Secrets masked wherever configuration is shown: the config summary, logs and health output.

A secret is a setting whose name says so (SECRET_KEY, *_API_KEY, *_TOKEN, *PASSWORD*) or the password
inside a URL setting (DATABASE_URL, DRAMATIQ_BROKER_URL, ...). `SecretsFilter` is a logging filter
that replaces every configured secret value in a record with `***`, so a secret that slips into a log
line or an exception message is still not written out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings as django_settings

MASK = "***"
SECRET_NAME = re.compile(r"(SECRET|PASSWORD$|_API_KEY$|_TOKEN$|^API_KEY$|^TOKEN$)", re.IGNORECASE)
SECRET_QUERY_KEY = re.compile(r"(key|token|secret|password|passwd|signature)", re.IGNORECASE)
# Values shorter than this are not searched for in log text: masking "a" would garble every line.
MIN_SECRET_LENGTH = 4


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def mask_url(url: str) -> str:
    """The URL with its user info's password and secret-looking query values replaced by `***`; each
    URL of a comma-separated list of them (DRAMATIQ_BROKER_URL's nodes) likewise."""
    if "," in url and url.count("://") > 1:
        return ",".join(mask_url(item) for item in url.split(","))
    try:
        parts = urlsplit(url)
        password = parts.password
        port = parts.port
    except ValueError:
        return url
    if password:
        host = parts.hostname or ""
        if ":" in host:  # an IPv6 literal keeps its brackets
            host = f"[{host}]"
        parts = parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}" + (f":{port}" if port else ""))
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(SECRET_QUERY_KEY.search(key) for key, _ in pairs):
        query = [(key, MASK if SECRET_QUERY_KEY.search(key) else value) for key, value in pairs]
        parts = parts._replace(query=urlencode(query, safe="*"))
    elif not password:
        return url  # unchanged; urlunsplit would also rewrite sqlite:////path as sqlite://path
    return urlunsplit(parts)


def url_password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def mask_setting(name: str, value):
    """The value as it may be shown: secrets by name become `***` (empty stays empty), URLs lose
    their passwords, and dicts and lists are masked item by item."""
    if is_secret_name(name):
        return MASK if value else value
    if isinstance(value, dict):
        return {key: mask_setting(str(key), item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_setting(name, item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def secret_values(settings) -> list[str]:
    """Every secret value the settings hold, longest first (so a longer secret is masked whole)."""
    found: set[str] = set()
    for name in dir(settings):
        if not name.isupper():
            continue
        value = getattr(settings, name, None)
        if isinstance(value, str):
            if is_secret_name(name):
                found.add(value)
            elif "://" in value:
                found.update(url_password(url) for url in value.split(","))
    for database in getattr(settings, "DATABASES", {}).values():
        found.add(str(database.get("PASSWORD") or ""))
    return sorted((value for value in found if len(value) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def mask_text(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class SecretsFilter(logging.Filter):
    """Replaces configured secret values in each record's message and exception text."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._secrets: list[str] | None = None

    def secrets(self) -> list[str]:
        if self._secrets is None:
            if not django_settings.configured:
                return []
            self._secrets = secret_values(django_settings)
        return self._secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self.secrets()
        if not secrets:
            return True
        message = record.getMessage()
        masked = mask_text(message, secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info:
            text = mask_text(logging.Formatter().formatException(record.exc_info), secrets)
            # The text replaces the traceback object: the plain formatter prints exc_text, and the
            # JSON formatter writes extra attributes such as `exception` as fields.
            record.exc_text, record.exc_info, record.exception = text, None, text
        return True
