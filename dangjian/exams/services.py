"""Exams: every state change of the question bank, the monthly sets and the attempts. Each function owns its
transaction, checks the caller's right through the scoping helper (outsiders get 404), validates (DomainError
names the field) and leaves the rules to rules.py.

Who may do what: learning:manage over an organisation keeps its bank, settings and sets; any person with a login
(members and the 群众 who take part) answers the sets that serve their organisation — the open set of the nearest
organisation above them that has one for the month and tier."""

import json
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import require, scoped
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.core.text import clean_text
from dangjian.orgs.models import Organization, OrgStatus, lineage
from dangjian.people.codes import MEMBER_STATUSES
from dangjian.people.models import Person

from . import buffer, rules, workfeed
from .models import (
    TIER_RANK,
    Attempt,
    AttemptItem,
    AttemptState,
    Category,
    ExamSettings,
    MonthlyResult,
    MonthlySet,
    Question,
    QuestionKind,
    QuestionStatus,
    SetQuestion,
    SetState,
    Tier,
)

MANAGE, READ = perms.LEARNING_MANAGE, perms.LEARNING_READ
SETTING_FIELDS = ("set_size", "paper_size", "minutes", "attempts_per_month", "avoid_months", "pass_score",
                  "review_days")


def _tier(value, field="tier"):
    if value not in Tier.values:
        raise DomainError(_("Choose tier A, B or C."), field=field)
    return value


# ---- settings ------------------------------------------------------------------------------------------------

def settings_for(path):
    """The exam settings that apply at `path`: the nearest organisation's own, else the platform defaults."""
    row = (ExamSettings.objects.filter(org_path__in=lineage(path)).order_by("-org_path").first()
           if path else None)
    values = dict(rules.DEFAULTS)
    if row is not None:
        values.update({f: getattr(row, f) for f in SETTING_FIELDS})
    values["set_by"] = row.org if row is not None else None
    return values


@transaction.atomic
def save_settings(user, org, data, expected_version=None):
    require(user, MANAGE, org)
    row = ExamSettings.objects.select_for_update().filter(org=org).first()
    if row is not None:
        check_version(row, expected_version)
    values = {}
    for name in SETTING_FIELDS:
        value = data.get(name, rules.DEFAULTS[name])
        try:
            value = type(rules.DEFAULTS[name])(str(value).strip())
        except (TypeError, ValueError, ArithmeticError):
            raise DomainError(_("Enter a number."), field=name) from None
        low, high = rules.LIMITS.get(name, (0, 100))
        if not low <= value <= high:
            raise DomainError(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
                              field=name)
        values[name] = value
    if values["paper_size"] > values["set_size"]:
        raise DomainError(_("A paper cannot have more questions than the monthly set."), field="paper_size")
    if row is None:
        row = ExamSettings(org=org, org_path=org.path, **values)
    else:
        for k, v in values.items():
            setattr(row, k, v)
        row.version += 1
    row.org_path = org.path
    row.save()
    return row


# ---- the bank ------------------------------------------------------------------------------------------------

def bank_questions(user):
    return scoped(Question.objects.all(), user, MANAGE)


def get_question_or_404(user, pk):
    try:
        return bank_questions(user).select_related("org", "category").get(pk=pk)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise Http404


def category_named(org, name):
    """The bank's category of that name, created on first use."""
    name = clean_text(name, "category", 40, required=True)
    category = Category.objects.filter(org=org, name=name).first()
    if category is None:
        try:
            with transaction.atomic():
                category = Category.objects.create(org=org, org_path=org.path, name=name)
        except IntegrityError:
            category = Category.objects.get(org=org, name=name)
    return category


def _question_fields(org, data):
    kind = data.get("kind")
    try:
        stem, options, answer = rules.clean_question(kind, data.get("stem"), data.get("options"), data.get("answer"))
    except rules.InvalidQuestion as e:
        raise DomainError(e.message, field=e.field) from None
    category = data.get("category")
    if isinstance(category, Category):
        if category.org_id != org.pk:
            raise DomainError(_("Choose a category of this bank."), field="category")
    else:
        category = category_named(org, category)
    status = data.get("status") or QuestionStatus.ACTIVE
    if status not in QuestionStatus.values:
        raise DomainError(_("Choose a valid status."), field="status")
    return {
        "kind": kind, "stem": stem, "stem_key": rules.stem_key(stem), "options": options, "answer": answer,
        "explanation": clean_text(data.get("explanation"), "explanation", 2000),
        "tier": _tier(data.get("tier")), "category": category,
        "source": clean_text(data.get("source"), "source", 200), "status": status,
    }


def _duplicate(org, key, exclude=None):
    qs = Question.objects.filter(org=org, stem_key=key).exclude(status=QuestionStatus.RETIRED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def create_question(user, org, data):
    """`user` None: a command or the demo loader enters it (no person's right to check)."""
    require(user, MANAGE, org)
    if org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A dissolved organisation has no bank."), field="org")
    fields = _question_fields(org, data)
    if fields["status"] != QuestionStatus.RETIRED and _duplicate(org, fields["stem_key"]):
        raise DomainError(_("The bank already has this question."), field="stem")
    try:
        with transaction.atomic():
            return Question.objects.create(org=org, org_path=org.path, created_by=acting_user(user), **fields)
    except IntegrityError:
        raise DomainError(_("The bank already has this question."), field="stem") from None


@transaction.atomic
def update_question(user, question, data, expected_version=None):
    """Papers already drawn keep their snapshot: a change applies to papers drawn from now on."""
    question = get_question_or_404(user, question.pk)
    question = Question.objects.select_for_update().get(pk=question.pk)
    check_version(question, expected_version)
    fields = _question_fields(question.org, data)
    if fields["status"] != QuestionStatus.RETIRED and _duplicate(question.org, fields["stem_key"], question.pk):
        raise DomainError(_("The bank already has this question."), field="stem")
    for k, v in fields.items():
        setattr(question, k, v)
    question.version += 1
    question.save()
    return question


@transaction.atomic
def set_question_status(user, question, status):
    question = get_question_or_404(user, question.pk)
    if status not in QuestionStatus.values:
        raise DomainError(_("Choose a valid status."), field="status")
    question = Question.objects.select_for_update().get(pk=question.pk)
    if status != QuestionStatus.RETIRED and _duplicate(question.org, question.stem_key, question.pk):
        raise DomainError(_("The bank already has this question."), field="stem")
    question.status = status
    question.version += 1
    question.save()
    return question


def bank_counts(org):
    """Active questions of a bank per tier and category: {(tier, category name): n}."""
    rows = (Question.objects.filter(org=org, status=QuestionStatus.ACTIVE)
            .values("tier", "category__name").annotate(n=Count("id")))
    return {(r["tier"], r["category__name"]): r["n"] for r in rows}


# ---- monthly sets --------------------------------------------------------------------------------------------

def visible_sets(user):
    return scoped(MonthlySet.objects.all(), user, MANAGE)


def get_set_or_404(user, pk):
    try:
        return visible_sets(user).select_related("org").get(pk=pk)
    except (MonthlySet.DoesNotExist, ValueError, TypeError):
        raise Http404


def _candidates(org, month, tier, avoid_months):
    recent = set()
    if avoid_months:
        recent = set(SetQuestion.objects.filter(
            set__org=org, set__month__gte=rules.add_months(month, -avoid_months), set__month__lt=month)
            .values_list("question_id", flat=True))
    rows = Question.objects.filter(org=org, tier=tier, status=QuestionStatus.ACTIVE).values_list("id", "category_id")
    return [rules.Candidate(pk, category, pk in recent) for pk, category in rows]


def _fill(exam_set, ids):
    exam_set.items.all().delete()
    SetQuestion.objects.bulk_create(SetQuestion(set=exam_set, question_id=q, position=i)
                                    for i, q in enumerate(ids, start=1))


@transaction.atomic
def draw_set(org, month, tier, user=None, seed=None, state=SetState.DRAFT):
    """Draw (or, while under review, redraw) the set of one tier for a month. Returns the set, or None when the
    bank has no active question of that tier. `user` None is the scheduled job."""
    require(user, MANAGE, org)
    month = rules.month_of(month)
    config = settings_for(org.path)
    exam_set = MonthlySet.objects.select_for_update().filter(org=org, month=month, tier=tier).first()
    if exam_set is not None and exam_set.state != SetState.DRAFT:
        raise DomainError(_("This month's set is already open; it can no longer be redrawn."), field="tier")
    candidates = _candidates(org, month, tier, config["avoid_months"])
    if not candidates:
        if exam_set is not None:
            raise DomainError(_("The bank has no active question of this tier."), field="tier")
        return None
    ids = rules.draw_balanced(candidates, config["set_size"], rules.new_rng(seed))
    if exam_set is None:
        exam_set = MonthlySet.objects.create(org=org, org_path=org.path, month=month, tier=tier, state=state,
                                             opened_at=timezone.now() if state == SetState.OPEN else None)
    else:
        exam_set.version += 1
        exam_set.save()
    _fill(exam_set, ids)
    fresh = sum(1 for c in candidates if c.id in set(ids) and not c.recent)
    if fresh < len(ids):
        exam_set.note = _("%(n)d question(s) were used in the last months: the bank has too few new ones.") % {
            "n": len(ids) - fresh}
        exam_set.save(update_fields=["note"])
    elif exam_set.note:
        exam_set.note = ""
        exam_set.save(update_fields=["note"])
    return exam_set


def _draft_for_edit(user, exam_set, expected_version):
    exam_set = get_set_or_404(user, exam_set.pk)
    exam_set = MonthlySet.objects.select_for_update().get(pk=exam_set.pk)
    if exam_set.state != SetState.DRAFT:
        raise DomainError(_("Only a set under review can be changed."))
    check_version(exam_set, expected_version)
    return exam_set


@transaction.atomic
def remove_from_set(user, exam_set, question_id, expected_version=None):
    exam_set = _draft_for_edit(user, exam_set, expected_version)
    if not exam_set.items.filter(question_id=question_id).delete()[0]:
        raise DomainError(_("That question is not in the set."), field="question")
    exam_set.version += 1
    exam_set.save()
    return exam_set


@transaction.atomic
def add_to_set(user, exam_set, question_id, expected_version=None):
    exam_set = _draft_for_edit(user, exam_set, expected_version)
    question = Question.objects.filter(pk=question_id, org=exam_set.org, tier=exam_set.tier,
                                       status=QuestionStatus.ACTIVE).first()
    if question is None:
        raise DomainError(_("Choose an active question of this bank and tier."), field="question")
    if exam_set.items.filter(question=question).exists():
        raise DomainError(_("That question is already in the set."), field="question")
    last = exam_set.items.aggregate(m=Max("position"))["m"] or 0
    SetQuestion.objects.create(set=exam_set, question=question, position=last + 1)
    exam_set.version += 1
    exam_set.save()
    return exam_set


@transaction.atomic
def replace_in_set(user, exam_set, question_id, expected_version=None, seed=None):
    """Swap one question for another of the same category not yet in the set (a fresh one when there is)."""
    exam_set = _draft_for_edit(user, exam_set, expected_version)
    item = exam_set.items.select_related("question").filter(question_id=question_id).first()
    if item is None:
        raise DomainError(_("That question is not in the set."), field="question")
    config = settings_for(exam_set.org_path)
    used = set(exam_set.items.values_list("question_id", flat=True))
    pool = [c for c in _candidates(exam_set.org, exam_set.month, exam_set.tier, config["avoid_months"])
            if c.id not in used]
    same = [c for c in pool if c.category == item.question.category_id] or pool
    if not same:
        raise DomainError(_("The bank has no other question to put in its place."), field="question")
    pick = rules.draw_balanced(same, 1, rules.new_rng(seed))[0]
    item.question_id = pick
    item.save(update_fields=["question"])
    exam_set.version += 1
    exam_set.save()
    return exam_set


@transaction.atomic
def open_set(user, exam_set, expected_version=None):
    exam_set = _draft_for_edit(user, exam_set, expected_version)
    if not exam_set.items.exists():
        raise DomainError(_("The set has no questions."))
    exam_set.state = SetState.OPEN
    exam_set.opened_at = timezone.now()
    exam_set.version += 1
    exam_set.save()
    return exam_set


def bank_orgs():
    """Organisations whose bank has active questions."""
    ids = Question.objects.filter(status=QuestionStatus.ACTIVE).values("org_id").distinct()
    return Organization.objects.filter(pk__in=ids, status=OrgStatus.ACTIVE)


def monthly_sets_job(today=None):
    """The scheduled job (daily): draw next month's sets when its review window begins, draw and open the current
    month's where none was drawn, open the sets under review when their month begins, close past months'.
    Idempotent; returns counts."""
    today = today or timezone.localdate()
    month = rules.month_of(today)
    upcoming = rules.add_months(month, 1)
    done = {"drawn": 0, "opened": 0, "closed": 0}
    for org in bank_orgs():
        config = settings_for(org.path)
        targets = [(month, SetState.OPEN)]
        if config["review_days"] and today >= upcoming - timedelta(days=config["review_days"]):
            targets.append((upcoming, SetState.DRAFT))
        for target, state in targets:
            for tier in Tier.values:
                if MonthlySet.objects.filter(org=org, month=target, tier=tier).exists():
                    continue
                try:
                    if draw_set(org, target, tier, state=state) is not None:
                        done["drawn"] += 1
                except (DomainError, IntegrityError):
                    continue  # drawn meanwhile by a person or another worker
    now = timezone.now()
    done["opened"] = MonthlySet.objects.filter(month__lte=month, month__gte=month, state=SetState.DRAFT).update(
        state=SetState.OPEN, opened_at=now)
    closing = list(MonthlySet.objects.filter(month__lt=month, state=SetState.OPEN).values_list("pk", flat=True))
    done["closed"] = MonthlySet.objects.filter(pk__in=closing, state=SetState.OPEN).update(state=SetState.CLOSED)
    workfeed.feed_closed(closing)  # the closed months appear in the work ledger
    return done


# ---- attempts ------------------------------------------------------------------------------------------------

def _person(user):
    if not getattr(user, "person_id", None):
        raise DomainError(_("Only a person on the roll can take an exam; this login has no person."))
    return user.person


def serving_set(person, month, tier):
    """The open set of the nearest organisation above the person for that month and tier (or None)."""
    paths = lineage(person.scope_path)
    return (MonthlySet.objects.filter(org_path__in=paths, month=month, tier=tier, state=SetState.OPEN)
            .order_by("-org_path").first())


def open_attempt(person_id):
    return Attempt.objects.filter(person_id=person_id, state=AttemptState.OPEN).first()


def attempts_used(person_id, month, tier):
    return Attempt.objects.filter(person_id=person_id, month=month, tier=tier, final__isnull=True).count()


@transaction.atomic
def start_attempt(user, tier, now=None, seed=None):
    """Draw a paper from the month's set of `tier` for the user and start the clock."""
    now = now or timezone.now()
    person = _person(user)
    tier = _tier(tier)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one start at a time per person
    current = open_attempt(person.pk)
    if current is not None:
        if _expire_if_due(current, now):
            current = None
        else:
            raise DomainError(_("You have an exam in progress: finish or submit it first."), field="tier")
    month = rules.month_of(timezone.localtime(now).date())
    exam_set = serving_set(person, month, tier)
    if exam_set is None:
        raise DomainError(_("There is no open set of this tier this month."), field="tier")
    config = settings_for(person.scope_path)
    left = rules.attempts_left(config["attempts_per_month"], attempts_used(person.pk, month, tier))
    if left == 0:
        raise DomainError(_("You have used all your attempts at this tier this month."), field="tier")
    items = list(exam_set.items.select_related("question").order_by("position"))
    rng = rules.new_rng(seed)
    ids = rules.draw_balanced([rules.Candidate(i.question_id, i.question.category_id) for i in items],
                              config["paper_size"], rng)
    rng.shuffle(ids)
    by_id = {i.question_id: i.question for i in items}
    attempt = Attempt.objects.create(
        person=person, org_path=person.scope_path, is_member=person.political_status in MEMBER_STATUSES,
        exam_set=exam_set, month=month, tier=tier, started_at=now,
        deadline=now + timedelta(minutes=config["minutes"]), total=len(ids))
    _add_items(attempt, [by_id[q] for q in ids], rng)
    return attempt


def _add_items(attempt, questions, rng):
    rows = []
    for position, q in enumerate(questions, start=1):
        options, key = rules.shuffled_item(q.kind, q.options, q.answer, rng)
        rows.append(AttemptItem(attempt=attempt, position=position, question=q, kind=q.kind, stem=q.stem,
                                options=options, key=key, explanation=q.explanation))
    AttemptItem.objects.bulk_create(rows)


def my_attempt_or_404(user, pk, lock=False):
    """The user's own attempt; anyone else's is 404."""
    qs = Attempt.objects.filter(person_id=getattr(user, "person_id", None) or -1)
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)
    except (Attempt.DoesNotExist, ValueError, TypeError):
        raise Http404


def blanks_of(item):
    return len(item.key) if item.kind == QuestionKind.FILL else 0


def save_answer(user, attempt_id, position, response, now=None):
    """Save (or clear) the answer to one question of the user's open attempt. Refused, changing nothing: someone
    else's attempt (404), a question not in the paper, an attempt already submitted, an answer after the clock ran
    out (the attempt is then scored with what was saved).

    Answering is the hot path of an exam (every tap of every member): the common case — the user's own open
    attempt, in time, a question of its paper — is one guarded UPDATE (see `_save_in_time`); anything else, or a
    guard that fails, goes the long way below under the attempt's row lock, which gives the refusal."""
    now = now or timezone.now()
    saved = _save_in_time(user, attempt_id, position, response, now)
    if saved is not None:
        return saved
    with transaction.atomic():
        attempt = my_attempt_or_404(user, attempt_id, lock=True)
        if attempt.state != AttemptState.OPEN:
            raise DomainError(_("This exam has been submitted; answers can no longer be changed."), field="answer")
        late = now > attempt.deadline + timedelta(seconds=rules.GRACE_SECONDS)
        if late:
            _score(attempt, attempt.deadline, AttemptState.TIMED_OUT)
        else:
            return _save(attempt, position, response, now)
    raise DomainError(_("Time is up: the exam was scored with the answers saved before the deadline."),
                      field="answer")


def _save(attempt, position, response, now):
    try:
        position = int(position)
    except (TypeError, ValueError):
        position = None
    item = AttemptItem.objects.filter(attempt=attempt, position=position).first() if position else None
    if item is None:
        raise DomainError(_("That question is not in this paper."), field="question")
    return _store(item, response, now)


# A paper never changes once drawn (its person, deadline and each question's kind, number of options and blanks),
# so what was read of it is kept: in this process and in the shared cache (Redis in production, so the other app
# servers' workers need not read it again). The attempt's state is always read from the database, by the guard of
# the UPDATE.
_PAPERS = {}
_PAPERS_MAX = 5000


def paper_card(attempt_id):
    """(person id, deadline, {position: (kind, options, blanks)}, started at) of an attempt, or None. The start
    moment identifies the attempt in the UPDATE's guard too, so a card of an attempt whose id was reused (a restored
    database) never writes."""
    card = _PAPERS.get(attempt_id)
    if card is None:
        key = f"exams:paper:{attempt_id}"
        card = cache.get(key)
        if card is None:
            row = Attempt.objects.filter(pk=attempt_id).values_list("person_id", "deadline", "started_at").first()
            if row is None:
                return None
            items = {p: (kind, len(options), len(answer) if kind == QuestionKind.FILL else 0)
                     for p, kind, options, answer in AttemptItem.objects.filter(attempt_id=attempt_id)
                     .values_list("position", "kind", "options", "key")}
            card = (row[0], row[1], items, row[2])
            left = (row[1] - timezone.now()).total_seconds()
            if left > 0:
                cache.set(key, card, int(left) + 600)
        if len(_PAPERS) >= _PAPERS_MAX:
            _PAPERS.clear()
        _PAPERS[attempt_id] = card
    return card


def _save_in_time(user, attempt_id, position, response, now):
    """Save an answer with one statement when everything is in order; None when the long way must decide.

    The UPDATE is guarded by the attempt (the user's, open, in time) read in the same statement; on PostgreSQL the
    guard takes a share lock on the attempt's row, so it waits for a submission in progress (which holds the row
    FOR UPDATE) and then sees the attempt submitted — an answer is never written after the scoring read the paper.
    On SQLite a write locks the database, which serialises it with the submission the same way."""
    try:
        attempt_id, position = int(attempt_id), int(position)
    except (TypeError, ValueError):
        return None
    person_id = getattr(user, "person_id", None)
    card = paper_card(attempt_id) if person_id else None
    if card is None or card[0] != person_id or position not in card[2]:
        return None
    if now > card[1] + timedelta(seconds=rules.GRACE_SECONDS):
        return None
    kind, options, blanks = card[2][position]
    try:
        value = rules.clean_response(kind, response, options, blanks)
    except rules.InvalidQuestion as e:
        raise DomainError(e.message, field=e.field) from None
    if buffer.enabled():  # written behind, through Redis (see buffer.py)
        if not buffer.put(attempt_id, position, value, now):
            return None  # the attempt is being scored: the long way refuses
        return AttemptItem(attempt_id=attempt_id, position=position, kind=kind, response=value, answered_at=now)
    ops = connection.ops
    postgres = connection.vendor == "postgresql"
    sql = (f"UPDATE {AttemptItem._meta.db_table} SET response = {'%s::jsonb' if postgres else '%s'}, "
           f"answered_at = %s WHERE attempt_id = %s AND position = %s AND EXISTS (SELECT 1 FROM "
           f"{Attempt._meta.db_table} a WHERE a.id = %s AND a.person_id = %s AND a.started_at = %s AND a.state = %s "
           f"AND a.deadline >= %s"
           f"{' FOR SHARE' if postgres else ''})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [None if value is None else json.dumps(value), ops.adapt_datetimefield_value(now),
                             attempt_id, position, attempt_id, person_id, ops.adapt_datetimefield_value(card[3]),
                             AttemptState.OPEN,
                             ops.adapt_datetimefield_value(now - timedelta(seconds=rules.GRACE_SECONDS))])
        if cursor.rowcount != 1:
            return None
    return AttemptItem(attempt_id=attempt_id, position=position, kind=kind, response=value, answered_at=now)


def _store(item, response, now):
    try:
        value = rules.clean_response(item.kind, response, len(item.options), blanks_of(item))
    except rules.InvalidQuestion as e:
        raise DomainError(e.message, field=e.field) from None
    AttemptItem.objects.filter(pk=item.pk).update(response=value, answered_at=now)
    item.response, item.answered_at = value, now
    return item


@transaction.atomic
def submit(user, attempt_id, now=None):
    """Score the user's attempt. Submitting again returns the same result (scored once)."""
    now = now or timezone.now()
    attempt = my_attempt_or_404(user, attempt_id, lock=True)
    if attempt.state == AttemptState.OPEN:
        late = now > attempt.deadline + timedelta(seconds=rules.GRACE_SECONDS)
        _score(attempt, min(now, attempt.deadline) if late else now,
               AttemptState.TIMED_OUT if late else AttemptState.SUBMITTED)
    return attempt


def _expire_if_due(attempt, now):
    if attempt.state == AttemptState.OPEN and now > attempt.deadline + timedelta(seconds=rules.GRACE_SECONDS):
        _score(Attempt.objects.select_for_update().get(pk=attempt.pk), attempt.deadline, AttemptState.TIMED_OUT)
        return True
    return False


def _score(attempt, finished, state):
    """Mark every item, fix the score and keep the month's best (callers hold the attempt's row lock). Answers
    written behind are first closed to new ones and written to the paper."""
    if buffer.enabled():
        buffer.mark_scored(attempt.pk)
        buffer.flush(attempt.pk)
    items = list(AttemptItem.objects.filter(attempt=attempt).only("id", "kind", "key", "response"))
    for item in items:
        item.correct = rules.is_correct(item.kind, item.key, item.response)
    AttemptItem.objects.bulk_update(items, ["correct"])
    attempt.correct = sum(1 for i in items if i.correct)
    attempt.score = rules.score(attempt.correct, attempt.total)
    attempt.finished_at = max(finished, attempt.started_at)
    attempt.seconds = int((attempt.finished_at - attempt.started_at).total_seconds())
    attempt.state = state
    config = settings_for(attempt.org_path)
    attempt.passed = attempt.score >= config["pass_score"]
    attempt.save(update_fields=["correct", "score", "finished_at", "seconds", "state", "passed"])
    if attempt.final_id is None:
        _keep_best(attempt)
        if attempt.passed:
            from dangjian.learning.services import exam_passed

            exam_passed(attempt.person_id, attempt.month, attempt.tier, timezone.localtime(attempt.finished_at).date(),
                        f"attempt:{attempt.pk}")


def _keep_best(attempt):
    best = (MonthlyResult.objects.select_for_update()
            .filter(person_id=attempt.person_id, month=attempt.month, tier=attempt.tier).first())
    mine = rules.ranking_key(attempt.score, attempt.tier, attempt.seconds, attempt.finished_at)
    if best is None:
        MonthlyResult.objects.create(
            person_id=attempt.person_id, month=attempt.month, tier=attempt.tier, tier_rank=TIER_RANK[attempt.tier],
            org_path=attempt.org_path, is_member=attempt.is_member, attempt=attempt, score=attempt.score,
            seconds=attempt.seconds, finished_at=attempt.finished_at, attempts=1)
        return
    best.attempts += 1
    if mine < rules.ranking_key(best.score, best.tier, best.seconds, best.finished_at):
        best.attempt, best.score, best.seconds, best.finished_at = (attempt, attempt.score, attempt.seconds,
                                                                     attempt.finished_at)
        best.org_path, best.is_member = attempt.org_path, attempt.is_member
    best.save()


def expire_due(now=None):
    """Score every open attempt whose clock ran out (the scheduled job; a member's next request does it too)."""
    now = now or timezone.now()
    done = 0
    due = Attempt.objects.filter(state=AttemptState.OPEN,
                                 deadline__lt=now - timedelta(seconds=rules.GRACE_SECONDS)).values_list("pk", flat=True)
    for pk in list(due[:5000]):
        with transaction.atomic():
            attempt = Attempt.objects.select_for_update().filter(pk=pk, state=AttemptState.OPEN).first()
            if attempt is not None:
                _score(attempt, attempt.deadline, AttemptState.TIMED_OUT)
                done += 1
    return done


def remaining_seconds(attempt, now=None):
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


def refresh(attempt, now=None):
    """Score the attempt if its time ran out (a dropped connection resumes into the result)."""
    if attempt.state == AttemptState.OPEN:
        with transaction.atomic():
            _expire_if_due(attempt, now or timezone.now())
        attempt.refresh_from_db()
    return attempt


def my_month(person, month):
    """The person's month per tier: best score, attempts used and left, whether a set is open."""
    config = settings_for(person.scope_path)
    used = dict(Attempt.objects.filter(person=person, month=month, final__isnull=True)
                .values_list("tier").annotate(n=Count("id")))
    best = {r.tier: r for r in MonthlyResult.objects.filter(person=person, month=month)}
    sets = {s.tier: s for s in MonthlySet.objects.filter(org_path__in=lineage(person.scope_path), month=month,
                                                          state=SetState.OPEN).order_by("org_path")}
    return [{"tier": t, "label": label, "best": best.get(t), "used": used.get(t, 0),
             "left": rules.attempts_left(config["attempts_per_month"], used.get(t, 0)), "open": t in sets}
            for t, label in Tier.choices], config

