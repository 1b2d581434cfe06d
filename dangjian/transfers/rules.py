"""Pure rules of membership transfers (domain.md §5): the state machine, letter numbers and validity.

Nothing here touches the database; services.py applies these rules inside its transactions.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .models import TransferKind, TransferState

K, S = TransferKind, TransferState

# Sentinel "state" of a transfer that does not exist yet: creating one is a transition too.
NEW = ""


class Action:
    START = "start"        # sending organisation issues the letter (internal, outgoing)
    RECEIVE = "receive"    # receiving organisation records a letter from outside the platform (incoming)
    ACCEPT = "accept"      # receiving organisation takes the member in (internal)
    REJECT = "reject"      # receiving organisation refuses, with a reason (internal)
    CANCEL = "cancel"      # sending organisation withdraws the letter while it is pending
    RECEIPT = "receipt"    # the receipt (回执) of a letter to outside came back (outgoing)


ACTION_LABELS = {
    Action.START: _("Issue the letter"),
    Action.RECEIVE: _("Receive by letter"),
    Action.ACCEPT: _("Accept"),
    Action.REJECT: _("Reject"),
    Action.CANCEL: _("Withdraw"),
    Action.RECEIPT: _("Record the returned receipt"),
}

# THE state machine: (kind, from_state, action) -> to_state. Nothing else is allowed.
TRANSITIONS = {
    (K.INTERNAL, NEW, Action.START): S.PENDING,
    (K.INTERNAL, S.PENDING, Action.ACCEPT): S.ACCEPTED,
    (K.INTERNAL, S.PENDING, Action.REJECT): S.REJECTED,
    (K.INTERNAL, S.PENDING, Action.CANCEL): S.CANCELLED,
    (K.OUTGOING, NEW, Action.START): S.PENDING,
    (K.OUTGOING, S.PENDING, Action.RECEIPT): S.COMPLETED,
    (K.OUTGOING, S.PENDING, Action.CANCEL): S.CANCELLED,
    (K.INCOMING, NEW, Action.RECEIVE): S.ACCEPTED,
}

# Which side of the transfer may take each action: the sending ("from") or the receiving ("to") organisation.
SENDER, RECEIVER = "from", "to"
ACTION_SIDE = {
    Action.START: SENDER,
    Action.CANCEL: SENDER,
    Action.RECEIPT: SENDER,
    Action.RECEIVE: RECEIVER,
    Action.ACCEPT: RECEIVER,
    Action.REJECT: RECEIVER,
}

# Actions that need a note (the field named in the error is "note").
NOTE_REQUIRED = {Action.REJECT}

OPEN_STATES = (S.PENDING,)
STATES = frozenset(TRANSITIONS.values()) | {NEW}

# Letter numbers issued by the platform: prefix per kind + year + sequence, e.g. "NZ2026-00012"
# (NZ 内转: within the platform, WZ 外转: to outside).
# Incoming letters keep the number printed on the paper letter.
LETTER_PREFIX = {K.INTERNAL: "NZ", K.OUTGOING: "WZ"}
LETTER_SEQ_DIGITS = 5


def next_state(kind, state, action):
    """The state after `action`, or None when the transition is not allowed."""
    return TRANSITIONS.get((kind, state or NEW, action))


def actions_from(kind, state):
    """The actions allowed from `state` of a transfer of `kind`, in table order."""
    return [a for (k, s, a) in TRANSITIONS if k == kind and s == (state or NEW)]


def letter_prefix(kind, year):
    return f"{LETTER_PREFIX[kind]}{year}-"


def format_letter_no(kind, year, seq):
    return f"{letter_prefix(kind, year)}{seq:0{LETTER_SEQ_DIGITS}d}"


def parse_letter_seq(letter_no, kind, year):
    """The sequence number of a platform letter number of that kind and year, or None."""
    prefix = letter_prefix(kind, year)
    if not letter_no.startswith(prefix):
        return None
    tail = letter_no[len(prefix):]
    return int(tail) if tail.isdigit() else None


@dataclass(frozen=True)
class Validity:
    issued_on: date
    valid_days: int
    expires_on: date


def validity(issued_on, valid_days, default_days, max_days):
    """Check the letter's validity (domain.md §5: generally 30 days, at most 3 months).

    Returns a Validity or raises ValueError(field, message)."""
    if issued_on is None:
        raise ValueError("issued_on", _("Enter the date the letter was issued."))
    days = default_days if valid_days in (None, "") else valid_days
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise ValueError("valid_days", _("Enter the validity as a whole number of days."))
    if days < 1:
        raise ValueError("valid_days", _("A letter is valid for at least 1 day."))
    if days > max_days:
        raise ValueError("valid_days", _("A letter is valid for at most %(n)s days.") % {"n": max_days})
    return Validity(issued_on, days, expires_on(issued_on, days))


def expires_on(issued_on, valid_days):
    """The last day the letter is valid: issued on day 0, valid for `valid_days` days after it."""
    return issued_on + timedelta(days=valid_days)


def is_overdue(state, expires, today):
    """A pending letter past its last valid day: the member risks becoming a 口袋党员 (a member who keeps the
    letter "in their pocket" and belongs to no branch) and needs follow-up."""
    return state == S.PENDING and expires < today
