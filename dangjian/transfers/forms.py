"""Forms parse input only; the rules are in services.py, whose DomainErrors land on the named field."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core import params
from dangjian.people.codes import ETHNICITIES, Education, Gender, PoliticalStatus, WorkPost


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date(label, required=True, **kw):
    return forms.DateField(label=label, required=required, widget=DateInput(), **kw)


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")

    def add_domain_error(self, exc):
        """Put a service's ValidationError on the fields it names (unknown fields: on the form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class StartTransferForm(BootstrapMixin, forms.Form):
    INTERNAL, EXTERNAL = "internal", "external"
    person = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("Choose the member to transfer.")})
    destination = forms.ChoiceField(label=_("Receiving organisation"), initial=INTERNAL,
                                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                                    choices=[(INTERNAL, _("On the platform")),
                                             (EXTERNAL, _("Outside the platform"))])
    to_org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    external_org = forms.CharField(label=_("Organisation outside the platform"), required=False, max_length=200,
                                   help_text=_("Full name of the receiving Party organisation, e.g. a county "
                                               "Party committee's organisation department."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             help_text=_("E.g. change of work unit or residence."))
    issued_on = _date(_("Issued on"))
    valid_days = forms.IntegerField(label=_("Valid for (days)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["issued_on"].initial = today
        self.fields["valid_days"].initial = params.get("transfer.letter_valid_days", today)
        self.fields["valid_days"].help_text = _("Generally %(d)s days, at most %(m)s.") % {
            "d": params.get("transfer.letter_valid_days", today), "m": params.get("transfer.letter_max_days", today)}

    def clean(self):
        data = super().clean()
        if data.get("destination") == self.INTERNAL:
            data["external_org"] = ""
            if not data.get("to_org"):
                self.add_error("to_org", _("Choose the receiving branch."))
        else:
            data["to_org"] = None
            if not (data.get("external_org") or "").strip():
                self.add_error("external_org", _("Name the receiving organisation."))
        return data


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=300)
    version = forms.IntegerField(required=False)
    receipt_on = forms.DateField(required=False)


class ReceiveForm(BootstrapMixin, forms.Form):
    """A paper letter from outside the platform: the letter, then the member (or an existing record)."""

    to_org = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("Choose the receiving branch.")})
    letter_no = forms.CharField(label=_("Letter number"), max_length=40)
    external_org = forms.CharField(label=_("Issued by"), max_length=200)
    issued_on = _date(_("Issued on"))
    valid_days = forms.IntegerField(label=_("Valid for (days)"))
    received_on = _date(_("Received on"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), required=False, max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices])
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=ETHNICITIES, initial="01")
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    education = forms.ChoiceField(label=_("Education"), required=False, choices=[("", "—"), *Education.choices])
    work_post = forms.ChoiceField(label=_("Work post"), required=False, choices=[("", "—"), *WorkPost.choices])
    political_status = forms.ChoiceField(label=_("Category"), choices=[
        (PoliticalStatus.FULL, PoliticalStatus.FULL.label),
        (PoliticalStatus.PROBATIONARY, PoliticalStatus.PROBATIONARY.label)])
    applied_on = _date(_("Application date"), required=False)
    activist_on = _date(_("Date made activist"), required=False)
    candidate_on = _date(_("Date made development candidate"), required=False)
    join_date = _date(_("Join date"), required=False)
    full_date = _date(_("Full-membership date"), required=False)

    PERSON_FIELDS = ("name", "gender", "ethnicity", "id_number", "phone", "education", "work_post",
                     "political_status", "applied_on", "activist_on", "candidate_on", "join_date", "full_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["received_on"].initial = today
        self.fields["valid_days"].initial = params.get("transfer.letter_valid_days", today)

    def person_data(self):
        """The member's details to apply; blank fields are left out when an existing record is picked."""
        data = {k: self.cleaned_data.get(k) for k in self.PERSON_FIELDS}
        if self.cleaned_data.get("person"):
            data = {k: v for k, v in data.items() if v not in (None, "")}
        return data


class FlowForm(BootstrapMixin, forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("Choose the member.")})
    left_on = _date(_("Left on"))
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), required=False, max_length=30)
    county = forms.CharField(label=_("County"), required=False, max_length=30)
    place = forms.CharField(label=_("Unit or address"), required=False, max_length=200)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200,
                             help_text=_("E.g. work or business elsewhere, study."))
    contact = forms.CharField(label=_("Contact"), required=False, max_length=100)
    certificate_no = forms.CharField(label=_("Flowing member certificate number"), required=False, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["left_on"].initial = timezone.localdate()


class EndFlowForm(forms.Form):
    returned_on = forms.DateField(required=False)
