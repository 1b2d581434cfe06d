"""Exam pages: thin callers of services.py and queries.py. Members (and 群众 with a login) take exams and see their
own results and their organisation's ranking; learning:read over an organisation shows its rankings and
participation; learning:manage keeps its sets and settings. Outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.scoping import has_perm, has_perm_anywhere, scope_for
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.orgs.services import active_orgs_for, pick_org

from . import buffer, competition, queries, rules, services
from .models import AttemptState, ExamSettings, MonthlySet, Question, QuestionStatus, SetState, Tier
from .services import MANAGE, READ

RANKING_ROWS = 100


def _subnav(user):
    return {"can_read": has_perm_anywhere(user, READ), "can_manage": has_perm_anywhere(user, MANAGE)}


def _month(request, today=None):
    today = today or timezone.localdate()
    return rules.parse_month(request.GET.get("month"), rules.month_of(today))


def _org_param(request, orgs, allowed):
    """The organisation of ?org= (or the form's org) among the picker's `orgs`, else the first of them."""
    return pick_org(orgs, request.GET.get("org") or request.POST.get("org"), allowed) or (orgs[0] if orgs else None)


def _error(request, exc):
    for m in messages_of(exc):
        messages.error(request, m)


# ---------------------------------------------------------------------------------------------------- taking

@login_required
def home(request):
    """My exams this month: the three tiers with my best score, attempts used/left and a start button; an exam in
    progress first."""
    user = request.user
    ctx = {"subnav": _subnav(user), "section": "home"}
    if user.person_id:
        month = rules.month_of(timezone.localdate())
        current = services.open_attempt(user.person_id)
        if current is not None:
            current = services.refresh(current)
            if current.state != AttemptState.OPEN:
                current = None
        tiers, config = services.my_month(user.person, month)
        ctx.update(month=month, tiers=tiers, config=config, current=current,
                   history=queries.history(user.person, limit=6))
    return render(request, "exams/home.html", ctx)


@login_required
@require_POST
def start(request):
    try:
        attempt = services.start_attempt(request.user, request.POST.get("tier"))
    except ValidationError as e:
        _error(request, e)
        return redirect("exams:home")
    return redirect("exams:paper", attempt.pk)


@login_required
def paper(request, pk):
    """The paper: questions with their options in the order drawn, never the key. The clock is the server's."""
    attempt = services.refresh(services.my_attempt_or_404(request.user, pk))
    if attempt.state != AttemptState.OPEN:
        return redirect("exams:result", attempt.pk)
    items = buffer.merge(list(attempt.items.only("id", "attempt_id", "position", "kind", "stem", "options", "key",
                                                 "response", "answered_at")), attempt.pk)
    for item in items:
        item.blank_values = _blank_values(item)
        item.choices = [(i, rules.LETTERS[i], text, i in (item.response or [])) for i, text in enumerate(item.options)]
        item.key = None  # the key stays on the server: only the number of blanks is used above
    return render(request, "exams/paper.html", {
        "attempt": attempt, "items": items, "remaining": services.remaining_seconds(attempt),
        "answered": sum(1 for i in items if i.response is not None),
    })


def _blank_values(item):
    """For a fill-in item: the saved text of each blank (the paper shows one box per blank)."""
    if item.kind != "fill":
        return None
    count = services.blanks_of(item)
    return (list(item.response or []) + [""] * count)[:count]


@login_required
@require_POST
def answer(request, pk):
    """Save one answer (HTMX on every change). Replies with the question's saved mark, or a message."""
    values = request.POST.getlist("answer")
    item = request.POST.get("position")
    kind = request.POST.get("kind")
    response = values if kind in ("multiple", "fill") else (values[0] if values else None)
    try:
        saved = services.save_answer(request.user, pk, item, response)
    except ValidationError as e:
        attempt = services.my_attempt_or_404(request.user, pk)
        if attempt.state != AttemptState.OPEN:  # time ran out or submitted elsewhere: to the result
            reply = HttpResponse(status=204)
            reply["HX-Redirect"] = reverse("exams:result", args=[pk])
            return reply
        return HttpResponse(render_to_string("exams/_saved.html", {"error": messages_of(e)[0]}, request),
                            status=200 if request.htmx else 400)
    if not request.htmx:
        return redirect("exams:paper", pk)
    return HttpResponse(render_to_string("exams/_saved.html", {"item": saved}, request))


@login_required
@require_POST
def submit(request, pk):
    services.submit(request.user, pk)
    return redirect("exams:result", pk)


@login_required
def result(request, pk):
    """The score and a review with the right answers and explanations, once scored."""
    attempt = services.refresh(services.my_attempt_or_404(request.user, pk))
    if attempt.state == AttemptState.OPEN:
        return redirect("exams:paper", attempt.pk)
    hidden = competition.keys_hidden(attempt)  # a final's answers wait until every finalist is done
    items = [] if hidden else list(attempt.items.all())
    for item in items:
        item.key_text = _answer_display(item.kind, item.key, item.options)
        item.response_text = _answer_display(item.kind, item.response, item.options) if item.response else ""
    return render(request, "exams/result.html", {"attempt": attempt, "items": items, "hidden": hidden})


def _answer_display(kind, value, options):
    if value is None:
        return ""
    if kind in ("single", "multiple"):
        return "、".join(f"{rules.LETTERS[i]}. {options[i]}" for i in value if 0 <= i < len(options))
    if kind == "truefalse":
        return _("True") if value == [True] else _("False")
    if value and isinstance(value[0], list):  # the key: accepted alternatives per blank
        return "；".join(" / ".join(blank) for blank in value)
    return "；".join(value)


@login_required
def history(request):
    user = request.user
    if not user.person_id:
        raise Http404
    return render(request, "exams/history.html", {
        "subnav": _subnav(user), "section": "history", "months": queries.history(user.person),
        "attempts": queries.recent_attempts(user.person)})


@login_required
def person_history(request, pk):
    """A member's exam history, for holders of learning:read over the member's organisation (others: 404)."""
    from dangjian.people.models import Person

    person = Person.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if person is None or not person.scope_path or not has_perm(request.user, READ, person.scope_path):
        raise Http404
    return render(request, "exams/history.html", {
        "subnav": _subnav(request.user), "section": "participation", "person": person,
        "months": queries.history(person), "attempts": queries.recent_attempts(person)})


# ---------------------------------------------------------------------------------------------------- results

def _ranking_orgs(user):
    """Organisations whose rankings the user may open: those under learning:read, then their own."""
    orgs = active_orgs_for(user, READ)
    seen = {o.pk for o in orgs}
    own = scope_for(user).own_paths
    if own:
        # the member's own branch and group, and the organisations above them (their ranking includes the member)
        for org in Organization.objects.filter(path__in=own, status=OrgStatus.ACTIVE).order_by("path"):
            if org.pk not in seen:
                orgs.append(org)
                seen.add(org.pk)
    return orgs


@login_required
def rankings(request):
    user = request.user
    orgs = _ranking_orgs(user)
    org = _org_param(request, orgs, lambda o: queries.may_see_ranking(user, o))
    month = _month(request)
    members = request.GET.get("who") != "masses"
    ctx = {"subnav": _subnav(user), "section": "rankings", "orgs": orgs, "org": org, "month": month,
           "months": queries.month_choices(timezone.localdate()), "members": members,
           "can_read_people": org is not None and has_perm(user, READ, org)}
    if org is not None:
        rows = queries.ranking(org.path, month, members=members)
        ctx["rows"] = rows[:RANKING_ROWS]
        ctx["count"] = len(rows)
        ctx["mine"] = next((r for r in rows if r["person_id"] == user.person_id), None)
        ctx["champions"] = queries.champions(org.path, month, members=members, rows=rows) if members else []
    return render(request, "exams/rankings.html", ctx)


@login_required
def participation(request):
    user = request.user
    orgs = active_orgs_for(user, READ)
    if not orgs:
        raise Http404
    org = _org_param(request, orgs, lambda o: has_perm(user, READ, o))
    month = _month(request)
    total, children = queries.participation(org, month)
    return render(request, "exams/participation.html", {
        "subnav": _subnav(user), "section": "participation", "orgs": orgs, "org": org, "month": month,
        "months": queries.month_choices(timezone.localdate()), "total": total, "children": children})


# ---------------------------------------------------------------------------------------------------- sets

@login_required
def sets(request):
    """The monthly sets of a bank: this month's and next month's per tier, drawn, under review or open."""
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    if not orgs:
        raise Http404
    org = _org_param(request, orgs, lambda o: has_perm(user, MANAGE, o))
    if request.method == "POST":
        month = rules.parse_month(request.POST.get("month"), None)
        if month is None:
            messages.error(request, _("Choose a month."))
        else:
            try:
                drawn = [services.draw_set(org, month, tier, user=user) for tier in Tier.values
                         if request.POST.get("tier") in (None, "", tier)]
                if any(drawn):
                    messages.success(request, _("The sets were drawn; review them before they open."))
                else:
                    messages.error(request, _("The bank has no active question of this tier."))
            except ValidationError as e:
                _error(request, e)
        return redirect(f"{reverse('exams:sets')}?org={org.pk}")
    month = rules.month_of(timezone.localdate())
    months = [month, rules.add_months(month, 1)]
    found = {}
    for s in MonthlySet.objects.filter(org=org, month__in=months).annotate(n=Count("items")):
        found[(s.month, s.tier)] = s
    table = [{"month": m, "cells": [(t, label, found.get((m, t))) for t, label in Tier.choices]} for m in months]
    past = MonthlySet.objects.filter(org=org, month__lt=month).order_by("-month", "tier")[:36]
    return render(request, "exams/sets.html", {
        "subnav": _subnav(user), "section": "sets", "orgs": orgs, "org": org, "table": table, "past": past,
        "counts": services.bank_counts(org), "config": services.settings_for(org.path)})


@login_required
def set_detail(request, pk):
    user = request.user
    exam_set = services.get_set_or_404(user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        version = request.POST.get("version")
        question = request.POST.get("question")
        try:
            if action == "remove":
                services.remove_from_set(user, exam_set, question, version)
            elif action == "replace":
                services.replace_in_set(user, exam_set, question, version)
            elif action == "add":
                services.add_to_set(user, exam_set, question, version)
            elif action == "redraw":
                services.draw_set(exam_set.org, exam_set.month, exam_set.tier, user=user)
            elif action == "open":
                services.open_set(user, exam_set, version)
                messages.success(request, _("The set is open: members can answer it."))
            else:
                raise Http404
        except ConflictError as e:
            messages.error(request, e.message)
        except ValidationError as e:
            _error(request, e)
        return redirect("exams:set_detail", exam_set.pk)
    items = list(exam_set.items.select_related("question__category").order_by("position"))
    by_category = {}
    for i in items:
        by_category[i.question.category.name] = by_category.get(i.question.category.name, 0) + 1
    addable = []
    if exam_set.state == SetState.DRAFT:
        addable = list(Question.objects.filter(org=exam_set.org, tier=exam_set.tier, status=QuestionStatus.ACTIVE)
                       .exclude(set_items__set=exam_set).only("id", "stem").order_by("id")[:300])
    return render(request, "exams/set_detail.html", {
        "subnav": _subnav(user), "section": "sets", "set": exam_set, "items": items,
        "by_category": sorted(by_category.items()), "addable": addable})


@login_required
def exam_settings(request):
    user = request.user
    orgs = active_orgs_for(user, MANAGE)
    if not orgs:
        raise Http404
    org = _org_param(request, orgs, lambda o: has_perm(user, MANAGE, o))
    current = services.settings_for(org.path)
    own = ExamSettings.objects.filter(org=org).first()
    errors, values = {}, {f: current[f] for f in services.SETTING_FIELDS}
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in services.SETTING_FIELDS}
        try:
            services.save_settings(user, org, values, request.POST.get("version"))
            messages.success(request, _("The exam settings were saved."))
            return redirect(f"{reverse('exams:settings')}?org={org.pk}")
        except ConflictError as e:
            messages.error(request, e.message)
        except ValidationError as e:
            if getattr(e, "field", None):
                errors[e.field] = messages_of(e)[0]
            else:
                _error(request, e)
    fields = [(f, ExamSettings._meta.get_field(f), values[f], errors.get(f)) for f in services.SETTING_FIELDS]
    return render(request, "exams/settings.html", {
        "subnav": _subnav(user), "section": "settings", "orgs": orgs, "org": org, "fields": fields,
        "own": own, "set_by": current["set_by"]})
