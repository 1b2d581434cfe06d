"""HR post changes, pure rules: the payload parser (hypothesis), the idempotency key, the match outcome and the
state-machine table."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dangjian.hr import rules
from dangjian.hr.models import ChangeState
from dangjian.people.rules import make_id_number

S = ChangeState
VALID_ID = make_id_number("110101", date(1985, 6, 15), 7)

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=200),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.dates().map(str), st.datetimes())


@given(st.dictionaries(st.sampled_from(rules.FIELDS + ("other",)), junk, max_size=6) | junk)
def test_the_parser_never_crashes_and_either_parses_or_names_fields(data):
    parsed, errors = rules.parse_change(data)
    assert (parsed is None) == bool(errors)
    if errors:
        assert set(errors) <= set(rules.FIELDS) | {"non_field_errors"}
        assert all(errors.values())
    else:
        assert parsed.id_number or parsed.staff_no
        assert parsed.new_unit and len(parsed.new_unit) <= 120
        assert not parsed.id_number or rules.ID_RE.match(parsed.id_number)


@given(unit=st.text(min_size=1, max_size=100).filter(lambda s: s.strip() and "\x00" not in s),
       day=st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)),
       staff=st.text(alphabet="0123456789ABC", min_size=1, max_size=40))
def test_well_formed_changes_parse(unit, day, staff):
    parsed, errors = rules.parse_change({"staff_no": staff, "new_unit": unit, "effective": day.isoformat()})
    assert not errors
    assert parsed.effective == day and parsed.staff_no == staff and parsed.new_unit == rules.normalise_unit(unit)
    parsed, errors = rules.parse_change({"id_number": VALID_ID.lower(), "new_unit": unit, "effective": day})
    assert not errors and parsed.id_number == VALID_ID


def test_malformed_input_names_the_field():
    assert set(rules.parse_change({"new_unit": "A", "effective": "2026-03-01"})[1]) == {"id_number"}
    assert set(rules.parse_change({"id_number": "123", "new_unit": "A", "effective": "2026-03-01"})[1]) == {"id_number"}
    assert set(rules.parse_change({"staff_no": "7", "effective": "2026-03-01"})[1]) == {"new_unit"}
    assert set(rules.parse_change({"staff_no": "7", "new_unit": "A", "effective": "2026-02-30"})[1]) == {"effective"}
    assert set(rules.parse_change({"staff_no": "7", "new_unit": "A", "effective": "03/01/2026"})[1]) == {"effective"}
    assert set(rules.parse_change({"staff_no": ["7"], "new_unit": "A", "effective": "2026-03-01"})[1]) == {"staff_no"}
    assert rules.parse_change([])[1] == {"non_field_errors": [rules.parse_change("x")[1]["non_field_errors"][0]]}


def test_spreadsheet_numbers_are_text():
    parsed, errors = rules.parse_change({"staff_no": 1024.0, "new_unit": 301, "effective": date(2026, 3, 1)})
    assert not errors and parsed.staff_no == "1024" and parsed.new_unit == "301"


@given(st.integers(1, 10 ** 6), st.text(max_size=30), st.text(alphabet="abcxyz人事科 ", min_size=1, max_size=30),
       st.dates())
def test_the_key_is_stable_and_ignores_spacing_and_case(system, ident, unit, day):
    key = rules.change_key(system, ident, unit, day)
    assert key == rules.change_key(system, ident, "  " + unit.upper().replace(" ", "  ") + " ", day)
    assert len(key) == 64 and key != rules.change_key(system + 1, ident, unit, day)
    assert key != rules.change_key(system, ident + "1", unit, day)


def test_match_state():
    assert rules.match_state(False, None, 5) == S.UNRESOLVED_PERSON
    assert rules.match_state(True, None, 5) == S.UNRESOLVED_PERSON  # found, but on no organisation's roll
    assert rules.match_state(True, 3, None) == S.UNRESOLVED_UNIT
    assert rules.match_state(True, 3, 3) == S.SAME_ORG
    assert rules.match_state(True, 3, 4) == S.SUGGESTED


def test_the_state_machine_table():
    assert set(rules.actions_from(rules.NEW)) == {rules.Action.RECEIVE}
    assert rules.actions_from(S.STARTED) == [] and rules.actions_from(S.DISMISSED) == []
    assert rules.actions_from(S.SAME_ORG) == []
    assert rules.allowed(S.SUGGESTED, rules.Action.START, S.STARTED)
    assert not rules.allowed(S.UNRESOLVED_UNIT, rules.Action.START, S.STARTED)
    assert not rules.allowed(S.STARTED, rules.Action.DISMISS, S.DISMISSED)
    for (state, _action), targets in rules.TRANSITIONS.items():
        assert state == rules.NEW or state in S.values
        assert set(targets) <= set(S.values)
