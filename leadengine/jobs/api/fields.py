"""Serializer fields that read the same in a JSON body and in form input (the browsable API's HTML form).

In a JSON body a list is a JSON list and an object a JSON object. In form input (a QueryDict: the
HTML form, urlencoded or multipart) a list is text with one item a line, or one line of
comma-separated items, shown as a textarea; an object is JSON text; sources are ticked checkboxes.
The errors of list items are flat messages that number and quote the item, so that the HTML form, the JSON
answer and the command line all show them the same way (`error_text`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.core.validators import URLValidator
from rest_framework import serializers
from rest_framework.utils import html

from scraping.sources import source_names

ONLY_HTTP = "Only http and https URLs are allowed."


def messages_of(detail: Any) -> list[str]:
    """Every message of an error detail (a string, or lists and dicts of them), in order."""
    if isinstance(detail, Mapping):
        return [message for value in detail.values() for message in messages_of(value)]
    if isinstance(detail, (list, tuple)):
        return [message for value in detail for message in messages_of(value)]
    return [str(detail)]


def error_text(errors: Mapping[str, Any]) -> str:
    """A serializer's errors on one line, for people at a terminal: "field: message; message"."""
    parts = []
    for field, detail in errors.items():
        for message in messages_of(detail):
            parts.append(message if field == "non_field_errors" else f"{field}: {message}")
    return "; ".join(parts)


def _item_error(number: int, item: Any, message: str) -> str:
    """`Item 2 (ftp://a.example/): Only http ...`: which item, quoted as given, cut when long."""
    text = item if isinstance(item, str) else json.dumps(item, default=str)
    text = text[:80] + "…" if len(text) > 80 else text
    return f"Item {number} ({text}): {message}" if text else f"Item {number}: {message}"


def split_items(text: str) -> list[str]:
    """Items of form text: one a line, or, on a single line, separated by commas."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:
        lines = [item.strip() for item in lines[0].split(",") if item.strip()]
    return lines


def _form_input(field: serializers.Field) -> bool:
    """Whether the serializer validates form input (a QueryDict), not a JSON body or a dict."""
    return html.is_html_input(getattr(field.root, "initial_data", None))


class LinesField(serializers.ListField):
    """A list: a JSON list, or in form input text with one item a line (a textarea in the HTML form)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("style", {"base_template": "textarea.html", "rows": 3})
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if not html.is_html_input(dictionary) or self.field_name not in dictionary:
            return super().get_value(dictionary)
        values = dictionary.getlist(self.field_name)
        # The text as typed, so that a form shown again with errors shows it again.
        return "\n".join(values) if all(isinstance(value, str) for value in values) else values

    def to_internal_value(self, data):
        if isinstance(data, str) and _form_input(self):
            data = split_items(data)
        return super().to_internal_value(data)

    def run_child_validation(self, data):
        result, errors = [], []
        for number, item in enumerate(data, 1):
            try:
                result.append(self.child.run_validation(item))
            except serializers.ValidationError as exc:
                errors.extend(_item_error(number, item, message) for message in messages_of(exc.detail))
        if errors:
            raise serializers.ValidationError(errors)
        return result


class JSONObjectField(serializers.DictField):
    """A JSON object: in a JSON body as it is, in form input as JSON text (a textarea in the HTML form)."""

    default_error_messages = {"not_json": "Enter a JSON object, e.g. {example}."}

    def __init__(self, *, example: str = "{}", **kwargs):
        self.example = example
        kwargs.setdefault("style", {"base_template": "textarea.html", "rows": 2})
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and self.field_name in dictionary:
            return dictionary.get(self.field_name)
        return super().get_value(dictionary)

    def to_internal_value(self, data):
        if isinstance(data, str) and _form_input(self):
            if not data.strip():
                return {}
            try:
                data = json.loads(data)
            except (ValueError, RecursionError):
                self.fail("not_json", example=self.example)
        return super().to_internal_value(data)


class HttpUrlField(serializers.URLField):
    """An http or https URL. Another scheme gets one message saying so, not two "Enter a valid URL."."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # URLField's own validator also accepts ftp; one validator, so a URL gets at most one message.
        self.validators = [v for v in self.validators if not isinstance(v, URLValidator)]
        self.validators.append(
            URLValidator(schemes=["http", "https"], message=self.error_messages["invalid"])
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            scheme = urlsplit(value).scheme.lower()
        except ValueError:
            self.fail("invalid")
        if scheme not in ("http", "https"):
            raise serializers.ValidationError(ONLY_HTTP)
        return value


class SourcesField(serializers.MultipleChoiceField):
    """Source names of the registry: a JSON list, or ticked checkboxes in the HTML form."""

    def __init__(self, **kwargs):
        names = source_names()
        kwargs.setdefault("style", {"base_template": "checkbox_multiple.html"})
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": f'"{{input}}" is not a source; the sources are {", ".join(names)}.',
                "empty": "Choose at least one source.",
            },
        )
        super().__init__(choices=names, allow_empty=False, **kwargs)

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if (
            html.is_html_input(dictionary)
            and isinstance(value, list)
            and all(isinstance(i, str) for i in value)
        ):
            # Checkboxes send one name each; a hand-written form may send "website, google".
            return [name for item in value for name in split_items(item)]
        return value

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not isinstance(data, str) and hasattr(data, "__len__") and len(data) > len(self.choices):
            raise serializers.ValidationError(f"Give at most {len(self.choices)} sources.")
        return super().to_internal_value(data)


class CheckboxField(serializers.BooleanField):
    """A boolean whose default (for JSON bodies) is not what an unticked checkbox means.

    DRF reads a boolean missing from form input as its default; a browser sends nothing for an
    unticked checkbox, so here that is false whatever the default.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.default_empty_html = False
