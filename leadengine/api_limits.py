"""Bounds on what one API request may ask of the server; wired in through settings.REST_FRAMEWORK.

Kept apart from the views because DRF imports these classes while its own views module loads.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 with a JSON error (Django alone answers an
  HTML 400 page), too many form fields a JSON 400.
- JSON nested deeper than Python's recursion limit is a 400 parse error, not a RecursionError (500).
- `limit` is capped and `offset` bounded, so a huge number never reaches the database as an overflow.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE_LIMIT = 500
MAX_OFFSET = 10**9


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


class BoundedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None


class BoundedPagination(LimitOffsetPagination):
    max_limit = MAX_PAGE_LIMIT

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)


def exception_handler(exc, context):
    """DRF's handler, plus Django's request-size refusals as JSON errors."""
    # Not at the top: rest_framework.views imports this module (BoundedJSONParser, through
    # api_settings) while it loads, so this module cannot import it first.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(f"The request body exceeds {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = ParseError(str(exc))
    return drf_exception_handler(exc, context)
