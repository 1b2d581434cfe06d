"""Forms of the activity pages. They parse input only; the rules come back from services.py as DomainError and
`add_domain_error` puts them on the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.meetings.models import MeetingType
from dangjian.orgs.forms import StyledForm

from . import rules

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M"]


def _org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


class RoundForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=rules.MAX_TITLE,
                            help_text=_("The month or theme, e.g. “Activities for July: the Party's birthday”."))
    description = forms.CharField(label=_("Call for proposals"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    proposals_until = forms.DateTimeField(label=_("Proposals until"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    voting_from = forms.DateTimeField(label=_("Voting from"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    voting_until = forms.DateTimeField(label=_("Voting until"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    votes_per_member = forms.IntegerField(label=_("Votes per member"), min_value=1,
                                          max_value=rules.MAX_VOTES_PER_MEMBER, initial=1)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = _org_choices(orgs)


class ProposalForm(StyledForm):
    title = forms.CharField(label=_("Activity"), max_length=rules.MAX_TITLE)
    description = forms.CharField(label=_("What we would do"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    suggested_type = forms.ChoiceField(label=_("Counts as"), required=False)
    suggested_place = forms.CharField(label=_("Suggested place"), max_length=200, required=False)
    suggested_time = forms.CharField(label=_("Suggested time"), max_length=200, required=False,
                                     help_text=_("e.g. “a Saturday morning in July”."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_type"].choices = [("", _("No suggestion"))] + [
            (t.code, t.name) for t in MeetingType.objects.all()]


class AdoptForm(StyledForm):
    proposal = forms.TypedChoiceField(label=_("Proposal"), coerce=int)
    types = forms.MultipleChoiceField(label=_("Counts as"), required=False, widget=forms.CheckboxSelectMultiple,
                                      help_text=_("Left empty: the type the proposal suggests, else a themed "
                                                  "Party day."))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME, input_formats=DATETIME_FORMATS)
    place = forms.CharField(label=_("Place"), max_length=200)

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].choices = [
            (p.pk, _("%(title)s — votes: %(n)d") % {"title": p.title, "n": getattr(p, "n_votes", 0)})
            for p in proposals]
        self.fields["types"].choices = [(t.code, t.name) for t in MeetingType.objects.all()]
        self.fields["types"].widget.attrs = {"class": "form-check-input"}
