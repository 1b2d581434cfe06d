"""Heart-to-heart talks (谈心谈话): recording and its rules, corrections as new records, the members no one has
talked with this year, the pages — and a sibling branch gets 404 on every page and action."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.people.models import Person
from dangjian.talks import services
from dangjian.talks.models import Talk, TalkKind

from .factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are matched in English here (the pages through LANGUAGE_CODE, the services through override)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def talk(tree, actor=None, org=None, initiator=None, counterpart=None, **kw):
    data = {"talked_on": today(), "kind": TalkKind.COMMITTEE_MEMBER, "topic": "年度谈心谈话",
            "summary": "交流了思想和工作情况。", "follow_up": ""}
    data.update(kw)
    return services.record_talk(actor if actor is not None else tree.users.branch1, org=org or tree.branch1,
                                initiator=initiator or tree.sec1, counterpart=counterpart or tree.member1, **data)


def counts():
    return Talk.objects.count(), AuditEntry.objects.filter(model="talks.talk").count()


# ---------------------------------------------------------------------------------------------------- services

def test_a_secretary_records_a_talk_and_it_is_audited(tree):
    t = talk(tree, follow_up="下月再谈")
    assert (t.org, t.org_path, t.initiator, t.counterpart) == (tree.branch1, tree.branch1.path, tree.sec1, tree.member1)
    assert t.created_by == tree.users.branch1 and t.corrects is None and t.follow_up == "下月再谈"
    assert AuditEntry.objects.filter(model="talks.talk", object_id=str(t.pk), action="create",
                                     org_path=tree.branch1.path).exists()


@pytest.mark.parametrize("change, field", [
    (lambda t: {"talked_on": today() + timedelta(days=1)}, "talked_on"),
    (lambda t: {"talked_on": "not a date"}, "talked_on"),
    (lambda t: {"counterpart": t.sec1}, "counterpart"),  # the same person twice
    (lambda t: {"counterpart": t.member2}, "counterpart"),  # of the sibling branch: not visible to branch1
    (lambda t: {"initiator": t.sec2}, "initiator"),
    (lambda t: {"initiator": "not a person"}, "initiator"),
    (lambda t: {"topic": "   "}, "topic"),
    (lambda t: {"topic": "话" * 201}, "topic"),
    (lambda t: {"summary": ""}, "summary"),
    (lambda t: {"kind": "gossip"}, "kind"),
])
def test_each_rule_names_its_field_and_writes_nothing(tree, change, field):
    before = counts()
    with pytest.raises(ValidationError) as e:
        talk(tree, **change(tree))
    assert field in e.value.error_dict and e.value.field == field
    assert counts() == before


def test_the_organisation_must_be_in_the_actors_scope(tree):
    before = counts()
    with pytest.raises(Http404):  # the sibling branch
        talk(tree, actor=tree.users.branch2, initiator=tree.sec2, counterpart=tree.member2)
    with pytest.raises(Http404):  # a group leader manages the group, not the branch above
        talk(tree, actor=tree.users.group1, org=tree.general, initiator=tree.leader1)
    assert counts() == before
    # the committee above records under any organisation of its subtree, with anyone it can see
    t = talk(tree, actor=tree.users.committee, org=tree.branch2, initiator=tree.committee_sec,
             counterpart=tree.member2, kind=TalkKind.COMMITTEE_MEMBER)
    assert t.org == tree.branch2
    # the group leader records under the group
    assert talk(tree, actor=tree.users.group1, org=tree.group1, initiator=tree.leader1).org == tree.group1


def test_a_member_records_a_talk_they_took_part_in_under_their_own_organisation(tree):
    member = tree.users.member1
    t = talk(tree, actor=member, initiator=tree.member1, counterpart=tree.other1, kind=TalkKind.MEMBERS)
    assert t.created_by == member
    assert talk(tree, actor=member, org=tree.group1, initiator=tree.leader1, counterpart=tree.member1).org == tree.group1
    before = counts()
    with pytest.raises(ValidationError) as e:  # a talk between two others
        talk(tree, actor=member, initiator=tree.sec1, counterpart=tree.other1)
    assert "initiator" in e.value.error_dict
    with pytest.raises(ValidationError) as e:  # someone not on the roll of their branch
        talk(tree, actor=member, initiator=tree.member1, counterpart=tree.member2)
    assert "counterpart" in e.value.error_dict
    for org in (tree.branch2, tree.general):  # not their organisation
        with pytest.raises(Http404):
            talk(tree, actor=member, org=org, initiator=tree.member1, counterpart=tree.other1)
    assert counts() == before


def test_a_member_sees_only_the_talks_they_took_part_in(tree):
    mine = talk(tree)
    others = talk(tree, counterpart=tree.other1)
    sibling = talk(tree, actor=tree.users.branch2, org=tree.branch2, initiator=tree.sec2, counterpart=tree.member2)
    assert list(services.visible_talks(tree.users.member1)) == [mine]
    with pytest.raises(Http404):
        services.get_talk_or_404(tree.users.member1, others.pk)
    assert set(services.visible_talks(tree.users.branch1)) == {mine, others}
    assert set(services.visible_talks(tree.users.branch2)) == {sibling}
    assert set(services.visible_talks(tree.users.committee)) == {mine, others, sibling}
    assert set(services.visible_talks(tree.users.group1)) == set()  # recorded under the branch, not the group


def test_corrections_are_new_records_that_hide_the_corrected_one(tree):
    original = talk(tree, topic="谈心", counterpart=tree.other1)
    with pytest.raises(ValidationError):  # never edited in place
        original.topic = "改过的"
        original.save()
    original.refresh_from_db()
    assert original.topic == "谈心"
    with pytest.raises(Http404):  # the sibling branch cannot correct it
        talk(tree, actor=tree.users.branch2, org=tree.branch2, initiator=tree.sec2, counterpart=tree.member2,
             corrects=original)
    with pytest.raises(Http404):  # nor can a member who did not take part
        talk(tree, actor=tree.users.member1, initiator=tree.member1, counterpart=tree.leader1, corrects=original)
    fixed = talk(tree, topic="谈心（更正）", counterpart=tree.member1, corrects=original)
    assert fixed.corrects == original
    assert list(services.visible_talks(tree.users.branch1)) == [fixed]
    assert services.get_talk_or_404(tree.users.branch1, original.pk) == original  # still readable
    year = today().year
    assert tree.other1 in services.not_talked_with(tree.branch1, year)  # the corrected talk no longer counts
    assert tree.member1 not in services.not_talked_with(tree.branch1, year)
    before = counts()
    with pytest.raises(ValidationError) as e:  # a corrected talk is not corrected twice: correct the correction
        talk(tree, corrects=original)
    assert "corrects" in e.value.error_dict and counts() == before
    again = talk(tree, topic="第二次更正", corrects=fixed)
    assert list(services.visible_talks(tree.users.branch1)) == [again]
    assert not services.can_correct(tree.users.branch1, fixed) and services.can_correct(tree.users.branch1, again)


def test_a_participant_corrects_their_own_talk(tree):
    mine = talk(tree, actor=tree.users.member1, initiator=tree.member1, counterpart=tree.other1, topic="原记录")
    fixed = talk(tree, actor=tree.users.member1, initiator=tree.member1, counterpart=tree.other1, topic="更正",
                 corrects=mine)
    assert fixed.corrects == mine and services.can_correct(tree.users.branch1, fixed)


def test_not_talked_with_lists_on_roll_members_without_a_talk_this_year(tree, django_assert_max_num_queries):
    year = today().year
    talk(tree, initiator=tree.sec1, counterpart=tree.member1)  # both took part
    talk(tree, actor=tree.users.committee, org=tree.general, initiator=tree.committee_sec,
         counterpart=tree.member2)  # recorded above the branch: still counts for the person
    talk(tree, initiator=tree.leader1, counterpart=tree.other1, talked_on=date(year - 1, 12, 31))  # last year
    applicant = make_person(tree.branch1, political_status="applicant", name="申请人")
    gone = make_person(tree.branch1, name="已出党")
    Person.objects.filter(pk=gone.pk).update(status="left")
    probationary = make_person(tree.branch1, political_status="probationary", name="预备党员", group=tree.group1)
    with django_assert_max_num_queries(1):
        rows = list(services.not_talked_with(tree.branch1, year))
        names = [(p.name, p.org.name) for p in rows]  # the organisation comes with the row
    assert {n for n, _org in names} == {"小组长一", "普通党员二", "预备党员"}  # 委员会书记 talked with member2
    assert applicant not in rows and gone not in rows
    assert [p.name for p in services.not_talked_with(tree.branch2, year)] == ["支部书记二"]
    assert {p.name for p in services.not_talked_with(tree.branch1, year - 1)} == {
        "委员会书记", "支部书记一", "普通党员一", "预备党员"}
    for i in range(5):  # more people and talks: still one query
        talk(tree, counterpart=make_person(tree.branch1, name=f"新党员{i}"))
    with django_assert_max_num_queries(1):
        assert {p.name for p in services.not_talked_with(tree.committee, year)} == {
            "小组长一", "普通党员二", "预备党员", "支部书记二"}
    assert probationary in services.not_talked_with(tree.committee, year)
    # next year no one has been talked with yet
    assert services.not_talked_with(tree.committee, year + 1).count() == services.roll_people(tree.committee).count()


def test_person_talks(tree):
    year = today().year
    a = talk(tree, initiator=tree.sec1, counterpart=tree.member1)
    b = talk(tree, initiator=tree.member1, counterpart=tree.other1, talked_on=date(year - 1, 3, 1))
    talk(tree, initiator=tree.sec1, counterpart=tree.other1)
    assert list(services.person_talks(tree.member1)) == [a, b]
    assert list(services.person_talks(tree.member1, year)) == [a]
    assert list(services.person_talks(tree.other1, year - 1)) == [b]


# ---------------------------------------------------------------------------------------------------- pages

def test_record_a_talk_through_the_form(client, tree):
    client.force_login(tree.users.branch1)
    page = client.get(reverse("talks:new") + f"?org={tree.branch1.pk}&counterpart={tree.member1.pk}")
    assert page.status_code == 200
    form = page.context["form"]
    people = {v for v, _label in form.fields["counterpart"].choices}
    assert tree.member1.pk in people and tree.member2.pk not in people
    assert form.initial["counterpart"] == tree.member1.pk and form.initial["initiator"] == tree.sec1.pk
    orgs = [v for v, _label in page.context["org_form"].fields["org"].choices]
    assert tree.branch1.pk in orgs and tree.branch2.pk not in orgs
    response = client.post(reverse("talks:new"), {
        "org": tree.branch1.pk, "talked_on": today().isoformat(), "initiator": tree.sec1.pk,
        "counterpart": tree.member1.pk, "kind": TalkKind.CHANGE, "topic": "受表彰后谈话", "summary": "勉励继续努力。"})
    t = Talk.objects.get(topic="受表彰后谈话")
    assert response.status_code == 302 and response["Location"] == reverse("talks:detail", args=[t.pk])
    assert t.kind == TalkKind.CHANGE and t.org == tree.branch1
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "受表彰后谈话" in detail.content.decode()


def test_a_bad_talk_shows_the_field_error_and_writes_nothing(client, tree):
    client.force_login(tree.users.branch1)
    data = {"org": tree.branch1.pk, "talked_on": (today() + timedelta(days=2)).isoformat(),
            "initiator": tree.sec1.pk, "counterpart": tree.member1.pk, "kind": "other", "topic": "x", "summary": "y"}
    response = client.post(reverse("talks:new"), data)
    assert response.status_code == 200 and "talked_on" in response.context["form"].errors
    assert "future" in response.content.decode()
    response = client.post(reverse("talks:new"), {**data, "talked_on": today().isoformat(),
                                                  "counterpart": tree.sec1.pk})
    assert "counterpart" in response.context["form"].errors
    response = client.post(reverse("talks:new"), {**data, "talked_on": today().isoformat(),
                                                  "counterpart": tree.member2.pk})  # not a choice
    assert "counterpart" in response.context["form"].errors
    assert not Talk.objects.exists()


def test_list_filters_and_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    for i in range(3):
        talk(tree, topic=f"谈话{i}")
    client.force_login(tree.users.committee)
    with CaptureQueriesContext(connection) as few:
        first = client.get(reverse("talks:list"))
    for i in range(12):
        talk(tree, topic=f"更多谈话{i}", counterpart=tree.other1, kind=TalkKind.MEMBERS)
    talk(tree, actor=tree.users.branch2, org=tree.branch2, initiator=tree.sec2, counterpart=tree.member2,
         topic="二支部谈话", talked_on=date(today().year - 1, 5, 1))
    with django_assert_max_num_queries(len(few)):
        more = client.get(reverse("talks:list"))
    assert len(few) <= 10
    assert len(first.context["page"].object_list) == 3 and len(more.context["page"].object_list) == 16

    def found(query):
        page = client.get(reverse("talks:list") + query)
        assert page.status_code == 200
        return {t.topic for t in page.context["page"].paginator.object_list}

    assert found(f"?org={tree.branch2.pk}") == {"二支部谈话"}
    assert found(f"?year={today().year - 1}") == {"二支部谈话"}
    assert found("?q=二支部") == {"二支部谈话"}  # by the name of either person
    assert found(f"?kind={TalkKind.COMMITTEE_MEMBER}&org={tree.branch1.pk}") == {"谈话0", "谈话1", "谈话2"}


def test_correct_through_the_pages(client, tree):
    original = talk(tree, topic="原记录")
    client.force_login(tree.users.branch1)
    detail = client.get(reverse("talks:detail", args=[original.pk]))
    assert detail.context["can_correct"] and reverse("talks:correct", args=[original.pk]) in detail.content.decode()
    page = client.get(reverse("talks:correct", args=[original.pk]))
    assert page.status_code == 200 and page.context["form"].initial["topic"] == "原记录"
    response = client.post(reverse("talks:correct", args=[original.pk]), {
        "talked_on": original.talked_on.isoformat(), "initiator": tree.sec1.pk, "counterpart": tree.member1.pk,
        "kind": original.kind, "topic": "更正后的记录", "summary": "更正。"})
    fixed = Talk.objects.get(topic="更正后的记录")
    assert response["Location"] == reverse("talks:detail", args=[fixed.pk]) and fixed.corrects == original
    detail = client.get(reverse("talks:detail", args=[original.pk]))
    assert detail.context["correction"] == fixed and not detail.context["can_correct"]
    assert [t.pk for t in client.get(reverse("talks:list")).context["page"].object_list] == [fixed.pk]
    again = client.get(reverse("talks:correct", args=[original.pk]))  # already corrected: go to the latest
    assert again.status_code == 302 and again["Location"] == reverse("talks:detail", args=[fixed.pk])


def test_not_talked_page_lists_members_with_a_link_to_record(client, tree, django_assert_max_num_queries):
    talk(tree, initiator=tree.sec1, counterpart=tree.member1)
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("talks:not_talked") + f"?org={tree.branch1.pk}")
    assert page.status_code == 200
    names = {p.name for p in page.context["page"].object_list}
    assert names == {"委员会书记", "小组长一", "普通党员二"}
    html = page.content.decode()
    assert f"{reverse('talks:new')}?org={tree.branch1.pk}&amp;counterpart={tree.other1.pk}" in html
    default = client.get(reverse("talks:not_talked"))  # the top of the user's scope, this year
    assert default.context["org"] == tree.committee and default.context["year"] == today().year
    assert {p.name for p in default.context["page"].object_list} >= {"二支部党员", "支部书记二"}
    last_year = client.get(reverse("talks:not_talked") + f"?org={tree.branch1.pk}&year={today().year - 1}")
    assert len(last_year.context["page"].object_list) == 5


def test_a_sibling_branch_gets_404_everywhere(client, tree):
    t = talk(tree)
    client.force_login(tree.users.branch2)
    for url in (reverse("talks:detail", args=[t.pk]), reverse("talks:correct", args=[t.pk]),
                reverse("talks:not_talked") + f"?org={tree.branch1.pk}",
                reverse("talks:new") + f"?org={tree.branch1.pk}", reverse("talks:list") + f"?org={tree.branch1.pk}"):
        assert client.get(url).status_code == 404, url
    data = {"org": tree.branch1.pk, "talked_on": today().isoformat(), "initiator": tree.sec2.pk,
            "counterpart": tree.member2.pk, "kind": "other", "topic": "越权", "summary": "x"}
    assert client.post(reverse("talks:new"), data).status_code == 404
    assert client.post(reverse("talks:correct", args=[t.pk]), {**data, "org": ""}).status_code == 404
    listing = client.get(reverse("talks:list"))
    assert t not in listing.context["page"].object_list
    assert Talk.objects.count() == 1


def test_a_member_records_their_own_talk_but_cannot_see_others(client, tree):
    others = talk(tree, counterpart=tree.other1)
    client.force_login(tree.users.member1)
    assert client.get(reverse("talks:not_talked")).status_code == 404
    assert client.get(reverse("talks:detail", args=[others.pk])).status_code == 404
    assert client.get(reverse("talks:correct", args=[others.pk])).status_code == 404
    page = client.get(reverse("talks:new"))
    assert page.status_code == 200
    orgs = {v for v, _label in page.context["org_form"].fields["org"].choices}
    assert orgs == {tree.branch1.pk, tree.group1.pk}
    response = client.post(reverse("talks:new"), {
        "org": tree.branch1.pk, "talked_on": today().isoformat(), "initiator": tree.member1.pk,
        "counterpart": tree.other1.pk, "kind": TalkKind.MEMBERS, "topic": "党员之间谈心", "summary": "互相提醒。"})
    mine = Talk.objects.get(topic="党员之间谈心")
    assert response.status_code == 302 and mine.created_by == tree.users.member1
    response = client.post(reverse("talks:new"), {
        "org": tree.branch1.pk, "talked_on": today().isoformat(), "initiator": tree.sec1.pk,
        "counterpart": tree.other1.pk, "kind": TalkKind.MEMBERS, "topic": "别人的谈话", "summary": "x"})
    assert response.status_code == 200 and "initiator" in response.context["form"].errors
    assert client.post(reverse("talks:new"), {"org": tree.branch2.pk}).status_code == 404
    listing = client.get(reverse("talks:list"))
    assert [t.pk for t in listing.context["page"].object_list] == [mine.pk]
    assert client.get(reverse("talks:detail", args=[mine.pk])).status_code == 200


def test_anonymous_users_are_sent_to_log_in(client, tree):
    t = talk(tree)
    for url in (reverse("talks:list"), reverse("talks:new"), reverse("talks:detail", args=[t.pk]),
                reverse("talks:not_talked"), reverse("talks:correct", args=[t.pk])):
        assert client.get(url).status_code == 302, url


def test_pages_render_in_the_default_language(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    t = talk(tree)
    client.force_login(tree.users.branch1)
    for url in (reverse("talks:list"), reverse("talks:new"), reverse("talks:detail", args=[t.pk]),
                reverse("talks:not_talked"), reverse("talks:correct", args=[t.pk])):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200, url
