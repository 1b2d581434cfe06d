"""Notices pages: the inbox (the bell), announcements to read and confirm, and for senders the form, the sending
progress (HTMX polling) and the read receipts. Thin callers of services.py; outsiders get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.decorators import perm_anywhere_required
from dangjian.accounts.scoping import has_perm, has_perm_anywhere
from dangjian.core.errors import ConflictError, messages_of
from dangjian.orgs.forms import add_domain_error
from dangjian.orgs.models import Organization

from . import services
from .forms import AnnouncementForm, EditForm, WithdrawForm
from .models import AnnouncementState, Attachment

SEND, RECEIPTS = services.SEND, services.RECEIPTS


# ---- inbox -----------------------------------------------------------------------------------------------------

@login_required
def inbox(request):
    """The user's notices, newest first; opening the page reads them (the bell goes quiet)."""
    unread_only = request.GET.get("unread") == "1"
    rows = list(services.my_notices(request.user, unread=unread_only))
    unread = {n.pk for n in rows if n.read_at is None}
    services.mark_read(request.user)
    return render(request, "notices/inbox.html", {
        "notices": rows, "unread": unread, "unread_only": unread_only,
        "must_read": list(services.must_read_unread(request.user)),
        "can_send": has_perm_anywhere(request.user, SEND)})


@login_required
@require_POST
def read_all(request):
    services.mark_read(request.user)
    return redirect("notices:inbox")


@login_required
def open_notice(request, pk):
    """Mark one notice read and open what it links to (a path inside the platform)."""
    notice = services.mark_read(request.user, pk)
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts={request.get_host()}):
        return redirect(notice.link)
    return redirect("notices:inbox")


# ---- announcements ---------------------------------------------------------------------------------------------

@login_required
def announcement_list(request):
    can_send = has_perm_anywhere(request.user, SEND)
    can_receipts = has_perm_anywhere(request.user, RECEIPTS)
    return render(request, "notices/announcements.html", {
        "received": list(services.received(request.user)),
        "sent": list(services.sent(request.user)) if can_receipts else [],
        "can_send": can_send})


@perm_anywhere_required(SEND)
def announcement_new(request):
    orgs = children = services.sender_orgs(request.user)  # the service keeps the audience inside the sender's subtree
    if request.method == "POST":
        form = AnnouncementForm(request.POST, request.FILES, orgs=orgs, children=children)
        if form.is_valid():
            d = form.cleaned_data
            try:
                ann = services.publish(
                    request.user, d["org"], title=d["title"], body=d["body"], audience_kind=d["audience_kind"],
                    audience_orgs=d["audience_orgs"], audience_roles=d["audience_roles"],
                    members_only=d["members_only"], must_read=d["must_read"], deadline=d["deadline"],
                    pinned=d["pinned"], remind_every_days=d["remind_every_days"],
                    attachments=request.FILES.getlist("attachments"))
            except ValidationError as e:
                add_domain_error(form, e)
            else:
                messages.success(request, _("The announcement is being sent to %(n)d people.")
                                 % {"n": ann.recipients_total})
                return redirect("notices:progress", ann.pk)
    else:
        form = AnnouncementForm(orgs=orgs, children=children, initial={"org": orgs[0].pk if orgs else None})
    return render(request, "notices/form.html", {"form": form})


def _sender_ann(request, pk, perm=SEND):
    ann = services.get_for_reader(request.user, pk)
    if not has_perm(request.user, perm, ann.org_path):
        raise Http404
    return ann


@login_required
def announcement_detail(request, pk):
    ann = services.get_for_reader(request.user, pk)
    receipt = services.read(request.user, ann)
    return render(request, "notices/detail.html", {
        "ann": ann, "receipt": receipt, "attachments": list(ann.attachments.all()),
        "can_send": has_perm(request.user, SEND, ann.org_path),
        "can_receipts": services.can_see_receipts(request.user, ann),
        "needs_confirm": bool(ann.must_read and receipt and receipt.revision == ann.revision and
                              receipt.read_at is None and ann.state != AnnouncementState.WITHDRAWN)})


@login_required
@require_POST
def announcement_confirm(request, pk):
    ann = services.get_for_reader(request.user, pk)
    services.read(request.user, ann, confirm=True)
    messages.success(request, _("Thank you: you have confirmed that you read it."))
    return redirect("notices:announcement", ann.pk)


@login_required
def announcement_edit(request, pk):
    ann = _sender_ann(request, pk)
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                ann = services.edit(request.user, ann, title=d["title"], body=d["body"],
                                    substantive=d["substantive"], version=d["version"], pinned=d["pinned"])
            except ValidationError as e:
                add_domain_error(form, e)
            except ConflictError as e:
                form.add_error(None, e.message)
            else:
                if d["substantive"]:
                    messages.success(request, _("Revision %(n)d is being sent: everyone is asked to read it again.")
                                     % {"n": ann.revision})
                    return redirect("notices:progress", ann.pk)
                messages.success(request, _("Saved; the read receipts are kept."))
                return redirect("notices:announcement", ann.pk)
    else:
        form = EditForm(initial={"version": ann.version, "title": ann.title, "body": ann.body,
                                 "pinned": ann.pinned, "substantive": True})
    return render(request, "notices/edit.html", {"form": form, "ann": ann})


@login_required
def announcement_withdraw(request, pk):
    ann = _sender_ann(request, pk)
    form = WithdrawForm(request.POST or None, initial={"version": ann.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(request.user, ann, form.cleaned_data["reason"], version=form.cleaned_data["version"])
        except ValidationError as e:
            add_domain_error(form, e)
        except ConflictError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("The announcement was withdrawn; it is kept, marked as withdrawn."))
            return redirect("notices:announcement", ann.pk)
    return render(request, "notices/withdraw.html", {"form": form, "ann": ann})


@login_required
def announcement_progress(request, pk):
    """How far the writing of the recipients is; the bar polls itself (HTMX) until it is done."""
    ann = _sender_ann(request, pk, RECEIPTS)
    template = "notices/_progress.html" if request.htmx else "notices/progress.html"
    return render(request, template, {"ann": ann})


@login_required
def receipts(request, pk):
    ann = _sender_ann(request, pk, RECEIPTS)
    node = None
    if request.GET.get("org"):
        node = get_object_or_404(Organization, pk=request.GET["org"]) if request.GET["org"].isdigit() else None
        if node is None:
            raise Http404
    data = services.receipts(request.user, ann, node)
    return render(request, "notices/receipts.html", {"ann": ann, **data,
                                                     "can_send": has_perm(request.user, SEND, ann.org_path)})


@login_required
@require_POST
def remind(request, pk):
    ann = _sender_ann(request, pk)
    try:
        n = services.remind_unread(request.user, ann)
    except ValidationError as e:
        for m in messages_of(e):
            messages.error(request, m)
    else:
        messages.success(request, _("Reminded %(n)d people who have not read it.") % {"n": n})
    return redirect("notices:receipts", ann.pk)


@login_required
def attachment(request, pk, file_pk):
    ann = services.get_for_reader(request.user, pk)
    row = Attachment.objects.filter(announcement=ann, pk=file_pk).first()
    if row is None:
        raise Http404
    try:
        handle = row.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = row.content_type in ("application/pdf", "image/png", "image/jpeg")
    response = FileResponse(handle, content_type=row.content_type or "application/octet-stream",
                            as_attachment=not inline, filename=row.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response
