"""The exam endpoints under /api/v1/exams/ (included by dangjian/api/urls.py); see exams/api.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("month", api.MonthView.as_view(), name="exams-month"),
    path("attempts", api.AttemptsView.as_view(), name="exams-attempts"),
    path("attempts/<int:pk>", api.AttemptView.as_view(), name="exams-attempt"),
    path("attempts/<int:pk>/answers", api.AnswerView.as_view(), name="exams-answer"),
    path("attempts/<int:pk>/submit", api.SubmitView.as_view(), name="exams-submit"),
    path("rankings", api.RankingView.as_view(), name="exams-rankings"),
]
