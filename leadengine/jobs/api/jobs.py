"""The API of scrape jobs: create one, list and read them, their leads, cancel and retry."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from leadengine.api_limits import BoundedJSONParser
from leadengine.jobs import services
from leadengine.jobs.api.errors import Conflict
from leadengine.jobs.api.forms import BoundedMultiPartParser, ExampleBrowsableAPIRenderer
from leadengine.jobs.filters import ScrapeJobFilter
from leadengine.jobs.models import RawLead, ScrapeJob
from leadengine.jobs.serializers import (
    EXAMPLE,
    RawLeadSerializer,
    ScrapeJobCreateSerializer,
    ScrapeJobSerializer,
    job_data,
)


class JobCreateThrottle(UserRateThrottle):
    scope = "job_create"

    def get_rate(self):
        # Read per request, so the limit always follows settings.JOB_CREATE_RATE.
        return settings.JOB_CREATE_RATE

    def allow_request(self, request, view):
        if view.action != "create":
            return True
        return super().allow_request(request, view)


class ScrapeJobViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Scrape jobs of the signed-in user, newest first. POST creates one: a JSON body, or the HTML form
    below (lists one item a line, `filters` as JSON text)."""

    serializer_class = ScrapeJobSerializer
    queryset = ScrapeJob.objects.none()  # for the schema; requests use get_queryset()
    filterset_class = ScrapeJobFilter
    throttle_classes = [JobCreateThrottle]
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    # Form and multipart bodies too: the browsable API's HTML form posts multipart.
    parser_classes = [BoundedJSONParser, parsers.FormParser, BoundedMultiPartParser]
    renderer_classes = [JSONRenderer, ExampleBrowsableAPIRenderer]
    raw_data_examples = {"POST": EXAMPLE}

    def get_queryset(self):
        return ScrapeJob.objects.filter(owner=self.request.user).order_by("-created_at")

    def get_serializer_class(self):
        if self.action == "create":
            return ScrapeJobCreateSerializer
        if self.action == "leads":
            return RawLeadSerializer
        return ScrapeJobSerializer

    @extend_schema(
        request=ScrapeJobCreateSerializer,
        responses={201: ScrapeJobSerializer},
        examples=[OpenApiExample("A website job", value=EXAMPLE, request_only=True)],
    )
    def create(self, request, *args, **kwargs):
        serializer = ScrapeJobCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            job = services.job_create(owner=request.user, criteria=serializer.validated_data)
        except services.ActiveJobLimitExceeded as exc:
            raise Throttled(detail=str(exc)) from None
        return Response(job_data(job), status=status.HTTP_201_CREATED)

    @extend_schema(responses=RawLeadSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filterset_class=None)
    def leads(self, request, pk=None):
        job = self.get_object()
        page = self.paginate_queryset(RawLead.objects.filter(job=job).order_by("-scraped_at", "id"))
        return self.get_paginated_response(RawLeadSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: ScrapeJobSerializer, 409: None})
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request, pk=None):
        return self._change(services.job_cancel)

    @extend_schema(request=None, responses={200: ScrapeJobSerializer, 409: None})
    @action(detail=True, methods=["post"], filterset_class=None)
    def retry(self, request, pk=None):
        return self._change(services.job_retry)

    def _change(self, service):
        job = self.get_object()
        try:
            service(job)
        except services.InvalidTransition as exc:
            raise Conflict(str(exc)) from None
        except services.ActiveJobLimitExceeded as exc:
            raise Throttled(detail=str(exc)) from None
        job.refresh_from_db()
        return Response(ScrapeJobSerializer(job).data)
