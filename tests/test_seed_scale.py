"""seed_scale builds a consistent tree and population in bulk, with one audit entry instead of one per row."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Count

from dangjian.accounts.models import Post
from dangjian.audit import chain
from dangjian.audit.models import AuditEntry
from dangjian.home import scale
from dangjian.orgs.models import PATH_STEP, Organization, OrgType
from dangjian.orgs.rules import placement_error
from dangjian.people import crypto
from dangjian.people import rules as people_rules
from dangjian.people.codes import MEMBER_STATUSES, MemberStatus
from dangjian.people.models import Person
from dangjian.people.queries import search_q, statistics
from dangjian.transfers.models import FlowRecord

from .test_seed_demo import _check_person_dates

pytestmark = pytest.mark.django_db(transaction=True)


def _seed(*extra):
    call_command("seed_scale", "--people", "2000", "--orgs", "200", "--seed", "7", *extra)


def test_seed_scale_builds_a_consistent_tree_and_population():
    audit_before = AuditEntry.objects.count()
    _seed()
    assert AuditEntry.objects.count() == audit_before + 1  # one summary entry, no per-row audit
    assert chain.verify()[0]

    orgs = {o.pk: o for o in Organization.objects.all()}
    assert len(orgs) == 200
    by_path = {o.path: o for o in orgs.values()}
    for org in orgs.values():
        assert len(org.path) % PATH_STEP == 0 and org.depth == len(org.path) // PATH_STEP
        assert org.path.endswith(f"{org.pk:0{PATH_STEP}d}")
        for i in range(1, org.depth):  # every prefix is an organisation: the parent chain
            assert org.path[: i * PATH_STEP] in by_path
        if org.parent_id is None:
            assert org.depth == 1 and org.code == scale.ROOT_CODE
        else:
            parent = orgs[org.parent_id]
            assert org.path == parent.path + f"{org.pk:0{PATH_STEP}d}"
            assert placement_error(org.org_type, parent.org_type) is None, (org.org_type, parent.org_type)
    types = {t: sum(1 for o in orgs.values() if o.org_type == t) for t in OrgType.values}
    assert all(types[t] for t in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH, OrgType.BRANCH, OrgType.GROUP))

    people = list(Person.objects.select_related("org", "group"))
    assert len(people) == 2000
    assert len({p.id_number_hash for p in people}) == 2000
    for p in people:
        assert p.org.org_type == OrgType.BRANCH
        if p.group_id:
            assert p.group.org_type == OrgType.GROUP and p.group.parent_id == p.org_id
            assert p.scope_path == p.group.path
        else:
            assert p.scope_path == p.org.path
        _check_person_dates({
            "political_status": p.political_status, "birth_date": p.birth_date, "gender": p.gender,
            "applied_on": p.applied_on, "activist_on": p.activist_on, "candidate_on": p.candidate_on,
            "join_date": p.join_date, "full_date": p.full_date,
        })
        assert p.id_number_masked[:4] + p.id_number_masked[-4:] != "" and "*" in p.id_number_masked
        if p.status == MemberStatus.FLOWING:
            assert p.flow_destination and p.political_status in MEMBER_STATUSES
    sample = people[::97]
    for p in sample:  # encrypted, blind-indexed and masked exactly like Person.set_id_number
        number = p.get_id_number()
        assert people_rules.validate_id_number(number, p.birth_date) == number
        assert p.id_number_hash == crypto.blind_index(number)
        assert p.id_number_masked == crypto.mask_id_number(number)
        assert people_rules.id_gender(number) == p.gender
        assert p.phone_hash == crypto.blind_index(p.get_phone())
        assert Person.objects.filter(search_q(number)).get() == p
    flowing = Person.objects.filter(status=MemberStatus.FLOWING).count()
    assert FlowRecord.objects.count() == flowing > 0
    for post in Post.objects.select_related("person", "org"):
        assert post.person.scope_path.startswith(post.org.path)
    assert Post.objects.count() > 0.8 * sum(types[t] for t in OrgType.values if t != OrgType.GROUP)

    stats = statistics(Person.objects.all(), year=date.today().year)
    assert stats["total"] > 1000 and 0.2 < stats["gender"]["2"] / stats["total"] < 0.42
    assert sum(stats["age_band"].values()) == stats["total"]


def test_seed_scale_reset_and_reseed_are_repeatable():
    _seed()
    first = sorted(Person.objects.values_list("id_number_hash", flat=True))
    _seed("--reset")
    assert Organization.objects.count() == 200 and Person.objects.count() == 2000
    assert sorted(Person.objects.values_list("id_number_hash", flat=True)) == first  # same seed, same people
    _seed()  # without --reset: a second tree beside the first, nothing clashes
    roots = Organization.objects.filter(parent=None)
    assert roots.count() == 2 and Person.objects.count() == 4000
    assert not Person.objects.values("id_number_hash").annotate(n=Count("id")).filter(n__gt=1).exists()
    _seed("--reset")
    assert Organization.objects.count() == 200 and Person.objects.count() == 2000
    assert chain.verify()[0]
