from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import auth, views

app_name = "api"

router = SimpleRouter()
router.register("orgs", views.OrgViewSet, basename="org")
router.register("people", views.PersonViewSet, basename="person")

urlpatterns = [
    path("auth/token", auth.TokenView.as_view(), name="token"),
    path("auth/logout", auth.LogoutView.as_view(), name="logout"),
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
