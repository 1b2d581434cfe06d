from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_new, name="new"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/results/", views.round_results, name="results"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/proposals/<int:proposal_pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/proposals/<int:proposal_pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/adopt/", views.adopt, name="adopt"),
]
