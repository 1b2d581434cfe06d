"""The site's addresses: every module's pages at its ``url_prefix`` (see dangjian/core/modules.py), then the
top floor (home, API, language switch, admin). A new module needs no line here."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from dangjian.core.modules import modules

urlpatterns = [
    path("", include("dangjian.home.urls")),
    *(path(m.url_prefix, include(m.urls)) for m in modules() if m.urls),
    *(path(prefix, include(urls)) for m in modules() for prefix, urls in m.extra_urls),
    path("api/v1/", include("dangjian.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
