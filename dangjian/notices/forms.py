"""Forms of the notices pages: they parse input only; services.py says what is allowed (DomainError on a field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.models import Role
from dangjian.orgs.forms import StyledForm

from .models import AudienceKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")


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


class AnnouncementForm(StyledForm):
    org = forms.TypedChoiceField(label=_("Sending organisation"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.HiddenInput)
    audience_kind = forms.ChoiceField(label=_("Send to"), choices=AudienceKind.choices, widget=forms.RadioSelect,
                                      initial=AudienceKind.SUBTREE)
    audience_orgs = forms.TypedMultipleChoiceField(label=_("Organisations"), coerce=int, required=False,
                                                   widget=forms.SelectMultiple(attrs={"size": 6}))
    audience_roles = forms.MultipleChoiceField(label=_("Posts"), choices=Role.choices, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    members_only = forms.BooleanField(label=_("Party members only"), required=False, initial=True,
                                      help_text=_("Untick to reach everyone on the roll: applicants, activists and "
                                                  "non-Party people too."))
    must_read = forms.BooleanField(label=_("Must read: recipients confirm they have read it"), required=False)
    deadline = forms.DateTimeField(label=_("Read by"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"],
                                   required=False)
    remind_every_days = forms.IntegerField(label=_("Remind those who have not read every (days)"), required=False,
                                           min_value=1, max_value=30)
    pinned = forms.BooleanField(label=_("Pinned"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False,
                                    help_text=_("PDF, Word, Excel, PowerPoint, images or text; 20 MB each."))

    def __init__(self, *args, orgs=(), children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        self.fields["audience_orgs"].choices = [(o.pk, o.name) for o in children]
        self.fields["audience_roles"].widget.attrs.pop("class", None)
        self.fields["audience_kind"].widget.attrs.pop("class", None)


class EditForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.HiddenInput)
    substantive = forms.BooleanField(label=_("A substantive change: everyone reads and confirms again"),
                                     required=False, initial=True,
                                     help_text=_("Untick for a typo fix: the read receipts are kept."))
    pinned = forms.BooleanField(label=_("Pinned"), required=False)


class WithdrawForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300)
