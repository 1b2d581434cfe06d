"""The exam rules as pure functions: validating a question, reading answers written in a spreadsheet, drawing a
monthly set balanced across categories, drawing and shuffling a paper, checking a response, scoring and the
ranking order. No database access here; services.py calls these."""

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .models import TIER_RANK, QuestionKind

DEFAULTS = {"set_size": 150, "paper_size": 20, "minutes": 30, "attempts_per_month": 0, "avoid_months": 3,
            "pass_score": Decimal("60"), "review_days": 5}
LIMITS = {"set_size": (1, 1000), "paper_size": (1, 200), "minutes": (1, 600), "attempts_per_month": (0, 100),
          "avoid_months": (0, 24), "review_days": (0, 27)}
MAX_OPTIONS = 8
MAX_BLANKS = 10
GRACE_SECONDS = 5  # a submission in flight when the clock runs out still counts its answers
LETTERS = "ABCDEFGH"
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "T", "TRUE", "Y", "YES"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "X", "F", "FALSE", "N", "NO"}


class InvalidQuestion(ValueError):
    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


# ---- months --------------------------------------------------------------------------------------------------

def month_of(day):
    return date(day.year, day.month, 1)


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def parse_month(value, default):
    """'2026-11' → date(2026, 11, 1); anything else → `default`."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", value or "")
    if match and 1 <= int(match.group(2)) <= 12 and 2000 <= int(match.group(1)) <= 2100:
        return date(int(match.group(1)), int(match.group(2)), 1)
    return default


# ---- questions -----------------------------------------------------------------------------------------------

def normalise_text(text):
    """Compare texts the way a person reads them: full-width folded to half-width (NFKC), case and spaces and
    trailing punctuation ignored."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    text = re.sub(r"\s+", "", text)
    return text.rstrip("。.!！?？;；")


def stem_key(stem):
    """The duplicate key of a stem: two stems that differ only in spacing, width or final punctuation are one."""
    return hashlib.sha256(normalise_text(stem).encode()).hexdigest()


def clean_question(kind, stem, options, answer):
    """Validate a question; returns (stem, options, answer) normalised. Raises InvalidQuestion naming the field."""
    if kind not in QuestionKind.values:
        raise InvalidQuestion("kind", _("Choose the kind of question: single choice, multiple choice, true or "
                                        "false, or fill in the blank."))
    stem = (stem or "").strip()
    if not stem:
        raise InvalidQuestion("stem", _("Enter the question."))
    if len(stem) > 2000:
        raise InvalidQuestion("stem", _("The question is longer than 2,000 characters."))
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options = [str(o).strip() for o in (options or [])]
        while options and not options[-1]:
            options.pop()
        if len(options) < 2:
            raise InvalidQuestion("options", _("A choice question needs at least two options."))
        if len(options) > MAX_OPTIONS:
            raise InvalidQuestion("options", _("A question has at most %(n)d options.") % {"n": MAX_OPTIONS})
        if any(not o for o in options):
            raise InvalidQuestion("options", _("An option is empty."))
        if len({normalise_text(o) for o in options}) < len(options):
            raise InvalidQuestion("options", _("Two options are the same."))
        indices = sorted({int(a) for a in (answer or []) if isinstance(a, int) or str(a).isdigit()})
        if not indices:
            raise InvalidQuestion("answer", _("Enter the answer."))
        if any(i < 0 or i >= len(options) for i in indices):
            raise InvalidQuestion("answer", _("The answer is not among the options."))
        if kind == QuestionKind.SINGLE and len(indices) != 1:
            raise InvalidQuestion("answer", _("A single-choice question has exactly one right option."))
        if kind == QuestionKind.MULTIPLE and len(indices) < 2:
            raise InvalidQuestion("answer", _("A multiple-choice question has at least two right options."))
        return stem, options, indices
    if kind == QuestionKind.TRUE_FALSE:
        if answer not in ([True], [False]):
            raise InvalidQuestion("answer", _("The answer of a true-or-false question is true or false."))
        return stem, [], answer
    blanks = []
    for alternatives in answer or []:
        alternatives = [str(a).strip() for a in alternatives if str(a).strip()]
        if not alternatives:
            raise InvalidQuestion("answer", _("A blank has no accepted answer."))
        blanks.append(alternatives)
    if not blanks:
        raise InvalidQuestion("answer", _("Enter the answer."))
    if len(blanks) > MAX_BLANKS:
        raise InvalidQuestion("answer", _("A question has at most %(n)d blanks.") % {"n": MAX_BLANKS})
    return stem, [], blanks


def parse_answer_text(kind, text, options_count):
    """Read an answer as written in a spreadsheet: letters for choices ("B", "A,C", "ACD"), 对/错 (or 正确/错误, √/×,
    T/F) for true or false, and for fill-in the blanks separated by ";" or "；" with alternatives by "|"."""
    raw = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    if not raw:
        raise InvalidQuestion("answer", _("Enter the answer."))
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        letters = re.sub(r"[\s,、/;]+", "", raw).upper()
        if not letters or any(ch not in LETTERS for ch in letters):
            raise InvalidQuestion("answer", _("Write the answer as option letters, e.g. B or ACD."))
        indices = sorted({LETTERS.index(ch) for ch in letters})
        if any(i >= options_count for i in indices):
            raise InvalidQuestion("answer", _("The answer is not among the options."))
        return indices
    if kind == QuestionKind.TRUE_FALSE:
        word = raw.upper()
        if word in TRUE_WORDS:
            return [True]
        if word in FALSE_WORDS:
            return [False]
        raise InvalidQuestion("answer", _("Write the answer of a true-or-false question as 对 or 错."))
    # Fill-in answers keep the characters as typed (（ stays （, so an export imports back the same); checking a
    # response compares folded texts anyway.
    typed = str(text).strip()
    return [[a.strip() for a in re.split(r"[|｜]", blank) if a.strip()]
            for blank in re.split(r"[;；]", typed) if blank.strip()]


def answer_text(kind, answer):
    """The inverse of parse_answer_text, for exports and pages."""
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "".join(LETTERS[i] for i in answer)
    if kind == QuestionKind.TRUE_FALSE:
        return "对" if answer == [True] else "错"
    return "；".join("|".join(blank) for blank in answer)


# ---- drawing -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    id: int
    category: int
    recent: bool = False  # used in a set of the last months


def draw_balanced(candidates, size, rng):
    """Pick `size` questions (or all there are) spread as evenly as possible across categories, taking questions
    not used recently before recent ones. Returns ids; deterministic for a given `rng` state.

    Round-robin over the categories (in a shuffled order): each turn takes one question from every category that
    still has one, fresh ones first. So the counts of two categories differ by at most one unless one runs out."""
    by_category = {}
    for c in candidates:
        by_category.setdefault(c.category, []).append(c)
    queues = {}
    for category, items in by_category.items():
        fresh = [c for c in items if not c.recent]
        recent = [c for c in items if c.recent]
        rng.shuffle(fresh)
        rng.shuffle(recent)
        queues[category] = fresh + recent
    order = sorted(queues)
    rng.shuffle(order)
    picked = []
    # Fresh questions of every category are used before any category falls back to recent ones.
    for allow_recent in (False, True):
        while len(picked) < size:
            took = False
            for category in order:
                queue = queues[category]
                if queue and (allow_recent or not queue[0].recent) and len(picked) < size:
                    picked.append(queue.pop(0).id)
                    took = True
            if not took:
                break
    return picked


def shuffled_item(kind, options, answer, rng):
    """The options in a random order and the key in that order: (options_shown, key)."""
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return list(options), answer
    order = list(range(len(options)))
    rng.shuffle(order)
    shown = [options[i] for i in order]
    key = sorted(order.index(i) for i in answer)
    return shown, key


def new_rng(seed=None):
    return random.Random(seed) if seed is not None else random.SystemRandom()


# ---- answering -----------------------------------------------------------------------------------------------

def clean_response(kind, response, options_count, blanks):
    """A member's response in stored form, or raises InvalidQuestion("answer", …). `None`/empty clears it."""
    if response in (None, "", []):
        return None
    if kind == QuestionKind.SINGLE:
        values = response if isinstance(response, list) else [response]
        if len(values) != 1:
            raise InvalidQuestion("answer", _("Choose one option."))
        return [_option_index(values[0], options_count)]
    if kind == QuestionKind.MULTIPLE:
        values = response if isinstance(response, list) else [response]
        return sorted({_option_index(v, options_count) for v in values})
    if kind == QuestionKind.TRUE_FALSE:
        value = response[0] if isinstance(response, list) and len(response) == 1 else response
        if value in (True, "true", "True", "1", 1):
            return [True]
        if value in (False, "false", "False", "0", 0):
            return [False]
        raise InvalidQuestion("answer", _("Answer true or false."))
    values = response if isinstance(response, list) else [response]
    if len(values) > blanks or any(not isinstance(v, str | int) for v in values):
        raise InvalidQuestion("answer", _("This question has %(n)d blank(s).") % {"n": blanks})
    values = [str(v).strip()[:200] for v in values]
    values += [""] * (blanks - len(values))
    return values if any(values) else None


def _option_index(value, options_count):
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().upper() in LETTERS:
        index = LETTERS.index(value.strip().upper())
    else:
        try:
            index = int(value)
        except (TypeError, ValueError):
            raise InvalidQuestion("answer", _("That option does not exist.")) from None
    if not 0 <= index < options_count:
        raise InvalidQuestion("answer", _("That option does not exist."))
    return index


def is_correct(kind, key, response):
    if response is None:
        return False
    if kind == QuestionKind.FILL:
        if len(response) != len(key):
            return False
        return all(normalise_text(r) in {normalise_text(a) for a in accepted} for r, accepted in zip(response, key,
                                                                                                    strict=True))
    return list(response) == list(key)


def score(correct, total):
    """Out of 100, to two places (each question is worth the same)."""
    if not total:
        return Decimal("0.00")
    return (Decimal(100) * correct / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ranking_key(score_, tier, seconds, finished_at):
    """Sort ascending for the ranking: higher score, then the harder tier, then shorter time, then earlier."""
    return (-score_, TIER_RANK[tier], seconds, finished_at)


def attempts_left(limit, used):
    """None when unlimited."""
    return None if not limit else max(0, limit - used)
