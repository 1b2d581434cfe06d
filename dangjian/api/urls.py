from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from dangjian.core.modules import modules

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

urlpatterns = [
    path("auth/token", auth.TokenView.as_view(), name="token"),
    path("auth/logout", auth.LogoutView.as_view(), name="logout"),
    *(path(m.api_prefix, include(m.api_urls)) for m in modules() if m.api_urls),  # each module's API
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]
