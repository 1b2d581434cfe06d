from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "orgs"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="orgs:tree", query_string=True)),
    path("tree/", views.tree, name="tree"),
    path("warnings/", views.warnings, name="warnings"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/warnings/", views.warnings, name="subtree_warnings"),
    path("<int:pk>/add/", views.create_child, name="create_child"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/dissolve/", views.dissolve, name="dissolve"),
]
