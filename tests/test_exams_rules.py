"""The exam rules as pure functions: drawing balanced sets, shuffling options with their key, reading answers
from a spreadsheet, checking responses, scoring and the ranking order (hypothesis)."""

from collections import Counter
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.exams import rules
from dangjian.exams.models import QuestionKind

candidates = st.lists(st.tuples(st.integers(1, 6), st.booleans()), max_size=120).map(
    lambda rows: [rules.Candidate(i + 1, c, r) for i, (c, r) in enumerate(rows)])


@given(candidates, st.integers(0, 150), st.integers(0, 10_000))
def test_a_set_is_as_large_as_possible_without_duplicates(pool, size, seed):
    picked = rules.draw_balanced(pool, size, rules.new_rng(seed))
    assert len(picked) == min(size, len(pool))
    assert len(set(picked)) == len(picked)
    assert set(picked) <= {c.id for c in pool}


@given(candidates, st.integers(1, 150), st.integers(0, 10_000))
def test_a_set_is_balanced_across_categories(pool, size, seed):
    """Two categories differ by at most one question unless the smaller one has no more fresh ones to give
    (avoiding questions of the last months comes before balance: recent ones are taken only when fresh ones run
    out)."""
    picked = set(rules.draw_balanced(pool, size, rules.new_rng(seed)))
    fresh = Counter(c.category for c in pool if not c.recent)
    taken = Counter(c.category for c in pool if c.id in picked)
    for a in {c.category for c in pool}:
        for b in {c.category for c in pool}:
            if taken[a] < fresh[a]:  # `a` still had fresh questions to give
                assert taken[b] <= taken[a] + 1


@given(candidates, st.integers(1, 150), st.integers(0, 10_000))
def test_recent_questions_only_when_fresh_ones_run_out(pool, size, seed):
    picked = set(rules.draw_balanced(pool, size, rules.new_rng(seed)))
    fresh = [c for c in pool if not c.recent]
    if any(c.recent and c.id in picked for c in pool):
        assert all(c.id in picked for c in fresh)  # every fresh one was used first


def test_the_same_seed_draws_the_same_set():
    pool = [rules.Candidate(i, i % 3) for i in range(50)]
    assert rules.draw_balanced(pool, 20, rules.new_rng(5)) == rules.draw_balanced(pool, 20, rules.new_rng(5))


@given(st.lists(st.text(min_size=1, max_size=5), min_size=2, max_size=8, unique=True), st.data())
def test_shuffling_keeps_the_key_on_the_same_options(options, data):
    answer = sorted(data.draw(st.sets(st.integers(0, len(options) - 1), min_size=1)))
    shown, key = rules.shuffled_item(QuestionKind.MULTIPLE, options, answer, rules.new_rng(data.draw(st.integers())))
    assert sorted(shown) == sorted(options)
    assert sorted(shown[i] for i in key) == sorted(options[i] for i in answer)
    assert rules.is_correct(QuestionKind.MULTIPLE, key, rules.clean_response(QuestionKind.MULTIPLE, key, len(shown), 0))


@given(st.sampled_from(list(QuestionKind)), st.data())
def test_answer_text_round_trips(kind, data):
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        n = data.draw(st.integers(2, 8))
        size = (1, 1) if kind == QuestionKind.SINGLE else (2, n)
        answer = sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=size[0], max_size=size[1])))
    elif kind == QuestionKind.TRUE_FALSE:
        n, answer = 0, [data.draw(st.booleans())]
    else:
        n = 0
        word = st.text(alphabet="三会一课党章支部ABCxyz0123 ", min_size=1, max_size=6).map(str.strip).filter(bool)
        answer = data.draw(st.lists(st.lists(word, min_size=1, max_size=3), min_size=1, max_size=4))
    assert rules.parse_answer_text(kind, rules.answer_text(kind, answer), n) == answer


@pytest.mark.parametrize("text,expected", [("B", [1]), ("a, c", [0, 2]), ("ACD", [0, 2, 3]), ("Ｂ", [1])])
def test_choice_answers_are_read_as_letters(text, expected):
    assert rules.parse_answer_text(QuestionKind.MULTIPLE, text, 4) == expected


@pytest.mark.parametrize("text", ["E", "", "1", "A?"])
def test_a_choice_answer_outside_the_options_is_refused(text):
    with pytest.raises(rules.InvalidQuestion) as e:
        rules.parse_answer_text(QuestionKind.SINGLE, text, 4)
    assert e.value.field == "answer"


@pytest.mark.parametrize("text,expected", [("对", [True]), ("√", [True]), ("错误", [False]), ("F", [False])])
def test_true_false_words(text, expected):
    assert rules.parse_answer_text(QuestionKind.TRUE_FALSE, text, 0) == expected


def test_fill_answers_accept_alternatives_width_and_case():
    key = rules.parse_answer_text(QuestionKind.FILL, "三会一课|三会一课制度；Party", 0)
    assert key == [["三会一课", "三会一课制度"], ["Party"]]
    assert rules.is_correct(QuestionKind.FILL, key, ["三会一课制度 ", "ＰＡＲＴＹ"])
    assert not rules.is_correct(QuestionKind.FILL, key, ["三会", "party"])
    assert not rules.is_correct(QuestionKind.FILL, key, None)


@pytest.mark.parametrize("kind,options,answer,field", [
    ("single", ["甲"], [0], "options"),
    ("single", ["甲", "乙"], [], "answer"),
    ("single", ["甲", "乙"], [2], "answer"),
    ("single", ["甲", "乙"], [0, 1], "answer"),
    ("multiple", ["甲", "乙", "丙"], [1], "answer"),
    ("multiple", ["甲", "甲 ", "丙"], [0, 1], "options"),
    ("truefalse", [], [], "answer"),
    ("fill", [], [[" "]], "answer"),
    ("essay", [], [], "kind"),
])
def test_bad_questions_name_the_field(kind, options, answer, field):
    with pytest.raises(rules.InvalidQuestion) as e:
        rules.clean_question(kind, "题干", options, answer)
    assert e.value.field == field


def test_stems_that_differ_in_spacing_or_width_are_duplicates():
    assert rules.stem_key("党的最高领导机关是？") == rules.stem_key(" 党的最高领导机关是 ?")
    assert rules.stem_key("党的最高领导机关是？") != rules.stem_key("党的最高领导机关是哪个？")


@given(st.integers(0, 200), st.integers(1, 200))
def test_score_is_out_of_a_hundred_with_two_places(correct, total):
    correct = min(correct, total)
    value = rules.score(correct, total)
    assert Decimal(0) <= value <= Decimal(100) and value.as_tuple().exponent == -2
    assert rules.score(total, total) == Decimal("100.00")


def test_ranking_order_score_then_harder_tier_then_time_then_finish():
    t1, t2 = datetime(2026, 11, 1, 9), datetime(2026, 11, 1, 10)
    rows = [(Decimal(90), "C", 100, t1), (Decimal(90), "A", 300, t2), (Decimal(95), "C", 900, t2),
            (Decimal(90), "A", 200, t2), (Decimal(90), "A", 200, t1)]
    ordered = sorted(rows, key=lambda r: rules.ranking_key(*r))
    assert ordered == [rows[2], rows[4], rows[3], rows[1], rows[0]]


def test_months():
    assert rules.add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert rules.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert rules.parse_month("2026-13", None) is None and rules.parse_month("2026-02", None) == date(2026, 2, 1)


@pytest.mark.parametrize("kind,response,n,blanks", [
    ("single", [0, 1], 4, 0), ("single", "Z", 4, 0), ("single", 7, 4, 0), ("multiple", ["x"], 4, 0),
    ("truefalse", "maybe", 0, 0), ("fill", ["a", "b", "c"], 0, 2), ("fill", [{"a": 1}], 0, 1)])
def test_bad_responses_are_refused(kind, response, n, blanks):
    with pytest.raises(rules.InvalidQuestion):
        rules.clean_response(kind, response, n, blanks)
