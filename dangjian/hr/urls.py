from django.urls import path

from . import views

app_name = "hr"
urlpatterns = [
    path("", views.change_list, name="list"),
    path("<int:pk>/", views.change_detail, name="detail"),
    path("<int:pk>/start/", views.change_start, name="start"),
    path("<int:pk>/dismiss/", views.change_dismiss, name="dismiss"),
    path("<int:pk>/person/", views.change_resolve_person, name="resolve_person"),
    path("<int:pk>/unit/", views.change_map_unit, name="map_unit"),
    path("units/", views.unit_list, name="units"),
    path("units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("systems/", views.system_list, name="systems"),
    path("systems/<int:pk>/toggle/", views.system_toggle, name="system_toggle"),
]
