"""The regulations library's pure rules, with hypothesis: every word jieba makes of a document finds it, and so
does any run of whole words; the database search asks exactly what rules.matches asks; snippets are escaped;
the reading layout and the current version."""

import html
import re
from datetime import date, timedelta

import jieba
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from dangjian.regulations import rules

WORDS = ["党支部", "应急", "演练", "安全检查", "开展", "组织生活会", "旅客", "车票", "列车", "晚点", "防洪", "抢险",
         "党员", "教育", "管理", "监督", "中国共产党", "条例", "试行", "第三条", "每月", "主题党日", "隐患", "整改",
         "和", "的", "是", "在", "值班", "制度", "学习", "党章", "党规", "铁路", "客运", "规章", "，", "。", "；", "、",
         "（", "）", "2024", "年", "CRH", "ＡＢ", " ", "\n"]
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
texts = st.lists(st.one_of(st.sampled_from(WORDS), CJK), min_size=1, max_size=40).map("".join)
any_text = st.one_of(texts, st.text(max_size=60))


@given(any_text)
@example("开展安全检查和应急演练")
@example("Ａ１ｂ 大写ABC")
def test_every_token_of_a_document_finds_it(text):
    index = set(rules.tokens(text))
    for token in index:
        terms = rules.query_terms(token)
        assert terms, token
        assert rules.matches(index, terms), token


@given(texts, st.data())
@example("开展安全检查和应急演练", None)
def test_any_run_of_whole_words_finds_the_document(text, data):
    index = set(rules.tokens(text))
    words = list(jieba.cut(rules.normalise(text), HMM=False))
    assume(words)
    if data is None:
        start, end = 2, 5
    else:
        start = data.draw(st.integers(0, len(words) - 1))
        end = data.draw(st.integers(start + 1, min(len(words), start + 6)))
    phrase = "".join(words[start:end])
    terms = rules.query_terms(phrase)
    assume(terms)
    assert rules.matches(index, terms), (phrase, terms)


@pytest.mark.parametrize("query", ["应急", "安全检查", "检查和应急", "应急 演练", "ＡＢ", "安全检查和应急演练"])
def test_words_inside_the_text_are_found(query):
    index = set(rules.tokens("各车间每月开展安全检查和应急演练ab"))
    assert rules.matches(index, rules.query_terms(query))


@pytest.mark.parametrize("query", ["火灾", "应急 火灾", "急演", "", "，。", "应急火灾"])
def test_words_not_in_the_text_are_not_found(query):
    index = set(rules.tokens("各车间每月开展安全检查和应急演练"))
    assert not rules.matches(index, rules.query_terms(query))


def test_a_query_is_bounded():
    terms = rules.query_terms(" ".join(f"词{i}" for i in range(50)))
    assert len(terms) <= rules.MAX_TERMS
    assert rules.query_terms("x" * 10_000) == []  # one word longer than any token: nothing to ask
    long = rules.query_terms("应急演练" * 1000)
    assert len(long) == 1 and len(long[0].text) <= rules.MAX_TOKEN
    assert rules.query_terms("应急\x00") == rules.query_terms("应急")


@given(st.text(max_size=200), st.lists(st.sampled_from(["应急", "<b>", "&", "a", "安全检查", "ＡＢ", "ab"]),
                                       max_size=3))
def test_snippets_are_escaped_and_only_marks_are_markup(text, needles):
    out = rules.snippet(text, set(needles), width=40)
    plain = out.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in plain and ">" not in plain.replace("&gt;", "")
    flat = re.sub(r"\s+", " ", text).strip()
    assert html.unescape(plain).strip("…") in flat


def test_snippet_marks_the_words_case_and_width_insensitively():
    out = rules.snippet("前言。" * 40 + "开展ＡＢ检查和应急演练。" + "后记。" * 40, {"应急", "ab"}, width=30)
    assert "<mark>应急</mark>" in out and "<mark>ＡＢ</mark>" in out
    assert out.startswith("…") and out.endswith("…")
    assert rules.highlight("<应急>", {"应急"}) == "&lt;<mark>应急</mark>&gt;"


@given(st.lists(st.tuples(st.integers(1, 9), st.integers(-30, 30)), min_size=1, max_size=6, unique_by=lambda t: t[0]))
def test_the_current_version_is_the_highest_numbered_in_effect(pairs):
    today = date(2025, 6, 1)
    versions = [(n, today + timedelta(days=d)) for n, d in pairs]
    current = rules.current_number(versions, today)
    in_effect = [n for n, on in versions if on <= today]
    assert current == (max(in_effect) if in_effect else None)
    assert rules.shown_number(versions, today) == (current if current is not None else max(n for n, _ in versions))


def test_text_becomes_reading_html_with_a_table_of_contents():
    markup = rules.text_to_html("第一章 总则\n\n第一条　为了<加强>建设，制定本条例。\n第一节 组织\n普通段落\n"
                                "第二章规定的事项由党委负责落实并报上级党组织备案审查通过后执行")
    assert markup.splitlines()[0] == "<h2>第一章 总则</h2>"
    assert "<p><strong>第一条</strong> 为了&lt;加强&gt;建设，制定本条例。</p>" in markup
    assert "<h3>第一节 组织</h3>" in markup
    assert "<p>第二章规定的事项" in markup  # a long line is a sentence, not a chapter heading
    body, toc = rules.outline(markup)
    assert [(h.level, h.label) for h in toc] == [(1, "第一章 总则"), (3, "第一条"), (2, "第一节 组织")]
    assert '<h2 id="s1">' in body and '<p id="s2">' in body
    groups = rules.toc_groups(toc)
    assert [(g[0].label if g[0] else None, [a.label for a in g[1]]) for g in groups] == [
        ("第一章 总则", ["第一条"]), ("第一节 组织", [])]
    assert rules.html_to_text(markup).splitlines()[:2] == ["第一章 总则", "第一条 为了<加强>建设，制定本条例。"]


def test_outline_of_articles_only_and_of_editor_html():
    body, toc = rules.outline("<p>第一条 甲</p><p>第二条 乙</p><h2>附件</h2><ul><li>第三条 不在段落里</li></ul>")
    assert [h.label for h in toc] == ["第一条", "第二条", "附件"]
    groups = rules.toc_groups(toc)
    assert groups[0][0] is None and [a.label for a in groups[0][1]] == ["第一条", "第二条"]


def test_reader_paths_are_the_organisations_and_their_ancestors():
    a, b, c = "00000001", "0000000100000002", "000000010000000200000003"
    assert rules.ancestor_paths(c) == [a, b, c]
    assert rules.reader_paths([c], ["0000000900000010"]) == sorted([a, b, c, "00000009", "0000000900000010"])
    assert rules.category_fits("", c) and rules.category_fits(a, c) and not rules.category_fits(c, b)


# ---- the database asks what rules.matches asks -----------------------------------------------------------------

@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=texts, query=st.one_of(texts, st.sampled_from(["应急", "安全检查", "检查和应急", "党员 教育", "和"])))
def test_the_sql_search_matches_the_rule(tree, doc, query):
    from dangjian.regulations import search, services
    from dangjian.regulations.models import Regulation

    assume(rules.query_terms(query))
    reg = services.create_regulation(None, org=tree.committee, title="标题")
    assume(rules.tokens(doc))
    services.publish_version(None, reg, expected_version=None, title="标题", body=doc,
                             effective_on=date(2020, 1, 1))
    found = {h.regulation.pk for h in search.run(Regulation.objects.filter(pk=reg.pk), query)[:]}
    index = set(rules.tokens("标题")) | set(rules.tokens(rules.html_to_text(rules.text_to_html(doc))))
    assert (reg.pk in found) == rules.matches(index, rules.query_terms(query))
