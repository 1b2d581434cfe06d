from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import StyledForm
from dangjian.orgs.models import OrgType

from . import kinds
from .models import Audience, Frequency, Objection, Reach

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PublicationForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    starts = forms.DateField(label=_("Displayed from"), widget=DATE)
    days = forms.IntegerField(label=_("Days displayed"), required=False, min_value=1,
                              help_text=_("For a 公示: working days, the first day counting when it is a working day. "
                                          "Leave empty for an open-ended disclosure item."))
    ends = forms.DateField(label=_("Or displayed until"), required=False, widget=DATE)
    catalogue_item = forms.TypedChoiceField(label=_("Catalogue item"), coerce=int, required=False, empty_value=None)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, orgs=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, ("　" * (o.depth - 1)) + o.name) for o in orgs]
        self.fields["kind"].choices = kinds.choices()
        self.fields["catalogue_item"].choices = [("", "—")] + [(i.pk, i.title) for i in items]


class ObjectionForm(StyledForm):
    type = forms.ChoiceField(label=_("Type"), choices=Objection.Type.choices)
    body = forms.CharField(label=_("Your objection or comment"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    anonymous = forms.BooleanField(label=_("Anonymous (nobody, administrators included, can see who wrote it)"),
                                   required=False)
    name = forms.CharField(label=_("Your name"), max_length=60, required=False)
    contact = forms.CharField(label=_("How to reach you (optional)"), max_length=100, required=False)


class CatalogueItemForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Defined by"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("What to disclose"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices)
    reach = forms.ChoiceField(label=_("To whom"), choices=Reach.choices)
    applies_to = forms.MultipleChoiceField(label=_("Organisation types"), choices=OrgType.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["applies_to"].widget.attrs.pop("class", None)
