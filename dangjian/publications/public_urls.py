"""The public pages under /p/ (no login)."""

from django.urls import path

from . import public_views

app_name = "public"
urlpatterns = [
    path("i/<str:token>/", public_views.item, name="item"),
    path("i/<str:token>/object/", public_views.object_to, name="object"),
    path("i/<str:token>/a/<int:pk>/", public_views.attachment, name="attachment"),
    path("<str:code>/", public_views.org_page, name="org"),
    path("<str:code>/qr/", public_views.org_qr, name="qr"),
]
