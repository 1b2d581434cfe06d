"""Talk pages: thin callers of services.py. Reads go through the scoping helper (meetings:read over the
organisation a talk is recorded under, or having taken part); recording needs meetings:manage there, or is a
member's own talk under their own organisation. Outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm, has_perm_anywhere, scoped
from dangjian.core.text import int_param
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.services import PICKER_FIELDS, active_orgs_for, pick_org
from dangjian.people.models import Person

from . import services
from .forms import NotTalkedForm, OrgChoiceForm, TalkFilterForm, TalkForm
from .models import TalkKind
from .services import MANAGE, READ

PAGE_SIZE = 20
ORG_LIMIT = 500
PEOPLE_LIMIT = 1000
NOT_TALKED_PAGE = 100
ORG_FIELDS = PICKER_FIELDS


def _record_orgs(user):
    """Where the user may record talks: the organisations they manage, then their own branch and group."""
    orgs = active_orgs_for(user, MANAGE)
    seen = {o.pk for o in orgs}
    own = [o for o in services.member_orgs(user).only(*ORG_FIELDS).order_by("path") if o.pk not in seen]
    return orgs + own


def _subnav(user):
    return {"can_read": has_perm_anywhere(user, READ),
            "can_record": has_perm_anywhere(user, MANAGE) or services.member_orgs(user).exists()}


# ---------------------------------------------------------------------------------------------------- list

@login_required
def talk_list(request):
    """Talks of my organisations and the ones I took part in, newest first, filterable."""
    user = request.user
    orgs = active_orgs_for(user, READ)
    chosen = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, READ, o))
    form = TalkFilterForm(request.GET or None, orgs=orgs)
    qs = services.visible_talks(user)
    if form.is_valid():
        d = form.cleaned_data
        if d.get("q"):
            qs = qs.filter(Q(initiator__name__icontains=d["q"]) | Q(counterpart__name__icontains=d["q"]))
        if chosen is not None:
            qs = qs.filter(org_path__startswith=chosen.path)
        if d.get("year"):
            qs = qs.filter(talked_on__year=d["year"])
        if d.get("kind"):
            qs = qs.filter(kind=d["kind"])
    qs = qs.select_related("org", "initiator", "counterpart").order_by("-talked_on", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "talks/list.html", {"form": form, "page": page, "query": query.urlencode(),
                                               "has_orgs": bool(orgs), **_subnav(user)})


# ---------------------------------------------------------------------------------------------------- record

def _people(user, org, extra_ids=()):
    """The people a talk under `org` is chosen from: the on-roll members there the user can see (a member: of
    their own branch or group), the user themself, and the people named in the request if they qualify."""
    base = services.roll_people(org)
    if services.can_record(user, org) == "manage":
        base = scoped(base, user, perms.PEOPLE_READ)
    people = list(base.select_related("org", "group").order_by("name", "id")[:PEOPLE_LIMIT])
    truncated = len(people) >= PEOPLE_LIMIT
    have = {p.pk for p in people}
    wanted = {i for i in extra_ids if i and i not in have}
    if user.person_id and user.person_id not in have:
        wanted.add(user.person_id)
    if wanted:
        extra = Person.objects.filter(pk__in=wanted)
        visible = scoped(extra, user, perms.PEOPLE_READ, extra=Q(pk=user.person_id) if user.person_id else None)
        people += list((visible | extra.filter(pk__in=base.values("pk"))).distinct()
                       .select_related("org", "group").order_by("name", "id"))
    return people, truncated


_int = int_param


def _record(request, org, orgs, corrects=None, initial=None):
    user = request.user
    posted = request.method == "POST"
    source = request.POST if posted else request.GET
    people, truncated = _people(user, org, [_int(source.get("initiator")), _int(source.get("counterpart")),
                                            *(initial or {}).get("people", ())])
    by_id = {p.pk: p for p in people}
    if posted:
        form = TalkForm(request.POST, people=people)
        if form.is_valid():
            d = form.cleaned_data
            try:
                talk = services.record_talk(
                    user, org=org, talked_on=d["talked_on"],
                    initiator=by_id[d["initiator"]], counterpart=by_id[d["counterpart"]], kind=d["kind"],
                    topic=d["topic"], summary=d["summary"], follow_up=d.get("follow_up", ""), corrects=corrects)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Correction recorded.") if corrects else _("Talk recorded."))
                return redirect("talks:detail", talk.pk)
    else:
        data = {"talked_on": timezone.localdate(), "initiator": user.person_id if user.person_id in by_id else None}
        if _int(request.GET.get("counterpart")) in by_id:
            data["counterpart"] = _int(request.GET["counterpart"])
        if request.GET.get("kind") in TalkKind.values:
            data["kind"] = request.GET["kind"]
        data.update({k: v for k, v in (initial or {}).items() if k != "people"})
        form = TalkForm(initial=data, people=people)
    return render(request, "talks/form.html", {
        "form": form, "org": org, "corrects": corrects, "truncated": truncated,
        "org_form": OrgChoiceForm(initial={"org": org.pk}, orgs=orgs) if corrects is None else None,
        "counterpart": source.get("counterpart", "")})


@login_required
def talk_new(request):
    user = request.user
    orgs = _record_orgs(user)
    if not orgs:
        raise Http404
    raw = request.POST.get("org") if request.method == "POST" else request.GET.get("org")
    org = pick_org(orgs, raw, lambda o: services.can_record(user, o) is not None) or orgs[0]
    return _record(request, org, orgs)


@login_required
def talk_correct(request, pk):
    """A correction is a new record naming the talk it corrects; the talk itself is never edited."""
    user = request.user
    talk = services.get_talk_or_404(user, pk)
    if not services.may_correct(user, talk):
        raise Http404
    latest = talk.corrections.first()
    if latest is not None:
        messages.info(request, _("This talk has already been corrected: correct the latest record."))
        return redirect("talks:detail", latest.pk)
    initial = {"talked_on": talk.talked_on, "initiator": talk.initiator_id, "counterpart": talk.counterpart_id,
               "kind": talk.kind, "topic": talk.topic, "summary": talk.summary, "follow_up": talk.follow_up,
               "people": (talk.initiator_id, talk.counterpart_id)}
    return _record(request, talk.org, [talk.org], corrects=talk, initial=initial)


# ---------------------------------------------------------------------------------------------------- detail

@login_required
def talk_detail(request, pk):
    talk = services.get_talk_or_404(request.user, pk)
    correction = talk.corrections.select_related("created_by").first()
    return render(request, "talks/detail.html", {
        "talk": talk, "correction": correction,
        "can_correct": correction is None and services.can_correct(request.user, talk)})


# ---------------------------------------------------------------------------------------------------- not talked

@login_required
def not_talked(request):
    """未谈话党员: the members of an organisation no one has talked with this year, each with a link to record a
    talk with them."""
    user = request.user
    orgs = active_orgs_for(user, READ)
    if not orgs:
        raise Http404
    org = pick_org(orgs, request.GET.get("org"), lambda o: has_perm(user, READ, o)) or orgs[0]
    this_year = timezone.localdate().year
    form = NotTalkedForm(request.GET or None, orgs=orgs, initial={"org": org.pk, "year": this_year})
    year = form.cleaned_data.get("year") if form.is_valid() else None
    year = year or this_year
    rows = services.not_talked_with(org, year)
    page = Paginator(rows, NOT_TALKED_PAGE).get_page(request.GET.get("page"))
    for p in page.object_list:
        if p.org_id and has_perm(user, MANAGE, p.org.path):
            p.record_org = p.org_id
        elif has_perm(user, MANAGE, org):
            p.record_org = org.pk
        else:
            p.record_org = None
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "talks/not_talked.html", {
        "form": form, "org": org, "year": year, "page": page, "query": query.urlencode(),
        "on_roll": services.roll_people(org).count(), **_subnav(user)})
