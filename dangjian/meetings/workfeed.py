"""What organisational life feeds into the work ledger (支部工作动态): a meeting held with its minutes becomes a
record of the host organisation, linked to the meeting. The text carries the meeting types and the turnout
(“支部党员大会 — 到会 23/25”), never names."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.workrecords.services import record_from_source

KIND = "meetings.meeting"
KINDS = {KIND: (gettext_lazy("Meetings held (with minutes)"), "meetings:detail")}


def _with_counts(qs):
    return qs.select_related("org").prefetch_related("types").annotate(
        n_expected=Count("attendances", filter=Q(attendances__expected=True), distinct=True),
        n_present=Count("attendances", filter=Q(attendances__expected=True, attendances__checked_in_at__isnull=False),
                        distinct=True))


def feed(meeting):
    """Push the record of a recorded meeting (called by services.record_minutes; idempotent)."""
    from .models import Meeting

    meeting = _with_counts(Meeting.objects.filter(pk=meeting.pk)).get()
    return _push(meeting)


def _push(meeting):
    kinds = "、".join(t.name for t in meeting.types.all())
    text = _("%(types)s — present %(present)d/%(expected)d") % {
        "types": kinds, "present": meeting.n_present, "expected": meeting.n_expected}
    return record_from_source(meeting.org, KIND, meeting, timezone.localdate(meeting.starts_at), meeting.topic, text)


def backfill(root=None):
    """Feed every recorded meeting with minutes (under `root`)."""
    from .models import Meeting, MeetingState

    qs = Meeting.objects.filter(state=MeetingState.RECORDED, minutes__isnull=False).distinct()
    if root is not None:
        qs = qs.filter(org_path__startswith=root.path)
    return sum(_push(m) is not None for m in _with_counts(qs).order_by("id").iterator(chunk_size=500))
