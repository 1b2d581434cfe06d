from django.urls import path

from . import views

app_name = "talks"
urlpatterns = [
    path("", views.talk_list, name="list"),
    path("new/", views.talk_new, name="new"),
    path("not-talked/", views.not_talked, name="not_talked"),
    path("<int:pk>/", views.talk_detail, name="detail"),
    path("<int:pk>/correct/", views.talk_correct, name="correct"),
]
