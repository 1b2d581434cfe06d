from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class Parameter(models.Model):
    """A dated override of a domain parameter (see params.DEFINITIONS)."""

    key = models.CharField(_("key"), max_length=100)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=300, help_text=_("Regulation, article or local rule"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("parameter")
        verbose_name_plural = _("parameters")
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="uniq_param_key_date")]

    def __str__(self):
        return f"{self.key} = {self.value} ({self.effective_from})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from . import params

        params.invalidate()


@receiver(post_delete, sender=Parameter)
def _parameter_deleted(sender, **kwargs):
    from . import params

    params.invalidate()


class VersionedModel(models.Model):
    """Optimistic concurrency: every update bumps `version`; an update that read an older one is refused."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
