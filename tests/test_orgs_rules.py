"""orgs.rules: placement of organisation types and the secretaries' warnings, at their boundaries."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from dangjian.core.models import Parameter
from dangjian.orgs import rules
from dangjian.orgs.models import OrgType

TODAY = date(2025, 6, 30)
TYPES = list(OrgType)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# What domain.md §1.1 says, written out independently of ALLOWED_PARENTS.
EXPECTED = {
    (OrgType.HIGHER_COMMITTEE, None), (OrgType.HIGHER_COMMITTEE, OrgType.HIGHER_COMMITTEE),
    (OrgType.COMMITTEE, None), (OrgType.COMMITTEE, OrgType.HIGHER_COMMITTEE), (OrgType.COMMITTEE, OrgType.COMMITTEE),
    (OrgType.GENERAL_BRANCH, OrgType.HIGHER_COMMITTEE), (OrgType.GENERAL_BRANCH, OrgType.COMMITTEE),
    (OrgType.BRANCH, OrgType.HIGHER_COMMITTEE), (OrgType.BRANCH, OrgType.COMMITTEE),
    (OrgType.BRANCH, OrgType.GENERAL_BRANCH),
    (OrgType.GROUP, OrgType.BRANCH),
}


@pytest.mark.parametrize("parent", [None, *TYPES])
@pytest.mark.parametrize("child", TYPES)
def test_placement_matrix(child, parent):
    error = rules.placement_error(child, parent)
    assert (error is None) == ((child, parent) in EXPECTED)
    assert (error is None) == (parent in rules.ALLOWED_PARENTS[child])
    # Plain strings (as posted by forms) give the same answer.
    assert rules.placement_error(str(child.value), parent.value if parent else None) == error
    if error is not None:
        assert str(error)


def test_placement_messages():
    assert "inside a Party branch" in str(rules.placement_error(OrgType.GROUP, OrgType.COMMITTEE))
    assert "inside a Party branch" in str(rules.placement_error(OrgType.GROUP, None))
    assert "choose a parent" in str(rules.placement_error(OrgType.BRANCH, None))
    message = str(rules.placement_error(OrgType.GENERAL_BRANCH, OrgType.BRANCH))
    assert "General Party branch" in message and "Party branch" in message


def facts(org_type=OrgType.BRANCH, full=5, posts=0, secretary=True, term_end=None):
    return rules.OrgFacts(org_type, full, posts, secretary, term_end)


def codes(f, today=TODAY):
    return {w.code for w in rules.warnings_for(f, today)}


@pytest.mark.django_db
def test_few_members_boundary():
    assert "few_members" in codes(facts(full=2))
    assert "few_members" in codes(facts(full=0))
    assert "few_members" not in codes(facts(full=3))
    # Only branches are counted this way.
    for org_type in (OrgType.GENERAL_BRANCH, OrgType.COMMITTEE, OrgType.GROUP):
        assert "few_members" not in codes(facts(org_type, full=0))
    warning = next(w for w in rules.warnings_for(facts(full=2), TODAY) if w.code == "few_members")
    assert warning.level == "danger" and "(2)" in warning.message


@pytest.mark.django_db
def test_committee_boundary():
    assert "no_committee" not in codes(facts(full=6, posts=0))
    assert "no_committee" in codes(facts(full=7, posts=0))
    assert "no_committee" in codes(facts(full=7, posts=2))
    assert "no_committee" not in codes(facts(full=7, posts=3))
    assert "no_committee" in codes(facts(full=40, posts=1))
    assert "no_committee" not in codes(facts(OrgType.GENERAL_BRANCH, full=40, posts=0))


@pytest.mark.django_db
def test_term_boundaries():
    assert "term_expiring" in codes(facts(term_end=TODAY + timedelta(days=90)))
    assert not codes(facts(term_end=TODAY + timedelta(days=91))) & {"term_expiring", "term_expired"}
    assert "term_expiring" in codes(facts(term_end=TODAY))  # ends today: not yet over
    assert "term_expired" in codes(facts(term_end=TODAY - timedelta(days=1)))
    assert "term_expiring" not in codes(facts(term_end=TODAY - timedelta(days=1)))
    assert not codes(facts(term_end=None)) & {"term_expiring", "term_expired"}
    # Groups have no committee term.
    assert not codes(facts(OrgType.GROUP, term_end=TODAY - timedelta(days=1)))


@pytest.mark.django_db
def test_no_secretary():
    assert "no_secretary" in codes(facts(secretary=False))
    assert "no_secretary" in codes(facts(OrgType.COMMITTEE, secretary=False))
    assert "no_secretary" not in codes(facts(secretary=True))
    assert "no_secretary" not in codes(facts(OrgType.GROUP, secretary=False))


@pytest.mark.django_db
def test_a_healthy_branch_has_no_warning():
    assert rules.warnings_for(facts(full=10, posts=3, term_end=TODAY + timedelta(days=400)), TODAY) == []


@pytest.mark.django_db
def test_thresholds_come_from_dated_parameters():
    Parameter.objects.create(key="branch.min_full_members", value=5, effective_from=date(2025, 1, 1), source="t")
    Parameter.objects.create(key="org.term_warning_days", value=30, effective_from=date(2025, 1, 1), source="t")
    assert "few_members" in codes(facts(full=4))
    assert "few_members" not in codes(facts(full=4), today=date(2024, 12, 31))
    assert "term_expiring" not in codes(facts(term_end=TODAY + timedelta(days=31)))
    assert "term_expiring" in codes(facts(term_end=TODAY + timedelta(days=30)))


def test_every_code_has_a_label():
    assert set(rules.WARNING_CODES) == {"few_members", "no_committee", "term_expired", "term_expiring",
                                        "no_secretary"}
