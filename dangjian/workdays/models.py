"""The working-day calendar's data: the days that differ from the plain week (Monday–Friday work, Saturday and
Sunday rest). A holiday on a weekday, and a make-up working day (调休上班) on a weekend, are one row each; every
other day follows the week. Seeded per year from the State Council's notice; editable by the top committee."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.audit.mixins import AuditedModel


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


class CalendarDay(AuditedModel):
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True,
                              help_text=_("Where the row came from: the bundled notice, chinese-calendar, or a person"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
