from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("", views.home, name="home"),
    path("credits/", views.credits, name="credits"),
    path("items/<int:pk>/", views.read, name="read"),
    path("items/<int:pk>/heartbeat/", views.heartbeat, name="heartbeat"),
    path("items/<int:pk>/file/", views.item_file, name="file"),
    path("items/<int:pk>/completion/", views.item_completion, name="item_completion"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.item_new, name="item_new"),
    path("manage/<int:pk>/", views.item_detail, name="item"),
    path("manage/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("manage/<int:pk>/assign/", views.item_assign, name="assign"),
    path("manage/<int:pk>/assignments/<int:assignment_pk>/remove/", views.item_unassign, name="unassign"),
    path("manage/<int:pk>/<str:action>/", views.item_action, name="item_action"),
    path("rates/", views.rates, name="rates"),
    path("rules/", views.credit_rules, name="rules"),
    path("people/<int:pk>/credits/", views.person_credits, name="person_credits"),
]
