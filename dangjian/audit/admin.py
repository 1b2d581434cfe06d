from django.contrib import admin

from dangjian.core.admin import ReadOnlyDomainAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyDomainAdmin):
    """The trail is append-only: read here, verify with `manage.py audit_verify`."""

    list_display = ("seq", "at", "actor_repr", "action", "model", "object_repr", "org_path")
    list_filter = ("action", "model")
    search_fields = ("object_repr", "actor_repr", "object_id")
