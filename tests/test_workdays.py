"""The working-day calendar: the State Council's holidays and make-up days (调休) as data, the arithmetic on
holiday boundaries (the start day never counts; between is (a, b]), properties, caching and who may edit."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.core.errors import DomainError
from dangjian.workdays import calendar, services
from dangjian.workdays.calendar import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)
from dangjian.workdays.models import CalendarDay

D = date


# ---- the seeded data and explicit boundaries ------------------------------------------------------------------

@pytest.mark.django_db
def test_the_migration_loaded_the_three_years_of_notices():
    assert set(calendar.known_years()) >= {2024, 2025, 2026}
    assert CalendarDay.objects.get(date=D(2025, 1, 28)).name == "春节"
    assert CalendarDay.objects.get(date=D(2026, 2, 28)).kind == "workday"


@pytest.mark.django_db
def test_2025_spring_festival_boundaries():
    assert is_working_day(D(2025, 1, 26))  # Sunday, a make-up working day
    assert is_working_day(D(2025, 1, 27))  # Monday before New Year's Eve
    assert not any(is_working_day(D(2025, 1, 28) + timedelta(days=i)) for i in range(8))  # 28 Jan – 4 Feb
    assert is_working_day(D(2025, 2, 5))
    assert is_working_day(D(2025, 2, 8))  # Saturday, a make-up working day (调休)
    assert not is_working_day(D(2025, 2, 9))  # the Sunday after it rests
    # the start day does not count; the result is the n-th working day after it
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert add_working_days(D(2025, 1, 28), 1) == D(2025, 2, 5)  # from inside the holiday
    assert add_working_days(D(2025, 2, 5), -1) == D(2025, 1, 27)
    assert working_days_between(D(2025, 1, 27), D(2025, 2, 5)) == 1  # (a, b]: a excluded, b included
    assert working_days_between(D(2025, 1, 26), D(2025, 1, 27)) == 1
    assert working_days_between(D(2025, 1, 28), D(2025, 2, 4)) == 0
    # a 5-working-day 公示 begun on Monday 27 January ends on the make-up Saturday
    assert calendar.period_end(D(2025, 1, 27), 5) == D(2025, 2, 8)
    assert calendar.working_days_in(D(2025, 1, 27), D(2025, 2, 8)) == 5


@pytest.mark.django_db
def test_2025_national_day_boundaries():
    assert is_working_day(D(2025, 9, 28))  # Sunday make-up day
    assert not is_working_day(D(2025, 10, 1)) and not is_working_day(D(2025, 10, 8))
    assert is_working_day(D(2025, 10, 9))
    assert is_working_day(D(2025, 10, 11))  # Saturday make-up day
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert next_working_day(D(2025, 10, 1)) == D(2025, 10, 9)
    assert next_working_day(D(2025, 10, 9), inclusive=True) == D(2025, 10, 9)
    assert next_working_day(D(2025, 10, 9)) == D(2025, 10, 10)
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 12)) == 6  # 28, 29, 30 Sep; 9, 10, 11 Oct
    assert working_days_between(D(2025, 10, 12), D(2025, 9, 26)) == -6
    assert calendar.period_end(D(2025, 9, 29), 5) == D(2025, 10, 11)


@pytest.mark.django_db
def test_zero_days_is_the_start_itself_and_a_year_without_data_follows_the_week():
    assert add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 3)
    assert working_days_between(D(2025, 10, 3), D(2025, 10, 3)) == 0
    assert is_working_day(D(2031, 1, 1))  # no notice known: a Wednesday works
    assert not is_working_day(D(2031, 1, 4))  # Saturday


# ---- properties (pure, given the overrides) ---------------------------------------------------------------------

days = st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31))
overrides = st.dictionaries(days, st.sampled_from(["holiday", "workday"]), max_size=80)


@settings(max_examples=100, deadline=None)
@given(start=days, n=st.integers(min_value=-60, max_value=60), exc=overrides)
def test_add_then_between_round_trips(start, n, exc):
    end = add_working_days(start, n, overrides=exc)
    if n >= 0:
        assert working_days_between(start, end, overrides=exc) == n
    else:  # backwards, the working days in [end, start)
        one = timedelta(days=1)
        assert working_days_between(end - one, start - one, overrides=exc) == -n
    if n:
        assert is_working_day(end, overrides=exc)
        assert (end > start) == (n > 0)


@settings(max_examples=100, deadline=None)
@given(a=days, b=days, c=days, exc=overrides)
def test_between_adds_up_and_counts_the_working_days_of_a_half_open_interval(a, b, c, exc):
    assert working_days_between(a, b, exc) + working_days_between(b, c, exc) == working_days_between(a, c, exc)
    lo, hi = min(a, b), max(a, b)
    counted = sum(is_working_day(lo + timedelta(days=i), exc) for i in range(1, (hi - lo).days + 1))
    assert abs(working_days_between(a, b, exc)) == counted


@settings(max_examples=100, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=40), exc=overrides)
def test_a_period_has_exactly_its_working_days(start, n, exc):
    end = calendar.period_end(start, n, exc)
    assert calendar.working_days_in(start, end, exc) == n
    assert is_working_day(end, exc)


# ---- editing ------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_top_committee_edits_and_the_cache_follows(tree):
    day = D(2025, 3, 7)  # a Friday
    assert is_working_day(day)
    services.set_day(tree.users.committee, day, "holiday", "临时放假")
    assert not is_working_day(day)
    services.clear_day(tree.users.committee, day)
    assert is_working_day(day)
    services.set_day(tree.users.committee, D(2025, 3, 8), "workday", "补班")
    assert is_working_day(D(2025, 3, 8))


@pytest.mark.django_db
def test_a_branch_secretary_cannot_edit_the_calendar(tree, client):
    with pytest.raises(Http404):
        services.set_day(tree.users.branch1, D(2025, 3, 7), "holiday")
    client.force_login(tree.users.branch1)
    response = client.post(reverse("workdays:set_day"), {"date": "2025-03-07", "kind": "holiday"})
    assert response.status_code == 404
    assert not CalendarDay.objects.filter(date=D(2025, 3, 7)).exists()


@pytest.mark.django_db
def test_bad_input_names_the_field(tree):
    with pytest.raises(DomainError) as err:
        services.set_day(tree.users.committee, D(2025, 3, 7), "bogus")
    assert err.value.field == "kind"
    with pytest.raises(DomainError) as err:
        services.seed_year(tree.users.committee, 2099)
    assert err.value.field == "year"


@pytest.mark.django_db
def test_seeding_a_year_from_the_bundled_notice(tree, monkeypatch):
    monkeypatch.setattr(services, "exceptions_from_library", lambda year: None)
    CalendarDay.objects.filter(date__year=2026).delete()
    calendar.invalidate(2026)
    assert is_working_day(D(2026, 2, 16))
    written = services.seed_year(tree.users.committee, 2026)
    assert written == 39
    assert not is_working_day(D(2026, 2, 16)) and is_working_day(D(2026, 2, 14))
    assert services.seed_year(tree.users.committee, 2026) == 0  # idempotent


@pytest.mark.django_db
def test_the_calendar_page(tree, client):
    client.force_login(tree.users.committee)
    response = client.get(reverse("workdays:year") + "?year=2025")
    assert response.status_code == 200
    assert "春节" in response.content.decode()
    response = client.post(reverse("workdays:set_day"), {"date": "2025-03-07", "kind": "holiday", "name": "x"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D(2025, 3, 7)).kind == "holiday"
