"""The question bank pages' reads and the few writes services.py lacks: choosing the bank, filtering its
questions, the counts per tier and category, and a status change that honours the version the page showed.
Every rule of a question stays in rules.py and services.py."""

import re

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.accounts.scoping import has_perm
from dangjian.core.errors import check_version
from dangjian.orgs.models import Organization, OrgStatus
from dangjian.orgs.services import active_orgs_for

from . import services
from .models import Category, Question, QuestionKind, QuestionStatus, Tier
from .services import MANAGE

ORG_FIELDS = ("id", "name", "depth", "path", "status", "code")
FILTER_KEYS = ("tier", "category", "kind", "status", "q")
MAX_QUERY = 100
# An accepted answer of a blank must survive the spreadsheet format (blanks split on ；, alternatives on |).
ANSWER_SEPARATORS = re.compile(r"[;；|｜]")


def bank_orgs(user):
    """The organisations whose bank the user keeps, in tree order (the highest first)."""
    return active_orgs_for(user, MANAGE)


def pick_bank(user, raw, orgs=None):
    """The bank named by a request parameter (an organisation id), else the user's highest one. 404 for an
    organisation the user does not keep, and for a user who keeps none."""
    orgs = bank_orgs(user) if orgs is None else orgs
    if raw in (None, ""):
        if not orgs:
            raise Http404
        return orgs[0]
    if not (str(raw).isdigit() and len(str(raw)) < 19):
        raise Http404
    org = next((o for o in orgs if o.pk == int(raw)), None)
    if org is None:  # beyond the first choices of a very large tree
        org = Organization.objects.filter(pk=int(raw), status=OrgStatus.ACTIVE).only(*ORG_FIELDS).first()
    if org is None or not has_perm(user, MANAGE, org):
        raise Http404
    return org


def categories_of(org):
    return list(Category.objects.filter(org=org).order_by("position", "name"))


def clean_filters(params, categories=()):
    """The valid filters among request parameters: {key: value}; anything unknown is dropped."""
    out = {}
    if params.get("tier") in Tier.values:
        out["tier"] = params["tier"]
    if params.get("kind") in QuestionKind.values:
        out["kind"] = params["kind"]
    if params.get("status") in (*QuestionStatus.values, "live"):
        out["status"] = params["status"]
    raw = str(params.get("category") or "")
    if raw.isdigit() and int(raw) in {c.pk for c in categories}:
        out["category"] = int(raw)
    q = str(params.get("q") or "").strip()[:MAX_QUERY]
    if q:
        out["q"] = q
    return out


def bank_queryset(org, filters):
    """The bank's questions with the filters applied, in bank order (tier, category, entry)."""
    qs = Question.objects.filter(org=org)
    if "tier" in filters:
        qs = qs.filter(tier=filters["tier"])
    if "kind" in filters:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("status") == "live":
        qs = qs.exclude(status=QuestionStatus.RETIRED)
    elif "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "category" in filters:
        qs = qs.filter(category_id=filters["category"])
    if "q" in filters:
        words = filters["q"].split()
        for word in words[:5]:
            qs = qs.filter(Q(stem__icontains=word) | Q(source__icontains=word))
    return qs.select_related("category").order_by("tier", "category__position", "category__name", "id")


def count_table(org, categories):
    """The active questions per category × tier (services.bank_counts) as rows for a table:
    ([(category name, [A, B, C], total)], [total A, B, C], grand total)."""
    counts = services.bank_counts(org)
    names = [c.name for c in categories]
    names += sorted({name for _tier, name in counts if name not in names})
    lines = []
    for name in names:
        cells = [counts.get((t, name), 0) for t in Tier.values]
        lines.append((name, cells, sum(cells)))
    totals = [sum(counts.get((t, name), 0) for name in names) for t in Tier.values]
    return lines, totals, sum(totals)


def blank_answer_error(blanks):
    """The message when an accepted answer of a fill-in question holds a separator of the spreadsheet format
    (it would not export and import back the same), else None."""
    for alternatives in blanks:
        for text in alternatives:
            if ANSWER_SEPARATORS.search(str(text)):
                return _("An accepted answer cannot contain ； or |: give each blank its own box and separate "
                         "the alternatives of a blank with |.")
    return None


@transaction.atomic
def change_status(user, question, status, expected_version=None):
    """Retire, reactivate or set back to draft, refusing when the question changed since the page showed it."""
    question = services.get_question_or_404(user, question.pk)
    locked = Question.objects.select_for_update().get(pk=question.pk)
    check_version(locked, expected_version)
    if status == locked.status:
        return locked
    return services.set_question_status(user, locked, status)
