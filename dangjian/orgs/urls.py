from django.http import HttpResponse
from django.urls import path  # noqa: F401

app_name = "orgs"
urlpatterns = []
urlpatterns.append(path("tree/", lambda r: HttpResponse("todo"), name="tree"))
