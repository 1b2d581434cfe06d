from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("checkin/", views.checkin, name="checkin"),
    path("compliance/", views.compliance, name="compliance"),
    path("mine/", views.my_history, name="history"),
    path("person/<int:pk>/", views.person_history, name="person_history"),
    path("notices/", views.notices, name="notices"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/leave/", views.leave_request, name="leave"),
    path("<int:pk>/leave/<int:attendance_pk>/", views.leave_decide, name="leave_decide"),
    path("<int:pk>/sign/", views.checkin_person, name="sign"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("<int:pk>/screen/", views.meeting_screen, name="screen"),
    path("<int:pk>/screen/qr/", views.screen_qr, name="screen_qr"),
    path("<int:pk>/screen/live/", views.screen_live, name="screen_live"),
    path("<int:pk>/live/", views.live, name="live"),
    path("<int:pk>/report/", views.attendance_report, name="report"),
    path("<int:pk>/files/", views.file_upload, name="file_upload"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file"),
]
