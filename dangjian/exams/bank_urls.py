"""Included by exams/urls.py without an app_name: the names live in the "exams" namespace."""

from django.urls import path

from . import bank_views

urlpatterns = [
    path("", bank_views.bank_list, name="bank"),
    path("new/", bank_views.bank_new, name="bank_new"),
    path("<int:pk>/edit/", bank_views.bank_edit, name="bank_edit"),
    path("<int:pk>/status/", bank_views.bank_status, name="bank_status"),
    path("import/", bank_views.bank_import, name="bank_import"),
    path("import/template/", bank_views.bank_template, name="bank_template"),
    path("export/", bank_views.bank_export, name="bank_export"),
]
