"""The baseline of the API create benchmark: a model of one field, created by a bare DRF view."""

from django.db import models


class Note(models.Model):
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text
