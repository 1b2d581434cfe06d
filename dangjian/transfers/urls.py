from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="index"),
    path("list/", views.transfer_list, name="list"),
    path("new/", views.transfer_start, name="start"),
    path("receive/", views.transfer_receive, name="receive"),
    path("search/people/", views.person_search, name="person_search"),
    path("search/orgs/", views.org_search, name="org_search"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/letter/", views.transfer_letter, name="letter"),
    path("<int:pk>/<str:action>/", views.transfer_act, name="act"),
    path("flows/", views.flow_list, name="flows"),
    path("flows/new/", views.flow_start, name="flow_start"),
    path("flows/<int:pk>/end/", views.flow_end, name="flow_end"),
]
