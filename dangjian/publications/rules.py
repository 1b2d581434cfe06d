"""Pure rules of publications: the state machine, the display period, and the 党务公开 catalogue's periods and
overdue status. No database access."""

from datetime import date, timedelta

DRAFT, PUBLISHED, WITHDRAWN, ARCHIVED = "draft", "published", "withdrawn", "archived"

# The one table of allowed transitions (every one is audited by the service that makes it).
TRANSITIONS = {
    DRAFT: {PUBLISHED},
    PUBLISHED: {WITHDRAWN, ARCHIVED},
    WITHDRAWN: set(),
    ARCHIVED: set(),
}


def can_transition(state, to):
    return to in TRANSITIONS.get(state, set())


def is_current(state, starts, ends, today):
    """Displayed now: published, begun, and not yet ended (the end day is still displayed)."""
    return state == PUBLISHED and starts <= today and (ends is None or today <= ends)


def is_expired(state, ends, today):
    return state in (PUBLISHED, ARCHIVED) and ends is not None and ends < today


def effective_state(state, ends, today):
    """What readers are told: a published item past its end is archived even before the nightly job moves it."""
    if state == PUBLISHED and ends is not None and ends < today:
        return ARCHIVED
    return state


def open_for_objections(state, starts, ends, today):
    return is_current(state, starts, ends, today)


# ---- the catalogue ------------------------------------------------------------------------------------------------

MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def period_of(frequency, day):
    """(key, first day, last day) of the catalogue period containing `day`: "2026-03", "2026-Q1", "2026-H1",
    "2026"."""
    span = MONTHS[frequency]
    first_month = (day.month - 1) // span * span + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + span - 1
    end = (date(day.year + 1, 1, 1) if end_month == 12 else date(day.year, end_month + 1, 1)) - timedelta(days=1)
    index = (first_month - 1) // span + 1
    key = {"month": f"{day.year}-{day.month:02d}", "quarter": f"{day.year}-Q{index}",
           "half": f"{day.year}-H{index}", "year": f"{day.year}"}[frequency]
    return key, start, end


def previous_period(frequency, day):
    _key, start, _end = period_of(frequency, day)
    return period_of(frequency, start - timedelta(days=1))


DONE, DUE, OVERDUE = "done", "due", "overdue"


def catalogue_status(frequency, last_published, today, since=None):
    """The status of one catalogue item for one organisation:
    - done: published against the item in the current period;
    - overdue: nothing in the last completed period (nor since) — provided the item was already in force then
      (`since`, the day it was defined, falls on or before that period's last day);
    - due: otherwise (the current period's disclosure is still to come)."""
    _key, start, _end = period_of(frequency, today)
    if last_published is not None and last_published >= start:
        return DONE
    _pkey, pstart, pend = previous_period(frequency, today)
    if since is not None and since > pend:
        return DUE
    if last_published is None or last_published < pstart:
        return OVERDUE
    return DUE


def applies(item_types, org_type):
    return not item_types or org_type in item_types
