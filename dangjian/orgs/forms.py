"""Forms of the organisation pages. They only parse input; the rules (placement, codes, terms, dissolution)
live in services.py and come back as DomainError, which `add_domain_error` puts on the field it names."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import rules
from .models import OrgType

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def add_domain_error(form, error):
    """Attach a ValidationError raised by a service to the form: on the field it names when the form has
    that field, else as a form-wide error."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()


class OrgDetailsForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    code = forms.CharField(label=_("Code"), max_length=40, required=False,
                           help_text=_("Stable unique code; left empty, one is assigned."))
    is_joint = forms.BooleanField(label=_("Joint branch"), required=False)
    founded_on = forms.DateField(label=_("Founding date"), required=False, widget=DATE)
    term_start = forms.DateField(label=_("Committee term start"), required=False, widget=DATE)
    term_end = forms.DateField(label=_("Committee term end"), required=False, widget=DATE)
    contact_name = forms.CharField(label=_("Contact person"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    sort_order = forms.IntegerField(label=_("Order"), required=False, initial=0)

    def service_data(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("org_type", None)
        if data.get("sort_order") is None:
            data["sort_order"] = 0
        return data


class OrgCreateForm(OrgDetailsForm):
    org_type = forms.ChoiceField(label=_("Type"), choices=())
    field_order = ["org_type", "name", "short_name", "code"]

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        parent_type = parent.org_type if parent else None
        self.fields["org_type"].choices = [(value, label) for value, label in OrgType.choices
                                           if rules.placement_error(value, parent_type) is None]


class OrgEditForm(OrgDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_org(cls, org):
        initial = {k: getattr(org, k) for k in ("name", "short_name", "code", "is_joint", "founded_on",
                                                 "term_start", "term_end", "contact_name", "contact_phone",
                                                 "address", "sort_order")}
        initial["version"] = org.version
        return cls(initial=initial)


class MoveForm(StyledForm):
    parent = forms.CharField(label=_("New parent organisation"), max_length=40,
                             help_text=_("Type or choose the code of the new parent organisation."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), lookup=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.lookup = lookup
        self.fields["parent"].widget.attrs.update({"list": "parent-candidates", "autocomplete": "off"})

    def clean_parent(self):
        code = self.cleaned_data["parent"].strip()
        found = next((o for o in self.candidates if o.code == code), None)
        if found is None and self.lookup is not None:
            found = self.lookup(code)  # the candidates are capped in number; the lookup is scoped
        if found is None:
            raise ValidationError(_("No organisation in your care has the code %(code)s.") % {"code": code})
        return found


class DissolveForm(StyledForm):
    on = forms.DateField(label=_("Dissolved on"), widget=DATE)
    note = forms.CharField(label=_("Reason"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TreeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or code"), required=False, max_length=60)
    dissolved = forms.BooleanField(label=_("Show dissolved organisations"), required=False)


class WarningFilterForm(forms.Form):
    code = forms.ChoiceField(label=_("Warning"), required=False,
                             choices=[("", _("All warnings"))] + list(rules.WARNING_CODES.items()))
