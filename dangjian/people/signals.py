"""Keep the per-organisation people figures current on every single save or delete of a Person (bulk writers
call people.figures.refresh themselves)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from . import figures
from .models import Person


@receiver(pre_save, sender=Person)
def remember_place(sender, instance, raw=False, **kwargs):
    """Where the person was counted before this save (the audit mixin keeps the values as loaded or last saved)."""
    if raw or instance._state.adding:
        instance._figures_place_before = None
        return
    loaded = getattr(instance, "_audit_loaded", None) or {}
    if "org_id" in loaded and "group_id" in loaded:
        instance._figures_place_before = figures.place_of(loaded["group_id"], loaded["org_id"])
    else:  # loaded with .only(): ask the database
        row = Person.objects.filter(pk=instance.pk).values_list("group_id", "org_id").first()
        instance._figures_place_before = figures.place_of(*row) if row else None


@receiver(post_save, sender=Person)
def recount_after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    figures.refresh({getattr(instance, "_figures_place_before", None),
                     figures.place_of(instance.group_id, instance.org_id)})


@receiver(post_delete, sender=Person)
def recount_after_delete(sender, instance, **kwargs):
    figures.refresh({figures.place_of(instance.group_id, instance.org_id)})
