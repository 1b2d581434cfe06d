"""Learning and credits (学分制), the rules and services: heartbeat accounting (a property test), completion by
heartbeats (too fast or too sparse pings do not complete), credits awarded once (items and exam_passed), the
nearest credit rule wins, corrections as new entries, the completion figures of a subtree, item editing rules."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dangjian.audit.models import AuditEntry
from dangjian.learning import rules, services
from dangjian.learning.models import CreditEntry, CreditSource, ItemStatus, LearningItem, Progress
from dangjian.people.models import Person

from .factories import make_person

T0 = timezone.make_aware(datetime(2025, 3, 10, 20, 0, 0))


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def item_of(tree, org=None, actor=None, publish=True, assign_to=None, **kw):
    data = {"kind": "article", "title": "学习党章", "summary": "", "body": "<div>党章全文</div>", "min_minutes": 1,
            "credits": "2"}
    data.update(kw)
    actor = actor if actor is not None else tree.users.committee
    item = services.create_item(actor, org or tree.committee, data)
    if publish:
        item = services.publish_item(actor, item)
    if assign_to is not None:
        services.assign(actor, item, orgs=assign_to)
    return item


def beat(user, item, at):
    with freeze_time(at):
        return services.heartbeat(user, item.pk)


# ---------------------------------------------------------------------------------------------------- pure rules

@hypothesis_settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_heartbeat_accounting_never_runs_ahead_of_the_clock(gaps):
    """Whatever the pings' timing, the time counted is at most the real time between the first and the last ping,
    at most INTERVAL_CAP per interval, and exactly the real time when every gap is within the cap."""
    seconds, last, now, earned_each = 0, None, T0, []
    for gap in gaps:
        now = now + timedelta(seconds=gap)
        b = rules.heartbeat(seconds, last, now, required_seconds=10**9, completed=False)
        assert b.seconds == seconds + b.earned
        earned_each.append(b.earned)
        seconds, last = b.seconds, now
    real = sum(gaps[1:])
    assert seconds <= real
    assert all(0 <= e <= rules.INTERVAL_CAP for e in earned_each)
    assert earned_each[0] == 0  # the first ping starts the clock
    if all(g <= rules.INTERVAL_CAP for g in gaps[1:]):
        assert seconds == real
    assert seconds == sum(min(g, rules.INTERVAL_CAP) for g in gaps[1:] if g <= rules.STALE_AFTER)


@hypothesis_settings(deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=600))
def test_a_completed_item_earns_nothing_more(seconds, gap):
    b = rules.heartbeat(seconds, T0, T0 + timedelta(seconds=gap), required_seconds=60, completed=True)
    assert (b.seconds, b.earned, b.completes) == (seconds, 0, False)


def test_credited_seconds_edges():
    assert rules.credited_seconds(None, T0) == 0
    assert rules.credited_seconds(T0, T0) == 0
    assert rules.credited_seconds(T0, T0 - timedelta(seconds=5)) == 0  # a clock going back earns nothing
    assert rules.credited_seconds(T0, T0 + timedelta(seconds=15)) == 15
    assert rules.credited_seconds(T0, T0 + timedelta(seconds=45)) == rules.INTERVAL_CAP
    assert rules.credited_seconds(T0, T0 + timedelta(seconds=rules.STALE_AFTER + 1)) == 0


def test_nearest_rule_and_ancestor_paths():
    a, b, c = "00000001", "0000000100000002", "000000010000000200000003"
    assert rules.ancestor_paths(c) == [c, b, a]
    assert rules.ancestor_paths("") == []
    top = rules.Rule(None, Decimal(1), Decimal(40), 1)
    mid = rules.Rule(Decimal(3), Decimal(5), Decimal(60), 2)
    assert rules.nearest_rule(c, {a: top, b: mid}) is mid
    assert rules.nearest_rule(c, {a: top}) is top
    assert rules.nearest_rule("0000000900000003", {a: top, b: mid}) is rules.DEFAULT_RULE
    assert rules.item_credits(top, Decimal("2.5")) == Decimal("2.5")
    assert rules.item_credits(mid, Decimal("2.5")) == Decimal(3)


def test_completion_rows_and_rate():
    root = "00000001"
    kids = root + "00000002", root + "00000003"
    people = [(1, root), (2, kids[0]), (3, kids[0] + "00000004"), (4, kids[1])]
    pairs = rules.assigned_pairs(people, [(10, root), (11, kids[0])], [(12, 4), (12, 99)])
    assert pairs == {1: {10}, 2: {10, 11}, 3: {10, 11}, 4: {10, 12}}
    rows = rules.completion_rows(root, people, pairs, {(2, 10), (2, 11), (3, 10), (4, 12)},
                                 {2: Decimal(50), 4: Decimal(10)}, {1: Decimal(50), 2: Decimal(50), 3: Decimal(50),
                                                                   4: Decimal(5)})
    assert rows[root] == {"members": 1, "assigned": 1, "completed": 0, "reached": 0, "rate": 0.0,
                          "reached_rate": 0.0}
    assert rows[kids[0]]["assigned"] == 4 and rows[kids[0]]["completed"] == 3 and rows[kids[0]]["rate"] == 75.0
    assert rows[kids[0]]["reached"] == 1 and rows[kids[1]]["reached"] == 1
    assert rules.rate(0, 0) is None
    total = rules.total_row(rows.values())
    assert (total["members"], total["assigned"], total["completed"], total["rate"]) == (4, 7, 4, 57.1)


# ---------------------------------------------------------------------------------------------------- heartbeats

@pytest.mark.django_db
def test_heartbeats_complete_the_item_once_and_award_its_credits(tree):
    item = item_of(tree, assign_to=[tree.branch1])
    user = tree.users.member1
    for s in (0, 15, 30, 45):
        r = beat(user, item, T0 + timedelta(seconds=s))
        assert not r.completed_now and r.task.completed_at is None
    assert Progress.objects.get(person=tree.member1, item=item).seconds == 45
    r = beat(user, item, T0 + timedelta(seconds=60))
    assert r.completed_now and r.task.done and r.credit.points == Decimal(2)
    entry = CreditEntry.objects.get(person=tree.member1)
    assert (entry.source, entry.source_key, entry.year, entry.item) == (CreditSource.ITEM, f"item:{item.pk}", 2025,
                                                                        item)
    assert AuditEntry.objects.filter(model="learning.creditentry", object_id=str(entry.pk)).exists()
    for s in (75, 90, 600):  # idempotent: a completed item earns nothing and no second credit
        r = beat(user, item, T0 + timedelta(seconds=s))
        assert not r.completed_now and r.earned == 0 and r.credit is None
    p = Progress.objects.get(person=tree.member1, item=item)
    assert p.seconds == 60 and p.completed_at == T0 + timedelta(seconds=60)
    assert CreditEntry.objects.filter(person=tree.member1).count() == 1


@pytest.mark.django_db
def test_too_fast_or_too_sparse_pings_do_not_complete(tree):
    item = item_of(tree, assign_to=[tree.branch1], min_minutes=2)
    user = tree.users.member1
    for i in range(100):  # a ping every 0.5 s for 50 s: at most the real time (whole seconds per interval)
        beat(user, item, T0 + timedelta(milliseconds=500 * i))
    p = Progress.objects.get(person=tree.member1, item=item)
    assert p.seconds <= 50 and p.completed_at is None and p.pings == 100
    for i in range(1, 50):  # then a ping every second for 49 s: 49 s more
        beat(user, item, T0 + timedelta(seconds=50 + i))
    p = Progress.objects.get(person=tree.member1, item=item)
    assert p.seconds == 49 and p.completed_at is None
    for i in range(1, 6):  # the tab left open: a ping every 10 minutes earns nothing
        beat(user, item, T0 + timedelta(minutes=10 * i))
    assert Progress.objects.get(pk=p.pk).seconds == 49
    for _i in range(1, 11):  # the same instant from two tabs: nothing
        beat(user, item, T0 + timedelta(minutes=50))
    assert Progress.objects.get(pk=p.pk).seconds == 49
    assert not CreditEntry.objects.exists()


@pytest.mark.django_db
def test_heartbeat_refused_to_outsiders_and_after_the_item_closes(tree):
    item = item_of(tree, assign_to=[tree.branch1], deadline=date(2025, 3, 10))
    with pytest.raises(Http404):
        beat(tree.users.branch2, item, T0)  # a sibling branch's member: not assigned
    with pytest.raises(Http404):
        beat(tree.users.admin, item, T0)  # no person
    draft = item_of(tree, publish=False, title="草稿")
    services.assign(tree.users.committee, draft, orgs=[tree.branch1])
    with pytest.raises(Http404):
        beat(tree.users.member1, draft, T0)  # not published yet
    beat(tree.users.member1, item, T0)
    with pytest.raises(ValidationError) as e:
        beat(tree.users.member1, item, T0 + timedelta(days=1))
    assert e.value.field == "item"
    services.withdraw_item(tree.users.committee, item)
    with pytest.raises(Http404):
        beat(tree.users.member1, item, T0)


@pytest.mark.django_db
def test_assignment_reaches_members_on_the_roll_of_the_subtree_and_chosen_people(tree):
    item = item_of(tree)
    services.assign(tree.users.committee, item, orgs=[tree.branch1], people=[tree.member2], due_on="2025-04-01")
    applicant = make_person(tree.branch1, political_status="applicant", name="申请人")
    gone = make_person(tree.branch1, name="已出党")
    Person.objects.filter(pk=gone.pk).update(status="left")
    gone.refresh_from_db()
    assert services.task_for(tree.member1, item).due_on == date(2025, 4, 1)  # in group1, under branch1
    assert services.task_for(tree.member2, item) is not None  # chosen by name in branch2
    assert services.task_for(tree.sec2, item) is None
    assert services.task_for(applicant, item) is None and services.task_for(gone, item) is None
    # assigned twice: required if any is, due at the earliest
    services.assign(tree.users.committee, item, orgs=[tree.general], required=False, due_on="2025-03-20")
    t = services.task_for(tree.member1, item)
    assert t.required and t.due_on == date(2025, 3, 20)
    assert services.task_for(tree.sec2, item).required is False


@pytest.mark.django_db
def test_assign_only_inside_the_items_organisation(tree):
    item = item_of(tree, org=tree.branch1, actor=tree.users.branch1)
    with pytest.raises(ValidationError) as e:
        services.assign(tree.users.branch1, item, orgs=[tree.branch2])
    assert e.value.field == "orgs"
    with pytest.raises(ValidationError) as e:
        services.assign(tree.users.branch1, item, people=[tree.member2])
    assert e.value.field == "people"
    with pytest.raises(ValidationError) as e:
        services.assign(tree.users.branch1, item, orgs=[tree.branch1], due_on="not a date")
    assert e.value.field == "due_on"
    with pytest.raises(Http404):
        services.assign(tree.users.branch2, item, orgs=[tree.branch1])
    with pytest.raises(Http404):
        services.create_item(tree.users.branch2, tree.branch1, {"kind": "article", "title": "x", "body": "y",
                                                               "min_minutes": 1, "credits": 1})


# ---------------------------------------------------------------------------------------------------- credits

@pytest.mark.django_db
def test_exam_passed_awards_once_per_person_month_and_tier(tree):
    march = date(2025, 3, 1)
    e = services.exam_passed(tree.member1.pk, march, "A", date(2025, 3, 12), "attempt:1")
    assert (e.points, e.source, e.year, e.ref, e.earned_on) == (Decimal(2), CreditSource.EXAM, 2025, "attempt:1",
                                                                date(2025, 3, 12))
    assert services.exam_passed(tree.member1.pk, march, "A", date(2025, 3, 13), "attempt:2") is None
    assert services.exam_passed(tree.member1.pk, date(2025, 3, 15), "A", date(2025, 3, 13), "attempt:3") is None
    assert services.exam_passed(tree.member1.pk, march, "B", date(2025, 3, 13), "attempt:4") is not None
    assert services.exam_passed(tree.member1.pk, date(2025, 4, 1), "A", date(2025, 4, 2), "attempt:5") is not None
    assert services.exam_passed(tree.member2.pk, march, "A", date(2025, 3, 12), "attempt:6") is not None
    assert CreditEntry.objects.filter(person=tree.member1).count() == 3
    for bad, field in [({"tier": "D"}, "tier"), ({"month": "2025-03-01"}, "month"), ({"person_id": 0},
                                                                                         "person_id")]:
        args = {"person_id": tree.member1.pk, "month": march, "tier": "A", "on": march, "ref": "x", **bad}
        with pytest.raises(ValidationError) as err:
            services.exam_passed(**args)
        assert err.value.field == field


@pytest.mark.django_db
def test_nearest_credit_rule_wins(tree):
    services.set_rule(tree.users.committee, tree.committee, credits_per_item=None, credits_per_exam=1,
                      yearly_target=40)
    services.set_rule(tree.users.branch1, tree.branch1, credits_per_item="5", credits_per_exam=3, yearly_target=60)
    assert services.rule_for_path(tree.member1.scope_path).credits_per_exam == Decimal(3)  # group1 ⊂ branch1
    assert services.rule_for_path(tree.member2.scope_path).credits_per_exam == Decimal(1)  # branch2 ⊂ committee
    assert services.exam_passed(tree.member1.pk, date(2025, 3, 1), "A", date(2025, 3, 2), "a").points == 3
    assert services.exam_passed(tree.member2.pk, date(2025, 3, 1), "A", date(2025, 3, 2), "a").points == 1
    item = item_of(tree, assign_to=[tree.general])
    for user, person, points in [(tree.users.member1, tree.member1, 5), (tree.users.branch2, tree.sec2, 2)]:
        for s in (0, 30, 60, 75):
            beat(user, item, T0 + timedelta(seconds=s))
        assert CreditEntry.objects.get(person=person, source="item").points == points
    # a rule giving 0 for exams: nothing awarded
    services.set_rule(tree.users.branch2, tree.branch2, credits_per_item=None, credits_per_exam=0, yearly_target=50)
    assert services.exam_passed(tree.member2.pk, date(2025, 4, 1), "A", date(2025, 4, 2), "b") is None
    # a branch cannot set the committee's rule; clearing restores the rule above
    with pytest.raises(Http404):
        services.set_rule(tree.users.branch1, tree.committee, credits_per_item=None, credits_per_exam=9,
                          yearly_target=9)
    services.clear_rule(tree.users.branch1, tree.branch1)
    assert services.rule_for_path(tree.member1.scope_path).yearly_target == Decimal(40)
    with pytest.raises(ValidationError) as e:
        services.set_rule(tree.users.branch1, tree.branch1, credits_per_item="1.25", credits_per_exam=1,
                          yearly_target=50)
    assert e.value.field == "credits_per_item"
    with pytest.raises(ValidationError) as e:
        services.set_rule(tree.users.branch1, tree.branch1, credits_per_item="", credits_per_exam=1,
                          yearly_target=-1)
    assert e.value.field == "yearly_target"


@pytest.mark.django_db
def test_credit_entries_are_never_edited_and_corrections_are_new_entries(tree):
    e = services.exam_passed(tree.member1.pk, date(2025, 3, 1), "A", date(2025, 3, 2), "attempt:9")
    e.points = 99
    with pytest.raises(ValidationError):
        e.save()
    fix = services.correct_credit(tree.users.branch1, e, points="-2", note="成绩复核未通过")
    assert fix.corrects == e and fix.source == CreditSource.CORRECTION and fix.points == Decimal(-2)
    assert services.credits_of(tree.member1, 2025)["total"] == 0
    with pytest.raises(ValidationError) as err:
        services.correct_credit(tree.users.branch1, e, points="-1", note="再扣")
    assert err.value.field == "points"
    with pytest.raises(ValidationError) as err:
        services.correct_credit(tree.users.branch1, fix, points="1", note="x")
    assert err.value.field == "corrects"
    with pytest.raises(Http404):
        services.correct_credit(tree.users.branch2, e, points="1", note="x")
    manual = services.add_credit(tree.users.branch1, tree.member1, year=2025, points="4", note="参加集中培训")
    assert manual.source == CreditSource.MANUAL and manual.created_by == tree.users.branch1
    with pytest.raises(Http404):
        services.add_credit(tree.users.branch2, tree.member1, year=2025, points="4", note="x")
    with pytest.raises(ValidationError) as err:
        services.add_credit(tree.users.branch1, tree.member1, year=2025, points="4", note="")
    assert err.value.field == "note"
    data = services.credits_of(tree.member1, 2025)
    assert data["total"] == Decimal(4) and data["target"] == Decimal(50) and not data["reached"]
    assert {s["source"]: s["points"] for s in data["by_source"]} == {"exam": 2, "manual": 4, "correction": -2}


# ---------------------------------------------------------------------------------------------------- items

@pytest.mark.django_db
def test_item_editing_rules(tree):
    user = tree.users.committee
    item = item_of(tree, publish=False)
    data = {"kind": "article", "title": "改题", "body": "<div>正文</div><script>alert(1)</script>", "min_minutes": 3,
            "credits": "1.5"}
    item = services.update_item(user, item, data, expected_version=item.version)
    assert item.min_minutes == 3 and "<script>" not in item.body and item.version == 2
    from dangjian.core.errors import ConflictError

    with pytest.raises(ConflictError):
        services.update_item(user, item, data, expected_version=1)
    item = services.publish_item(user, item)
    assert item.status == ItemStatus.PUBLISHED and item.published_at
    item = services.update_item(user, item, {**data, "title": "改错别字"})  # wording: allowed
    assert item.title == "改错别字"
    with pytest.raises(ValidationError) as e:
        services.update_item(user, item, {**data, "title": "改错别字", "min_minutes": 1})
    assert e.value.field == "min_minutes"
    with pytest.raises(ValidationError) as e:
        services.update_item(user, item, {**data, "credits": "9"})
    assert e.value.field == "credits"
    services.assign(user, item, orgs=[tree.branch1])
    copy = services.copy_item(user, item)
    assert copy.status == ItemStatus.DRAFT and copy.copied_from == item and copy.assignments.count() == 1
    services.update_item(user, copy, {**data, "min_minutes": 1})
    with pytest.raises(ValidationError) as e:
        services.publish_item(user, services.create_item(user, tree.committee, {**data, "kind": "document"}))
    assert e.value.field == "file"
    with pytest.raises(ValidationError) as e:
        services.create_item(user, tree.committee, {**data, "kind": "video", "video_url": "javascript:alert(1)"})
    assert e.value.field == "video_url"
    for bad, field in [({"title": ""}, "title"), ({"min_minutes": 0}, "min_minutes"), ({"credits": "x"}, "credits"),
                       ({"kind": "podcast"}, "kind"), ({"deadline": "2025-13-01"}, "deadline")]:
        with pytest.raises(ValidationError) as e:
            services.create_item(user, tree.committee, {**data, **bad})
        assert e.value.field == field


@pytest.mark.django_db
def test_document_files_are_checked(tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = tree.users.committee
    data = {"kind": "document", "title": "党章", "min_minutes": 1, "credits": 1}
    pdf = SimpleUploadedFile("党章.pdf", b"%PDF-1.4 fake", content_type="application/pdf")
    item = services.create_item(user, tree.committee, data, upload=pdf)
    assert item.file_name == "党章.pdf" and item.file_type == "application/pdf" and item.file.name.endswith(".pdf")
    assert services.publish_item(user, item).status == ItemStatus.PUBLISHED
    for name, content in [("x.exe", b"MZ"), ("x.pdf", b"<html>")]:
        with pytest.raises(ValidationError) as e:
            services.create_item(user, tree.committee, data, upload=SimpleUploadedFile(name, content))
        assert e.value.field == "file"
    video = SimpleUploadedFile("v.mp4", b"\x00\x00\x00\x18ftypmp42....")
    assert services.create_item(user, tree.committee, {**data, "kind": "video"}, upload=video).file_type == "video/mp4"


# ---------------------------------------------------------------------------------------------------- figures

@pytest.mark.django_db
def test_completion_figures_of_a_subtree(tree, django_assert_max_num_queries):
    year = timezone.localdate().year
    a = item_of(tree, assign_to=[tree.committee])
    b = item_of(tree, org=tree.branch1, actor=tree.users.branch1, assign_to=[tree.branch1], title="支部学习")
    now = timezone.now()
    for person in (tree.member1, tree.sec2):
        Progress.objects.create(person=person, item=a, seconds=60, completed_at=now)
    Progress.objects.create(person=tree.leader1, item=b, seconds=10)  # started, not completed
    services.add_credit(None, tree.member1, year=year, points="50", note="培训")
    with django_assert_max_num_queries(8):
        data = services.completion(tree.general, year)
    rows = {r["org"].name: r for r in data["rows"]}
    assert list(rows) == ["第一党支部", "第二党支部"]
    # branch1: 5 members (委员会书记, 支部书记一, 小组长一, 普通党员一, 普通党员二) × 2 items; 1 done
    assert (rows["第一党支部"]["members"], rows["第一党支部"]["assigned"], rows["第一党支部"]["completed"]) == (5, 10, 1)
    assert rows["第一党支部"]["rate"] == 10.0 and rows["第一党支部"]["reached"] == 1
    assert (rows["第二党支部"]["assigned"], rows["第二党支部"]["completed"], rows["第二党支部"]["rate"]) == (2, 1, 50.0)
    assert data["total"]["assigned"] == 12 and data["total"]["completed"] == 2
    items = {r["item"].pk: r for r in data["items"]}
    assert (items[a.pk]["assigned"], items[a.pk]["completed"]) == (7, 2)
    assert (items[b.pk]["assigned"], items[b.pk]["completed"]) == (5, 0)
    members = {m["name"]: m for m in data["members"]}
    assert members["普通党员一"]["reached"] and members["普通党员一"]["completed"] == 1
    drill = {r["org"].name: r for r in services.completion(tree.branch1, year)["rows"]}
    assert drill["第一党支部"]["own"] and drill["第一党支部"]["members"] == 2  # 委员会书记, 普通党员二
    assert drill["第一党小组"]["members"] == 3
    # more people and items: still the same number of queries
    for i in range(5):
        make_person(tree.branch2, name=f"新党员{i}")
        item_of(tree, assign_to=[tree.general], title=f"新内容{i}")
    with django_assert_max_num_queries(8):
        services.completion(tree.general, year)
    rows_list = services.item_completion(a, tree.branch1)
    assert len(rows_list) == 5 and sum(1 for r in rows_list if r["completed_at"]) == 1


@pytest.mark.django_db
def test_demo_seed_is_idempotent(tree):
    from dangjian.learning.demo import seed_learning

    n = seed_learning(tree.committee, today=date(2025, 6, 15))
    assert n == 4 and LearningItem.objects.filter(status=ItemStatus.PUBLISHED).count() == 4
    before = (Progress.objects.count(), CreditEntry.objects.count())
    assert seed_learning(tree.committee, today=date(2025, 6, 15)) == 0
    assert (Progress.objects.count(), CreditEntry.objects.count()) == before
    assert services.tasks_for(tree.member1)
    assert services.completion(tree.committee, 2025)["total"]["assigned"] == 7 * 4
