from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.orgs.forms import StyledForm
from dangjian.orgs.models import OrgType

from . import feeds
from .models import Frequency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class RecordForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    item = forms.TypedChoiceField(label=_("Item"), coerce=int)
    date = forms.DateField(label=_("Date"), widget=DATE)
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label=_("Photos and attachments"), required=False,
                              help_text=_("Up to 9 files of at most 10 MB: pictures, PDF, Office, WPS, OFD, text."))

    def __init__(self, *args, orgs=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["item"].choices = [(i.pk, i.title) for i in items]
        self.fields["files"].widget.attrs["accept"] = "image/*,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.wps,.ofd,.txt"


class ItemForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Defined by"), coerce=int)
    code = forms.CharField(label=_("Code"), max_length=40)
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    expected_count = forms.IntegerField(label=_("Records expected per period"), min_value=1, max_value=99,
                                        initial=1)
    applies_to = forms.MultipleChoiceField(
        label=_("Kept by"), widget=forms.CheckboxSelectMultiple,
        choices=[(t, OrgType(t).label) for t in ("general_branch", "branch", "group", "committee")])
    siblings_visible = forms.BooleanField(
        label=_("Open to the other organisations of the committee (横向交流)"), required=False)
    source_kind = forms.ChoiceField(label=_("Fed automatically from"), required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    sort_order = forms.IntegerField(label=_("Order"), required=False, initial=0)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["source_kind"].choices = [("", _("Nothing: filed by hand")), *feeds.kind_choices()]


class CommentForm(StyledForm):
    text = forms.CharField(label=_("Comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
