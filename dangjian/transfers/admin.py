from django.contrib import admin

from dangjian.core.admin import ReadOnlyDomainAdmin

from .models import FlowRecord, Transfer


@admin.register(Transfer)
class TransferAdmin(ReadOnlyDomainAdmin):
    """Read-only: transfers change only through services.transition (rules, audit, concurrency)."""

    list_display = ("letter_no", "kind", "state", "person", "from_org", "to_org", "external_org", "issued_on",
                    "expires_on")
    list_filter = ("kind", "state")
    search_fields = ("letter_no", "person__name", "external_org")
    list_select_related = ("person", "from_org", "to_org")
    date_hierarchy = "issued_on"


@admin.register(FlowRecord)
class FlowRecordAdmin(ReadOnlyDomainAdmin):
    list_display = ("person", "org", "province", "city", "left_on", "returned_on")
    list_filter = ("province",)
    search_fields = ("person__name", "province", "city")
    list_select_related = ("person", "org")
