from django.contrib import admin

from dangjian.core.admin import ReadOnlyDomainAdmin

from .models import Person


@admin.register(Person)
class PersonAdmin(ReadOnlyDomainAdmin):
    """Masked ID numbers and phones only: the clear values are shown through the audited reveal."""

    list_display = ("name", "gender", "political_status", "status", "org", "id_number_masked", "phone_masked")
    list_filter = ("political_status", "status", "gender")
    search_fields = ("name",)
    list_select_related = ("org",)
    exclude = ("id_number_enc", "phone_enc", "id_number_hash", "phone_hash")
