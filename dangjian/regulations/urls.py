from django.urls import path

from . import views

app_name = "regulations"
urlpatterns = [
    path("", views.regulation_list, name="list"),
    path("updates/", views.whats_new, name="whats_new"),
    path("add/", views.regulation_create, name="create"),
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("<int:pk>/", views.regulation_detail, name="detail"),
    path("<int:pk>/v<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/v<int:number>/attachment/", views.attachment, name="attachment"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/edit/", views.regulation_edit, name="edit"),
    path("<int:pk>/repeal/", views.repeal, name="repeal"),
]
