from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.person_list),
    path("list/", views.person_list, name="list"),
    path("me/", views.me, name="me"),
    path("new/", views.person_create, name="create"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("import/", views.import_upload, name="import"),
    path("import/template/", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/run/", views.import_run, name="import_run"),
]
