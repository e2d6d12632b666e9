"""LeadEngine's URLs plus the bare create endpoint of the API benchmark (POST /bench/notes/)."""

from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from leadengine.urls import urlpatterns as leadengine_urlpatterns
from tests.benchmarks.benchapp.models import Note


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "text"]


class NoteViewSet(viewsets.GenericViewSet, viewsets.mixins.CreateModelMixin):
    """A bare create: the same authentication and permission as the API, no service, no broker."""

    serializer_class = NoteSerializer
    queryset = Note.objects.all()


router = DefaultRouter()
router.register("notes", NoteViewSet, basename="note")

urlpatterns = [*leadengine_urlpatterns, path("bench/", include(router.urls))]
