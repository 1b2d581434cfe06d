"""Party fees: the section home and the settings page (an organisation's fee settings for its subtree; nearest
wins). The other pages are in pay_views, base_views and report_views."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm
from dangjian.core.errors import ConflictError
from dangjian.orgs.forms import StyledForm, add_domain_error
from dangjian.orgs.models import Organization
from dangjian.orgs.services import active_orgs_for, pick_org
from dangjian.talks.forms import org_choices

from . import services
from .models import FeeSettings


class SettingsForm(StyledForm):
    backpay_months = forms.IntegerField(label=gettext_lazy("Back-payment window (months)"), min_value=0,
                                        max_value=24, help_text=gettext_lazy("第十二条: generally six months."))
    ahead_months = forms.IntegerField(label=gettext_lazy("Pay ahead at most (months)"), min_value=0, max_value=24)
    soft_cap = forms.CharField(label=gettext_lazy("Monthly soft cap (yuan)"),
                               help_text=gettext_lazy("2017 notice: generally no more than 1000 yuan a month; "
                                                      "more is voluntary."))
    farmer_amount = forms.CharField(label=gettext_lazy("Farmers' monthly amount (yuan)"),
                                    help_text=gettext_lazy("0.20 to 1.00 yuan (第六条)."))
    remind_days = forms.IntegerField(label=gettext_lazy("Remind this many days before the month ends"),
                                     min_value=1, max_value=28)
    deduction_items = forms.CharField(label=gettext_lazy("Deduction items of the base calculator"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 6}),
                                      help_text=gettext_lazy("One per line: subtracted from the included pay."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OrgForm(StyledForm):
    org = forms.TypedChoiceField(label=gettext_lazy("Organisation"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)


@login_required
def fee_settings(request):
    user = request.user
    orgs = active_orgs_for(user, perms.FEES_READ)
    if not orgs:
        raise Http404
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    org = pick_org(orgs, raw, lambda o: has_perm(user, perms.FEES_READ, o)) or orgs[0]
    can_manage = has_perm(user, perms.FEES_MANAGE, org.path)
    own = FeeSettings.objects.filter(org=org).first()
    effective = services.settings_for(org.path)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = SettingsForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.save_settings(
                    user, org, backpay_months=d["backpay_months"], ahead_months=d["ahead_months"],
                    soft_cap=d["soft_cap"], farmer_amount=d["farmer_amount"], remind_days=d["remind_days"],
                    deduction_items=[line for line in (d["deduction_items"] or "").splitlines() if line.strip()],
                    expected_version=d.get("version"))
            except ConflictError as e:
                form.add_error(None, e.message)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Fee settings saved."))
                return redirect(reverse("fees:settings") + f"?org={org.pk}")
    else:
        form = SettingsForm(initial={
            "backpay_months": effective.backpay_months, "ahead_months": effective.ahead_months,
            "soft_cap": effective.soft_cap, "farmer_amount": effective.farmer_amount,
            "remind_days": effective.remind_days,
            "deduction_items": "\n".join(services.deduction_items_for(org.path)),
            "version": own.version if own else None})
    source = None
    if effective.org_id and not own:
        source = Organization.objects.filter(pk=effective.org_id).only("id", "name").first()
    return render(request, "fees/settings.html", {
        "org_form": OrgForm(initial={"org": org.pk}, orgs=orgs), "org": org, "form": form, "own": own,
        "effective": effective, "source": source, "can_manage_org": can_manage,
        "deductions": services.deduction_items_for(org.path), "section": "settings"})


@login_required
def home(request):
    """The section's front page: a member's own month at a glance and the pages the user may open."""
    from datetime import date

    from django.utils import timezone

    from . import rules
    from .nav import entries_for

    user = request.user
    entries = [e for e in entries_for(user) if e[0] != "home"]
    if not entries and not user.person_id:
        raise Http404
    mine = None
    if user.person_id and services.on_roll(user.person):
        today = timezone.localdate()
        rows = services.statement(user.person, date(today.year, 1, 1), today)
        current = next((r for r in rows if r["month"] == rules.month_start(today)), None)
        mine = {"current": current, "outstanding": sum((r["outstanding"] for r in rows), rules.CENT * 0),
                "unpaid_months": sum(1 for r in rows if r["outstanding"] > 0),
                "base": services.current_base(user.person_id, rules.month_start(today))}
    return render(request, "fees/home.html", {"entries": entries, "mine": mine, "section": "home"})
