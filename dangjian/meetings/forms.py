"""Forms of the meeting pages. They parse input only; the rules come back from services.py as DomainError and
`add_domain_error` puts them on the field they name."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import DATE, StyledForm

from .models import MeetingType

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")


class PlanForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Host organisation"), coerce=int)
    types = forms.MultipleChoiceField(label=_("Counts as"), widget=forms.CheckboxSelectMultiple,
                                      help_text=_("One meeting may count for several types, e.g. a themed Party "
                                                  "day that includes a Party lesson."))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online meeting link"), max_length=200, required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    host = forms.TypedChoiceField(label=_("Chaired by"), coerce=int, required=False, empty_value=None)
    recorder = forms.TypedChoiceField(label=_("Recorded by"), coerce=int, required=False, empty_value=None)
    invite_host = forms.BooleanField(label=_("Invite all members of the host organisation"), required=False,
                                     initial=True)
    invite_orgs = forms.TypedMultipleChoiceField(label=_("Also invite the members of"), coerce=int, required=False,
                                                 widget=forms.SelectMultiple(attrs={"size": 6}))
    invite_people = forms.TypedMultipleChoiceField(
        label=_("Also invite these people"), coerce=int, required=False, widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."))
    members_only = forms.BooleanField(label=_("Party members only"), required=False, initial=True,
                                      help_text=_("Untick to invite everyone on the roll there: applicants, "
                                                  "activists and non-Party people too."))
    guests = forms.CharField(label=_("Guests"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("One name per line (guests without an account, e.g. from the community)."))
    is_open = forms.BooleanField(label=_("Open meeting: anyone with the sign-in code may sign in"), required=False)
    checkin_before = forms.IntegerField(label=_("Sign-in opens (minutes before the start)"), min_value=0,
                                        max_value=1440, initial=30)

    def __init__(self, *args, orgs=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]
        self.fields["org"].choices = choices
        people_choices = [(p.pk, f"{p.name}（{p.org.short_name or p.org.name}）" if p.org_id else p.name) for p in people]
        self.fields["host"].choices = [("", "—")] + people_choices
        self.fields["recorder"].choices = [("", "—")] + people_choices
        self.fields["invite_people"].choices = people_choices
        self.fields["invite_orgs"].choices = choices
        self.fields["types"].choices = [(t.code, t.name) for t in MeetingType.objects.all()]
        self.fields["types"].widget.attrs = {}

    def service_kwargs(self, orgs_by_id):
        d = self.cleaned_data
        invite_orgs = list(d.get("invite_orgs") or [])
        if d.get("invite_host"):
            invite_orgs.insert(0, d["org"])
        return {
            "org": orgs_by_id[d["org"]], "types": d["types"], "topic": d["topic"], "starts_at": d["starts_at"],
            "ends_at": d["ends_at"], "place": d.get("place", ""), "online_url": d.get("online_url", ""),
            "agenda": d.get("agenda", ""), "is_open": d.get("is_open", False),
            "checkin_before": d.get("checkin_before") if d.get("checkin_before") is not None else 30,
            "invite": {"orgs": list(dict.fromkeys(invite_orgs)), "members_only": d.get("members_only", False),
                       "people": list(d.get("invite_people") or [])},
            "host": d.get("host"), "recorder": d.get("recorder"),
            "guests": [line.strip() for line in (d.get("guests") or "").splitlines() if line.strip()],
        }


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class LeaveDecisionForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class MinutesForm(StyledForm):
    text = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 12}))
    resolutions = forms.CharField(label=_("Resolutions"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class MeetingFilterForm(StyledForm):
    q = forms.CharField(label=_("Topic"), required=False)
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    type = forms.ChoiceField(label=_("Type"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("All my organisations"))] + [
            (o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]
        self.fields["type"].choices = [("", _("All types"))] + [(t.code, t.name) for t in MeetingType.objects.all()]


class PeriodForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]

    def period(self):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("date_from") or today.replace(month=1, day=1)
        end = data.get("date_to") or today.replace(month=12, day=31)
        if end < start:
            start, end = end, start
        return start, end
