"""我是冠军: a committee's competition for one month (seed 000 §1.3).

Rounds are read from the month's results (queries.ranking, the one ranking order of rules.ranking_key):
  - a branch's champion is its best member (a group's best is shown as a detail);
  - a general branch's champion is the best among its branches' champions;
  - the committee's finalists are the general-branch champions and the champions of the branches directly under
    the committee (no general branch between).
The final is one fixed paper (question ids drawn once, the same order for everyone; options shuffled per person)
answered by the finalists at the same time; attempts of a final are answered and scored by services.save_answer /
services.submit and never count in the monthly results. Finishing records the month's titles (Award) once.

States move only through `_move` and the TRANSITIONS table; every change is a save of an audited model."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import get_scoped_or_404, has_perm, require, scope_for, scoped
from dangjian.core.context import acting_user
from dangjian.core.errors import DomainError, check_version
from dangjian.orgs.models import Organization, OrgStatus, OrgType, lineage
from dangjian.people.codes import MEMBER_STATUSES, ON_ROLL
from dangjian.people.models import Person

from . import buffer, queries, rules, services
from .models import (
    Attempt,
    AttemptItem,
    AttemptState,
    Award,
    AwardTitle,
    Competition,
    CompetitionState,
    Final,
    FinalState,
    Question,
    QuestionStatus,
)

MANAGE, READ = services.MANAGE, services.READ
LIMITS = {"experts": (0, 100), "technicians": (0, 100), "minutes": (1, 180), "size": (1, 200)}
DEFAULT_FINAL = {"minutes": 20, "size": 20}

# The only allowed state changes (anything else is refused by _move).
TRANSITIONS = {
    Competition: {
        CompetitionState.OPEN: {CompetitionState.FINAL, CompetitionState.FINISHED},
        CompetitionState.FINAL: {CompetitionState.FINISHED},
        CompetitionState.FINISHED: set(),
    },
    Final: {
        FinalState.SCHEDULED: {FinalState.LIVE, FinalState.FINISHED},
        FinalState.LIVE: {FinalState.FINISHED},
        FinalState.FINISHED: set(),
    },
}


def _move(obj, target):
    """Change the state of a competition or a final if TRANSITIONS allows it; the save is audited."""
    allowed = TRANSITIONS[type(obj)].get(obj.state, set())
    if target not in allowed:
        labels = dict(type(obj)._meta.get_field("state").choices)
        raise DomainError(_("This step is not possible now (%(from)s → %(to)s).") % {
            "from": labels[obj.state], "to": labels[target]}, field="state")
    obj.state = target
    obj.version += 1
    obj.save()
    return obj


def _int(value, name, field):
    low, high = LIMITS[name]
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise DomainError(_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
                          field=field)
    return number



# ---- reading ---------------------------------------------------------------------------------------------------

def visible(user):
    return scoped(Competition.objects.select_related("org"), user, READ)


def get_or_404(user, pk, with_final=False):
    """A competition the user may see (learning:read over the committee); anyone else gets 404."""
    qs = Competition.objects.select_related("org", "final") if with_final else Competition.objects.select_related("org")
    return get_scoped_or_404(qs, user, READ, pk=pk)


def may_manage(user, competition):
    return has_perm(user, MANAGE, competition.org_path)


def final_of(competition):
    try:
        return competition.final
    except Final.DoesNotExist:
        return None


def organisers(user, limit=200):
    """The committees the user may open a competition for."""
    qs = Organization.objects.filter(org_type=OrgType.COMMITTEE, status=OrgStatus.ACTIVE)
    return list(scoped(qs, user, MANAGE).order_by("path")[:limit])


# ---- rounds ----------------------------------------------------------------------------------------------------

def rounds(competition, rows=None):
    """The month's rounds as they stand: {"rows": the committee's member ranking, "branches": [(branch, row,
    [(group, row)])], "generals": [(general branch, row)], "finalists": [(organisation, row)], "champion": row}.
    A fixed number of queries (the ranking, its organisation names, the organisations)."""
    path, month = competition.org_path, competition.month
    rows = queries.ranking(path, month) if rows is None else rows
    types = (OrgType.GROUP, OrgType.BRANCH)
    picked = queries.champions(path, month, org_types=types, rows=rows)
    generals = list(Organization.objects.filter(path__startswith=path, org_type=OrgType.GENERAL_BRANCH,
                                                status=OrgStatus.ACTIVE).order_by("path"))
    general_paths = {g.path for g in generals}
    groups = [(o, r) for o, r in picked if o.org_type == OrgType.GROUP]
    branches = [(o, r, [(g, gr) for g, gr in groups if g.path.startswith(o.path)])
                for o, r in picked if o.org_type == OrgType.BRANCH]
    best_of_general, direct = {}, []
    for branch, row, _groups in branches:
        above = [p for p in lineage(branch.path) if p in general_paths]
        if not above:
            direct.append((branch, row))
            continue
        current = best_of_general.get(above[-1])
        if current is None or row["rank"] < current["rank"]:  # rows come in ranking order: rank is the order
            best_of_general[above[-1]] = row
    general_rounds = [(g, best_of_general[g.path]) for g in generals if g.path in best_of_general]
    finalists, seen = [], set()
    for org, row in sorted(general_rounds + direct, key=lambda pair: pair[1]["rank"]):
        if row["person_id"] not in seen:
            seen.add(row["person_id"])
            finalists.append((org, row))
    return {"rows": rows, "branches": branches, "generals": general_rounds, "finalists": finalists,
            "champion": rows[0] if rows else None}


# ---- opening ---------------------------------------------------------------------------------------------------

def default_title(month):
    return f"我是冠军 {month.year}年{month.month}月"  # the event's proper name (data, entered in Chinese)


@transaction.atomic
def open_competition(user, org, month, title="", experts=10, technicians=3):
    """Open 我是冠军 for a committee and month (one per committee and month)."""
    if org is None:
        raise DomainError(_("Choose the Party committee that organises the competition."), field="org")
    require(user, MANAGE, org.path)
    if org.org_type != OrgType.COMMITTEE or org.status != OrgStatus.ACTIVE:
        raise DomainError(_("A competition is organised by an active Party committee."), field="org")
    if month is None:
        raise DomainError(_("Choose the month."), field="month")
    month = rules.month_of(month)
    experts = _int(experts, "experts", "experts")
    technicians = _int(technicians, "technicians", "technicians")
    title = (title or "").strip()[:100] or default_title(month)
    if Competition.objects.filter(org=org, month=month).exists():
        raise DomainError(_("This committee already has a competition for that month."), field="month")
    try:
        with transaction.atomic():
            return Competition.objects.create(org=org, org_path=org.path, month=month, title=title,
                                              experts=experts, technicians=technicians,
                                              created_by=acting_user(user))
    except IntegrityError:
        raise DomainError(_("This committee already has a competition for that month."), field="month") from None


@transaction.atomic
def update_competition(user, competition, title, experts, technicians, expected_version=None):
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    require(user, MANAGE, competition.org_path)
    check_version(competition, expected_version)
    if competition.state == CompetitionState.FINISHED:
        raise DomainError(_("The competition is finished; its titles are recorded."))
    competition.title = (title or "").strip()[:100] or default_title(competition.month)
    competition.experts = _int(experts, "experts", "experts")
    competition.technicians = _int(technicians, "technicians", "technicians")
    competition.version += 1
    competition.save()
    return competition


# ---- the final -------------------------------------------------------------------------------------------------

def ends_at(final):
    return final.starts_at + timedelta(minutes=final.minutes)


def phase(final, now=None):
    """Where the final stands by the server's clock: scheduled, live, over (not yet finished) or finished."""
    now = now or timezone.now()
    if final.state == FinalState.FINISHED:
        return "finished"
    if now < final.starts_at:
        return "scheduled"
    if now <= ends_at(final):
        return "live"
    return "over"


def _draw_paper(competition, tier, size, seed=None):
    candidates = [rules.Candidate(q_id, category_id) for q_id, category_id in
                  Question.objects.filter(org_id=competition.org_id, tier=tier, status=QuestionStatus.ACTIVE)
                  .values_list("id", "category_id")]
    if not candidates:
        raise DomainError(_("The committee's bank has no active question of this tier."), field="tier")
    rng = rules.new_rng(seed)
    ids = rules.draw_balanced(candidates, size, rng)
    rng.shuffle(ids)
    return ids


def _clean_finalists(competition, person_ids):
    try:
        ids = {int(p) for p in person_ids}
    except (TypeError, ValueError):
        raise DomainError(_("Choose the finalists from the list."), field="finalists") from None
    people = list(Person.objects.filter(pk__in=ids, scope_path__startswith=competition.org_path,
                                        status__in=ON_ROLL).only("id"))
    if len(people) != len(ids):
        raise DomainError(_("A finalist must be on the roll under the committee."), field="finalists")
    return people


@transaction.atomic
def setup_final(user, competition, data, now=None, seed=None, expected_version=None):
    """Schedule the final or change it before it starts. `data`: tier, starts_at (aware datetime), minutes, size
    (questions), finalists (person ids; empty: the computed finalists), redraw (draw the paper again).
    The paper is drawn once — again only when the tier or the size changes or a redraw is asked for."""
    now = now or timezone.now()
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    require(user, MANAGE, competition.org_path)
    if competition.state == CompetitionState.FINISHED:
        raise DomainError(_("The competition is finished; its titles are recorded."))
    final = Final.objects.select_for_update().filter(competition=competition).first()
    if final is not None:
        check_version(final, expected_version)
        if final.state != FinalState.SCHEDULED or now >= final.starts_at:
            raise DomainError(_("The final has begun; its setup can no longer be changed."))
    tier = services._tier(data.get("tier"))
    starts_at = data.get("starts_at")
    if starts_at is None:
        raise DomainError(_("Enter the start time."), field="starts_at")
    if starts_at <= now:
        raise DomainError(_("The final must start in the future."), field="starts_at")
    minutes = _int(data.get("minutes"), "minutes", "minutes")
    size = _int(data.get("size"), "size", "size")
    chosen = data.get("finalists")
    if chosen:
        finalists = _clean_finalists(competition, chosen)
    else:
        finalists = [row["person_id"] for _org, row in rounds(competition)["finalists"]]
        if not finalists:
            raise DomainError(_("There is no finalist yet: no branch has a champion this month."),
                              field="finalists")
    redraw = final is None or final.tier != tier or len(final.questions) != size or data.get("redraw")
    if final is None:
        final = Final(competition=competition)
    final.tier, final.starts_at, final.minutes = tier, starts_at, minutes
    if redraw:
        final.questions = _draw_paper(competition, tier, size, seed)
    if final.pk:
        final.version += 1
    final.save()
    final.finalists.set(finalists)
    if competition.state == CompetitionState.OPEN:
        _move(competition, CompetitionState.FINAL)
    return final


@transaction.atomic
def start_final(user, competition, now=None):
    """The organiser starts the final now (earlier than scheduled when everyone is ready)."""
    now = now or timezone.now()
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    require(user, MANAGE, competition.org_path)
    final = Final.objects.select_for_update().filter(competition=competition).first()
    if final is None:
        raise DomainError(_("Set up the final first."))
    if phase(final, now) == "over":
        raise DomainError(_("The final is over."))
    _move(final, FinalState.LIVE)
    if now < final.starts_at:
        final.starts_at = now
        final.save()
    return final


def _may_see_entry(user, competition):
    if has_perm(user, READ, competition.org_path):
        return True
    person_id = getattr(user, "person_id", None)
    if person_id and Final.finalists.through.objects.filter(final__competition=competition,
                                                            person_id=person_id).exists():
        return True
    return any(p.startswith(competition.org_path) for p in scope_for(user).own_paths)


def entry_or_404(user, pk):
    """A competition whose final entry the user may see: finalists, readers and the committee's own people."""
    competition = Competition.objects.select_related("org").filter(pk=pk).first() if str(pk).isdigit() else None
    if competition is None or not _may_see_entry(user, competition):
        raise Http404
    return competition


def keys_hidden(attempt, now=None):
    """Whether the review of an attempt must wait: a final's keys stay hidden until the final is over, so that a
    finalist who submits early cannot pass them on. For the result page of the exams app."""
    if attempt.final_id is None:
        return False
    return phase(attempt.final, now) in ("scheduled", "live")


def is_finalist(final, person_id):
    return bool(person_id) and final.finalists.filter(pk=person_id).exists()


def my_final_attempt(final, person_id):
    return Attempt.objects.filter(final=final, person_id=person_id).first() if person_id else None


@transaction.atomic
def enter_final(user, competition, now=None, seed=None):
    """Start the user's attempt at the final (or return the one started): the fixed paper, the clock of the final.
    A monthly exam still open is submitted first with the answers saved so far (so that a finalist who left one
    open is not locked out of the live event). Returns (attempt, the attempt submitted or None)."""
    now = now or timezone.now()
    person = services._person(user)
    final = Final.objects.filter(competition=competition).first()
    if final is None:
        raise DomainError(_("This competition has no final."))
    if not is_finalist(final, person.pk):
        raise DomainError(_("You are not a finalist of this final."))
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one start at a time per person
    mine = my_final_attempt(final, person.pk)
    if mine is not None:
        return mine, None
    current = phase(final, now)
    if current == "scheduled":
        raise DomainError(_("The final has not started yet: it starts at %(time)s.") % {
            "time": timezone.localtime(final.starts_at).strftime("%Y-%m-%d %H:%M")})
    if current != "live":
        raise DomainError(_("The final is over."))
    closed = None
    current_attempt = services.open_attempt(person.pk)
    if current_attempt is not None:
        if current_attempt.final_id is not None:
            raise DomainError(_("You are answering another final."))
        closed = services.submit(user, current_attempt.pk, now=now)
        if closed.state != AttemptState.SUBMITTED:  # it had already run out of time
            closed = None
    questions = Question.objects.in_bulk(final.questions)
    paper = [questions[q] for q in final.questions if q in questions]
    attempt = Attempt.objects.create(
        person=person, org_path=person.scope_path, is_member=person.political_status in MEMBER_STATUSES,
        final=final, exam_set=None, month=competition.month, tier=final.tier, started_at=now,
        deadline=ends_at(final), total=len(paper))
    services._add_items(attempt, paper, rules.new_rng(seed))
    return attempt, closed


# ---- the live leaderboard --------------------------------------------------------------------------------------

def leaderboard(final, now=None):
    """The finalists as the final stands: answered / total, correct so far (from the saved answers, computed here;
    keys never leave the server), the score once scored, ordered by the ranking rule. Four queries whatever the
    number of finalists."""
    now = now or timezone.now()
    people = list(final.finalists.values("id", "name", "scope_path"))
    attempts = {a.person_id: a for a in Attempt.objects.filter(final=final).only(
        "id", "person_id", "state", "started_at", "deadline", "finished_at", "seconds", "total", "correct",
        "score", "tier")}
    for attempt in attempts.values():
        if attempt.state == AttemptState.OPEN and buffer.enabled():
            buffer.flush(attempt.pk)  # answers written behind reach the paper before they are counted
    saved = {}
    for attempt_id, kind, key, response, answered_at in (
            AttemptItem.objects.filter(attempt__final=final, response__isnull=False)
            .values_list("attempt_id", "kind", "key", "response", "answered_at")):
        entry = saved.setdefault(attempt_id, {"answered": 0, "correct": 0, "last": None})
        entry["answered"] += 1
        entry["correct"] += rules.is_correct(kind, key, response)
        if answered_at and (entry["last"] is None or answered_at > entry["last"]):
            entry["last"] = answered_at
    paths = {p for person in people for p in lineage(person["scope_path"])}
    orgs = {path: (name, org_type) for path, name, org_type in
            Organization.objects.filter(path__in=paths).values_list("path", "name", "org_type")}
    total = len(final.questions)
    rows = []
    for person in people:
        attempt = attempts.get(person["id"])
        row = {"person_id": person["id"], "name": person["name"], "org_name": _branch_name(person["scope_path"], orgs),
               "total": attempt.total if attempt else total, "answered": 0, "correct": 0, "score": None,
               "seconds": None, "state": "waiting", "started": attempt is not None}
        if attempt is not None:
            entry = saved.get(attempt.pk, {"answered": 0, "correct": 0, "last": None})
            row["answered"] = entry["answered"]
            if attempt.state == AttemptState.OPEN:
                row["correct"] = entry["correct"]
                row["state"] = "answering" if now <= attempt.deadline else "time_up"
                last = entry["last"] or attempt.started_at
                sort_score = rules.score(entry["correct"], attempt.total)
                seconds, finished = int((last - attempt.started_at).total_seconds()), last
            else:
                row["correct"], row["score"], row["seconds"] = attempt.correct, attempt.score, attempt.seconds
                row["state"] = attempt.state
                sort_score, seconds, finished = attempt.score, attempt.seconds, attempt.finished_at
            row["sort"] = (0, *rules.ranking_key(sort_score, attempt.tier, seconds, finished), person["id"])
        else:
            row["sort"] = (1, person["name"], person["id"])
        rows.append(row)
    rows.sort(key=lambda r: r["sort"])
    for number, row in enumerate(rows, start=1):
        row["rank"] = number if row["started"] else None
        row["percent"] = round(100 * row["answered"] / row["total"]) if row["total"] else 0
        del row["sort"]
    return rows


def _branch_name(path, orgs):
    """The name of the person's branch (a group member is shown with the branch), else their organisation's."""
    for p in reversed(lineage(path)):
        name, org_type = orgs.get(p, ("", None))
        if org_type == OrgType.BRANCH:
            return name
    return orgs.get(path, ("", None))[0]


# ---- finishing and titles --------------------------------------------------------------------------------------

@transaction.atomic
def finish(user, competition, now=None):
    """Close the competition: score the final's attempts still open, record the titles. Finishing again records
    nothing. Returns the number of titles recorded."""
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    require(user, MANAGE, competition.org_path)
    return _finish(competition, now or timezone.now())


def _finish(competition, now):
    if competition.state == CompetitionState.FINISHED:
        return 0
    final = Final.objects.select_for_update().filter(competition=competition).first()
    if final is not None and final.state != FinalState.FINISHED:
        if now < final.starts_at:
            raise DomainError(_("The final has not taken place yet: change its start time or wait for it."))
        for attempt in Attempt.objects.select_for_update().filter(final=final, state=AttemptState.OPEN):
            late = now > attempt.deadline
            services._score(attempt, min(now, attempt.deadline),
                            AttemptState.TIMED_OUT if late else AttemptState.SUBMITTED)
        _move(final, FinalState.FINISHED)
    recorded = _record_awards(competition, final)
    _move(competition, CompetitionState.FINISHED)
    return recorded


def finish_due(now=None):
    """The scheduled job: finish the competitions whose final is over. Returns how many were finished."""
    now = now or timezone.now()
    done = 0
    for final in Final.objects.filter(competition__state=CompetitionState.FINAL).exclude(
            state=FinalState.FINISHED).select_related("competition"):
        if phase(final, now) != "over" or now <= ends_at(final) + timedelta(seconds=rules.GRACE_SECONDS):
            continue
        with transaction.atomic():
            competition = Competition.objects.select_for_update().get(pk=final.competition_id)
            if competition.state != CompetitionState.FINISHED:
                _finish(competition, now)
                done += 1
    return done


def _best_final_attempt(final):
    scored = list(Attempt.objects.filter(final=final).exclude(state=AttemptState.OPEN))
    if not scored:
        return None
    return min(scored, key=lambda a: (*rules.ranking_key(a.score, a.tier, a.seconds, a.finished_at), a.person_id))


def planned_awards(competition, final=None):
    """The titles the month gives as things stand: [(title, organisation, person_id, score, tier, seconds)]."""
    org = competition.org
    state = rounds(competition)
    planned = []

    def add(title, owner, row):
        planned.append((title, owner, row["person_id"], row["score"], row["tier"], row["seconds"]))

    for branch, row, _groups in state["branches"]:
        add(AwardTitle.CHAMPION, branch, row)
    for general, row in state["generals"]:
        add(AwardTitle.CHAMPION, general, row)
    if state["champion"] is not None:
        add(AwardTitle.CHAMPION, org, state["champion"])
    best = _best_final_attempt(final) if final is not None else None
    if best is not None:
        planned.append((AwardTitle.FINAL_CHAMPION, org, best.person_id, best.score, best.tier, best.seconds))
    champions = {p[2] for p in planned}
    experts = [r for r in state["rows"] if r["person_id"] not in champions][:competition.experts]
    for row in experts:
        add(AwardTitle.EXPERT, org, row)
    if competition.technicians:
        for row in queries.ranking(competition.org_path, competition.month, members=False,
                                   limit=competition.technicians):
            add(AwardTitle.TECHNICIAN, org, row)
    return planned


def _record_awards(competition, final):
    existing = set(Award.objects.filter(competition=competition).values_list("org_id", "title", "person_id"))
    recorded = 0
    for title, owner, person_id, score_, tier, seconds in planned_awards(competition, final):
        if (owner.pk, title, person_id) in existing:
            continue
        Award.objects.create(competition=competition, org=owner, org_path=owner.path, month=competition.month,
                             title=title, person_id=person_id, score=score_, tier=tier, seconds=seconds)
        existing.add((owner.pk, title, person_id))
        recorded += 1
    return recorded


def awards(user, org=None, month=None):
    """The titles the user may see (learning:read over the organisation the title belongs to), newest month
    first, filtered by organisation subtree and month."""
    qs = scoped(Award.objects.select_related("person", "org", "competition"), user, READ)
    if org is not None:
        qs = qs.filter(Q(org_path__startswith=org.path))
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-month", "competition_id", "title", "org_path", "-score", "seconds")

