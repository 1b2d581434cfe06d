from django.urls import path

from . import api

urlpatterns = [
    path("post-changes", api.PostChangesView.as_view(), name="hr-post-changes"),
    path("post-changes/", api.PostChangeListView.as_view(), name="hr-post-change-list"),
    path("post-changes/<int:pk>/", api.PostChangeDetailView.as_view(), name="hr-post-change-detail"),
    path("post-changes/<int:pk>/start", api.StartTransferView.as_view(), name="hr-post-change-start"),
]
