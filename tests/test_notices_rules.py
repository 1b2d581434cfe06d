"""Pure rules of notices: transitions, attachment checks, reminder timing, folding receipt counts into rates."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.notices import rules

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


def test_transitions_table():
    assert rules.next_state("publishing", "written") == "published"
    assert rules.next_state("published", "revise") == "publishing"
    assert rules.next_state("published", "withdraw") == "withdrawn"
    for state, action in [("withdrawn", "withdraw"), ("withdrawn", "revise"), ("published", "written")]:
        with pytest.raises(ValueError):
            rules.next_state(state, action)


@pytest.mark.parametrize("name, size, head, problem", [
    ("a.pdf", 10, b"%PDF-1.7", None),
    ("A.PDF", 10, b"%PDF", None),
    ("a.pdf", 10, b"<html>", "type"),
    ("a.exe", 10, b"MZ", "type"),
    ("noext", 10, b"", "type"),
    ("a.docx", 10, b"PK\x03\x04", None),
    ("a.txt", 10, b"hello", None),
    ("a.png", rules.MAX_ATTACHMENT_BYTES + 1, b"\x89PNG", "size"),
    ("a.txt", 0, b"", "type"),
])
def test_attachment_problem(name, size, head, problem):
    assert rules.attachment_problem(name, size, head) == problem


def test_reminder_due():
    base = {"state": "published", "must_read": True, "every_days": 2, "last_reminded_at": None, "published_at": T0,
                "deadline": T0 + timedelta(days=7)}
    assert not rules.reminder_due(**base, now=T0 + timedelta(days=1))
    assert rules.reminder_due(**base, now=T0 + timedelta(days=2))
    assert not rules.reminder_due(**{**base, "last_reminded_at": T0 + timedelta(days=2)}, now=T0 + timedelta(days=3))
    assert not rules.reminder_due(**base, now=T0 + timedelta(days=8))  # past the deadline
    for change in ({"state": "withdrawn"}, {"must_read": False}, {"every_days": None}, {"published_at": None}):
        assert not rules.reminder_due(**{**base, **change}, now=T0 + timedelta(days=3))


def test_fold_rates_counts_grandchildren_for_their_child():
    parent, a, b = "00000001", "0000000100000002", "0000000100000003"
    rows = [(parent, 2, 1), (a, 3, 3), (a + "00000009", 4, 1), (b, 1, 0), ("00000099", 5, 5)]
    rates, own = rules.fold_rates(rows, parent, [a, b])
    assert [(r.key, r.total, r.read) for r in rates] == [(a, 7, 4), (b, 1, 0)]
    assert (own.total, own.read, own.percent) == (2, 1, 50.0)
    assert rates[0].unread == 3 and rates[1].percent == 0.0 and rules.Rate("x").percent == 0.0


paths = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(lambda ids: "00000001" + "".join(
    f"{i:08d}" for i in ids))


@given(st.lists(st.tuples(paths, st.integers(0, 50), st.integers(0, 50)), max_size=30))
def test_fold_rates_loses_nothing(raw):
    rows = [(p, t + r, r) for p, t, r in raw]
    children = [f"00000001{i:08d}" for i in range(1, 5)]
    rates, own = rules.fold_rates(rows, "00000001", children)
    assert sum(r.total for r in rates) + own.total == sum(t for _p, t, _r in rows)
    assert sum(r.read for r in rates) + own.read == sum(r for _p, _t, r in rows)
    assert all(0 <= r.percent <= 100 for r in rates)
