"""The publications endpoints under /api/v1/publications/ (included by dangjian/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.PublicationListView.as_view(), name="publication-list"),
    path("public/<str:code>/", api.PublicItemsView.as_view(), name="publication-public"),
    path("<int:pk>/", api.PublicationDetailView.as_view(), name="publication-detail"),
    path("<int:pk>/objections/", api.ObjectionCreateView.as_view(), name="publication-objections"),
]
