"""The regulations library (手机规章): documents, immutable versions (current = latest in effect, history kept),
publishing against a stale page refused, Chinese full-text search inside the text, the pages and the API — and a
sibling branch gets 404 everywhere."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.errors import ConflictError, DomainError
from dangjian.regulations import search, services
from dangjian.regulations.demo import seed_regulations
from dangjian.regulations.models import Category, Regulation, RegulationStatus, RegulationVersion, SearchToken

from .conftest import api_as

pytestmark = pytest.mark.django_db

BODY = """第一章 总则
第一条 为了保障旅客安全，制定本预案。
第二条 各车间每月开展安全检查和应急演练，发现隐患立即整改。
第二章 附则
第三条 本预案自印发之日起施行。"""


@pytest.fixture(autouse=True)
def _english(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def publish(actor, reg, body=BODY, title=None, summary="", effective_on=None, **kw):
    reg.refresh_from_db()
    return services.publish_version(actor, reg, expected_version=reg.version, title=title or reg.title, body=body,
                                    effective_on=effective_on or today(), change_summary=summary, **kw)


def document(actor, org, title, body=BODY, category=None, **kw):
    reg = services.create_regulation(actor, org=org, title=title, category=category, **kw)
    if body is not None:
        publish(actor, reg, body)
        reg.refresh_from_db()
    return reg


@pytest.fixture
def lib(tree):
    u = tree.users
    cat = services.create_category(u.committee, org=tree.committee, name="安全应急预案", sort_order=1)
    plan = document(u.committee, tree.committee, "车站突发事件应急预案", category=cat, doc_number="安全〔2024〕3号")
    rules_b1 = document(u.branch1, tree.branch1, "第一党支部学习制度", "第一条 每月组织党员集中学习党章党规。")
    rules_b2 = document(u.branch2, tree.branch2, "第二党支部值班制度", "第一条 支部委员轮流值班，做好应急值守。")
    draft = document(u.committee, tree.committee, "未发布的草稿", body=None)
    return type("Lib", (), {"cat": cat, "plan": plan, "b1": rules_b1, "b2": rules_b2, "draft": draft})


def ids(qs):
    return {r.pk for r in qs}


def found(user, query, **kw):
    results = search.run(services.readable_regulations(user).filter(status=RegulationStatus.PUBLISHED), query, **kw)
    return [hit.regulation.pk for hit in results[:]]


# ---------------------------------------------------------------------------------------------------- visibility

def test_each_user_reads_their_subtree_and_the_documents_above_it(tree, lib):
    u = tree.users
    readable = {name: ids(services.readable_regulations(getattr(u, name)))
                for name in ("committee", "branch1", "branch2", "group1", "member1", "admin")}
    assert readable["member1"] == {lib.plan.pk, lib.b1.pk}  # a plain member: their branch and the committee
    assert readable["group1"] == {lib.plan.pk, lib.b1.pk}
    assert readable["branch1"] == {lib.plan.pk, lib.b1.pk}
    assert readable["branch2"] == {lib.plan.pk, lib.b2.pk}  # the sibling branch's rules stay invisible
    assert readable["committee"] == readable["admin"] == {lib.plan.pk, lib.b1.pk, lib.b2.pk}
    # The draft only for those who manage the committee's documents.
    assert lib.draft.pk in ids(services.visible_regulations(u.committee))
    assert lib.draft.pk not in ids(services.visible_regulations(u.branch1))
    assert lib.draft.pk not in ids(services.visible_regulations(u.member1))


def test_an_anonymous_user_or_one_without_a_person_reads_nothing(tree, lib):
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import make_user

    assert not services.visible_regulations(AnonymousUser()).exists()
    assert not services.visible_regulations(make_user("nobody")).exists()


def test_managing_needs_learning_manage_over_the_documents_organisation(tree, lib):
    u = tree.users
    assert services.can_manage(u.committee, lib.b1) and services.can_manage(u.branch1, lib.b1)
    assert not services.can_manage(u.branch1, lib.plan) and not services.can_manage(u.member1, lib.b1)
    with pytest.raises(Http404):
        publish(u.branch1, lib.plan)  # reads it, may not change it
    with pytest.raises(Http404):
        publish(u.branch2, lib.b1)
    with pytest.raises(Http404):
        services.create_regulation(u.member1, org=tree.branch1, title="越权")
    with pytest.raises(Http404):
        services.repeal_regulation(u.group1, lib.b1, expected_version=lib.b1.version, on=today(), note="x")
    assert lib.plan.versions.count() == 1 and lib.b1.versions.count() == 1


# ---------------------------------------------------------------------------------------------------- versions

def test_publishing_makes_an_immutable_version_and_indexes_it(tree, lib):
    v1 = lib.plan.versions.get()
    assert (v1.number, v1.published_by, lib.plan.status) == (1, tree.users.committee, RegulationStatus.PUBLISHED)
    assert '<h2>第一章 总则</h2>' in v1.body_html and "<strong>第二条</strong>" in v1.body_html
    assert "开展安全检查和应急演练" in v1.body_text
    tokens = set(v1.tokens.values_list("token", flat=True))
    assert {"应急", "安全检查", "演练", "预案"} <= tokens
    assert v1.tokens.get(token="预案").in_title and not v1.tokens.get(token="演练").in_title
    v1.title = "改一改"
    with pytest.raises(DomainError):
        v1.save()
    assert AuditEntry.objects.filter(model="regulations.regulationversion", object_id=str(v1.pk),
                                     action="create", org_path=tree.committee.path).exists()


def test_a_new_version_keeps_the_history_and_becomes_current(tree, lib):
    u = tree.users
    v1 = lib.plan.versions.get()
    v2 = publish(u.committee, lib.plan, BODY.replace("每月", "每周"), summary="第二条：每月改为每周。")
    lib.plan.refresh_from_db()
    assert v2.number == 2 and lib.plan.versions.count() == 2
    v1.refresh_from_db()
    assert "每月开展" in v1.body_text and "每周开展" in v2.body_text  # nothing overwritten
    shown, in_force = services.shown_version(lib.plan)
    assert shown == v2 and in_force
    page = client_for(u.member1).get(reverse("regulations:detail", args=[lib.plan.pk])).content.decode()
    assert "每周开展" in page and "第二条：每月改为每周。" in page and 'id="current-badge"' in page
    old = client_for(u.member1).get(reverse("regulations:version", args=[lib.plan.pk, 1])).content.decode()
    assert "每月开展" in old and 'id="older-note"' in old


def test_a_version_taking_effect_later_does_not_replace_the_current_one_yet(tree, lib):
    u = tree.users
    later = today() + timedelta(days=10)
    publish(u.committee, lib.plan, BODY + "\n第四条 新增条款：夜间巡查。", summary="新增第四条", effective_on=later)
    shown, in_force = services.shown_version(lib.plan)
    assert shown.number == 1 and in_force
    shown, _ = services.shown_version(lib.plan, today=later)
    assert shown.number == 2
    assert found(u.member1, "夜间巡查") == []  # the current text is searched …
    assert found(u.member1, "夜间巡查", history=True) == [lib.plan.pk]  # … the coming one with history
    page = client_for(u.member1).get(reverse("regulations:detail", args=[lib.plan.pk])).content.decode()
    assert 'id="newer-note"' in page and later.isoformat() in page


def test_a_first_version_not_yet_in_force_is_shown_as_upcoming(tree):
    reg = document(tree.users.committee, tree.committee, "下月施行的办法", body=None)
    publish(tree.users.committee, reg, "第一条 下月起施行。", effective_on=today() + timedelta(days=30))
    shown, in_force = services.shown_version(reg)
    assert shown.number == 1 and not in_force
    assert found(tree.users.member1, "施行") == [reg.pk]
    page = client_for(tree.users.member1).get(reverse("regulations:detail", args=[reg.pk])).content.decode()
    assert 'id="upcoming-note"' in page


def test_publishing_over_someone_elses_new_version_is_refused_and_writes_nothing(tree, lib):
    u = tree.users
    seen_version, seen_number = lib.plan.version, 1
    publish(u.committee, lib.plan, BODY + "\n第四条 甲的修改。", summary="甲")  # someone else, meanwhile
    before = (RegulationVersion.objects.count(), SearchToken.objects.count())
    with pytest.raises(ConflictError) as e:
        services.publish_version(u.committee, lib.plan, expected_version=seen_version, base_number=seen_number,
                                 title=lib.plan.title, body=BODY + "\n第四条 乙的修改。", effective_on=today(),
                                 change_summary="乙")
    assert "Version 2" in e.value.message
    with pytest.raises(ConflictError):  # a stale version alone is refused too
        services.publish_version(u.committee, lib.plan, expected_version=seen_version, title=lib.plan.title,
                                 body=BODY, effective_on=today(), change_summary="乙")
    assert (RegulationVersion.objects.count(), SearchToken.objects.count()) == before


def test_the_publish_page_keeps_the_text_and_explains_a_conflict(tree, lib):
    u = tree.users
    client = client_for(u.committee)
    url = reverse("regulations:publish", args=[lib.plan.pk])
    form = client.get(url).context["form"]
    assert form.initial["base_number"] == 1 and "开展安全检查和应急演练" in form.initial["body"]
    publish(u.committee, lib.plan, BODY + "\n第四条 甲的修改。", summary="甲")
    data = {"title": lib.plan.title, "body": BODY + "\n第四条 乙的修改。", "effective_on": today().isoformat(),
            "change_summary": "乙", "version": form.initial["version"], "base_number": 1}
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="conflict"' in html and "乙的修改" in html and lib.plan.versions.count() == 2
    # Submitting again (having seen version 2) publishes version 3 deliberately.
    fresh = response.context["form"].data
    assert int(fresh["base_number"]) == 2
    response = client.post(url, {**data, "version": fresh["version"], "base_number": fresh["base_number"]})
    assert response.status_code == 302 and lib.plan.versions.count() == 3


def test_the_unique_version_number_stops_a_second_writer_that_slipped_past_the_lock(tree, lib, monkeypatch):
    """On SQLite SELECT … FOR UPDATE is a no-op; the unique (document, number) constraint still refuses."""
    from django.db.models.query import QuerySet

    real = QuerySet.first

    def stale_first(qs):
        if qs.model is RegulationVersion and qs.query.order_by == ("-number",):
            return None  # as if version 1 were not there yet
        return real(qs)

    monkeypatch.setattr(QuerySet, "first", stale_first)
    with pytest.raises(ConflictError):
        publish(tree.users.committee, lib.plan, BODY, summary="again")
    monkeypatch.undo()
    assert lib.plan.versions.count() == 1


# ---------------------------------------------------------------------------------------------------- bad input

def _counts():
    return (Regulation.objects.count(), RegulationVersion.objects.count(), SearchToken.objects.count(),
            Category.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("change, field", [
    ({"title": "  "}, "title"),
    ({"title": "题" * 201}, "title"),
    ({"body": "   "}, "body"),
    ({"body": "<p> </p>"}, "body"),
    ({"body": "a\x00b"}, "body"),
    ({"effective_on": "2024-13-40"}, "effective_on"),
    ({"effective_on": None}, "effective_on"),
    ({"change_summary": ""}, "change_summary"),  # a second version says what changed
    ({"attachment": SimpleUploadedFile("x.pdf", b"MZ not a pdf")}, "attachment"),
    ({"attachment": SimpleUploadedFile("x.exe", b"%PDF-1.4")}, "attachment"),
])
def test_each_version_rule_names_its_field_and_writes_nothing(tree, lib, change, field):
    data = {"title": lib.plan.title, "body": BODY, "effective_on": today(), "change_summary": "改"}
    data.update(change)
    before = _counts()
    with pytest.raises(ValidationError) as e:
        services.publish_version(tree.users.committee, lib.plan, expected_version=lib.plan.version, **data)
    assert field in e.value.error_dict and e.value.field == field
    assert _counts() == before


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"),
    ({"doc_number": "安全〔2024〕3号"}, "doc_number"),  # the committee already has this number
    ({"category": "sibling"}, "category"),
])
def test_each_document_rule_names_its_field_and_writes_nothing(tree, lib, change, field):
    if change.get("category") == "sibling":
        change["category"] = services.create_category(tree.users.branch2, org=tree.branch2, name="二支部的")
    before = _counts()
    data = {"title": "新制度", **change}
    with pytest.raises(ValidationError) as e:
        services.create_regulation(tree.users.committee, org=tree.committee, **data)
    assert field in e.value.error_dict
    assert _counts() == before


def test_a_dissolved_organisation_takes_no_documents(tree):
    from dangjian.orgs import services as org_services

    from .factories import make_org

    gone = make_org("branch", parent=tree.general, name="已撤销支部")
    org_services.dissolve_org(None, gone, on=today(), note="合并")
    gone.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        services.create_regulation(tree.users.committee, org=gone, title="x")
    assert "org" in e.value.error_dict


def test_the_publish_form_refuses_in_chinese_on_the_field_and_publishes_nothing(tree, lib, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        ZH = {m: translation.gettext(m) for m in ("Enter the text of the document.",
                                                  "Enter the date the version takes effect.",
                                                  "Say what changed in this version.")}

    client = client_for(tree.users.committee)
    url = reverse("regulations:publish", args=[lib.plan.pk])
    before = _counts()
    with translation.override("zh-hans"):
        response = client.post(url, {"title": lib.plan.title, "body": "  ", "effective_on": "不是日期",
                                     "change_summary": "", "version": lib.plan.version, "base_number": 1},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert response.status_code == 200 and _counts() == before
    assert f'data-field-error="body">{ZH["Enter the text of the document."]}' in html
    assert f'data-field-error="effective_on">{ZH["Enter the date the version takes effect."]}' in html
    assert "正文" in ZH["Enter the text of the document."] and "日期" in ZH["Enter the date the version takes effect."]
    with translation.override("zh-hans"):
        response = client.post(url, {"title": lib.plan.title, "body": BODY, "effective_on": today().isoformat(),
                                     "change_summary": "", "version": lib.plan.version, "base_number": 1})
    assert f'data-field-error="change_summary">{ZH["Say what changed in this version."]}' in response.content.decode()
    assert _counts() == before


# ---------------------------------------------------------------------------------------------------- search

def test_search_finds_words_inside_the_text(tree, lib):
    member = tree.users.member1
    assert found(member, "应急") == [lib.plan.pk]
    assert found(member, "安全检查") == [lib.plan.pk]
    assert found(member, "检查和应急") == [lib.plan.pk]  # a phrase across words
    assert found(member, "应急 隐患") == [lib.plan.pk]  # every term must occur (AND)
    assert found(member, "应急 党章") == []
    assert found(member, "党章党规") == [lib.b1.pk]
    assert found(member, "火箭发射") == []
    assert found(member, "，。！") == [] and found(member, "") == []


def test_search_ranks_title_hits_first_then_frequency(tree, lib):
    u = tree.users
    weak = document(u.committee, tree.committee, "值班规定", "第一条 遇到情况按应急预案处置。")
    strong = document(u.committee, tree.committee, "应急管理办法", "第一条 应急工作坚持预防为主。")
    frequent = document(u.committee, tree.committee, "值守细则", "第一条 应急应急应急，应急值守。")
    assert found(u.member1, "应急") == [strong.pk, lib.plan.pk, frequent.pk, weak.pk]


def test_search_respects_visibility(tree, lib):
    u = tree.users
    assert found(u.branch2, "应急值守") == [lib.b2.pk]
    assert found(u.member1, "应急值守") == []  # branch2's rules: not for branch1's member
    assert found(u.branch1, "值班") == []
    assert set(found(u.committee, "应急")) == {lib.plan.pk, lib.b2.pk}
    assert found(u.committee, "草稿") == []  # drafts have no text to find


def test_search_can_include_repealed_documents_and_earlier_versions(tree, lib):
    u = tree.users
    publish(u.committee, lib.plan, BODY.replace("发现隐患", "发现问题"), summary="隐患改为问题")
    assert found(u.member1, "隐患") == []  # only the current text by default
    assert found(u.member1, "隐患", history=True) == [lib.plan.pk]
    lib.plan.refresh_from_db()
    services.repeal_regulation(u.committee, lib.plan, expected_version=lib.plan.version, on=today(),
                               note="被新预案取代")
    assert found(u.member1, "发现问题") == []
    results = search.run(services.readable_regulations(u.member1), "发现问题")
    assert [h.regulation.pk for h in results[:]] == [lib.plan.pk]


def test_snippets_are_escaped_and_marked(tree):
    reg = document(tree.users.committee, tree.committee, "转义<测试>",
                   "第一条 <不是标签> & 开展安全检查和应急演练。")
    results = search.run(services.readable_regulations(tree.users.member1), "应急")
    hit = results[0]
    assert hit.regulation.pk == reg.pk
    assert "<mark>应急</mark>" in hit.snippet_html and "&lt;" in hit.snippet_html + hit.title_html
    assert "<不是" not in hit.snippet_html


def test_the_list_page_searches_live_and_shows_only_what_the_user_reads(tree, lib):
    client = client_for(tree.users.member1)
    response = client.get(reverse("regulations:list"), {"q": "应急"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="results")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # only the results
    assert f'data-regulation="{lib.plan.pk}"' in html and "<mark>应急</mark>" in html
    page = client.get(reverse("regulations:list")).content.decode()
    assert f'data-regulation="{lib.plan.pk}"' in page and f'data-regulation="{lib.b1.pk}"' in page
    assert f'data-regulation="{lib.b2.pk}"' not in page and "未发布的草稿" not in page
    assert 'hx-get="/regulations/"' in page and 'id="recent-box"' in page
    page = client.get(reverse("regulations:list"), {"category": lib.cat.pk}).content.decode()
    assert f'data-regulation="{lib.plan.pk}"' in page and f'data-regulation="{lib.b1.pk}"' not in page


def test_reindex_rebuilds_the_tokens(tree, lib):
    SearchToken.objects.all().delete()
    assert found(tree.users.member1, "应急") == []
    assert search.missing_index().count() == 3
    call_command("regulations_reindex", "--missing")
    assert found(tree.users.member1, "应急") == [lib.plan.pk]
    SearchToken.objects.filter(version__regulation=lib.plan).update(count=99)
    call_command("regulations_reindex", "--regulation", str(lib.plan.pk))
    assert SearchToken.objects.get(version__regulation=lib.plan, token="应急").count == 2  # title and text


# ---------------------------------------------------------------------------------------------------- pages

def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_sibling_branch_gets_404_on_every_page(tree, lib):
    client = client_for(tree.users.branch2)
    v = lib.b1.versions.get()
    for url in [reverse("regulations:detail", args=[lib.b1.pk]), reverse("regulations:version", args=[lib.b1.pk, 1]),
                reverse("regulations:attachment", args=[lib.b1.pk, 1]), reverse("regulations:publish", args=[lib.b1.pk]),
                reverse("regulations:edit", args=[lib.b1.pk]), reverse("regulations:repeal", args=[lib.b1.pk]),
                reverse("regulations:detail", args=[lib.draft.pk]), reverse("regulations:detail", args=[99999])]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("regulations:publish", args=[lib.b1.pk]),
                       {"title": "x", "body": "y", "effective_on": today().isoformat(), "version": 1}).status_code == 404
    assert lib.b1.versions.get() == v and lib.b1.versions.count() == 1
    page = client.get(reverse("regulations:whats_new")).content.decode()
    assert f'data-regulation="{lib.b1.pk}"' not in page and f'data-regulation="{lib.b2.pk}"' in page


def test_a_member_reads_but_does_not_manage(tree, lib):
    client = client_for(tree.users.member1)
    page = client.get(reverse("regulations:detail", args=[lib.plan.pk])).content.decode()
    assert "开展安全检查和应急演练" in page and 'id="manage-menu"' not in page
    assert 'id="s1"' in page and 'href="#s1"' in page  # the table of contents
    for name in ("create", "categories"):
        assert client.get(reverse(f"regulations:{name}")).status_code == 404
    for name in ("publish", "edit", "repeal"):
        assert client.get(reverse(f"regulations:{name}", args=[lib.b1.pk])).status_code == 404
    assert client.get(reverse("regulations:detail", args=[lib.draft.pk])).status_code == 404


def test_a_manager_creates_a_document_and_publishes_it_through_the_pages(tree, lib):
    client = client_for(tree.users.branch1)
    response = client.post(reverse("regulations:create"), {
        "org": tree.branch1.pk, "title": "支部党员积分管理办法", "doc_number": "一支〔2025〕1号", "issuer": "第一党支部",
        "category": lib.cat.pk})
    reg = Regulation.objects.get(title="支部党员积分管理办法")
    assert response.status_code == 302 and reg.status == RegulationStatus.DRAFT and reg.category == lib.cat
    assert response.url == reverse("regulations:publish", args=[reg.pk])
    pdf = SimpleUploadedFile("原件.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(response.url, {"title": reg.title, "body": "第一条 党员参加志愿服务记积分。",
                                           "effective_on": today().isoformat(), "version": reg.version,
                                           "base_number": 0, "attachment": pdf})
    assert response.status_code == 302
    reg.refresh_from_db()
    assert reg.status == RegulationStatus.PUBLISHED and reg.versions.get().attachment_name == "原件.pdf"
    # The PDF is served to a reader, never to the sibling branch.
    url = reverse("regulations:attachment", args=[reg.pk, 1])
    response = client_for(tree.users.member1).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(tree.users.branch2).get(url).status_code == 404
    page = client_for(tree.users.member1).get(reverse("regulations:whats_new")).content.decode()
    assert page.index(f'data-regulation="{reg.pk}"') < page.index(f'data-regulation="{lib.plan.pk}"')


def test_repealing_keeps_the_document_readable_and_stops_new_versions(tree, lib):
    u = tree.users
    client = client_for(u.committee)
    response = client.post(reverse("regulations:repeal", args=[lib.plan.pk]), {
        "repealed_on": today().isoformat(), "repeal_note": "", "version": lib.plan.version})
    assert response.status_code == 200 and 'data-field-error="repeal_note"' in response.content.decode()
    response = client.post(reverse("regulations:repeal", args=[lib.plan.pk]), {
        "repealed_on": today().isoformat(), "repeal_note": "由2025版预案取代", "version": lib.plan.version})
    assert response.status_code == 302
    lib.plan.refresh_from_db()
    assert lib.plan.status == RegulationStatus.REPEALED
    page = client_for(u.member1).get(reverse("regulations:detail", args=[lib.plan.pk])).content.decode()
    assert 'id="repealed-note"' in page and "由2025版预案取代" in page
    listing = client_for(u.member1).get(reverse("regulations:list")).content.decode()
    assert f'data-regulation="{lib.plan.pk}"' not in listing
    listing = client_for(u.member1).get(reverse("regulations:list"), {"repealed": "on"}).content.decode()
    assert f'data-regulation="{lib.plan.pk}"' in listing
    with pytest.raises(ValidationError):
        publish(u.committee, lib.plan, summary="复活")


def test_editing_the_filing_with_a_stale_page_is_refused(tree, lib):
    client = client_for(tree.users.committee)
    url = reverse("regulations:edit", args=[lib.plan.pk])
    stale = lib.plan.version
    services.update_regulation(tree.users.committee, lib.plan, expected_version=stale, category=lib.cat,
                               doc_number="安全〔2024〕9号", issuer="安全科")
    response = client.post(url, {"category": "", "doc_number": "别的", "issuer": "", "version": stale})
    assert response.status_code == 302
    lib.plan.refresh_from_db()
    assert lib.plan.doc_number == "安全〔2024〕9号" and lib.plan.category == lib.cat


def test_categories_are_kept_by_managers(tree, lib):
    u = tree.users
    client = client_for(u.branch1)
    response = client.post(reverse("regulations:categories"), {"org": tree.branch1.pk, "name": "支部制度",
                                                               "sort_order": "2"})
    assert response.status_code == 302
    cat = Category.objects.get(name="支部制度")
    assert cat.org == tree.branch1
    response = client.post(reverse("regulations:categories"), {"org": tree.branch1.pk, "name": "支部制度"})
    assert 'data-field-error="name"' in response.content.decode()
    assert client.post(reverse("regulations:categories"), {"org": tree.branch2.pk, "name": "x"}).status_code in (200, 404)
    assert not Category.objects.filter(name="x").exists()
    # The committee's category is in use: not deleted. The branch's own is.
    assert client_for(u.branch1).get(reverse("regulations:category_edit", args=[lib.cat.pk])).status_code == 404
    with pytest.raises(ValidationError):
        services.delete_category(u.committee, lib.cat, expected_version=lib.cat.version)
    response = client.post(reverse("regulations:category_delete", args=[cat.pk]), {"version": cat.version})
    assert response.status_code == 302 and not Category.objects.filter(pk=cat.pk).exists()
    with pytest.raises(Http404):
        services.create_category(u.committee, org=None, name="全局")  # general categories: administrators
    assert services.create_category(u.admin, org=None, name="全局").org_path == ""
    assert "全局" in {c.name for c in services.visible_categories(u.branch2)}
    assert "支部制度" not in {c.name for c in services.visible_categories(u.branch2)}  # branch1's own
    assert "安全应急预案" in {c.name for c in services.visible_categories(u.branch2)}  # the committee's


# ---------------------------------------------------------------------------------------------------- API

def test_api_lists_searches_and_reads_with_the_pages_visibility(tree, lib):
    api = api_as(tree.users.member1)
    body = api.get("/api/v1/regulations/").json()
    assert {r["id"] for r in body["results"]} == {lib.plan.pk, lib.b1.pk} and body["count"] == 2
    assert all(r["match"] is None for r in body["results"])
    body = api.get("/api/v1/regulations/", {"q": "安全检查"}).json()
    assert [r["id"] for r in body["results"]] == [lib.plan.pk]
    match = body["results"][0]["match"]
    assert "<mark>安全检查</mark>" in match["snippet_html"] and match["version"]["number"] == 1
    body = api.get("/api/v1/regulations/", {"category": lib.cat.pk}).json()
    assert [r["id"] for r in body["results"]] == [lib.plan.pk]
    assert api.get("/api/v1/regulations/", {"category": "x"}).status_code == 400
    detail = api.get(f"/api/v1/regulations/{lib.plan.pk}/").json()
    assert detail["current_version"]["number"] == 1 and "应急演练" in detail["current_version"]["body_text"]
    assert detail["current_version"]["in_force"] is True and [v["number"] for v in detail["versions"]] == [1]
    assert api.get(f"/api/v1/regulations/{lib.plan.pk}/versions/1/").json()["title"] == lib.plan.title
    assert api.get(f"/api/v1/regulations/{lib.plan.pk}/versions/2/").status_code == 404
    names = {c["name"] for c in api.get("/api/v1/regulations/categories/").json()}
    assert names == {"安全应急预案"}


def test_api_gives_outsiders_404(tree, lib):
    api = api_as(tree.users.branch2)
    for url in [f"/api/v1/regulations/{lib.b1.pk}/", f"/api/v1/regulations/{lib.b1.pk}/versions/1/",
                f"/api/v1/regulations/{lib.draft.pk}/"]:
        response = api.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert lib.b1.pk not in {r["id"] for r in api.get("/api/v1/regulations/", {"q": "学习"}).json()["results"]}
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/regulations/").status_code == 401


# ---------------------------------------------------------------------------------------------------- demo

def test_the_demo_library_is_created_once_and_searchable(tree):
    assert seed_regulations(tree.committee) == 4
    assert seed_regulations(tree.committee) == 0
    member = tree.users.member1
    hits = found(member, "应急演练")
    assert len(hits) >= 2
    rules_doc = Regulation.objects.get(title="党支部工作实施办法")
    assert rules_doc.versions.count() == 2
    assert found(member, "谈心谈话") == [rules_doc.pk]
    page = client_for(member).get(reverse("regulations:detail", args=[rules_doc.pk])).content.decode()
    assert 'id="toc"' in page and "第一章 总则" in page


def test_the_api_schema_documents_the_regulations_endpoints(client, tree):
    client.force_login(tree.users.member1)
    paths = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in ["/api/v1/regulations/", "/api/v1/regulations/{id}/", "/api/v1/regulations/{id}/versions/{number}/",
                 "/api/v1/regulations/categories/"]:
        assert "get" in paths[path], path
    params = {p["name"] for p in paths["/api/v1/regulations/"]["get"]["parameters"]}
    assert {"q", "category", "repealed", "history", "page"} <= params
    assert "404" in paths["/api/v1/regulations/{id}/"]["get"]["responses"]
