"""The regulations endpoints under /api/v1/ (included by dangjian/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("", api.RegulationListView.as_view(), name="regulation-list"),
    path("categories/", api.CategoryListView.as_view(), name="regulation-categories"),
    path("<int:pk>/", api.RegulationDetailView.as_view(), name="regulation-detail"),
    path("<int:pk>/versions/<int:number>/", api.VersionDetailView.as_view(), name="regulation-version"),
]
