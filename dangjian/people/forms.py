"""Forms of the people pages. They only collect input: the rules are in people.services (clean_person,
create_person, update_person), whose errors the views put next to the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import AGE_BANDS, ETHNICITIES, Education, Gender, MemberStatus, PoliticalStatus, WorkPost
from .queries import SORTS

PER_PAGE = (20, 50, 100)
ANY = [("", _("All"))]

SORT_CHOICES = [
    ("name", _("Name A–Z")), ("-name", _("Name Z–A")),
    ("-join_date", _("Joined most recently")), ("join_date", _("Joined longest ago")),
    ("-birth_date", _("Youngest first")), ("birth_date", _("Oldest first")),
    ("org", _("Organisation")),
]
assert all(key in SORTS for key, _label in SORT_CHOICES)


def _select(**attrs):
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


class MemberFilterForm(forms.Form):
    """The list's filters (the same GET parameters as people.queries.filter_people and the API)."""

    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(attrs={
        "class": "form-control", "type": "search", "autocomplete": "off",
        "placeholder": _("Name, or full ID or phone number")}))
    org = forms.ChoiceField(label=_("Organisation"), required=False, widget=_select())
    political_status = forms.ChoiceField(label=_("Political status"), required=False,
                                         choices=ANY + list(PoliticalStatus.choices), widget=_select())
    status = forms.ChoiceField(label=_("Membership status"), required=False,
                               choices=ANY + list(MemberStatus.choices), widget=_select())
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=ANY + list(Gender.choices),
                               widget=_select())
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), required=False, choices=ANY + list(ETHNICITIES),
                                  widget=_select())
    education = forms.ChoiceField(label=_("Education"), required=False, choices=ANY + list(Education.choices),
                                  widget=_select())
    work_post = forms.ChoiceField(label=_("Work post"), required=False, choices=ANY + list(WorkPost.choices),
                                  widget=_select())
    age_band = forms.ChoiceField(label=_("Age"), required=False,
                                 choices=ANY + [(label, label) for label, _l, _h in AGE_BANDS], widget=_select())
    join_from = forms.DateField(label=_("Joined from"), required=False, widget=_date_input())
    join_to = forms.DateField(label=_("Joined until"), required=False, widget=_date_input())
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES, widget=_select())
    per_page = forms.TypedChoiceField(label=_("Per page"), required=False, coerce=int, empty_value=PER_PAGE[0],
                                      choices=[(n, n) for n in PER_PAGE], widget=_select())

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        base_depth = min((o.depth for o in orgs), default=1)
        self.fields["org"].choices = ANY + [
            (str(o.pk), "\u2003" * (o.depth - base_depth) + (o.short_name or o.name)) for o in orgs]

    @property
    def active_filters(self):
        """How many filters (besides search, sort and paging) are set: shown on the phone's filter button."""
        data = self.data
        return sum(1 for k in ("org", "political_status", "status", "gender", "ethnicity", "education",
                               "work_post", "age_band", "join_from", "join_to") if data.get(k))


def _text(label, required=False, **attrs):
    return forms.CharField(label=label, required=required,
                           widget=forms.TextInput(attrs={"class": "form-control", **attrs}))


def _date(label):
    return forms.CharField(label=label, required=False, widget=forms.DateInput(
        attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))


def _choice(label, choices, blank=True):
    return forms.ChoiceField(label=label, required=False, choices=([("", "—")] if blank else []) + list(choices),
                             widget=forms.Select(attrs={"class": "form-select"}))


class PersonForm(forms.Form):
    """Create or edit a person. Field names are the service's (people.services.ALL_FIELDS)."""

    name = _text(_("Name"), required=True, maxlength=50)
    gender = _choice(_("Gender"), Gender.choices)
    ethnicity = _choice(_("Ethnicity"), ETHNICITIES, blank=False)
    id_number = _text(_("ID number"), maxlength=18, autocomplete="off", inputmode="text")
    birth_date = _date(_("Birth date"))
    phone = _text(_("Phone"), maxlength=20, autocomplete="off", inputmode="tel")
    education = _choice(_("Education"), Education.choices)
    work_post = _choice(_("Work post"), WorkPost.choices)
    address = _text(_("Home address"), maxlength=200)
    political_status = _choice(_("Political status"), PoliticalStatus.choices, blank=False)
    status = _choice(_("Membership status"), MemberStatus.choices, blank=False)
    org = forms.ChoiceField(label=_("Organisation"), required=False,
                            widget=forms.Select(attrs={"class": "form-select"}))
    group = forms.ChoiceField(label=_("Party group"), required=False,
                              widget=forms.Select(attrs={"class": "form-select"}))
    applied_on = _date(_("Application date"))
    activist_on = _date(_("Date made activist"))
    candidate_on = _date(_("Date made development candidate"))
    join_date = _date(_("Join date"))
    full_date = _date(_("Full-membership date"))
    flow_destination = _text(_("Where the flowing member is"), maxlength=200)
    lost_contact_on = _date(_("Lost contact since"))
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    SECTIONS = (
        (_("Identity"), ("name", "gender", "ethnicity", "id_number", "birth_date", "phone", "education",
                         "work_post", "address")),
        (_("Party membership"), ("political_status", "status", "org", "group", "applied_on", "activist_on",
                                 "candidate_on", "join_date", "full_date")),
        (_("Other"), ("flow_destination", "lost_contact_on", "notes")),
    )

    def __init__(self, *args, orgs=(), groups=(), person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["org"].choices = [("", "—")] + [(str(o.pk), o.name) for o in orgs]
        self.fields["group"].choices = [("", "—")] + [(str(g.pk), g.name) for g in groups]
        if person is not None:
            # An organisation changes only through a transfer; ID number and phone are kept when left blank.
            self.fields["org"].disabled = True
            self.fields["org"].help_text = _("Change the organisation through a transfer.")
            for field in ("id_number", "phone"):
                self.fields[field].help_text = _("Leave blank to keep the current value.")
                self.fields[field].widget.attrs["placeholder"] = getattr(person, f"{field}_masked")

    def sections(self):
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def service_data(self):
        """The cleaned input as the service expects it."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if self.person is not None:
            data.pop("org", None)
            for field in ("id_number", "phone"):
                if not data.get(field):
                    data.pop(field, None)
        return data

    def add_service_errors(self, error):
        """Put a service ValidationError next to the fields it names."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)


class ImportForm(forms.Form):
    org = forms.ChoiceField(label=_("Import into"), widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(label=_("Roster file (.xlsx)"), widget=forms.ClearableFileInput(
        attrs={"class": "form-control", "accept": ".xlsx"}))

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(str(o.pk), f"{o.name} ({o.code})") for o in orgs]

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel (.xlsx) file."))
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return f
