"""core.params: defaults with sources, and dated overrides from the database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from dangjian.core import params
from dangjian.core.models import Parameter


def test_defaults_follow_domain_md(db):
    assert params.get("branch.min_full_members") == 3
    assert params.get("branch.committee_threshold") == 7
    assert params.get("org.term_warning_days") == 90
    assert params.get("transfer.letter_valid_days") == 30
    assert params.get("transfer.letter_max_days") == 90
    assert params.get("member.min_age") == 18
    assert params.get("member.probation_months") == 12


def test_every_definition_names_its_source():
    for definition in params.DEFINITIONS.values():
        assert definition.source and str(definition.label)
        assert definition.confidence in ("✅", "⚠️", "❓")


def test_unknown_keys_are_an_error(db):
    with pytest.raises(KeyError):
        params.get("no.such.key")


def override(key, value, on):
    return Parameter.objects.create(key=key, value=value, effective_from=on, source="local rule")


def test_override_applies_from_its_effective_date(db):
    override("member.min_age", 20, date(2026, 1, 1))
    assert params.get("member.min_age", date(2025, 12, 31)) == 18
    assert params.get("member.min_age", date(2026, 1, 1)) == 20
    assert params.get("member.min_age", date(2030, 1, 1)) == 20
    # Other keys are untouched.
    assert params.get("branch.min_full_members", date(2030, 1, 1)) == 3


def test_the_latest_override_in_force_wins(db):
    override("org.term_warning_days", 60, date(2020, 1, 1))
    override("org.term_warning_days", 120, date(2024, 1, 1))
    override("org.term_warning_days", 30, date(2022, 1, 1))  # inserted out of order
    assert params.get("org.term_warning_days", date(2019, 12, 31)) == 90
    assert params.get("org.term_warning_days", date(2021, 6, 1)) == 60
    assert params.get("org.term_warning_days", date(2023, 6, 1)) == 30
    assert params.get("org.term_warning_days", date(2024, 6, 1)) == 120


def test_today_is_the_default_date(db):
    today = timezone.localdate()
    override("member.min_age", 21, today + timedelta(days=1))
    assert params.get("member.min_age") == 18
    override("member.min_age", 19, today)
    assert params.get("member.min_age") == 19


def test_a_datetime_counts_as_its_local_date(db):
    override("member.min_age", 25, date(2026, 1, 1))
    assert params.get("member.min_age", datetime(2026, 1, 1, 9, 0)) == 25
    # 31 Dec 2025 20:00 UTC is already 1 January 2026 in Beijing.
    aware = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    assert params.get("member.min_age", aware) == 25


def test_changes_are_seen_at_once_despite_the_cache(db, django_assert_num_queries):
    assert params.get("member.min_age") == 18
    with django_assert_num_queries(0):
        assert params.get("member.min_age") == 18  # cached
    row = override("member.min_age", 20, date(2000, 1, 1))
    assert params.get("member.min_age") == 20
    row.value = 22
    row.save()
    assert params.get("member.min_age") == 22
    row.delete()
    assert params.get("member.min_age") == 18
    override("member.min_age", 23, date(2000, 1, 1))
    assert params.get("member.min_age") == 23
    Parameter.objects.filter(key="member.min_age").delete()  # bulk delete, as the admin does
    assert params.get("member.min_age") == 18
