from django.http import HttpResponse
from django.urls import path  # noqa: F401

app_name = "transfers"
urlpatterns = []
urlpatterns.append(path("list/", lambda r: HttpResponse("todo"), name="list"))
