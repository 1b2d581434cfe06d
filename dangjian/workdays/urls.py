from django.urls import path

from . import views

app_name = "workdays"
urlpatterns = [
    path("", views.year_view, name="year"),
    path("day/", views.set_day, name="set_day"),
    path("seed/", views.seed, name="seed"),
]
