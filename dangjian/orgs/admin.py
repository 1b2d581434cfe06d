from django.contrib import admin

from dangjian.core.admin import ReadOnlyDomainAdmin

from .models import Organization, OrgEvent


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyDomainAdmin):
    list_display = ("name", "code", "org_type", "status", "depth", "path")
    list_filter = ("org_type", "status")
    search_fields = ("name", "short_name", "code")
    ordering = ("path",)


@admin.register(OrgEvent)
class OrgEventAdmin(ReadOnlyDomainAdmin):
    list_display = ("org", "kind", "at", "on", "actor")
    list_filter = ("kind",)
    list_select_related = ("org", "actor")
