"""Meeting pages: thin callers of services.py. Reads go through the scoping helper (meetings:read over the host
organisation, or being invited); changes need meetings:manage there. Outsiders get 404."""

import io
from datetime import timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts import rules as perms
from dangjian.accounts.decorators import require_anywhere
from dangjian.accounts.scoping import has_perm, has_perm_anywhere, scoped
from dangjian.core.errors import messages_of
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization, OrgType
from dangjian.orgs.services import active_orgs_for
from dangjian.people.codes import ON_ROLL
from dangjian.people.models import Person

from . import rules, services
from .forms import LeaveDecisionForm, MeetingFilterForm, MinutesForm, PeriodForm, PlanForm, ReasonForm
from .models import (
    Attendance,
    Card,
    Device,
    LeaveState,
    Meeting,
    MeetingFile,
    MeetingState,
    MeetingType,
    Minutes,
    Period,
    Requirement,
)
from .services import MANAGE, READ

PAGE_SIZE = 20
ORG_LIMIT = 500
PEOPLE_LIMIT = 1000
READ_PEOPLE = perms.PEOPLE_READ


def _can_manage(user, meeting):
    return has_perm(user, MANAGE, meeting.org_path)


# ---------------------------------------------------------------------------------------------------- list

@login_required
def meeting_list(request):
    """Meetings of my organisations and the ones I am invited to: upcoming first, then past, filterable."""
    user = request.user
    orgs = active_orgs_for(user, READ)
    form = MeetingFilterForm(request.GET or None, orgs=orgs)
    qs = services.visible_meetings(user)
    if form.is_valid():
        d = form.cleaned_data
        if d.get("q"):
            qs = qs.filter(topic__icontains=d["q"])
        if d.get("org"):
            org = next((o for o in orgs if o.pk == d["org"]), None)
            qs = qs.filter(org_path__startswith=org.path) if org else qs.none()
        if d.get("type"):
            qs = qs.filter(types__code=d["type"])
        if d.get("date_from"):
            qs = qs.filter(starts_at__date__gte=d["date_from"])
        if d.get("date_to"):
            qs = qs.filter(starts_at__date__lte=d["date_to"])
    now = timezone.now()
    tab = request.GET.get("tab") if request.GET.get("tab") in ("upcoming", "past") else "upcoming"
    if tab == "upcoming":
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "id")
    else:
        qs = qs.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    qs = qs.select_related("org").prefetch_related("types").annotate(
        n_expected=Count("attendances", filter=Q(attendances__expected=True), distinct=True),
        n_present=Count("attendances", filter=Q(attendances__checked_in_at__isnull=False), distinct=True))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = {}
    if user.person_id:
        mine = {a.meeting_id: a for a in Attendance.objects.filter(
            person_id=user.person_id, meeting_id__in=[m.pk for m in page.object_list])}
    for m in page.object_list:
        m.my_attendance = mine.get(m.pk)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tab", None)
    return render(request, "meetings/list.html", {
        "form": form, "page": page, "tab": tab, "query": query.urlencode(),
        "pager_query": f"tab={tab}&{query.urlencode()}".rstrip("&"),
        "can_plan": has_perm_anywhere(user, MANAGE), "can_comply": has_perm_anywhere(user, READ)})


# ---------------------------------------------------------------------------------------------------- plan

@login_required
def meeting_new(request):
    user = request.user
    require_anywhere(user, MANAGE)
    orgs = active_orgs_for(user, MANAGE)
    by_id = {o.pk: o for o in orgs}
    people = list(scoped(Person.objects.filter(status__in=ON_ROLL), user, READ_PEOPLE).select_related("org")
                  .only("id", "name", "org__name", "org__short_name").order_by("scope_path", "name")[:PEOPLE_LIMIT])
    people_by_id = {p.pk: p for p in people}
    if request.method == "POST":
        form = PlanForm(request.POST, orgs=orgs, people=people)
        if form.is_valid():
            try:
                kwargs = form.service_kwargs(by_id)
                kwargs["org"] = Organization.objects.get(pk=kwargs["org"].pk)
                kwargs["host"] = people_by_id.get(kwargs["host"])
                kwargs["recorder"] = people_by_id.get(kwargs["recorder"])
                meeting = services.plan_meeting(user, **kwargs)
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Meeting planned; the notice went to %(n)d people.") % {
                    "n": meeting.attendances.filter(person__isnull=False).count()})
                return redirect("meetings:detail", meeting.pk)
    else:
        start = (timezone.localtime() + timedelta(days=1)).replace(hour=14, minute=30, second=0, microsecond=0)
        initial = {"starts_at": start, "ends_at": start + timedelta(hours=1, minutes=30), "invite_host": True,
                   "members_only": True, "checkin_before": 30}
        if request.GET.get("org") and request.GET["org"].isdigit() and int(request.GET["org"]) in by_id:
            initial["org"] = int(request.GET["org"])
        if request.GET.get("type"):
            initial["types"] = [request.GET["type"]]
        if user.person_id in people_by_id:
            initial["host"] = user.person_id
        form = PlanForm(initial=initial, orgs=orgs, people=people)
    return render(request, "meetings/form.html", {"form": form})


# ---------------------------------------------------------------------------------------------------- detail

def _detail_context(request, meeting):
    user = request.user
    report = services.attendance(meeting)
    minutes = list(meeting.minutes.select_related("written_by").order_by("-revision"))
    mine = Attendance.objects.filter(meeting=meeting, person_id=user.person_id).first() if user.person_id else None
    now = timezone.now()
    window = rules.checkin_window(meeting.starts_at, meeting.ends_at, meeting.checkin_before)
    return {
        "meeting": meeting, "types": list(meeting.types.all()), "report": report, "minutes": minutes[0] if minutes else None,
        "revisions": len(minutes), "mine": mine, "can_manage": _can_manage(user, meeting),
        "can_record": services.can_record(user, meeting),
        "started": meeting.starts_at <= now, "window_open": window.contains(now), "window": window,
        "leave_requests": [r for r in report["expected"] if r.leave == LeaveState.REQUESTED],
        "reason_form": ReasonForm(), "decision_form": LeaveDecisionForm(),
        "not_signed": [r for r in report["expected"] if r.person_id and not r.checked_in_at],
        "cancelled": meeting.state == MeetingState.CANCELLED,
        "files": list(meeting.files.all()),
    }


@login_required
def meeting_detail(request, pk):
    meeting = services.get_meeting_or_404(request.user, pk)
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


def _act(request, pk, fn, success, perm=MANAGE):
    meeting = services.get_meeting_or_404(request.user, pk, perm=perm)
    try:
        fn(meeting)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, success)
    return redirect("meetings:detail", meeting.pk)


@require_POST
@login_required
def meeting_cancel(request, pk):
    reason = request.POST.get("reason", "")
    return _act(request, pk, lambda m: services.cancel_meeting(request.user, m, reason), _("Meeting cancelled."))


@require_POST
@login_required
def leave_request(request, pk):
    reason = request.POST.get("reason", "")
    return _act(request, pk, lambda m: services.request_leave(request.user, m, reason),
                _("Leave asked; the branch will decide."), perm=READ)


@require_POST
@login_required
def leave_decide(request, pk, attendance_pk):
    meeting = services.get_meeting_or_404(request.user, pk, perm=MANAGE)
    row = Attendance.objects.filter(meeting=meeting, pk=attendance_pk).first()
    if row is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        services.decide_leave(request.user, row, approve, request.POST.get("note", ""))
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, _("Leave approved.") if approve else _("Leave declined."))
    return redirect("meetings:detail", meeting.pk)


def _attendee(meeting, person_pk):
    try:
        return Person.objects.get(pk=int(person_pk), attendances__meeting=meeting)
    except (Person.DoesNotExist, TypeError, ValueError):
        raise Http404


@require_POST
@login_required
def checkin_person(request, pk):
    """The recorder signs an invited person in (manual) or, with a reason, after the fact (make-up)."""
    meeting = services.get_meeting_to_record(request.user, pk)
    person = _attendee(meeting, request.POST.get("person"))
    try:
        if request.POST.get("kind") == "makeup":
            result = services.checkin_makeup(request.user, meeting, person, request.POST.get("reason", ""))
        else:
            result = services.checkin_manual(request.user, meeting, person)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, f"{person.name}：{result.message}")
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#attendance")


@login_required
def minutes_edit(request, pk):
    meeting = services.get_meeting_to_record(request.user, pk)
    current = meeting.minutes.order_by("-revision").first()
    if request.method == "POST":
        form = MinutesForm(request.POST)
        if form.is_valid():
            try:
                services.record_minutes(request.user, meeting, form.cleaned_data["text"],
                                        form.cleaned_data.get("resolutions", ""))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("Minutes saved."))
                return redirect("meetings:detail", meeting.pk)
    else:
        form = MinutesForm(initial={"text": current.text, "resolutions": current.resolutions} if current else None)
    history = list(Minutes.objects.filter(meeting=meeting).select_related("written_by").order_by("-revision"))
    return render(request, "meetings/minutes.html", {"meeting": meeting, "form": form, "history": history,
                                                     "started": meeting.starts_at <= timezone.now()})


# ---------------------------------------------------------------------------------------------------- sign-in

def _checkin_url(request, meeting):
    return request.build_absolute_uri(reverse("meetings:checkin") + "?t=" + services.qr_token(meeting))


@login_required
def meeting_screen(request, pk):
    """The big screen at the door: a QR code that changes every 30 s and the live attendance."""
    meeting = services.get_meeting_to_record(request.user, pk)
    return render(request, "meetings/screen.html", {"meeting": meeting, **_live_context(meeting),
                                                    **_qr_context(request, meeting)})


def _qr_context(request, meeting):
    url = _checkin_url(request, meeting)
    return {"qr_svg": segno.make(url, error="m").svg_inline(scale=8, border=2), "qr_url": url,
            "qr_refresh": max(3, rules.QR_STEP_SECONDS // 3)}


def _live_context(meeting):
    report = services.attendance(meeting)
    return {"report": report, "now": timezone.now()}


@login_required
def screen_qr(request, pk):
    meeting = services.get_meeting_to_record(request.user, pk)
    return render(request, "meetings/_qr.html", {"meeting": meeting, **_qr_context(request, meeting)})


@login_required
def screen_live(request, pk):
    meeting = services.get_meeting_or_404(request.user, pk)
    return render(request, "meetings/_live.html", {"meeting": meeting, **_live_context(meeting)})


@login_required
def live(request, pk):
    """The live attendance alone (大屏): expected, present, on leave, absent, left — updating by itself."""
    meeting = services.get_meeting_or_404(request.user, pk)
    return render(request, "meetings/live.html", {"meeting": meeting, **_live_context(meeting)})


@login_required
def checkin(request):
    """Where the phone lands after scanning: one tap signs in."""
    token = request.POST.get("t") or request.GET.get("t") or ""
    head = token.split(".")[0]
    meeting = (Meeting.objects.filter(pk=int(head)).only("id", "topic", "starts_at", "place").first()
               if head.isdigit() and len(head) < 19 else None)
    result = error = None
    if request.method == "POST":
        try:
            result = services.checkin_qr(request.user, token)
        except ValidationError as e:
            error = " ".join(messages_of(e))
    return render(request, "meetings/checkin.html", {"token": token, "meeting": meeting, "result": result,
                                                     "error": error}, status=400 if error else 200)


# ---------------------------------------------------------------------------------------------------- reports

@login_required
def attendance_report(request, pk):
    meeting = services.get_meeting_or_404(request.user, pk)
    if request.GET.get("format") == "xlsx":
        return _attendance_xlsx(meeting)
    return render(request, "meetings/report.html", {"meeting": meeting, "report": services.attendance(meeting),
                                                    "types": list(meeting.types.all()), "now": timezone.now()})


def _attendance_xlsx(meeting):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    report = services.attendance(meeting)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Attendance")[:31]
    ws.append([meeting.topic])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Host organisation"), meeting.org.name])
    ws.append([_("Time"), timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")])
    c = report["counts"]
    ws.append([_("Expected"), c["expected"], _("Present"), c["present"], _("On leave"), c["on_leave"],
               _("Absent"), c["absent"]])
    ws.append([])
    ws.append([_("Name"), _("Invited"), _("Status"), _("Signed in at"), _("Sign-in"), _("Left at"), _("Note")])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    rows = sorted(report["expected"] + report["walk_ins"], key=lambda r: (not r.expected, r.pk))
    for r in rows:
        status = (_("Present") if r.checked_in_at else _("On leave") if r.leave == LeaveState.APPROVED
                  else _("Absent"))
        ws.append([r.person.name if r.person_id else r.guest_name, _("yes") if r.expected else _("no"), status,
                   timezone.localtime(r.checked_in_at).strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "",
                   r.get_method_display() if r.method else "",
                   timezone.localtime(r.checked_out_at).strftime("%H:%M") if r.checked_out_at else "",
                   r.makeup_reason or r.leave_reason])
    for col, width in zip("ABCDEFG", (14, 8, 10, 18, 16, 10, 30), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="attendance-{meeting.pk}.xlsx"'
    return response


@login_required
def compliance(request):
    """Which organisations hold their required meetings, red/amber/green, drilling down to the meetings."""
    user = request.user
    require_anywhere(user, READ)
    orgs = active_orgs_for(user, READ)
    form = PeriodForm(request.GET or None, orgs=orgs)
    start, end = form.period()
    raw_org = request.GET.get("org") or None
    if raw_org is not None and not (raw_org.isdigit() and len(raw_org) < 19):
        raise Http404
    root = services.visible_compliance_root(user, int(raw_org) if raw_org else None)
    if root is None:
        raise Http404
    rows = services.compliance(root, start, end)
    types = {t.code: t for t in MeetingType.objects.all()}
    codes = [c for c in types if any(c in r["cells"] for r in rows)]
    totals = {v: sum(1 for r in rows if r["verdict"] == v) for v in (rules.GREEN, rules.AMBER, rules.RED)}
    only = request.GET.get("only")
    if only in totals:
        rows = [r for r in rows if r["verdict"] == only]
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    base = query.copy()
    base.pop("only", None)
    return render(request, "meetings/compliance.html", {
        "form": form, "root": root, "start": start, "end": end, "page": page, "codes": codes, "types": types,
        "totals": totals, "only": only, "query": query.urlencode(), "base_query": base.urlencode(),
        "can_plan": has_perm_anywhere(user, MANAGE)})


@login_required
def person_history(request, pk):
    """A member's meetings and attendance rate, for those who may read the member (their branch, the committee)."""
    from dangjian.accounts.scoping import get_scoped_or_404

    person = get_scoped_or_404(Person.objects.all(), request.user, perms.PEOPLE_READ, pk=pk)
    return render(request, "meetings/history.html", {"person": person, "history": services.member_history(person),
                                                     "other": True, "can_comply": has_perm_anywhere(request.user, READ),
                                                     "can_plan": has_perm_anywhere(request.user, MANAGE)})


def notices(request):
    """Notices moved to the platform's inbox (dangjian.notices); old links open it."""
    return redirect("notices:inbox")


@login_required
def my_history(request):
    """A member's own meetings and attendance rate."""
    if not request.user.person_id:
        raise Http404
    person = Person.objects.get(pk=request.user.person_id)
    return render(request, "meetings/history.html", {"person": person, "history": services.member_history(person),
                                                     "can_comply": has_perm_anywhere(request.user, READ),
                                                     "can_plan": has_perm_anywhere(request.user, MANAGE)})


# ---------------------------------------------------------------------------------------------------- settings

@login_required
def settings_page(request):
    """An organisation's organisational-life settings: required meetings for its subtree, free meeting types,
    sign-in devices and cards."""
    user = request.user
    require_anywhere(user, MANAGE)
    orgs = active_orgs_for(user, MANAGE)
    raw = request.GET.get("org") or request.POST.get("org") or (str(orgs[0].pk) if orgs else "")
    if not (raw.isdigit() and len(raw) < 19):
        raise Http404
    org = scoped(Organization.objects.all(), user, MANAGE).filter(pk=int(raw)).first()
    if org is None:
        raise Http404
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "require":
                services.set_requirement(user, org, meeting_type=request.POST.get("meeting_type"),
                                         org_type=request.POST.get("org_type"), period=request.POST.get("period"),
                                         count=request.POST.get("count"))
                messages.success(request, _("Requirement saved."))
            elif action == "unrequire":
                req = Requirement.objects.filter(pk=request.POST.get("requirement") or 0, set_by=org).first()
                if req is None:
                    raise Http404
                services.remove_requirement(user, req)
                messages.success(request, _("Requirement removed: the rule above applies again."))
            elif action == "type":
                services.add_meeting_type(user, request.POST.get("name", ""))
                messages.success(request, _("Meeting type added."))
            elif action == "device":
                _device, new_key = services.create_device(user, org, request.POST.get("name", ""))
                messages.success(request, _("Device registered. Copy its key now: it is not shown again."))
            elif action == "card":
                person = scoped(Person.objects.all(), user, MANAGE).filter(
                    pk=request.POST.get("person") if (request.POST.get("person") or "").isdigit() else 0,
                    scope_path__startswith=org.path).first()
                if person is None:
                    raise ValidationError({"person": [_("Choose people from the list.")]})
                services.register_card(user, person, request.POST.get("number", ""))
                messages.success(request, _("Card registered."))
            else:
                raise Http404
        except ValidationError as e:
            for m in messages_of(e):
                messages.error(request, m)
        if new_key is None:
            return redirect(reverse("meetings:settings") + f"?org={org.pk}")
    people = list(Person.objects.filter(scope_path__startswith=org.path, status__in=("normal", "flowing", "lost"))
                  .only("id", "name").order_by("name")[:ORG_LIMIT])
    return render(request, "meetings/settings.html", {
        "org": org, "orgs": orgs, "rows": services.effective_requirements(org), "new_key": new_key,
        "types": list(MeetingType.objects.all()), "periods": Period.choices,
        "org_types": [(t, OrgType(t).label) for t in services.REQUIRABLE_ORG_TYPES],
        "devices": list(Device.objects.filter(org__path__startswith=org.path).select_related("org").order_by("name")),
        "cards": list(Card.objects.filter(person__scope_path__startswith=org.path).select_related("person")
                      .order_by("person__name")[:ORG_LIMIT]),
        "people": people, "can_plan": True, "can_comply": True,
    })


@require_POST
@login_required
def file_upload(request, pk):
    meeting = services.get_meeting_to_record(request.user, pk)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("Choose a file."))
    for upload in files[:20]:
        try:
            services.add_file(request.user, meeting, upload, request.POST.get("kind", "photo"))
        except ValidationError as e:
            for m in messages_of(e):
                messages.error(request, f"{upload.name}：{m}")
        else:
            messages.success(request, _("%(name)s uploaded.") % {"name": upload.name})
    return redirect(reverse("meetings:detail", args=[meeting.pk]) + "#files")


@login_required
def file_download(request, pk, file_pk):
    """A meeting's file, for those who may read the meeting (never a public URL)."""
    meeting = services.get_meeting_or_404(request.user, pk)
    row = MeetingFile.objects.filter(meeting=meeting, pk=file_pk).first()
    if row is None:
        raise Http404
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = row.kind == MeetingFile.Kind.PHOTO or row.content_type == "application/pdf"
    response = FileResponse(handle, content_type=row.content_type or "application/octet-stream",
                            as_attachment=not inline, filename=row.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
