from django.contrib import admin

from .models import Parameter


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    """Dated overrides of the domain parameters (e.g. a local rule on letter validity)."""

    list_display = ("key", "value", "effective_from", "source")
    list_filter = ("key",)
    search_fields = ("key", "source")


class ReadOnlyDomainAdmin(admin.ModelAdmin):
    """Domain records change through the platform's pages and services (rules, audit, optimistic concurrency);
    the admin shows them to superusers but does not bypass the rules. Nothing is ever hard-deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
