"""Errors the API answers besides DRF's own."""

from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    """409: the object is not in a state that allows this (a finished job cancelled, say)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
