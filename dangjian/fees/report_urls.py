"""Party fees: report, hand-over, ledger and disclosure pages (namespace "fees", mounted at /fees/)."""

from django.urls import path

from . import report_views as views

urlpatterns = [
    path("reports/", views.report, name="report"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/new/", views.handover_new, name="handover_new"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover"),
    path("handovers/<int:pk>/<str:action>/", views.handover_action, name="handover_action"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger/add/", views.ledger_add, name="ledger_add"),
    path("ledger/<int:pk>/reverse/", views.ledger_reverse, name="ledger_reverse"),
    path("disclosure/", views.disclosure, name="disclosure"),
    path("disclosure/publish/", views.disclosure_publish, name="disclosure_publish"),
]
