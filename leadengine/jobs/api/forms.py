"""What the browsable API's HTML form needs: form parsers with the same bounds as JSON bodies, and
a renderer whose Raw data tab starts with a valid example body and whose form starts empty again
after a successful post.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.html import format_html, format_html_join
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.settings import api_settings

from leadengine.api_limits import PayloadTooLarge


class BoundedMultiPartParser(parsers.MultiPartParser):
    """Multipart form fields (the HTML form posts them) within DATA_UPLOAD_MAX_MEMORY_SIZE; no files.

    Django bounds only the fields of a multipart body, not its files: the whole body is bounded here,
    before anything is read, and a file part is refused, since nothing here takes one.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise PayloadTooLarge(f"The request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        result = super().parse(stream, media_type, parser_context)
        if result.files:
            raise ParseError(f"File uploads are not accepted here ({', '.join(result.files)}).")
        return result


class ExampleBrowsableAPIRenderer(BrowsableAPIRenderer):
    """The browsable API, with the view's `raw_data_examples[method]` as the Raw data tab's content.

    DRF fills that tab with the serializer's initial values, which are not a valid body when a field
    has no default worth posting (a start URL). After a successful post the HTML form starts empty:
    DRF would fill it from the answer's serializer, the read-only output. Errors that belong to no
    one field ("nothing to search for") are shown above the form; DRF's form shows field errors only.
    """

    def get_raw_data_form(self, data, view, method, request):
        form = super().get_raw_data_form(data, view, method, request)
        example = getattr(view, "raw_data_examples", {}).get(method)
        if form is not None and example is not None:
            form.fields["_content"].initial = json.dumps(example, indent=4)
        return form

    def get_rendered_html_form(self, data, view, method, request):
        response = self.renderer_context.get("response")
        if request.method == method and response is not None and response.status_code < 400:
            data = None
        return super().get_rendered_html_form(data, view, method, request)

    def render_form_for_serializer(self, serializer):
        form = super().render_form_for_serializer(serializer)
        # Only a validated serializer has errors to show (`.errors` asserts on one that is not).
        if form is None or not hasattr(serializer, "_errors"):
            return form
        messages = serializer.errors.get(api_settings.NON_FIELD_ERRORS_KEY) or []
        if not messages:
            return form
        alert = format_html(
            '<div class="alert alert-danger">{}</div>',
            format_html_join("", "<p>{}</p>", ((message,) for message in messages)),
        )
        return alert + form
