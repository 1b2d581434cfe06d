"""Pure rules about people: GB 11643 ID numbers, phone numbers, ages and age bands."""

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from dangjian.people import rules
from dangjian.people.codes import AGE_BANDS

TODAY = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


regions = st.integers(min_value=110000, max_value=659999).map(lambda n: f"{n:06d}")
births = st.dates(min_value=date(1890, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_ids(draw):
    return rules.make_id_number(draw(regions), draw(births), draw(sequences))


# ---------------------------------------------------------------------------------------------- ID numbers


def test_known_valid_number():
    # The worked example of GB 11643-1999 (appendix): 11010519491231002X.
    assert rules.validate_id_number("11010519491231002X", today=TODAY) == "11010519491231002X"
    assert rules.id_check_char("11010519491231002") == "X"
    assert rules.id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert rules.id_gender("11010519491231002X") == "2"
    assert rules.id_gender("110105194912310031"[:16] + "1" + "0") == "1"


@given(regions, births, sequences)
def test_every_made_number_validates(region, born, seq):
    number = rules.make_id_number(region, born, seq)
    assert len(number) == 18
    assert rules.validate_id_number(number, birth_date=born, today=TODAY) == number
    assert rules.id_birth_date(number) == born
    assert rules.id_gender(number) == ("1" if seq % 2 else "2")


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_refused(number, position, replacement):
    assume(number[position] != replacement)
    assume(position == 17 or replacement != "X")  # an X inside the number is a format error, tested below
    changed = number[:position] + replacement + number[position + 1:]
    with pytest.raises(ValueError):
        rules.validate_id_number(changed, today=TODAY)


@given(valid_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=0, max_value=9))
def test_a_changed_digit_outside_the_date_fails_on_the_check_digit(number, position, digit):
    assume(not 6 <= position < 14)
    assume(int(number[position]) != digit)
    changed = number[:position] + str(digit) + number[position + 1:]
    with pytest.raises(ValueError, match="check digit"):
        rules.validate_id_number(changed, today=TODAY)


@given(regions, births)
def test_lower_case_x_and_spaces_are_accepted_and_normalised(region, born):
    number = next(n for n in (rules.make_id_number(region, born, s) for s in range(1000)) if n.endswith("X"))
    assert rules.validate_id_number(f"  {number.lower()} ", today=TODAY) == number


def test_x_found_by_search_is_normalised():
    assert rules.validate_id_number("11010519491231002x", today=TODAY) == "11010519491231002X"


@pytest.mark.parametrize("value", ["", None, "1101051949123100", "11010519491231002XX", "1101051949123100X2",
                                  "11010519491231002Y", "1101051949123100٢X", "X10105194912310021"])
def test_malformed_numbers_are_refused_with_the_format_message(value):
    with pytest.raises(ValueError, match="18 characters"):
        rules.validate_id_number(value, today=TODAY)


def test_full_width_characters_are_normalised_to_ascii():
    # Typed with a Chinese input method: full-width digits and x.
    assert rules.validate_id_number("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == "11010519491231002X"
    assert rules.validate_phone("１３９１２３４５６７８") == "13912345678"
    assert rules.validate_phone("０１０－１２３４５６７８") == "010-12345678"


def _with_check(first17):
    return first17 + rules.id_check_char(first17)


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "19491200", "20230229", "18891231",
                                   "00000101"])
def test_impossible_birth_dates_are_refused(birth):
    number = _with_check(f"110105{birth}002")
    with pytest.raises(ValueError, match="impossible birth date"):
        rules.validate_id_number(number, today=TODAY)


def test_leap_day_is_possible():
    number = _with_check("11010520000229002")
    assert rules.validate_id_number(number, today=TODAY) == number


@given(st.integers(min_value=1, max_value=3000))
def test_future_birth_dates_are_refused(days):
    born = TODAY + timedelta(days=days)
    number = rules.make_id_number("110105", born, 2)
    with pytest.raises(ValueError, match="impossible birth date"):
        rules.validate_id_number(number, today=TODAY)


def test_born_today_is_accepted():
    number = rules.make_id_number("110105", TODAY, 2)
    assert rules.validate_id_number(number, today=TODAY) == number


@given(valid_ids(), st.integers(min_value=-20000, max_value=20000))
def test_birth_date_mismatch_is_refused_with_both_dates(number, shift):
    assume(shift != 0)
    born = rules.id_birth_date(number)
    try:
        other = born + timedelta(days=shift)
    except OverflowError:
        return
    with pytest.raises(ValueError, match="does not match") as info:
        rules.validate_id_number(number, birth_date=other, today=TODAY)
    assert other.isoformat() in str(info.value) and born.isoformat() in str(info.value)


# ---------------------------------------------------------------------------------------------- phones

mobile_prefix = st.sampled_from([f"1{d}" for d in "3456789"])
digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(mobile_prefix, digits)
def test_mobile_numbers_are_accepted(prefix, rest):
    assert rules.validate_phone(prefix + rest) == prefix + rest


@given(mobile_prefix, digits)
def test_mobile_numbers_with_spaces_are_normalised(prefix, rest):
    spaced = f" {prefix}{rest[:1]} {rest[1:5]} {rest[5:]} "
    assert rules.validate_phone(spaced) == prefix + rest


@given(st.sampled_from(["10", "11", "12"]), digits)
def test_mobile_numbers_with_a_bad_second_digit_are_refused(prefix, rest):
    with pytest.raises(ValueError, match="11-digit mobile"):
        rules.validate_phone(prefix + rest)


@given(mobile_prefix, st.text(alphabet="0123456789", min_size=0, max_size=12))
def test_mobile_numbers_of_the_wrong_length_are_refused(prefix, rest):
    assume(len(rest) != 9)
    with pytest.raises(ValueError):
        rules.validate_phone(prefix + rest)


@given(st.text(alphabet="0123456789", min_size=2, max_size=3), st.text(alphabet="0123456789", min_size=7, max_size=8),
       st.booleans(), st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=6)))
def test_landlines_are_accepted(area, local, dash, extension):
    number = "0" + area + ("-" if dash else "") + local + (f"-{extension}" if extension else "")
    assert rules.validate_phone(number) == number


def test_landline_with_brackets_is_normalised():
    assert rules.validate_phone("(010) 12345678") == "01012345678"


@pytest.mark.parametrize("value", ["", None, "abc", "1391234567a", "+8613912345678x", "010-123456", "10-12345678",
                                  "0101234567890123", "139-1234-5678", "1٣912345678"])
def test_bad_phones_are_refused_with_a_helpful_message(value):
    with pytest.raises(ValueError, match="010-12345678"):
        rules.validate_phone(value)


@given(st.text(max_size=20))
def test_validate_phone_either_returns_a_valid_number_or_refuses(value):
    try:
        phone = rules.validate_phone(value)
    except ValueError:
        return
    assert rules.MOBILE_RE.match(phone) or rules.LANDLINE_RE.match(phone)


# ---------------------------------------------------------------------------------------------- ages


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
       st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_age_on_is_whole_years_completed(born, on):
    assume(on >= born)
    age = rules.age_on(born, on)
    assert age >= 0
    # The age-th birthday has passed (a 29 February birthday counts as 28 February in common years).
    def birthday(years):
        try:
            return born.replace(year=born.year + years)
        except ValueError:
            return date(born.year + years, 3, 1)
    assert birthday(age) <= on
    if born.year + age + 1 <= 9999:
        assert birthday(age + 1) > on


def test_age_on_birthday_boundaries():
    born = date(2000, 12, 31)
    assert rules.age_on(born, date(2018, 12, 30)) == 17
    assert rules.age_on(born, date(2018, 12, 31)) == 18
    assert rules.age_on(date(2000, 2, 29), date(2018, 2, 28)) == 17
    assert rules.age_on(date(2000, 2, 29), date(2018, 3, 1)) == 18


def test_age_bands_are_computed_at_31_december():
    # Born 31 December 1994: 30 on 31 December 2024 (the statistics date), though 29 for most of the year.
    assert rules.age_band(date(1994, 12, 31), 2024) == "≤30"
    assert rules.age_band(date(1993, 12, 31), 2024) == "31–35"
    # Born 1 January 1994: already 30 all year; 31 next year.
    assert rules.age_band(date(1994, 1, 1), 2024) == "≤30"
    assert rules.age_band(date(1994, 1, 1), 2025) == "31–35"
    assert rules.age_band(date(1963, 12, 31), 2024) == "≥61"
    assert rules.age_band(date(1964, 1, 1), 2024) == "56–60"
    assert rules.age_band(date(1964, 12, 31), 2024) == "56–60"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)))
def test_every_age_falls_in_exactly_one_band(born):
    label = rules.age_band(born, 2024)
    age = rules.age_on(born, date(2024, 12, 31))
    matching = [lab for lab, low, high in AGE_BANDS
                if (low is None or age >= low) and (high is None or age <= high)]
    assert matching == [label]
