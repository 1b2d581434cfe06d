"""The Django admin is for superusers only: staff flags alone do not open it (posts grant rights through
the platform's pages, which are scoped; the admin is not)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(admin.AdminSite):
    site_header = _("Dangjian administration")
    site_title = _("Dangjian administration")
    index_title = _("Superuser administration")

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser


class SuperuserAdminConfig(AdminConfig):
    default_site = "dangjian.core.admin_site.SuperuserAdminSite"
