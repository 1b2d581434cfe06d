"""Forms of the learning pages. They parse input only; the rules come back from services.py as DomainError and
`add_domain_error` puts them on the field they name."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import DATE, StyledForm

from .models import ItemKind, ItemStatus

FIRST_YEAR = 2000


def org_choices(orgs):
    return [(o.pk, ("\u3000" * max(0, o.depth - 1)) + o.name) for o in orgs]


def year_choices():
    this_year = timezone.localdate().year
    return [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]


class ItemForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Published by"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of content"), choices=ItemKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False,
                              help_text=_("One or two sentences shown in the members' list."))
    body = forms.CharField(label=_("Text"), required=False,
                           help_text=_("The article itself; for a document or video, an introduction."))
    file = forms.FileField(label=_("File"), required=False,
                           help_text=_("A document: PDF, at most 20 MB. A video: MP4 or WebM, at most 200 MB."))
    video_url = forms.CharField(label=_("Video address"), max_length=500, required=False,
                                help_text=_("Instead of a file: the address of the video on the platform."))
    min_minutes = forms.IntegerField(label=_("Minimum reading time (minutes)"), min_value=1, max_value=600,
                                     initial=5)
    credits = forms.DecimalField(label=_("Credits"), min_value=0, max_value=100, decimal_places=1, initial=1)
    deadline = forms.DateField(label=_("Open until"), required=False, widget=DATE,
                               help_text=_("Reading after this day no longer counts."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, orgs=(), item=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)
        if item is not None:
            del self.fields["org"]
            if item.status != ItemStatus.DRAFT:
                for name in ("kind", "min_minutes", "credits", "file"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Fixed once published: make a new version to change it.")


class AssignForm(StyledForm):
    orgs = forms.TypedMultipleChoiceField(label=_("Organisations"), coerce=int, required=False,
                                          widget=forms.SelectMultiple(attrs={"size": 8}),
                                          help_text=_("Every Party member on the roll of the organisation and the "
                                                      "organisations below it."))
    people = forms.TypedMultipleChoiceField(label=_("People"), coerce=int, required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 8}))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)

    def __init__(self, *args, orgs=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgs"].choices = org_choices(orgs)
        self.fields["people"].choices = [(p.pk, f"{p.name}（{p.org.name if p.org_id else '—'}）") for p in people]


class RuleForm(StyledForm):
    credits_per_item = forms.DecimalField(label=_("Credits per completed item"), required=False, min_value=0,
                                          max_value=100, decimal_places=1,
                                          help_text=_("Empty: each item's own credits."))
    credits_per_exam = forms.DecimalField(label=_("Credits per exam passed"), min_value=0, max_value=100,
                                          decimal_places=1, help_text=_("Each monthly exam passed, per tier."))
    yearly_target = forms.DecimalField(label=_("Yearly target"), min_value=0, max_value=1000, decimal_places=1)
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("E.g. the document that sets the rule."))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OrgYearForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = org_choices(orgs)
        self.fields["year"].choices = year_choices()


class ItemFilterForm(StyledForm):
    q = forms.CharField(label=_("Title"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Part of the title")}))
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All states"))] + ItemStatus.choices


class CreditForm(StyledForm):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    points = forms.DecimalField(label=_("Credits"), min_value=0.1, max_value=100, decimal_places=1)
    note = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()


class CorrectionForm(StyledForm):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label=_("Change (negative to take back)"), min_value=-100, max_value=100,
                                decimal_places=1)
    note = forms.CharField(label=_("Reason"), max_length=300)
