from django.urls import path

from . import api

urlpatterns = [
    path("", api.MetricListView.as_view(), name="metrics"),
    path("values/", api.MetricValuesView.as_view(), name="metric-values"),
]
