from django.urls import path

from . import views

app_name = "workrecords"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.record_new, name="new"),
    path("grid/", views.grid, name="grid"),
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_edit, name="item_new"),
    path("items/<int:pk>/", views.item_edit, name="item_edit"),
    path("files/<int:pk>/", views.file_download, name="file"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/bookmark/", views.bookmark, name="bookmark"),
    path("<int:pk>/delete/", views.record_delete, name="delete"),
]
