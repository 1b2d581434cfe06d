from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:pk>/open/", views.open_notice, name="open"),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/new/", views.announcement_new, name="new"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("announcements/<int:pk>/confirm/", views.announcement_confirm, name="confirm"),
    path("announcements/<int:pk>/edit/", views.announcement_edit, name="edit"),
    path("announcements/<int:pk>/withdraw/", views.announcement_withdraw, name="withdraw"),
    path("announcements/<int:pk>/progress/", views.announcement_progress, name="progress"),
    path("announcements/<int:pk>/receipts/", views.receipts, name="receipts"),
    path("announcements/<int:pk>/remind/", views.remind, name="remind"),
    path("announcements/<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
]
