from django.urls import include, path

from . import views

app_name = "exams"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    path("attempts/<int:pk>/", views.paper, name="paper"),
    path("attempts/<int:pk>/answer/", views.answer, name="answer"),
    path("attempts/<int:pk>/submit/", views.submit, name="submit"),
    path("attempts/<int:pk>/result/", views.result, name="result"),
    path("history/", views.history, name="history"),
    path("people/<int:pk>/", views.person_history, name="person_history"),
    path("rankings/", views.rankings, name="rankings"),
    path("participation/", views.participation, name="participation"),
    path("sets/", views.sets, name="sets"),
    path("sets/<int:pk>/", views.set_detail, name="set_detail"),
    path("settings/", views.exam_settings, name="settings"),
    # The question bank (bank_urls.py) and 我是冠军 (competition_urls.py) share the "exams" namespace.
    path("bank/", include("dangjian.exams.bank_urls")),
    path("competitions/", include("dangjian.exams.competition_urls")),
]
