"""Pure rules of organisational life (domain.md §4): the meeting types and how often each must be held, the
periods they are counted in, the sign-in window and the rotating QR code, the state machine of a meeting, and
the red/amber/green verdict of compliance. Nothing here touches the database."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _

from .models import MeetingState, Period

# The seven kinds of the branch regulations, then common free ones. Codes are stable; names are the defaults.
BUILTIN_TYPES = [
    ("assembly", "支部党员大会", 10),
    ("committee", "支委会", 20),
    ("group", "党小组会", 30),
    ("lesson", "党课", 40),
    ("theme_day", "主题党日", 50),
    ("life_meeting", "组织生活会", 60),
    ("appraisal", "民主评议党员", 70),
]
FREE_TYPES = [("study", "理论学习", 110), ("seminar", "专题研讨", 120)]

# Default requirements (domain.md §4): (type, organisation kind, period, at least). Branches hold the branch
# meetings; groups their group meeting. ⚠️ 党课 quarterly is common practice, not the regulation's wording.
DEFAULT_REQUIREMENTS = [
    ("assembly", "branch", Period.QUARTER, 1),
    ("committee", "branch", Period.MONTH, 1),
    ("lesson", "branch", Period.QUARTER, 1),
    ("theme_day", "branch", Period.MONTH, 1),
    ("life_meeting", "branch", Period.YEAR, 1),
    ("appraisal", "branch", Period.YEAR, 1),
    ("group", "group", Period.MONTH, 1),
]


def period_bounds(period, on):
    """[start, end) of the month, quarter or year containing `on`."""
    if period == Period.MONTH:
        start = on.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    elif period == Period.QUARTER:
        start = date(on.year, 3 * ((on.month - 1) // 3) + 1, 1)
        end = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    elif period == Period.YEAR:
        start, end = date(on.year, 1, 1), date(on.year + 1, 1, 1)
    else:
        raise ValueError(period)
    return start, end


def periods_in(period, start, end):
    """The periods of the given length that overlap [start, end], as (start, end) pairs."""
    out = []
    cursor = period_bounds(period, start)[0]
    while cursor <= end:
        bounds = period_bounds(period, cursor)
        out.append(bounds)
        cursor = bounds[1]
    return out


def required_count(period, count, start, end):
    """How many meetings a requirement asks for over [start, end] (whole periods counted; a period that only
    partly overlaps still counts: the committee looks at the periods it asks about)."""
    return count * len(periods_in(period, start, end))


def resolve_requirements(org_type, ancestor_paths, rows):
    """The requirements for an organisation: `rows` are (set_by_path or None, type_code, org_type, period, count);
    for each type the rule of the nearest ancestor (longest path among `ancestor_paths`, the organisation's own
    included) wins over the platform default. Returns {type_code: (period, count)} without the switched-off ones."""
    best = {}
    for set_by_path, type_code, row_org_type, period, count in rows:
        if row_org_type != org_type:
            continue
        if set_by_path is not None and set_by_path not in ancestor_paths:
            continue
        depth = -1 if set_by_path is None else len(set_by_path)
        if type_code not in best or depth > best[type_code][0]:
            best[type_code] = (depth, period, count)
    return {code: (period, count) for code, (_d, period, count) in best.items() if count > 0}


GREEN, AMBER, RED = "green", "amber", "red"


def month_plan(period, start, end, today, months):
    """The periods of [start, end] that have begun by `today`, each as (the indexes in `months` — the first days of
    the months counted — that it covers, whether it has ended)."""
    return [([i for i, m in enumerate(months) if p_start <= m < p_end], p_end <= today)
            for p_start, p_end in periods_in(period, start, end) if p_start <= today]


def cell(plan, period, count, by_month):
    """One organisation's record for one required type: held, required and the verdict — red if a period that
    has ended fell short, amber if only the running period is short so far, green otherwise. `by_month`: meetings
    held per month, in the order of the plan's indexes."""
    short_ended = short_running = False
    total = 0
    for columns, ended in plan:
        n = sum(by_month[i] for i in columns)
        total += n
        if n < count:
            short_ended, short_running = short_ended or ended, short_running or not ended
    verdict = RED if short_ended else AMBER if short_running else GREEN
    return {"held": total, "required": count * len(plan), "verdict": verdict, "period": period}


def worst(verdicts):
    verdicts = set(verdicts)
    return RED if RED in verdicts else AMBER if AMBER in verdicts else GREEN


# ---- the meeting's own state machine ---------------------------------------------------------------------------

class Action:
    RECORD = "record"
    AMEND = "amend"
    CANCEL = "cancel"


TRANSITIONS = {
    (MeetingState.PLANNED, Action.RECORD): MeetingState.RECORDED,
    (MeetingState.RECORDED, Action.AMEND): MeetingState.RECORDED,
    (MeetingState.PLANNED, Action.CANCEL): MeetingState.CANCELLED,
}


def next_state(state, action):
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ValueError(f"{action} is not allowed in state {state}") from None


# ---- sign-in ---------------------------------------------------------------------------------------------------

QR_STEP_SECONDS = 30  # the code on the screen changes this often; the previous code is still accepted


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime

    def contains(self, moment):
        return self.opens <= moment <= self.closes


def checkin_window(starts_at, ends_at, minutes_before):
    return Window(starts_at - timedelta(minutes=minutes_before), ends_at)


def qr_slot(moment):
    return int(moment.timestamp()) // QR_STEP_SECONDS


def qr_token(secret, meeting_id, slot):
    """The code shown at `slot`: the meeting, the slot and a MAC over both (secret: bytes)."""
    mac = hmac.new(secret, f"meeting-qr:{meeting_id}:{slot}".encode(), hashlib.sha256).hexdigest()[:20]
    return f"{meeting_id}.{slot}.{mac}"


class TokenError(ValueError):
    pass


def check_qr_token(secret, token, meeting_id, moment):
    """None if `token` is this meeting's current or previous code, else a TokenError with the reason."""
    try:
        mid, slot, _mac = str(token).split(".")
        mid, slot = int(mid), int(slot)
    except (ValueError, AttributeError):
        raise TokenError(_("This is not a sign-in code of the platform.")) from None
    if not hmac.compare_digest(qr_token(secret, mid, slot), str(token)):
        raise TokenError(_("This is not a sign-in code of the platform."))
    if mid != meeting_id:
        raise TokenError(_("This code belongs to another meeting."))
    now = qr_slot(moment)
    if slot not in (now, now - 1):
        raise TokenError(_("The code has expired: scan the one on the screen now."))
