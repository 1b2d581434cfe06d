"""Included by exams/urls.py without an app_name: the names live in the "exams" namespace."""

from django.urls import path  # noqa: F401

urlpatterns = []
