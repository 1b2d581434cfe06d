"""The working-day calendar page: a year's holidays and make-up working days; the top committee edits them."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core.errors import messages_of
from dangjian.core.text import year_param

from . import services
from .models import CalendarDay, DayKind


@login_required
def year_view(request):
    year = year_param(request.GET.get("year"))
    days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    return render(request, "workdays/year.html", {
        "year": year, "days": days, "can_manage": services.can_manage(request.user), "kinds": DayKind.choices,
        "years": range(year - 1, year + 2), "bundled": services.bundled_years(),
    })


def _back(year):
    return redirect(reverse("workdays:year") + f"?year={year}")


@require_POST
@login_required
def set_day(request):
    services.require_manage(request.user)
    raw = request.POST.get("date", "")
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        messages.error(request, _("Enter a valid date."))
        return _back(year_param(request.POST.get("year")))
    try:
        if request.POST.get("clear"):
            services.clear_day(request.user, day)
        else:
            services.set_day(request.user, day, request.POST.get("kind", ""), request.POST.get("name", ""))
        messages.success(request, _("The calendar was updated."))
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    return _back(day.year)


@require_POST
@login_required
def seed(request):
    services.require_manage(request.user)
    year = year_param(request.POST.get("year"))
    try:
        n = services.seed_year(request.user, year)
        messages.success(request, _("%(n)s days loaded for %(year)s.") % {"n": n, "year": year})
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    return _back(year)
