"""Publications (党务公开 and 公示): one service to publish, display periods in working days, who sees what (the
public page shows only public items; a sibling branch sees none of another's internal items, by page and API),
objections named or anonymous (an anonymous one cannot be traced back from any table, the audit log included),
the state machine, and the 党务公开 catalogue."""

from datetime import date, datetime, time, timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from dangjian.audit.models import AuditEntry
from dangjian.core.errors import DomainError
from dangjian.publications import rules, services
from dangjian.publications.models import CatalogueItem, Objection, Publication, PubState

from .conftest import api_as

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def notice(tree, org=None, audience="members", kind="notice", starts=None, days=5, **kw):
    return services.publish(tree.users.committee, org or tree.branch1, kind, kw.pop("title", "关于某某同志的公示"),
                            "公示内容", audience, starts or today(), days=days, **kw)


# ---- publishing and the display period --------------------------------------------------------------------------

def test_a_notice_counts_working_days_across_national_day(tree):
    pub = notice(tree, starts=date(2025, 9, 29), days=5)
    assert pub.ends == date(2025, 10, 11)  # 29, 30 Sep; 9, 10, 11 Oct (a make-up Saturday)
    assert pub.days == 5 and pub.state == PubState.PUBLISHED
    entry = AuditEntry.objects.filter(model="publications.publication", object_id=str(pub.pk)).get()
    assert entry.after["days"] == 5


def test_a_notice_shorter_than_its_kind_requires_is_refused_in_chinese_naming_the_field(tree):
    before = (Publication.objects.count(), AuditEntry.objects.count())
    with translation.override("zh-hans"), pytest.raises(DomainError) as err:
        notice(tree, days=3)
    assert err.value.field == "days"
    assert "工作日" in err.value.messages[0]
    with pytest.raises(DomainError) as err:  # an end date inside the minimum: across the Spring Festival
        services.publish(tree.users.committee, tree.branch1, "notice", "x", "", "members", date(2025, 1, 27),
                         ends=date(2025, 2, 7))
    assert err.value.field == "ends"
    for field, kw in [("title", {"title": " "}), ("audience", {"audience": "world"}), ("kind", {"kind": "nope"})]:
        with pytest.raises(DomainError) as err:
            services.publish(tree.users.committee, tree.branch1, kw.get("kind", "notice"), kw.get("title", "t"), "",
                             kw.get("audience", "members"), today(), days=5)
        assert err.value.field == field
    assert (Publication.objects.count(), AuditEntry.objects.count()) == before


def test_publishing_needs_the_right_over_the_organisation(tree):
    with pytest.raises(Http404):
        services.publish(tree.users.branch2, tree.branch1, "disclosure", "x", "", "members", today())
    with pytest.raises(Http404):
        services.publish(tree.users.member1, tree.branch1, "disclosure", "x", "", "members", today())
    pub = services.publish(tree.users.branch1, tree.branch1, "disclosure", "支部公开", "", "members", today(),
                           attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")])
    assert pub.ends is None and pub.attachments.get().name == "a.pdf"


def test_a_source_object_links_back(tree):
    pub = notice(tree, kind="development_candidate", source=tree.member1)
    assert pub.source == tree.member1
    assert services.for_source(tree.member1) == [pub]


def test_withdraw_is_one_transition_and_audited(tree):
    pub = notice(tree)
    with pytest.raises(DomainError) as err:
        services.withdraw(tree.users.branch1, pub, "")
    assert err.value.field == "reason"
    with pytest.raises(Http404):
        services.withdraw(tree.users.branch2, pub, "错误")
    services.withdraw(tree.users.branch1, pub, "信息有误")
    pub.refresh_from_db()
    assert pub.state == PubState.WITHDRAWN
    assert AuditEntry.objects.filter(action="transition", object_id=str(pub.pk)).exists()
    with pytest.raises(DomainError):
        services.withdraw(tree.users.branch1, pub, "again")


@given(st.sampled_from(list(rules.TRANSITIONS)), st.sampled_from(list(rules.TRANSITIONS)))
def test_only_the_table_allows_transitions(a, b):
    assert rules.can_transition(a, b) == (b in rules.TRANSITIONS[a])
    assert not rules.can_transition(b, "draft")


def test_expired_items_are_archived_and_stay_visible_to_the_organisation_and_above(tree):
    old = notice(tree, starts=today() - timedelta(days=30), days=5)
    assert services.archive_expired() == 1
    old.refresh_from_db()
    assert old.state == PubState.ARCHIVED
    for user in (tree.users.branch1, tree.users.committee):
        assert services.visible(user).filter(pk=old.pk).exists()
    for user in (tree.users.member1, tree.users.branch2):
        assert not services.visible(user).filter(pk=old.pk).exists()


# ---- who sees what -----------------------------------------------------------------------------------------------

def _mix(tree):
    t = today()
    pubs = {
        "members": notice(tree, title="支部内部公开"),
        "platform": notice(tree, audience="platform", title="平台公开"),
        "public": notice(tree, audience="public", title="公开公示"),
        "draft": services.publish(tree.users.committee, tree.branch1, "notice", "草稿公示", "", "public", t,
                                  days=5, draft=True),
        "future": notice(tree, audience="public", starts=t + timedelta(days=10), title="将来公示"),
        "expired": notice(tree, audience="public", starts=t - timedelta(days=40), title="过期公示"),
        "withdrawn": notice(tree, audience="public", title="撤回公示"),
    }
    services.withdraw(None, pubs["withdrawn"], "撤回")
    return pubs


def test_the_public_page_shows_only_current_public_items(tree, client):
    pubs = _mix(tree)
    response = client.get(reverse("public:org", args=[tree.branch1.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "公开公示" in html
    for other in ("支部内部公开", "平台公开", "草稿公示", "将来公示", "过期公示", "撤回公示"):
        assert other not in html
    assert client.get(reverse("public:item", args=[pubs["public"].token])).status_code == 200
    for key in ("members", "platform", "draft", "withdrawn"):
        assert client.get(reverse("public:item", args=[pubs[key].token])).status_code == 404
    assert "公示内容" not in client.get(reverse("public:item", args=[pubs["expired"].token])).content.decode()
    assert client.get(reverse("public:qr", args=[tree.branch1.code])).status_code == 200
    api = client.get(reverse("api:publication-public", args=[tree.branch1.code])).json()
    assert [r["title"] for r in api["results"]] == ["公开公示"]


def test_a_sibling_branch_sees_none_of_anothers_internal_items(tree, client):
    pubs = _mix(tree)
    internal = pubs["members"]
    assert not services.visible(tree.users.branch2).filter(pk=internal.pk).exists()
    assert services.visible(tree.users.member1).filter(pk=internal.pk).exists()  # a member of branch1's group
    assert services.visible(tree.users.committee).filter(pk=internal.pk).exists()
    assert services.visible(tree.users.branch2).filter(pk=pubs["platform"].pk).exists()
    client.force_login(tree.users.branch2)
    assert client.get(reverse("publications:detail", args=[internal.pk])).status_code == 404
    assert "支部内部公开" not in client.get(reverse("publications:list")).content.decode()
    assert "支部内部公开" not in client.get(reverse("publications:list") + "?show=archive").content.decode()
    assert client.post(reverse("publications:object", args=[internal.pk]), {"body": "x", "type": "comment"}
                       ).status_code == 404
    api = api_as(tree.users.branch2)
    assert api.get(reverse("api:publication-detail", args=[internal.pk])).status_code == 404
    assert internal.pk not in [r["id"] for r in api.get(reverse("api:publication-list")).json()["results"]]
    assert api.post(reverse("api:publication-objections", args=[internal.pk]), {"body": "x"}).status_code == 404


def test_the_list_page_does_not_grow_queries(tree, client, django_assert_max_num_queries):
    for i in range(15):
        notice(tree, audience="platform", title=f"公示{i}")
    client.force_login(tree.users.member1)
    client.get(reverse("publications:list"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("publications:list"))
    assert response.status_code == 200


# ---- objections --------------------------------------------------------------------------------------------------

def _rows():
    """Every row of every table, as {(table, pk): {column: value}}."""
    found = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for row in model.objects.all().values():
            found[(model._meta.db_table, str(row.get(model._meta.pk.attname)))] = row
    return found


def test_an_anonymous_objection_cannot_be_traced_to_its_author_from_any_table(tree, client):
    pub = notice(tree, audience="members")
    user, person = tree.users.member1, tree.member1
    client.force_login(user)
    before = _rows()
    response = client.post(reverse("publications:object", args=[pub.pk]),
                           {"body": "有不同意见", "type": "objection", "anonymous": "on"},
                           REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="TraceMe/1.0")
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.anonymous and objection.person_id is None and objection.at is None
    after = _rows()
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    assert changed, "the objection was written"
    user_fks = {(m._meta.db_table, f.attname) for m in apps.get_models() for f in m._meta.concrete_fields
                if isinstance(f, models.ForeignKey) and f.related_model in (type(user), type(person))}
    secrets = ["203.0.113.77", "TraceMe", user.username, person.name]
    for (table, _pk), row in changed.items():
        if table == "django_session":
            continue  # the signed-in user's own session: it holds no trace of the objection (checked below)
        for column, value in row.items():
            if (table, column) in user_fks or column in ("actor_id", "person_id", "user_id"):
                assert value is None, (table, column)
            text = str(value)
            assert not any(s in text for s in secrets), (table, column)
            if isinstance(value, datetime):  # no time of day anywhere in what the objection wrote
                assert timezone.localtime(value).time() == time.min, (table, column)
    audit = AuditEntry.objects.get(model="publications.objection")
    assert audit.actor_id is None and audit.request == {"via": "anonymous"} and audit.object_id == ""
    assert audit.after == {"publication": pub.pk, "anonymous": True}
    for (table, _pk), row in changed.items():
        if table == "django_session":
            assert str(objection.pk) not in str(row)
    assert isinstance(Objection._meta.pk, models.UUIDField)  # no counter to order by


def test_a_named_objection_records_who_and_is_answered_by_the_organisation(tree):
    pub = notice(tree)
    obj = services.object_to(tree.users.member1, pub, "赞成", type="comment")
    assert obj.person_id == tree.member1.pk and obj.at is not None
    assert AuditEntry.objects.get(model="publications.objection", object_id=str(obj.pk)).actor_id == \
        tree.users.member1.pk
    with pytest.raises(Http404):
        services.answer(tree.users.branch2, obj, "x")
    services.answer(tree.users.branch1, obj, "感谢")
    obj.refresh_from_db()
    assert obj.reply == "感谢" and obj.replied_by == tree.users.branch1
    assert services.objections_of(tree.users.member1, pub) == [obj]
    anon = services.object_to(tree.users.member1, pub, "匿名", anonymous=True)
    assert anon not in services.objections_of(tree.users.member1, pub)  # not even its author can pick it out
    assert set(services.objections_of(tree.users.branch1, pub)) == {obj, anon}


def test_objection_rules(tree):
    election = notice(tree, kind="election_result")
    with pytest.raises(DomainError) as err:
        services.object_to(tree.users.member1, election, "x", anonymous=True)
    assert err.value.field == "anonymous"
    ended = notice(tree, starts=today() - timedelta(days=30))
    with pytest.raises(DomainError):
        services.object_to(tree.users.member1, ended, "x")
    disclosure = services.publish(None, tree.branch1, "disclosure", "公开", "", "members", today())
    with pytest.raises(DomainError):
        services.object_to(tree.users.member1, disclosure, "x")
    with pytest.raises(Http404):
        services.object_to(tree.users.branch2, notice(tree), "x")
    assert Objection.objects.count() == 0


def test_the_masses_object_to_a_public_notice_without_login_rate_limited(tree, client):
    pub = notice(tree, audience="public")
    url = reverse("public:object", args=[pub.token])
    response = client.post(url, {"body": "反映情况", "type": "objection"}, REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 302 and Objection.objects.count() == 0  # named needs a name
    client.post(url, {"body": "反映情况", "type": "objection", "name": "王群众"}, REMOTE_ADDR="198.51.100.1")
    client.post(url, {"body": "匿名反映", "type": "objection", "anonymous": "on"}, REMOTE_ADDR="198.51.100.1")
    assert Objection.objects.filter(author_name="王群众").exists()
    assert Objection.objects.filter(anonymous=True, author_name="").exists()
    for _ in range(5):
        client.post(url, {"body": "刷", "type": "comment", "anonymous": "on"}, REMOTE_ADDR="198.51.100.1")
    assert Objection.objects.count() == 4  # five per address an hour (the first, refused, counted too)
    client.post(url, {"body": "另一人", "type": "comment", "anonymous": "on"}, REMOTE_ADDR="198.51.100.2")
    assert Objection.objects.count() == 5


def test_the_api_publishes_and_takes_objections(tree):
    api = api_as(tree.users.branch1)
    url = reverse("api:publication-list")
    r = api.post(url, {"org": tree.branch1.pk, "kind": "notice", "title": "API公示", "audience": "members",
                       "starts": "2025-09-29", "days": 3}, format="json")
    assert r.status_code == 400 and "days" in str(r.json())
    r = api.post(url, {"org": tree.branch2.pk, "kind": "disclosure", "title": "x"}, format="json")
    assert r.status_code == 404
    r = api.post(url, {"org": tree.branch1.pk, "kind": "notice", "title": "API公示", "days": 5}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    member = api_as(tree.users.member1)
    r = member.post(reverse("api:publication-objections", args=[pk]), {"body": "意见", "anonymous": True},
                    format="json")
    assert r.status_code == 201 and r.json()["anonymous"] is True
    assert pk in [x["id"] for x in member.get(url).json()["results"]]


# ---- the catalogue -----------------------------------------------------------------------------------------------

@given(st.sampled_from(["month", "quarter", "half", "year"]), st.dates(min_value=date(2000, 1, 1),
                                                                        max_value=date(2100, 12, 31)))
def test_a_period_contains_its_day_and_follows_the_previous_one(freq, day):
    key, start, end = rules.period_of(freq, day)
    assert start <= day <= end and key.startswith(str(day.year))
    _k, _s, pend = rules.previous_period(freq, day)
    assert pend == start - timedelta(days=1)


def test_catalogue_status_rules():
    t = date(2026, 5, 10)
    assert rules.catalogue_status("quarter", date(2026, 4, 2), t) == rules.DONE
    assert rules.catalogue_status("quarter", date(2026, 2, 2), t) == rules.DUE
    assert rules.catalogue_status("quarter", date(2025, 12, 30), t) == rules.OVERDUE
    assert rules.catalogue_status("quarter", None, t) == rules.OVERDUE
    assert rules.catalogue_status("quarter", None, t, since=date(2026, 4, 20)) == rules.DUE  # new item
    assert rules.catalogue_status("year", date(2025, 3, 1), t) == rules.DUE


def test_overdue_items_are_flagged_for_the_organisation_and_the_committee(tree, client,
                                                                         django_assert_max_num_queries):
    item = services.define_item(tree.users.committee, tree.committee, "党员发展情况", "quarter", "inside",
                                ["branch"])
    CatalogueItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(days=400))
    services.publish(tree.users.branch1, tree.branch1, "disclosure", "本季度发展情况", "", "members", today(),
                     catalogue_item=item)
    status = {org.code: rows[0][1] for org, rows in services.catalogue_status(tree.users.committee)}
    assert status == {"B1": rules.DONE, "B2": rules.OVERDUE}
    assert services.overdue_count(tree.users.branch2) == 1
    assert services.overdue_count(tree.users.branch1) == 0
    with pytest.raises(Http404):
        services.define_item(tree.users.branch1, tree.committee, "x", "year")
    client.force_login(tree.users.committee)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("publications:catalogue") + "?overdue=1")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-status="overdue"' in html and tree.branch2.name in html
    client.force_login(tree.users.member1)
    assert client.get(reverse("publications:catalogue")).status_code == 404


def test_pages_publish_and_show_a_notice_with_its_objections(tree, client):
    client.force_login(tree.users.branch1)
    response = client.post(reverse("publications:create"), {
        "org": tree.branch1.pk, "kind": "notice", "title": "页面公示", "body": "内容", "audience": "public",
        "starts": today().isoformat(), "days": 2})
    assert response.status_code == 200 and not Publication.objects.exists()  # too short: the form says so
    response = client.post(reverse("publications:create"), {
        "org": tree.branch1.pk, "kind": "notice", "title": "页面公示", "body": "内容", "audience": "public",
        "starts": today().isoformat(), "days": 5})
    pub = Publication.objects.get()
    assert response.status_code == 302
    services.object_to(tree.users.member1, pub, "匿名意见", anonymous=True)
    html = client.get(reverse("publications:detail", args=[pub.pk])).content.decode()
    assert "匿名意见" in html and 'id="public-link"' in html and "<svg" in html


def test_the_demo_is_a_notice_in_its_period_with_a_named_and_an_anonymous_objection_and_is_idempotent(tree):
    from dangjian.publications.demo import seed_demo

    counts = seed_demo(tree.committee, today())
    assert counts["publications"] == 4
    pub = Publication.objects.get(kind="development_candidate")
    assert rules.is_current(pub.state, pub.starts, pub.ends, today()) and pub.audience == "public"
    assert sorted(o.anonymous for o in pub.objections.all()) == [False, True]
    assert Publication.objects.filter(kind="disclosure", audience="public").exists()
    assert seed_demo(tree.committee, today()) == {}


def test_the_module_flags_overdue_items_on_the_home_page(tree, rf):
    from dangjian.publications.module import PublicationsModule

    services.define_item(None, tree.committee, "年度计划", "year")
    CatalogueItem.objects.update(created_at=timezone.now() - timedelta(days=800))
    request = rf.get("/")
    request.user = tree.users.branch2
    mod = PublicationsModule(apps.get_app_config("publications"))
    assert [t.count for t in mod.todos(request)] == [1]
    assert [c.context["overdue"] for c in mod.home_cards(request)] == [1]
    assert [m.key for m in mod.menu(request)] == ["publications"]
    request = rf.get("/")
    request.user = tree.users.member1
    assert mod.home_cards(request) == []
