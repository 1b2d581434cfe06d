"""Pure rules of HR post changes: the payload parser, the idempotency key, the match outcome and the one
state-machine table. Nothing here touches the database."""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from .models import ChangeState

S = ChangeState
NEW = ""  # the state of a change not yet stored: receiving it is a transition too


class Action:
    RECEIVE = "receive"    # the HR system posts it (API or nightly import): matched at once
    RESOLVE = "resolve"    # someone picks the person or maps the unit: matched again
    START = "start"        # the sending organisation starts the suggested transfer (one click)
    DISMISS = "dismiss"    # nothing to do (with a reason), or superseded by a later change of the same person


MATCH_STATES = (S.UNRESOLVED_PERSON, S.UNRESOLVED_UNIT, S.SUGGESTED, S.SAME_ORG)
UNRESOLVED = (S.UNRESOLVED_PERSON, S.UNRESOLVED_UNIT)
OPEN_STATES = (S.UNRESOLVED_PERSON, S.UNRESOLVED_UNIT, S.SUGGESTED)

# THE state machine: (from_state, action) -> the states it may lead to. Nothing else is allowed.
TRANSITIONS = {
    (NEW, Action.RECEIVE): MATCH_STATES,
    (S.UNRESOLVED_PERSON, Action.RESOLVE): MATCH_STATES,
    (S.UNRESOLVED_UNIT, Action.RESOLVE): MATCH_STATES,
    (S.SUGGESTED, Action.START): (S.STARTED,),
    (S.UNRESOLVED_PERSON, Action.DISMISS): (S.DISMISSED,),
    (S.UNRESOLVED_UNIT, Action.DISMISS): (S.DISMISSED,),
    (S.SUGGESTED, Action.DISMISS): (S.DISMISSED,),
}


def allowed(state, action, to_state):
    return to_state in TRANSITIONS.get((state or NEW, action), ())


def actions_from(state):
    return [a for (s, a) in TRANSITIONS if s == (state or NEW)]


def match_state(person_found, person_org_id, target_org_id):
    """What a change becomes once matched: the person first (一个不丢), then the unit, then same or other org."""
    if not person_found or person_org_id is None:
        return S.UNRESOLVED_PERSON
    if target_org_id is None:
        return S.UNRESOLVED_UNIT
    return S.SAME_ORG if person_org_id == target_org_id else S.SUGGESTED


# ---- the payload -----------------------------------------------------------------------------------------------

FIELDS = ("id_number", "staff_no", "new_unit", "effective")
MAX = {"id_number": 18, "staff_no": 40, "new_unit": 120}
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ChangeInput:
    id_number: str  # normalised (upper case, no spaces) or ""
    staff_no: str
    new_unit: str
    effective: date


def normalise_unit(value):
    return SPACES.sub(" ", str(value or "")).strip()


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a spreadsheet cell holding a number
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError
    return str(value).strip()


def parse_date(value):
    """A date from the API (YYYY-MM-DD) or a spreadsheet cell (a date or datetime); None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def parse_change(data):
    """Check one posted change. Returns (ChangeInput, {}) or (None, {field: [message, …]}): malformed input is
    refused as a whole and names the field; an identifier that is well formed but unknown is NOT an error here
    (the change is kept for someone to resolve)."""
    if not isinstance(data, dict):
        return None, {"non_field_errors": [_("Send an object with id_number or staff_no, new_unit and effective.")]}
    errors, values = {}, {}
    for name in ("id_number", "staff_no", "new_unit"):
        try:
            value = _text(data.get(name))
        except TypeError:
            errors[name] = [_("Send this field as text.")]
            continue
        if "\x00" in value:
            errors[name] = [_("This field contains an invalid character.")]
        elif len(value) > MAX[name]:
            errors[name] = [_("At most %(n)d characters.") % {"n": MAX[name]}]
        values[name] = value
    id_number = SPACES.sub("", values.get("id_number", "")).upper()
    if "id_number" not in errors and id_number and not ID_RE.match(id_number):
        errors["id_number"] = [_("An ID number has 18 characters: 17 digits and a digit or X.")]
    if "id_number" not in errors and "staff_no" not in errors and not id_number and not values.get("staff_no"):
        errors["id_number"] = [_("Send the person's id_number or staff_no.")]
    new_unit = normalise_unit(values.get("new_unit", ""))
    if "new_unit" not in errors and not new_unit:
        errors["new_unit"] = [_("Send the new unit (new_unit).")]
    effective = parse_date(data.get("effective"))
    if effective is None:
        errors["effective"] = [_("Send the effective date as YYYY-MM-DD.")]
    if errors:
        return None, errors
    return ChangeInput(id_number, values.get("staff_no", ""), new_unit, effective), {}


def change_key(system_id, identifier, new_unit, effective):
    """The idempotency key: the same system, person identifier, unit and date is the same change. `identifier`
    is already a keyed hash (or the staff number), so the key reveals no ID number."""
    raw = "\x1f".join((str(system_id), identifier, normalise_unit(new_unit).casefold(), effective.isoformat()))
    return hashlib.sha256(raw.encode()).hexdigest()
