"""The question bank: the xlsx template, the whole-file check (every bad row at once, nothing written), the
all-or-nothing audited import, junk files, the export and its round trip, and the pages (scoping, editor,
concurrency, retiring, the two-step import, query counts)."""

import io
import re
import string

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from dangjian.audit.chain import verify
from dangjian.audit.models import AuditEntry
from dangjian.exams import bank, imports, rules, services
from dangjian.exams.models import Category, Question, QuestionKind, QuestionStatus

pytestmark = pytest.mark.django_db
H = imports.HEADERS


@pytest.fixture(autouse=True)
def _stash_dir(settings, tmp_path):
    settings.EXAM_IMPORT_DIR = tmp_path / "exam_imports"


def row(kind="单选", stem="题目", options=("甲", "乙", "丙", "丁"), answer="A", explanation="", tier="C",
        category="党建规章", source="", status=""):
    """A spreadsheet row in template order."""
    opts = list(options) + [None] * (8 - len(options))
    return [kind, stem, *opts, answer, explanation, tier, category, source, status]


def good_rows():
    return [
        row("单选", "党的最高领导机关是？", ["全国代表大会和中央委员会", "中央政治局", "中央书记处"], "A",
            "见党章第十条。", "A", "党建规章", "中国共产党章程"),
        row("多选", "下列属于“三会一课”的有？", ["支部党员大会", "支部委员会", "党小组会", "党课", "职代会"], "A,C、D B",
            tier="B"),
        row("判断", "预备党员的预备期为一年。", [], "对", tier="C", category="业务规章"),
        row("填空", "中国共产党成立于____年，一大在____召开。", [], "1921；上海|上海市", tier="B", category="安全应急",
            status="草稿"),
        row("判断题", "发现火情应先收拾个人物品。", [], "×", tier="c档", category="安全应急", status="停用"),
    ]


def xlsx(rows, header=None, sheet=imports.DATA_SHEET):
    return imports.build_rows_file(rows, header=header, sheet=sheet)


def zh(msgid, **values):
    """A message as the site shows it by default (zh-hans, or the English msgid until it is translated)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
    return text % values if values else text


def add(user, org, stem, kind="single", **kw):
    data = {"kind": kind, "stem": stem, "options": ["甲", "乙", "丙"], "answer": [1], "tier": "A",
            "category": "党建规章"}
    if kind == "truefalse":
        data.update(options=[], answer=[True])
    data.update(kw)
    return services.create_question(user, org, data)


# ---------------------------------------------------------------------------------------------------- template

def test_template_has_the_header_drop_downs_and_a_help_sheet_with_examples_that_import(tree):
    content = imports.build_template()
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["题库", "说明"]
    ws = wb["题库"]
    assert [c.value for c in ws[1]] == ["题型", "题干", *[f"选项{x}" for x in "ABCDEFGH"], "答案", "解析", "档次",
                                        "分类", "来源", "状态"]
    assert ws.max_row == 1  # no example row to delete before filling it in
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert "单选,多选,判断,填空" in lists["A"] and "A,B,C" in lists["M"]
    help_rows = list(wb["说明"].iter_rows(values_only=True))
    assert any(r[0] == "答案" and "ACD" in r[1] for r in help_rows)
    # The example rows of the help sheet, copied under the header, import as they are.
    start = next(i for i, r in enumerate(help_rows) if r[0] == "题型" and r[1] == "题干")
    examples = [list(r[:len(H)]) for r in help_rows[start + 1:] if r[0]]
    assert len(examples) == len(imports.EXAMPLES)
    report = imports.check(tree.users.committee, tree.committee, xlsx(examples))
    assert report.errors == [] and len(report.rows) == len(examples)


def test_the_empty_template_imports_nothing_with_a_clear_message(tree):
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, imports.build_template())
    assert "no questions" in e.value.message or "没有" in e.value.message


# ---------------------------------------------------------------------------------------------------- import

def test_a_good_file_imports_every_kind_with_categories_created_and_every_question_audited(tree):
    user, org = tree.users.committee, tree.committee
    Category.objects.create(org=org, org_path=org.path, name="党建规章")
    before = AuditEntry.objects.count()
    report = imports.run(user, org, xlsx(good_rows()), filename="bank.xlsx")
    assert report.errors == [] and report.written == 5
    qs = {q.stem: q for q in Question.objects.filter(org=org).select_related("category")}
    single = qs["党的最高领导机关是？"]
    assert (single.kind, single.options, single.answer, single.tier, single.source, single.explanation) == (
        "single", ["全国代表大会和中央委员会", "中央政治局", "中央书记处"], [0], "A", "中国共产党章程", "见党章第十条。")
    assert single.category.name == "党建规章" and single.created_by == user and single.org_path == org.path
    assert qs["下列属于“三会一课”的有？"].answer == [0, 1, 2, 3]
    assert qs["预备党员的预备期为一年。"].answer == [True] and qs["预备党员的预备期为一年。"].options == []
    fill = qs["中国共产党成立于____年，一大在____召开。"]
    assert fill.answer == [["1921"], ["上海", "上海市"]] and fill.status == QuestionStatus.DRAFT
    retired = qs["发现火情应先收拾个人物品。"]
    assert retired.answer == [False] and retired.tier == "C" and retired.status == QuestionStatus.RETIRED
    assert all(q.stem_key == rules.stem_key(q.stem) for q in qs.values())
    assert sorted(Category.objects.filter(org=org).values_list("name", flat=True)) == sorted(
        ["党建规章", "业务规章", "安全应急"])
    assert report.new_categories == ["业务规章", "安全应急"]
    entries = AuditEntry.objects.filter(seq__gt=before)
    created = entries.filter(model="exams.question", action=AuditEntry.Action.CREATE)
    assert sorted(int(e.object_id) for e in created) == sorted(q.pk for q in qs.values())
    assert all(e.actor_id == user.pk and e.org_path == org.path and e.after["stem"] for e in created)
    summary = entries.get(action=AuditEntry.Action.IMPORT)
    assert summary.after["created"] == 5 and summary.after["file"] == "bank.xlsx"
    assert entries.filter(model="exams.category", action=AuditEntry.Action.CREATE).count() == 2
    assert verify()[0]
    assert services.bank_counts(org) == {("A", "党建规章"): 1, ("B", "党建规章"): 1, ("C", "业务规章"): 1}


def test_every_bad_row_is_reported_at_once_and_nothing_is_written(tree):
    user, org = tree.users.committee, tree.committee
    add(user, org, "银行里已有的题目")
    rows = [
        row(stem="没有答案的题", answer=""),                                   # 2 no answer
        row(stem="答案不在选项中", options=["甲", "乙"], answer="D"),           # 3 answer not among the options
        row(kind="问答", stem="未知题型"),                                    # 4 unknown kind
        row(stem="未知档次", tier="D"),                                       # 5 unknown tier
        row(stem="文件内重复的题目？"),                                        # 6 fine …
        row(stem="文件内重复的题目?"),                                         # 7 … but the same stem again
        row(stem="银行里已有的题目。"),                                        # 8 already in the bank
        row(stem="长" * 2001),                                              # 9 too long
        row(stem="   ", answer="Z"),                                       # 10 empty stem and a bad answer
        row(stem="选项太少", options=["甲"], answer="A"),                      # 11 too few options
        row(stem="选项有空缺", options=["甲", "", "丙"], answer="A"),           # 12 a gap in the options
        row(stem="单选两个答案", answer="AB"),                                  # 13 single with two answers
        row(kind="多选", stem="多选一个答案", answer="B"),                       # 14 multiple with one answer
        row(kind="判断", stem="判断写错答案", options=[], answer="也许"),          # 15 true/false word
        row(stem="没有分类", category=""),                                     # 16 no category
        row(stem="状态不对", status="删除"),                                    # 17 unknown status
        row(stem="选项重复", options=["甲", "甲 "], answer="A"),                 # 18 two options the same
        row(kind="", stem="没有题型", tier=""),                                # 19 no kind, no tier
        row(stem="来源太长", source="源" * 201, category="类" * 41),            # 20 too long source and category
        row(stem="好的一行", answer="C"),                                      # 21 fine
    ]
    count, categories, entries = Question.objects.count(), Category.objects.count(), AuditEntry.objects.count()
    report = imports.run(user, org, xlsx(rows))
    got = {(e["row"], e["column"]) for e in report.errors}
    expected = {(2, "答案"), (3, "答案"), (4, "题型"), (5, "档次"), (7, "题干"), (8, "题干"), (9, "题干"), (10, "题干"),
                (10, "答案"), (11, "选项B"), (12, "选项B"), (13, "答案"), (14, "答案"), (15, "答案"), (16, "分类"),
                (17, "状态"), (18, "选项B"), (19, "题型"), (19, "档次"), (20, "来源"), (20, "分类")}
    assert got == expected
    messages = {(e["row"], e["column"]): e["message"] for e in report.errors}
    assert messages[(2, "答案")] == zh("Enter the answer.")
    assert messages[(3, "答案")] == zh("The answer is not among the options.")
    assert messages[(7, "题干")] == zh("The same question is on row %(row)s.", row=6)
    assert messages[(8, "题干")] == zh("The bank already has this question.")
    assert messages[(9, "题干")] == zh("The question is longer than 2,000 characters.")
    assert messages[(11, "选项B")] == zh("A choice question needs at least two options.")
    assert messages[(12, "选项B")] == zh("An option is empty.")
    assert [(e["row"], e["column"]) for e in report.errors] == sorted(
        got, key=lambda rc: (rc[0], imports.COLUMN_ORDER[rc[1]]))
    assert report.written == 0 and report.bad_rows == 18 and report.total == 20
    assert (Question.objects.count(), Category.objects.count(), AuditEntry.objects.count()) == (
        count, categories, entries)


def test_duplicates_within_the_file_and_against_the_banks_live_questions(tree):
    user, org = tree.users.committee, tree.committee
    add(user, org, "在用的题目")
    old = add(user, org, "停用的题目")
    services.set_question_status(user, old, QuestionStatus.RETIRED)
    add(user, tree.branch1, "别的题库里的题目")
    rows = [row(stem="在 用 的 题 目 ！"),                       # 2 the bank's live question (spacing, width)
            row(stem="停用的题目"),                              # 3 a retired one may be entered again
            row(stem="别的题库里的题目"),                          # 4 another bank's question is no duplicate
            row(stem="ＡＢＣ题"), row(stem="abc题。"),            # 5, 6 full width and case fold to one stem
            row(stem="停用时可以重复", status="停用"),
            row(stem="停用时可以重复", status="停用"),               # retired rows may repeat a stem
            row(stem="停用时可以重复")]                          # and one live copy
    report = imports.check(user, org, xlsx(rows))
    assert [(e["row"], e["column"], e["message"]) for e in report.errors] == [
        (2, "题干", zh("The bank already has this question.")),
        (6, "题干", zh("The same question is on row %(row)s.", row=5))]


def test_a_question_entered_between_the_check_and_the_write_stops_the_whole_import(tree, monkeypatch):
    user, org = tree.users.committee, tree.committee
    content = xlsx([row(stem="第一题"), row(stem="第二题")])
    real_check = imports.check

    def check_then_someone_adds(*args, **kwargs):
        report = real_check(*args, **kwargs)
        add(user, org, "第二题")
        return report

    monkeypatch.setattr(imports, "check", check_then_someone_adds)
    with pytest.raises(Exception) as e:
        imports.run(user, org, content)
    assert "changed" in str(e.value) or "变" in str(e.value)
    assert list(Question.objects.filter(org=org).values_list("stem", flat=True)) == ["第二题"]


def test_a_dry_run_checks_and_writes_nothing(tree):
    user, org = tree.users.committee, tree.committee
    entries = AuditEntry.objects.count()
    report = imports.run(user, org, xlsx(good_rows()), dry_run=True)
    assert report.ok and len(report.rows) == 5 and report.written == 0
    assert not Question.objects.exists() and not Category.objects.exists()
    assert AuditEntry.objects.count() == entries
    lines, totals, total = report.matrix()
    assert total == 5 and totals == [1, 2, 2]
    assert ("安全应急", [0, 1, 1], 2) in lines


def test_cells_may_be_numbers_bools_and_the_columns_in_any_order_with_extras_and_a_title_row(tree):
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2026年题库"])  # a title row above the header
    ws.append(["备注", "分类*", "档次（A/B/C）", "答案", "题干", "题型", "选项 A", "选项Ｂ", "无关的列"])
    ws.append(["x", "业务规章", "a", True, "安全生产法施行于2002年。", "判断", None, None, 42])
    ws.append([None, "业务规章", "B", 2002, "安全生产法施行于____年。", "填空", None, None, None])
    ws.append([None, "业务规章", "C", "B", "1+1=？", "单选", 1, 2.0, None])
    ws.append([None, "业务规章", "C", "a", "判断写成选择的样子", "判断", "对", "错", None])
    ws.append([None, None, None, None, None, None, None, None, None])  # blank rows are skipped
    out = io.BytesIO()
    wb.save(out)
    report = imports.check(tree.users.committee, tree.committee, out.getvalue())
    assert report.errors == []
    got = {r.stem: (r.kind, r.options, r.answer, r.tier) for r in report.rows}
    assert got == {"安全生产法施行于2002年。": ("truefalse", [], [True], "A"),
                   "安全生产法施行于____年。": ("fill", [], [["2002"]], "B"),
                   "1+1=？": ("single", ["1", "2"], [1], "C"),
                   "判断写成选择的样子": ("truefalse", [], [True], "C")}
    assert {r.number for r in report.rows} == {3, 4, 5, 6}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "The file is empty."),
    (b"name,stem\n1,2\n", "This is not an Excel (.xlsx) file."),
    (b"PK\x03\x04 broken zip", "This is not an Excel (.xlsx) file."),
])
def test_junk_files_are_refused_with_a_clear_message(tree, content, message):
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, content)
    assert e.value.message == zh(message)


def test_a_sheet_without_the_required_columns_names_them(tree):
    content = xlsx([["单选", "题"]], header=["题型", "题干", "随便"])
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, content)
    assert "答案、档次、分类" in e.value.message
    empty = Workbook()
    out = io.BytesIO()
    empty.save(out)
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, out.getvalue())
    assert e.value.message == zh("The file is empty.")
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, xlsx([row()], header=[*H[:2], "题干", *H[3:]]))
    assert "题干" in e.value.message  # a column twice


def test_too_many_rows_and_too_big_a_file_are_refused(tree, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with pytest.raises(imports.FileError) as e:
        imports.check(tree.users.committee, tree.committee, xlsx([row(stem=f"题{i}") for i in range(4)]))
    assert "3" in e.value.message
    assert imports.check(tree.users.committee, tree.committee, xlsx([row(stem=f"题{i}") for i in range(3)])).ok
    monkeypatch.setattr(imports, "MAX_BYTES", 1000)
    with pytest.raises(imports.FileError):
        imports.check(tree.users.committee, tree.committee, xlsx([row()]))


def test_only_a_keeper_of_the_bank_may_import_into_it(tree):
    content = xlsx(good_rows())
    with pytest.raises(Http404):
        imports.check(tree.users.branch2, tree.committee, content)
    with pytest.raises(Http404):
        imports.run(tree.users.member1, tree.branch1, content)
    assert imports.run(tree.users.branch1, tree.branch1, content).written == 5


# ---------------------------------------------------------------------------------------------------- export

def test_an_export_imports_into_a_fresh_bank_unchanged(client, tree):
    user, org = tree.users.committee, tree.committee
    imports.run(user, org, xlsx(good_rows()))
    add(user, org, "=SUM(A1:A2) 以等号开头的题干", options=["=1", "@2", "+3"], answer=[0, 2], kind="multiple",
        explanation="行一\n行二", tier="B", category="业务规章")
    client.force_login(user)
    r = client.get(reverse("exams:bank_export"), {"org": org.pk})
    assert r.status_code == 200 and r["Content-Type"] == imports.XLSX_TYPE
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, model="exams.question").exists()
    report = imports.run(user, tree.branch2, r.content)
    assert report.errors == [] and report.written == 6

    def fields(qs):
        return sorted((q.kind, q.stem, q.options, q.answer, q.explanation, q.tier, q.category.name, q.source,
                       q.status) for q in qs.select_related("category"))

    assert fields(Question.objects.filter(org=tree.branch2)) == fields(Question.objects.filter(org=org))


def test_the_export_follows_the_filters(client, tree):
    user, org = tree.users.committee, tree.committee
    imports.run(user, org, xlsx(good_rows()))
    client.force_login(user)
    r = client.get(reverse("exams:bank_export"), {"org": org.pk, "tier": "B"})
    ws = load_workbook(io.BytesIO(r.content))["题库"]
    assert sorted(row[1] for row in ws.iter_rows(min_row=2, values_only=True)) == sorted(
        ["下列属于“三会一课”的有？", "中国共产党成立于____年，一大在____召开。"])


TEXT = st.text(alphabet=string.ascii_letters + string.digits + "党建规章安全应急（），。？“”= +-@", min_size=1,
               max_size=30).map(str.strip).filter(bool)


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(QuestionKind.values))
    stem = draw(TEXT)
    options, answer = [], None
    if kind in ("single", "multiple"):
        options = draw(st.lists(TEXT, min_size=2, max_size=8, unique_by=rules.normalise_text))
        picks = sorted(draw(st.sets(st.integers(0, len(options) - 1), min_size=1 if kind == "single" else 2,
                                    max_size=1 if kind == "single" else len(options))))
        answer = picks
    elif kind == "truefalse":
        answer = [draw(st.booleans())]
    else:
        alt = TEXT.filter(lambda t: not re.search("[;；|]", t))
        answer = draw(st.lists(st.lists(alt, min_size=1, max_size=3), min_size=1, max_size=4))
    return imports.Row(0, kind, stem, options, answer, draw(st.text(max_size=40).map(str.strip)),
                       draw(st.sampled_from("ABC")), draw(TEXT), draw(TEXT), draw(st.sampled_from(
                           QuestionStatus.values)))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(questions(), min_size=1, max_size=12, unique_by=lambda q: rules.stem_key(q.stem)))
def test_exported_rows_read_back_as_the_same_questions(tree, items):
    """Property: whatever the bank holds, its export checks clean and reads back field for field."""
    items = [imports.Row(0, q.kind, *rules.clean_question(q.kind, q.stem, q.options, q.answer),
                         imports.sheet_text(q.explanation).strip(), q.tier, q.category, q.source,
                         q.status) for q in items]
    content, count = imports.export_bank(items)
    assert count == len(items)
    report = imports.check(tree.users.committee, tree.branch2, content)
    assert report.errors == []
    key = lambda q: (q.kind, q.stem, q.options, q.answer, q.explanation, q.tier, q.category, q.source, q.status)  # noqa: E731
    assert [key(r) for r in report.rows] == [key(q) for q in items]


# ---------------------------------------------------------------------------------------------------- pages

def test_pages_are_for_the_banks_keepers_only(client, tree):
    user = tree.users.committee
    q = add(user, tree.committee, "党委题库的题目")
    client.force_login(tree.users.branch2)  # a sibling branch's secretary keeps only their own bank
    assert client.get(reverse("exams:bank")).status_code == 200  # their own bank (branch2)
    for url in (reverse("exams:bank") + f"?org={tree.committee.pk}", reverse("exams:bank_edit", args=[q.pk]),
                reverse("exams:bank_new") + f"?org={tree.committee.pk}",
                reverse("exams:bank_export") + f"?org={tree.committee.pk}",
                reverse("exams:bank_import") + f"?org={tree.committee.pk}",
                reverse("exams:bank") + f"?org={tree.branch1.pk}", reverse("exams:bank") + "?org=x"):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("exams:bank_status", args=[q.pk]), {"status": "retired"}).status_code == 404
    f = io.BytesIO(xlsx(good_rows()))
    f.name = "bank.xlsx"
    assert client.post(reverse("exams:bank_import"), {"org": tree.committee.pk, "file": f}).status_code == 404
    assert client.post(reverse("exams:bank_new"), {"org": tree.committee.pk, "kind": "truefalse", "stem": "x",
                                                  "truth": "true", "tier": "A", "category": "c",
                                                  "status": "active"}).status_code == 404
    q.refresh_from_db()
    assert q.status == QuestionStatus.ACTIVE and Question.objects.count() == 1
    client.force_login(tree.users.member1)  # no post: no bank at all
    for name in ("exams:bank", "exams:bank_new", "exams:bank_import", "exams:bank_template", "exams:bank_export"):
        assert client.get(reverse(name)).status_code == 404, name
    client.logout()
    assert client.get(reverse("exams:bank")).status_code == 302  # to the login page


def test_the_committee_keeps_every_bank_of_its_subtree_and_starts_on_its_own(client, tree):
    client.force_login(tree.users.committee)
    r = client.get(reverse("exams:bank"))
    assert r.status_code == 200 and r.context["org"] == tree.committee
    assert {pk for pk, _label in r.context["orgs"]} >= {tree.committee.pk, tree.branch1.pk, tree.branch2.pk}
    assert client.get(reverse("exams:bank"), {"org": tree.branch2.pk}).context["org"] == tree.branch2


def test_the_list_filters_counts_and_pages_in_a_fixed_number_of_queries(client, tree, django_assert_max_num_queries):
    user, org = tree.users.committee, tree.committee
    client.force_login(user)
    imports.run(user, org, xlsx([row(stem=f"题目{i}", tier="ABC"[i % 3], category=["党建规章", "业务规章"][i % 2])
                                 for i in range(6)]))
    url = reverse("exams:bank")
    client.get(url, {"org": org.pk})  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"org": org.pk})
    imports.run(user, org, xlsx([row(stem=f"更多题目{i}", tier="ABC"[i % 3], category=f"分类{i % 7}")
                                 for i in range(80)]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(url, {"org": org.pk})
    assert len(r.context["page"].object_list) == 25 and r.context["page"].paginator.count == 86
    assert r.context["count_total"] == 86
    lines = {name: cells for name, cells, _total in r.context["count_lines"]}
    assert lines["党建规章"] == [1, 1, 1] and sum(sum(c) for c in lines.values()) == 86
    r = client.get(url, {"org": org.pk, "tier": "A", "category": Category.objects.get(name="业务规章").pk})
    assert [q.stem for q in r.context["page"].object_list] == ["题目3"]
    r = client.get(url, {"org": org.pk, "q": "更多题目7", "kind": "single", "status": "active"})
    assert {q.stem for q in r.context["page"].object_list} == {"更多题目7", *{f"更多题目7{i}" for i in range(10)}}
    body = client.get(url, {"org": org.pk, "page": 2, "tier": "B"}).content.decode()
    assert "tier=B" in body and 'data-question="' in body


def _editor_post(org, **kw):
    data = {"org": org.pk, "kind": "single", "stem": "新题目", "option": ["甲", "乙", "", "", "", "", "", ""],
            "correct": ["1"], "truth": "", "blank": [""] * 10, "tier": "B", "category": "党建规章",
            "explanation": "", "source": "", "status": "active"}
    data.update(kw)
    return data


@pytest.mark.parametrize(("fields", "expected"), [
    ({"kind": "single", "option": ["甲", "", "乙", "丙"], "correct": ["2"]}, (["甲", "乙", "丙"], [1])),
    ({"kind": "multiple", "option": ["甲", "乙", "丙"], "correct": ["0", "2"]}, (["甲", "乙", "丙"], [0, 2])),
    ({"kind": "truefalse", "truth": "false"}, ([], [False])),
    ({"kind": "fill", "blank": ["北京|京", "", "天安门"]}, ([], [["北京", "京"], ["天安门"]])),
])
def test_the_editor_creates_every_kind_of_question(client, tree, fields, expected):
    client.force_login(tree.users.committee)
    r = client.post(reverse("exams:bank_new"), _editor_post(tree.branch1, **fields))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    q = Question.objects.get()
    assert (q.options, q.answer) == expected and q.org == tree.branch1 and q.tier == "B"
    assert r["Location"] == reverse("exams:bank") + f"?org={tree.branch1.pk}"
    assert AuditEntry.objects.filter(model="exams.question", object_id=str(q.pk), action="create").exists()


def test_save_and_add_another_keeps_kind_tier_and_category(client, tree):
    client.force_login(tree.users.committee)
    r = client.post(reverse("exams:bank_new"), _editor_post(tree.committee, another="1", category="安全应急"))
    assert r.status_code == 302 and "kind=single" in r["Location"] and "tier=B" in r["Location"]
    page = client.get(r["Location"])
    assert page.context["form"]["category"].value() == "安全应急"


@pytest.mark.parametrize(("fields", "field", "msgid"), [
    ({"stem": " "}, "stem", "Enter the question."),
    ({"option": ["甲", "", "", ""], "correct": ["0"]}, "options", "A choice question needs at least two options."),
    ({"correct": []}, "answer", "Enter the answer."),
    ({"correct": ["0", "1"]}, "answer", "A single-choice question has exactly one right option."),
    ({"kind": "multiple", "correct": ["0"]}, "answer", "A multiple-choice question has at least two right options."),
    ({"kind": "truefalse", "truth": ""}, "answer", "The answer of a true-or-false question is true or false."),
    ({"kind": "fill", "blank": ["", ""]}, "answer", "Enter the answer."),
    ({"kind": "fill", "blank": ["北京；上海"]}, "answer",
     "An accepted answer cannot contain ； or |: give each blank its own box and separate the alternatives of a "
     "blank with |."),
    ({"category": " "}, "category", "This field is required."),
    ({"category": "类" * 41}, "category", "At most %(n)d characters."),
])
def test_the_editor_shows_each_refusal_next_to_its_field(client, tree, fields, field, msgid):
    client.force_login(tree.users.committee)
    r = client.post(reverse("exams:bank_new"), _editor_post(tree.committee, **fields))
    assert r.status_code == 200 and not Question.objects.exists()
    expected = zh(msgid, n=40) if "%(n)d" in msgid else zh(msgid)
    body = r.content.decode()
    shown = re.findall(rf'data-field-error="{field}">([^<]*)<', body)
    assert [s.strip() for s in shown] == [expected.replace("|", "|")] or expected in " ".join(shown), (shown, expected)
    if field == "options":  # what was typed comes back
        assert 'value="甲"' in body


def test_a_duplicate_stem_is_refused_under_the_question(client, tree):
    add(tree.users.committee, tree.committee, "新题目")
    client.force_login(tree.users.committee)
    r = client.post(reverse("exams:bank_new"), _editor_post(tree.committee, stem="新 题 目。"))
    assert r.status_code == 200
    assert r.context["form"].errors["stem"] == [zh("The bank already has this question.")]


def test_editing_with_an_old_version_overwrites_nothing(client, tree):
    user = tree.users.committee
    q = add(user, tree.committee, "原来的题目")
    client.force_login(user)
    page = client.get(reverse("exams:bank_edit", args=[q.pk]))
    assert page.context["form"]["version"].value() == 1
    assert [r["text"] for r in page.context["option_rows"][:3]] == ["甲", "乙", "丙"]
    assert page.context["option_rows"][1]["checked"]
    services.update_question(user, q, {"kind": "single", "stem": "别人改过的题目", "options": ["甲", "乙"], "answer": [0],
                                       "tier": "C", "category": "党建规章"}, expected_version=1)
    r = client.post(reverse("exams:bank_edit", args=[q.pk]), _editor_post(tree.committee, stem="我改的题目", version=1))
    assert r.status_code == 200
    body = r.content.decode()
    assert zh("This record was changed by someone else since you opened it. Reload and try again.") in body
    assert 'id="reload-question"' in body and "我改的题目" in body  # what was typed is still there
    q.refresh_from_db()
    assert (q.stem, q.version, q.tier) == ("别人改过的题目", 2, "C")
    r = client.post(reverse("exams:bank_edit", args=[q.pk]), _editor_post(tree.committee, stem="我改的题目", version=2))
    assert r.status_code == 302
    q.refresh_from_db()
    assert (q.stem, q.version, q.options, q.answer) == ("我改的题目", 3, ["甲", "乙"], [1])


def test_retire_and_reactivate_honour_the_version(client, tree):
    user = tree.users.committee
    q = add(user, tree.committee, "要停用的题目")
    client.force_login(user)
    url = reverse("exams:bank_status", args=[q.pk])
    r = client.post(url, {"status": "retired", "version": 1})
    assert r.status_code == 302
    q.refresh_from_db()
    assert q.status == QuestionStatus.RETIRED and q.version == 2
    client.post(url, {"status": "active", "version": 1})  # an old page
    q.refresh_from_db()
    assert q.status == QuestionStatus.RETIRED
    add(user, tree.committee, "要停用的题目。")  # a live copy entered meanwhile
    r = client.post(url, {"status": "active", "version": 2}, follow=True)
    q.refresh_from_db()
    assert q.status == QuestionStatus.RETIRED
    assert zh("The bank already has this question.") in r.content.decode()
    r = client.post(url, {"status": "retired", "version": 2, "next": "https://evil.example/"})
    assert r["Location"].startswith(reverse("exams:bank"))


def _upload(client, org, content, name="bank.xlsx"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("exams:bank_import"), {"org": org.pk, "file": f})


def test_the_import_page_lists_every_bad_row_and_imports_nothing(client, tree):
    client.force_login(tree.users.committee)
    assert client.get(reverse("exams:bank_import")).status_code == 200
    r = _upload(client, tree.committee, xlsx([row(stem="好题"), row(stem="没有答案", answer=""),
                                              row(stem="坏档次", tier="Z")]))
    body = r.content.decode()
    assert r.status_code == 200 and 'id="import-errors"' in body and 'id="confirm-form"' not in body
    assert re.findall(r'<tr data-row="(\d+)"><td>\d+</td><td class="text-nowrap">([^<]+)</td>', body) == [
        ("3", "答案"), ("4", "档次")]
    assert not Question.objects.exists()
    r = _upload(client, tree.committee, b"not a spreadsheet", name="bank.csv")
    assert r.context["form"].errors["file"] == [zh("This is not an Excel (.xlsx) file.")]


def test_the_import_page_checks_then_imports_on_confirmation(client, tree, settings):
    client.force_login(tree.users.committee)
    r = _upload(client, tree.branch1, xlsx(good_rows()))
    body = r.content.decode()
    assert 'id="import-preview"' in body and not Question.objects.exists()
    assert r.context["preview_total"] == 5 and r.context["org"] == tree.branch1
    token = r.context["token"]
    assert list(settings.EXAM_IMPORT_DIR.glob("*.xlsx"))
    # Another user cannot use the token, nor can it import into another bank.
    client.force_login(tree.users.branch1)
    r = client.post(reverse("exams:bank_import"), {"org": tree.branch1.pk, "token": token})
    assert r.status_code == 302 and not Question.objects.exists()
    client.force_login(tree.users.committee)
    client.post(reverse("exams:bank_import"), {"org": tree.branch2.pk, "token": token})
    assert not Question.objects.exists()
    r = client.post(reverse("exams:bank_import"), {"org": tree.branch1.pk, "token": token})
    assert r.status_code == 302 and r["Location"] == reverse("exams:bank") + f"?org={tree.branch1.pk}"
    assert Question.objects.filter(org=tree.branch1).count() == 5
    assert not list(settings.EXAM_IMPORT_DIR.glob("*.xlsx"))  # the kept file is gone
    r = client.post(reverse("exams:bank_import"), {"org": tree.branch1.pk, "token": token})  # a second click
    assert r.status_code == 302 and Question.objects.count() == 5
    r = client.post(reverse("exams:bank_import"), {"org": tree.branch1.pk, "token": "../../etc/passwd"})
    assert r.status_code == 302


def test_the_template_downloads(client, tree):
    client.force_login(tree.users.branch1)
    r = client.get(reverse("exams:bank_template"))
    assert r.status_code == 200 and r["Content-Type"] == imports.XLSX_TYPE
    assert load_workbook(io.BytesIO(r.content)).sheetnames == ["题库", "说明"]


def test_list_and_editor_render_every_kind(client, tree):
    user = tree.users.committee
    imports.run(user, tree.committee, xlsx(good_rows()))
    client.force_login(user)
    body = client.get(reverse("exams:bank")).content.decode()
    assert "1921；上海|上海市" in body and "ABCD" in body and 'id="bank-count-table"' in body
    for q in Question.objects.all():
        r = client.get(reverse("exams:bank_edit", args=[q.pk]))
        assert r.status_code == 200 and r.context["kind"] == q.kind
    fill = Question.objects.get(kind="fill")
    rows = client.get(reverse("exams:bank_edit", args=[fill.pk])).context["blank_rows"]
    assert [b["text"] for b in rows if b["shown"]] == ["1921", "上海|上海市"]


def test_bank_helpers_refuse_strange_input(tree):
    assert bank.clean_filters({"tier": "Z", "kind": "essay", "status": "gone", "category": "99", "q": " x "}) == {
        "q": "x"}
    with pytest.raises(Http404):
        bank.pick_bank(tree.users.committee, "99999999999999999999")


# ---------------------------------------------------------------------------------------------------- phone

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(chromium):  # the worker's browser, launched once (tests/conftest.py)
    context = chromium.new_context(locale="zh-CN", **PHONE)
    yield context.new_page()
    context.close()


def _fits(page, name):
    import os

    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
        .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    assert width <= PHONE["viewport"]["width"] + 1, f"{name}: the page is {width}px wide on a 390px phone: {wide}"
    if os.environ.get("DANGJIAN_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["DANGJIAN_SCREENSHOTS"], f"bank-{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_question_is_written_on_a_phone(phone, live_server, tree):
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "committee")
    page.fill("input[name=password]", "dangjian-demo")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{live_server.url}{reverse('exams:bank_new')}")
    _fits(page, "new")
    assert page.locator("#truefalse-section").is_hidden() and page.locator("#options-section").is_visible()
    page.select_option("select[name=kind]", "multiple")
    page.fill("textarea[name=stem]", "下列属于“三会一课”的有？")
    options = page.locator("input[name=option]")
    for i, text in enumerate(["支部党员大会", "支部委员会", "党小组会", "党课"]):
        options.nth(i).fill(text)
    page.click("#add-option")
    options.nth(4).fill("职工代表大会")
    page.locator("[data-option-row='1'] [data-remove-option]").click()  # the rows below move up
    assert options.nth(1).input_value() == "党小组会" and page.locator("[data-option-row='4']").is_hidden()
    for i in (0, 1, 2):
        page.locator("input[name=correct]").nth(i).check()
    page.fill("input[name=category]", "党建规章")
    _fits(page, "multiple")
    page.click("#save-question")
    page.wait_for_selector("#question-list")
    q = Question.objects.get()
    assert (q.kind, q.options, q.answer) == ("multiple", ["支部党员大会", "党小组会", "党课", "职工代表大会"], [0, 1, 2])
    _fits(page, "list")
    page.goto(f"{live_server.url}{reverse('exams:bank_new')}")
    page.select_option("select[name=kind]", "fill")
    assert page.locator("#options-section").is_hidden() and page.locator("#fill-section").is_visible()
    page.fill("textarea[name=stem]", "中国共产党成立于____年，一大在____召开。")
    page.locator("input[name=blank]").nth(0).fill("1921")
    page.click("#add-blank")
    page.locator("input[name=blank]").nth(1).fill("上海|上海市")
    page.fill("input[name=category]", "党建规章")
    _fits(page, "fill")
    page.click("#save-question")
    page.wait_for_selector("#question-list")
    assert Question.objects.get(kind="fill").answer == [["1921"], ["上海", "上海市"]]
    page.goto(f"{live_server.url}{reverse('exams:bank_import')}")
    _fits(page, "import")
