from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("meetings", api.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("meetings/<int:pk>/checkins", api.CardCheckinView.as_view(), name="meeting-checkins"),
    path("meetings/checkin", api.QrCheckinView.as_view(), name="meeting-checkin"),
    *router.urls,
]
