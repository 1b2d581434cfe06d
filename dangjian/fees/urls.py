from django.urls import path

from . import base_urls, pay_urls, report_urls, views

app_name = "fees"

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", views.fee_settings, name="settings"),
    *pay_urls.urlpatterns, *base_urls.urlpatterns, *report_urls.urlpatterns,
]
