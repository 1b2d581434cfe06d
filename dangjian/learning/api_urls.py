"""The learning endpoints under /api/v1/ (included by dangjian/api/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("items/", api.MyItemsView.as_view(), name="learning-items"),
    path("items/<int:pk>/heartbeat", api.HeartbeatView.as_view(), name="learning-heartbeat"),
    path("credits/", api.CreditsView.as_view(), name="learning-credits"),
]
