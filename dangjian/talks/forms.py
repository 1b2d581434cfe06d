"""Forms of the talk pages. They parse input only; the rules come back from services.py as DomainError and
`add_domain_error` puts them on the field they name."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import DATE, StyledForm

from .models import TalkKind

FIRST_YEAR = 2000


def org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


def year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class TalkForm(StyledForm):
    talked_on = forms.DateField(label=_("Date of the talk"), widget=DATE)
    initiator = forms.TypedChoiceField(label=_("Talked"), coerce=int,
                                       help_text=_("Who led the talk, e.g. the secretary."))
    counterpart = forms.TypedChoiceField(label=_("Talked with"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of talk"), choices=TalkKind.choices,
                             help_text=_("A change in the member's situation: a reward, discipline, a complaint, "
                                         "a difficulty at work or at home."))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 6}))
    follow_up = forms.CharField(label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("What was agreed, help to give, when to talk again."))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(p.pk, self._label(p)) for p in people]
        self.fields["initiator"].choices = choices
        self.fields["counterpart"].choices = choices
        self.fields["talked_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    @staticmethod
    def _label(person):
        org = getattr(person, "group", None) or getattr(person, "org", None)
        return f"{person.name}（{org.name}）" if org else person.name


class OrgChoiceForm(StyledForm):
    """The organisation a talk is recorded under (the page's people depend on it)."""

    org = forms.TypedChoiceField(label=_("Recorded under"), coerce=int)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)


class TalkFilterForm(StyledForm):
    q = forms.CharField(label=_("Name"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Name of either person")}))
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind of talk"), required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("All my organisations"))] + org_choices(orgs)
        self.fields["year"].choices = [("", _("All years"))] + year_choices()
        self.fields["kind"].choices = [("", _("All kinds"))] + TalkKind.choices


class NotTalkedForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)
        self.fields["year"].choices = year_choices()
