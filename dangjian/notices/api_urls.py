"""Notices endpoints, mounted at /api/v1/ itself (the issue's paths: notices/ and announcements/)."""

from django.urls import path

from . import api

urlpatterns = [
    path("notices/", api.NoticesView.as_view(), name="notice-list"),
    path("notices/<int:pk>/read", api.NoticeReadView.as_view(), name="notice-read"),
    path("announcements/", api.AnnouncementsView.as_view(), name="announcement-list"),
    path("announcements/<int:pk>/", api.AnnouncementView.as_view(), name="announcement-detail"),
    path("announcements/<int:pk>/read", api.AnnouncementReadView.as_view(), name="announcement-read"),
    path("announcements/<int:pk>/receipts/", api.ReceiptsView.as_view(), name="announcement-receipts"),
]
