"""List filters of the API. Organisations use a django-filter FilterSet; people reuse the member list's own
filters (people.queries.filter_people), after checking the parameters so that a malformed value is a 400 naming
the parameter instead of being ignored."""

import django_filters
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import scoped
from dangjian.orgs.models import Organization, OrgStatus, OrgType
from dangjian.people.codes import (
    AGE_BANDS,
    ETHNICITIES,
    Education,
    Gender,
    MemberStatus,
    Occupation,
    PoliticalStatus,
    WorkPost,
)
from dangjian.people.queries import SORTS, filter_people

ID_RANGE = {"min_value": 1, "max_value": 2**63 - 1}  # a bigger number is a 400, not a database overflow (500)


class OrgFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(field_name="org_type", choices=OrgType.choices,
                                       label=gettext_lazy("Organisation type"))
    status = django_filters.ChoiceFilter(choices=OrgStatus.choices, label=gettext_lazy("Status"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=gettext_lazy("Parent organisation ID"),
                                         **ID_RANGE)
    code = django_filters.CharFilter(field_name="code", label=gettext_lazy("Code (exact)"))
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Name search"))
    under = django_filters.NumberFilter(method="subtree", **ID_RANGE,
                                        label=gettext_lazy("Organisation ID: it and its whole subtree"))

    class Meta:
        model = Organization
        fields = []

    def search(self, queryset, name, value: str):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def subtree(self, queryset, name, value: int):
        # Looked up among the organisations the caller may see: an unknown or outside one gives no rows.
        path = self.queryset.filter(pk=int(value)).values_list("path", flat=True).first()
        return queryset.filter(path__startswith=path) if path else queryset.none()


# ------------------------------------------------------------------------------------------------------------
# People

CHOICE_PARAMS = {
    "political_status": PoliticalStatus.values,
    "status": MemberStatus.values,
    "gender": Gender.values,
    "ethnicity": [code for code, _name in ETHNICITIES],
    "education": Education.values,
    "work_post": WorkPost.values,
    "occupation": Occupation.values,
    "age_band": [label for label, _low, _high in AGE_BANDS],
}
FLAG_PARAMS = {
    "minority": "Only ethnic minorities",
    "college": "Only junior college education or above",
    "members": "Only Party members (full and probationary)",
    "on_roll": "Only people on the roll (normal, flowing, lost contact)",
}
DATE_PARAMS = {
    "join_from": "Joined on or after", "join_to": "Joined on or before",
    "full_from": "Full member on or after", "full_to": "Full member on or before",
}
FLAG_VALUES = ("1", "0", "true", "false")
YEARS = (1900, 2100)
OTHER_PARAMS = ("q", "org", "year", "sort")  # tests check that these cover people.queries.FILTER_FIELDS


def _values(params, key):
    out = []
    for value in params.getlist(key):
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def check_people_params(params):
    """Raise a 400 naming each malformed filter parameter (the member list ignores them instead)."""
    errors = {}
    for key in params:
        if any("\x00" in v for v in params.getlist(key)):
            errors[key] = [str(ProhibitNullCharactersValidator.message)]
    if errors:
        raise ValidationError(errors)
    for key, allowed in CHOICE_PARAMS.items():
        bad = [v for v in _values(params, key) if v not in allowed]
        if bad:
            errors[key] = [_("“%(value)s” is not a valid choice.") % {"value": bad[0]}]
    for key in FLAG_PARAMS:
        if params.get(key, "") not in ("",) + FLAG_VALUES:
            errors[key] = [_("Use 1 or 0.")]
    for key in DATE_PARAMS:
        value = params.get(key)
        if value:
            try:
                ok = parse_date(value) is not None
            except ValueError:
                ok = False
            if not ok:
                errors[key] = [_("Enter a date as YYYY-MM-DD.")]
    for key in ("org", "year"):
        value = params.get(key)
        if value and not (value.isascii() and value.isdigit()):
            errors[key] = [_("Enter a whole number.")]
    year = params.get("year")
    if "year" not in errors and year and not YEARS[0] <= int(year) <= YEARS[1]:
        errors["year"] = [_("Enter a year between %(low)s and %(high)s.") % {"low": YEARS[0], "high": YEARS[1]}]
    if params.get("sort") and params["sort"] not in SORTS:
        errors["sort"] = [_("“%(value)s” is not a valid choice.") % {"value": params["sort"]}]
    if len(params.get("q", "")) > 50:
        errors["q"] = [_("The search text is too long (at most 50 characters).")]
    if errors:
        raise ValidationError(errors)


class PeopleFilterBackend(BaseFilterBackend):
    """The member list's filters (people.queries.FILTER_FIELDS) on the API; `org` is the organisation whose
    subtree to list, looked up among those the caller may read (an outside one gives an empty list)."""

    def filter_queryset(self, request, queryset, view):
        params = request.query_params
        check_people_params(params)
        orgs = scoped(Organization.objects.all(), request.user, perms.PEOPLE_READ)

        def org_lookup(pk):
            return orgs.filter(pk=int(pk)).first()

        return filter_people(queryset, params, org_lookup=org_lookup)

    def get_schema_operation_parameters(self, view):
        def param(name, schema, description):
            return {"name": name, "required": False, "in": "query", "description": description, "schema": schema}

        out = [
            param("q", {"type": "string", "maxLength": 50}, "Name contains"),
            param("org", {"type": "integer"}, "Organisation ID: people in it and its whole subtree"),
        ]
        for key, allowed in CHOICE_PARAMS.items():
            out.append({**param(key, {"type": "array", "items": {"type": "string", "enum": list(allowed)}},
                                f"One or more {key} codes (repeat the parameter or separate with commas)"),
                        "style": "form", "explode": True})
        for key, text in FLAG_PARAMS.items():
            out.append(param(key, {"type": "string", "enum": list(FLAG_VALUES)}, text))
        for key, text in DATE_PARAMS.items():
            out.append(param(key, {"type": "string", "format": "date"}, text))
        out.append(param("year", {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]}, "Statistical year of the age bands (default: this year)"))
        out.append(param("sort", {"type": "string", "enum": list(SORTS)}, "Order of the rows (default: name)"))
        return out
