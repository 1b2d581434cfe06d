from django.urls import path

from . import views

app_name = "publications"
urlpatterns = [
    path("", views.publication_list, name="list"),
    path("new/", views.publication_create, name="create"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.publication_detail, name="detail"),
    path("<int:pk>/object/", views.object_to, name="object"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/release/", views.release, name="release"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("objections/<uuid:pk>/answer/", views.answer, name="answer"),
]
