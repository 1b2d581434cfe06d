"""The learning endpoints under /api/v1/ (included by dangjian/api/urls.py)."""

from django.urls import path  # noqa: F401

urlpatterns = []
