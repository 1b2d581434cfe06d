"""Included by exams/urls.py without an app_name: the names live in the "exams" namespace. 我是冠军: every `pk` is
the competition's."""

from django.urls import path

from . import competition_views as views

urlpatterns = [
    path("", views.competitions, name="competitions"),
    path("new/", views.competition_new, name="competition_new"),
    path("awards/", views.awards, name="awards"),
    path("<int:pk>/", views.competition, name="competition"),
    path("<int:pk>/final/", views.final_setup, name="final_setup"),
    path("<int:pk>/final/start/", views.final_start, name="final_start"),
    path("<int:pk>/final/finish/", views.final_finish, name="final_finish"),
    path("<int:pk>/final/paper/", views.final_paper, name="final_paper"),
    path("<int:pk>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("<int:pk>/leaderboard/live/", views.leaderboard_live, name="leaderboard_live"),
]
