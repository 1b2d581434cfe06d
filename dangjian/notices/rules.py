"""Pure rules of notices and announcements (no database): state transitions, attachment checks, reminder timing
and folding receipt counts into read rates per child organisation."""

from dataclasses import dataclass
from datetime import timedelta

from dangjian.core.uploads import extension

PUBLISHING, PUBLISHED, WITHDRAWN = "publishing", "published", "withdrawn"

# action -> {from state: to state}; every transition is audited by the service that makes it
TRANSITIONS = {
    "written": {PUBLISHING: PUBLISHED},  # the background task wrote every recipient
    "revise": {PUBLISHED: PUBLISHING},  # a substantive edit: a new revision goes out to everyone again
    "withdraw": {PUBLISHING: WITHDRAWN, PUBLISHED: WITHDRAWN},
}


def next_state(state, action):
    try:
        return TRANSITIONS[action][state]
    except KeyError:
        raise ValueError(f"{action} is not possible from {state}") from None


MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
# extension -> the content types accepted for it (what the browser says; the first bytes are checked too)
ALLOWED_TYPES = {
    "pdf": {"application/pdf"},
    "doc": {"application/msword"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    "xls": {"application/vnd.ms-excel"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    "ppt": {"application/vnd.ms-powerpoint"},
    "pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    "jpg": {"image/jpeg"}, "jpeg": {"image/jpeg"}, "png": {"image/png"},
    "txt": {"text/plain"},
}
_MAGIC = {"pdf": (b"%PDF",), "png": (b"\x89PNG",), "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",),
          "docx": (b"PK",), "xlsx": (b"PK",), "pptx": (b"PK",),
          "doc": (b"\xd0\xcf\x11\xe0",), "xls": (b"\xd0\xcf\x11\xe0",), "ppt": (b"\xd0\xcf\x11\xe0",)}


def attachment_problem(name, size, head=b""):
    """None if the file may be attached, else "type" or "size"."""
    ext = extension(name)
    if ext not in ALLOWED_TYPES:
        return "type"
    magic = _MAGIC.get(ext)
    if magic and not any(head.startswith(m) for m in magic):
        return "type"
    if size > MAX_ATTACHMENT_BYTES:
        return "size"
    if size <= 0:
        return "type"
    return None


def content_type_for(name):
    return sorted(ALLOWED_TYPES.get(extension(name), {"application/octet-stream"}))[0]


def reminder_due(*, state, must_read, every_days, last_reminded_at, published_at, deadline, now):
    """Is a scheduled reminder of the unread due now? Only published must-read announcements with a schedule,
    before their deadline, `every_days` after the last reminder (or the publication)."""
    if state != PUBLISHED or not must_read or not every_days or published_at is None:
        return False
    if deadline is not None and now > deadline:
        return False
    since = last_reminded_at or published_at
    return now - since >= timedelta(days=every_days)


@dataclass
class Rate:
    key: str  # the child organisation's path, or "" for the people placed directly in the organisation
    total: int = 0
    read: int = 0

    @property
    def unread(self):
        return self.total - self.read

    @property
    def percent(self):
        return round(100 * self.read / self.total, 1) if self.total else 0.0


def fold_rates(rows, parent_path, child_paths):
    """Counts per recipient path `rows` [(org_path, total, read)] folded into one Rate per child organisation of
    the organisation at `parent_path` (a recipient in a grandchild counts for the child above it) and one Rate
    with key "" for those placed in the parent itself. Paths outside the parent are ignored."""
    rates = {p: Rate(p) for p in child_paths}
    own = Rate("")
    ordered = sorted(child_paths, key=len, reverse=True)
    for path, total, read in rows:
        if not path.startswith(parent_path):
            continue
        child = next((c for c in ordered if path.startswith(c)), None)
        rate = rates[child] if child is not None else own
        rate.total += total
        rate.read += read
    return [rates[p] for p in child_paths], own
