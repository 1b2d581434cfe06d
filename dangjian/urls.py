from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("people/", include("dangjian.people.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("notices/", include("dangjian.notices.urls")),
    path("meetings/", include("dangjian.meetings.urls")),
    path("talks/", include("dangjian.talks.urls")),
    path("activities/", include("dangjian.activities.urls")),
    path("exams/", include("dangjian.exams.urls")),
    path("learning/", include("dangjian.learning.urls")),
    path("regulations/", include("dangjian.regulations.urls")),
    path("fees/", include("dangjian.fees.urls")),
    path("audit/", include("dangjian.audit.urls")),
    path("api/v1/", include("dangjian.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
