"""The public side, no login: an organisation's page of current public items (and its printable QR code for
the notice board), one public item by its unguessable link, and objections to a public 公示 by anyone —
rate-limited per address with a short-lived cache counter (nothing stored)."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.audit.middleware import client_ip
from dangjian.core.errors import messages_of
from dangjian.orgs.models import Organization, OrgStatus

from . import qr, rules, services
from .forms import ObjectionForm
from .models import Attachment

RATE_LIMIT = 5  # objections per address
RATE_WINDOW = 3600  # seconds


def _org_or_404(code):
    try:
        return Organization.objects.get(code=code, status=OrgStatus.ACTIVE)
    except Organization.DoesNotExist:
        raise Http404


def org_page(request, code):
    org = _org_or_404(code)
    return render(request, "publications/public/org.html", {
        "org": org, "items": services.public_items(org), "today": timezone.localdate()})


def org_qr(request, code):
    org = _org_or_404(code)
    url = request.build_absolute_uri(reverse("public:org", args=[org.code]))
    return render(request, "publications/public/qr.html", {"org": org, "url": url, "qr_svg": qr.svg(url, scale=10)})


def _form(pub):
    form = ObjectionForm()
    if not pub.kind_info.allows_anonymous:
        del form.fields["anonymous"]
    return form


def item(request, token):
    pub = services.get_public_or_404(token)
    today = timezone.localdate()
    current = rules.is_current(pub.state, pub.starts, pub.ends, today)
    open_ = pub.kind_info.allows_objections and rules.open_for_objections(pub.state, pub.starts, pub.ends, today)
    return render(request, "publications/public/item.html", {
        "pub": pub, "current": current, "form": _form(pub) if open_ else None,
        "attachments": list(pub.attachments.all()) if current else []})


def _limited(request):
    """Count this address's objections in the window (the key is a hash; the counter expires)."""
    key = "pub-objection:" + hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    count = cache.get(key, 0)
    if count >= RATE_LIMIT:
        return True
    if count == 0:
        cache.set(key, 1, RATE_WINDOW)
    else:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, RATE_WINDOW)
    return False


@require_POST
def object_to(request, token):
    pub = services.get_public_or_404(token)
    if _limited(request):
        messages.error(request, _("Too many submissions from your network. Please try again later."))
        return redirect("public:item", pub.token)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your objection or comment."))
        return redirect("public:item", pub.token)
    d = form.cleaned_data
    try:
        services.object_to(request.user, pub, d["body"], anonymous=d.get("anonymous"), name=d["name"],
                           contact=d["contact"], type=d["type"])
    except ValidationError as exc:
        for m in messages_of(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("Thank you. The organisation will answer."))
    return redirect("public:item", pub.token)


def attachment(request, token, pk):
    pub = services.get_public_or_404(token)
    if not rules.is_current(pub.state, pub.starts, pub.ends, timezone.localdate()):
        raise Http404
    try:
        att = Attachment.objects.get(pk=pk, publication=pub)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)
