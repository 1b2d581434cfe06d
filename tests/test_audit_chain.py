"""The audit trail: every change of domain data recorded with who, what and the request; hash-chained."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from dangjian.audit import chain
from dangjian.audit.middleware import AuditContextMiddleware
from dangjian.audit.mixins import REDACTED
from dangjian.audit.models import AuditEntry, AuditHead
from dangjian.core.context import acting_as
from dangjian.orgs import services as org_services
from dangjian.orgs.models import Organization
from dangjian.people import services as people_services
from dangjian.people.models import Person

from .factories import id_number, make_org, make_person, make_user


def entries_for(obj):
    return list(AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq"))


def last_entry():
    return AuditEntry.objects.order_by("-seq").first()


@pytest.fixture
def setup(db):
    root = make_org("committee", name="党委", code="AC1")
    branch = make_org("branch", parent=root, name="支部", code="AB1")
    user = make_user("auditor")
    return root, branch, user


# ---------------------------------------------------------------------------------------------- recording


def test_organisation_create_and_update_are_recorded_with_the_actor(setup):
    root, branch, user = setup
    with acting_as(user):
        org = org_services.create_org(None, org_type="branch", parent=root, name="新支部", code="NEW")
        org_services.update_org(None, org, {"name": "改名支部", "contact_name": "王"})
    created, updated = entries_for(org)
    assert created.action == "create" and created.before is None
    assert created.after["name"] == "新支部" and created.after["code"] == "NEW"
    assert created.after["parent_id"] == root.pk and created.org_path == org.path
    assert created.actor_id == user.pk and created.actor_repr == "auditor"
    assert created.request["via"] == "command"
    assert updated.action == "update"
    assert updated.before == {"name": "新支部", "contact_name": ""}
    assert updated.after == {"name": "改名支部", "contact_name": "王"}
    assert "version" not in updated.after and "updated_at" not in updated.after
    assert updated.object_repr == "改名支部" and updated.actor_id == user.pk


def test_unchanged_save_records_nothing(setup):
    root, branch, user = setup
    count = AuditEntry.objects.count()
    org = Organization.objects.get(pk=branch.pk)
    org.save()
    assert AuditEntry.objects.count() == count


def test_organisations_cannot_be_deleted_and_nothing_is_recorded(setup):
    root, branch, user = setup
    count = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        branch.delete()
    assert AuditEntry.objects.count() == count and Organization.objects.filter(pk=branch.pk).exists()


def test_organisation_move_and_dissolution_are_recorded(setup):
    root, branch, user = setup
    other = make_org("general_branch", parent=root)
    with acting_as(user):
        org_services.move_org(None, branch, other)
        org_services.dissolve_org(None, branch)
    moved, dissolved = entries_for(branch)[-2:]
    assert moved.before["parent_id"] == root.pk and moved.after["parent_id"] == other.pk
    assert moved.before["path"] == root.path + branch.path[-8:] and moved.after["path"].startswith(other.path)
    assert dissolved.after["status"] == "dissolved" and dissolved.actor_id == user.pk


def test_person_create_update_delete_are_recorded_and_redacted(setup):
    root, branch, user = setup
    number, phone = id_number(7001), "13977770001"
    with acting_as(user):
        person = make_person(branch, name="张三", id_number=number, phone=phone)
        people_services.update_person(None, person, {"phone": "13977770002", "address": "上海"})
        pk = person.pk
        Person.objects.get(pk=pk).delete()
    created, updated, deleted = entries_for(person)
    assert created.action == "create" and created.after["name"] == "张三"
    assert created.after["id_number_enc"] == REDACTED and created.after["phone_hash"] == REDACTED
    assert created.after["id_number_masked"] == number[:4] + "*" * 10 + number[-4:]
    assert "scope_path" not in created.after and created.org_path == branch.path
    assert updated.before["address"] == "" and updated.after["address"] == "上海"
    assert updated.before["phone_enc"] == REDACTED and updated.after["phone_masked"] == "139****0002"
    assert "name" not in updated.after
    assert deleted.action == "delete" and deleted.before["name"] == "张三" and deleted.after is None
    assert all(e.actor_id == user.pk for e in (created, updated, deleted))
    trail = json.dumps([[e.before, e.after, e.object_repr, e.note] for e in (created, updated, deleted)],
                       ensure_ascii=False)
    for secret in (number, phone, "13977770002", number[4:14]):
        assert secret not in trail


def test_changes_through_a_request_record_the_request(setup):
    root, branch, user = setup
    person = make_person(branch, name="李四")
    request = RequestFactory().post("/people/1/edit/", HTTP_USER_AGENT="Mozilla/5.0 test",
                                    HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    request.user = user

    def view(req):
        people_services.update_person(req.user, Person.objects.get(pk=person.pk), {"address": "北京"})
        return HttpResponse("ok")

    user.is_superuser = True  # the edit itself is allowed; scoping is tested elsewhere
    AuditContextMiddleware(view)(request)
    entry = entries_for(person)[-1]
    assert entry.actor_id == user.pk and entry.after == {"address": "北京"}
    assert entry.request["method"] == "POST" and entry.request["path"] == "/people/1/edit/"
    assert entry.request["ip"] == "203.0.113.9" and entry.request["user_agent"] == "Mozilla/5.0 test"
    assert entry.request["via"] == "web" and entry.request["request_id"] == request.request_id
    # Outside the request again: no actor, "system".
    people_services.update_person(None, Person.objects.get(pk=person.pk), {"address": "天津"})
    assert entries_for(person)[-1].actor_id is None and entries_for(person)[-1].request == {"via": "system"}


def test_api_requests_are_marked(setup):
    root, branch, user = setup
    request = RequestFactory().patch("/api/v1/orgs/1/")
    request.user = user

    def view(req):
        org_services.update_org(None, Organization.objects.get(pk=branch.pk), {"address": "路1号"})
        return HttpResponse("ok")

    AuditContextMiddleware(view)(request)
    assert entries_for(branch)[-1].request["via"] == "api"


def test_requests_by_the_test_client_are_recorded(tree, client):
    """Through the whole middleware stack: a page that changes nothing leaves the trail alone, and the audit
    context is gone after the response."""
    count = AuditEntry.objects.count()
    client.force_login(tree.users.branch1)
    client.get("/")
    assert AuditEntry.objects.count() == count
    from dangjian.core import context

    assert context.current() is None


# ---------------------------------------------------------------------------------------------- the chain


def test_chain_is_gap_free_and_verifies(setup):
    root, branch, user = setup
    with transaction.atomic():
        for i in range(5):
            make_person(branch, name=f"批量{i}")
        org_services.update_org(None, branch, {"name": "批量改名"})
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    head = AuditHead.objects.get(pk=1)
    assert head.seq == seqs[-1] and head.hash == last_entry().hash
    ok, checked, broken, reason = chain.verify()
    assert ok and checked == len(seqs) and broken is None and reason == ""


def test_rolled_back_work_leaves_no_gap(setup):
    root, branch, user = setup
    before = AuditEntry.objects.count()
    try:
        with transaction.atomic():
            make_person(branch, name="回滚")
            raise RuntimeError
    except RuntimeError:
        pass
    assert AuditEntry.objects.count() == before
    make_person(branch, name="之后")
    assert chain.verify()[0]
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_bulk_append_chains_many_entries(setup):
    entries = [chain.build("export", "people.person", i, note=f"n{i}") for i in range(30)]
    chain.append(entries)
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 30))
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert chain.verify()[0]


@pytest.fixture
def chained(setup):
    root, branch, user = setup
    with acting_as(user):
        for i in range(4):
            make_person(branch, name=f"链{i}")
    assert chain.verify()[0]
    return list(AuditEntry.objects.order_by("seq"))


FIELDS = {
    "at": lambda e: e.at.replace(microsecond=(e.at.microsecond + 1) % 1000000),
    "actor_id": lambda e: (e.actor_id or 0) + 1,
    "actor_repr": lambda e: e.actor_repr + "x",
    "action": lambda e: "delete" if e.action != "delete" else "create",
    "model": lambda e: e.model + "x",
    "object_id": lambda e: e.object_id + "0",
    "object_repr": lambda e: e.object_repr + "x",
    "org_path": lambda e: e.org_path + "0",
    "before": lambda e: {"name": "x"},
    "after": lambda e: {**(e.after or {}), "name": "篡改"},
    "note": lambda e: e.note + "x",
    "request": lambda e: {**e.request, "ip": "1.2.3.4"},
    "prev_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
}


@pytest.mark.parametrize("field", sorted(FIELDS))
@pytest.mark.parametrize("position", [0, 3, -1])
def test_tampering_with_any_field_is_detected(chained, field, position):
    victim = chained[position]
    AuditEntry.objects.filter(pk=victim.pk).update(**{field: FIELDS[field](victim)})
    ok, checked, broken, reason = chain.verify()
    assert not ok
    # Editing an entry's own hash shows at the entry itself (its content no longer matches).
    assert broken == victim.seq, reason
    assert checked == victim.seq - 1


def test_deleting_an_entry_is_detected(chained):
    AuditEntry.objects.filter(pk=chained[2].pk).delete()
    ok, checked, broken, reason = chain.verify()
    assert not ok and broken == chained[2].seq and "missing" in reason


def test_deleting_the_last_entries_is_detected_by_the_head(chained):
    AuditEntry.objects.filter(seq__gte=chained[-2].seq).delete()
    ok, checked, broken, reason = chain.verify()
    assert not ok and broken == chained[-2].seq and "removed" in reason


def test_deleting_the_first_entry_is_detected(chained):
    AuditEntry.objects.filter(pk=chained[0].pk).delete()
    ok, _checked, broken, _reason = chain.verify()
    assert not ok and broken == 1


def test_reordering_is_detected(chained):
    a, b = chained[1], chained[2]
    with transaction.atomic():
        AuditEntry.objects.filter(pk=a.pk).update(seq=-1)
        AuditEntry.objects.filter(pk=b.pk).update(seq=a.seq)
        AuditEntry.objects.filter(pk=a.pk).update(seq=b.seq)
    ok, _checked, broken, _reason = chain.verify()
    assert not ok and broken == a.seq


def test_rehashing_one_entry_is_still_detected_by_the_next(chained):
    victim = chained[1]
    victim.note = "篡改"
    victim.hash = chain.compute_hash(victim.prev_hash, victim)
    AuditEntry.objects.filter(pk=victim.pk).update(note=victim.note, hash=victim.hash)
    ok, _checked, broken, reason = chain.verify()
    assert not ok and broken == victim.seq + 1 and "does not follow" in reason


def test_raw_sql_edit_is_detected(chained):
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET object_repr = %s WHERE seq = %s", ["改", chained[1].seq])  # noqa: S608
    assert chain.verify()[2] == chained[1].seq


def test_verify_in_small_batches(chained):
    assert chain.verify(batch_size=1) == (True, len(chained), None, "")


def test_empty_trail_verifies(db):
    assert chain.verify() == (True, 0, None, "")


def test_re_entering_the_same_id_number_or_phone_is_no_change(setup):
    root, branch, user = setup
    number = id_number(7002)
    person = make_person(branch, id_number=number, phone="13977770003")
    count = AuditEntry.objects.count()
    people_services.update_person(None, person, {"id_number": number.lower(), "phone": "139 7777 0003"})
    assert AuditEntry.objects.count() == count
    people_services.update_person(None, person, {"id_number": number, "address": "广州"})
    assert entries_for(person)[-1].after == {"address": "广州"}
    people_services.update_person(None, person, {"phone": "13977770004"})
    assert set(entries_for(person)[-1].after) == {"phone_enc", "phone_hash", "phone_masked"}
    people_services.update_person(None, person, {"phone": ""})
    last = entries_for(person)[-1]
    assert last.after["phone_enc"] == "" and last.before["phone_enc"] == REDACTED
