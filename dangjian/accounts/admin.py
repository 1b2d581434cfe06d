from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from dangjian.core.admin import ReadOnlyDomainAdmin

from .models import Post, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Logins are managed here by superusers; the rights come from the posts of the linked person."""

    list_display = ("username", "person", "is_active", "is_superuser", "last_login")
    list_select_related = ("person",)
    raw_id_fields = ("person",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Person"), {"fields": ("person",)}),)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail names the user


@admin.register(Post)
class PostAdmin(ReadOnlyDomainAdmin):
    list_display = ("person", "org", "role", "start_date", "end_date")
    list_filter = ("role",)
    list_select_related = ("person", "org")
    search_fields = ("person__name", "org__name")
