from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("entry/<int:pk>/", views.entry_detail, name="detail"),
    path("object/<str:model>/<str:object_id>/", views.object_trail, name="object"),
]
