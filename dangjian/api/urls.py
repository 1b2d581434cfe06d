from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from dangjian.meetings import api as meetings_api

from . import auth, views

app_name = "api"


class DocsView(SpectacularSwaggerView):
    """Swagger UI from the platform's own static files (npm package swagger-ui-dist), never from a CDN."""

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"vendor/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("vendor/swagger-ui/favicon-32x32.png")


router = SimpleRouter()
router.register("orgs", views.OrgViewSet, basename="org")
router.register("people", views.PersonViewSet, basename="person")
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")

urlpatterns = [
    path("auth/token", auth.TokenView.as_view(), name="token"),
    path("auth/logout", auth.LogoutView.as_view(), name="logout"),
    path("meetings/<int:pk>/checkins", meetings_api.CardCheckinView.as_view(), name="meeting-checkins"),
    path("meetings/checkin", meetings_api.QrCheckinView.as_view(), name="meeting-checkin"),
    path("", include("dangjian.notices.api_urls")),
    path("exams/", include("dangjian.exams.api_urls")),
    path("learning/", include("dangjian.learning.api_urls")),
    path("regulations/", include("dangjian.regulations.api_urls")),
    path("fees/", include("dangjian.fees.api_urls")),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]
