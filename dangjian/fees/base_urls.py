"""Party fees: the pages of fee bases, the yearly adjustment, reliefs, the month roster and arrears (base_views)."""

from django.urls import path

from . import base_views as views

urlpatterns = [
    path("categories/", views.categories, name="categories"),
    path("base/", views.my_base, name="my_base"),
    path("people/<int:pk>/base/", views.person_base, name="base"),
    path("declare/", views.declare, name="declare"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/enter/", views.campaign_enter, name="campaign_enter"),
    path("campaigns/<int:pk>/confirm/", views.campaign_confirm, name="campaign_confirm"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("declarations/<int:pk>/<str:action>/", views.declaration_action, name="declaration_action"),
    path("reliefs/", views.reliefs, name="reliefs"),
    path("reliefs/new/", views.relief_new, name="relief_new"),
    path("reliefs/<int:pk>/", views.relief_detail, name="relief"),
    path("reliefs/<int:pk>/<str:action>/", views.relief_action, name="relief_action"),
    path("month/", views.month, name="month"),
    path("month/generate/", views.month_generate, name="month_generate"),
    path("arrears/", views.arrears, name="arrears"),
]
