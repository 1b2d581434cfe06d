"""Pure rules of a round of activities designed by members: the state machine (one table), the windows of
proposals and votes, and the limits. Nothing here touches the database.

Windows are half-open: proposals are taken while `moment < proposals_until`; votes while
`voting_from <= moment < voting_until`; voting has ended once `moment >= voting_until`."""

from .models import RoundState

MAX_VOTES_PER_MEMBER = 10
MAX_TITLE = 200
MAX_TEXT = 5000


class Action:
    START_VOTING = "start_voting"  # the clock reached voting_from
    CLOSE = "close"  # the clock reached voting_until
    ADOPT = "adopt"  # a manager adopted a proposal: a meeting was planned


TRANSITIONS = {
    (RoundState.OPEN, Action.START_VOTING): RoundState.VOTING,
    (RoundState.VOTING, Action.CLOSE): RoundState.CLOSED,
    (RoundState.CLOSED, Action.ADOPT): RoundState.ADOPTED,
}


def next_state(state, action):
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ValueError(f"{action} is not allowed in state {state}") from None


def due_actions(state, voting_from, voting_until, moment):
    """The clock-driven transitions that bring `state` up to `moment`, in order."""
    actions = []
    if state == RoundState.OPEN and moment >= voting_from:
        actions.append(Action.START_VOTING)
        state = RoundState.VOTING
    if state == RoundState.VOTING and moment >= voting_until:
        actions.append(Action.CLOSE)
    return actions


def accepts_proposals(proposals_until, moment):
    return moment < proposals_until


def voting_open(voting_from, voting_until, moment):
    return voting_from <= moment < voting_until


def voting_ended(voting_until, moment):
    return moment >= voting_until


OPEN, WAITING, VOTING, CLOSED, ADOPTED = "open", "waiting", "voting", "closed", "adopted"


def phase(state, proposals_until, voting_from, voting_until, moment):
    """What the round accepts at `moment`: open (proposals), waiting (proposals closed, voting not begun),
    voting, closed (waiting for the adoption) or adopted."""
    if state == RoundState.ADOPTED:
        return ADOPTED
    if voting_ended(voting_until, moment):
        return CLOSED
    if voting_open(voting_from, voting_until, moment):
        return VOTING
    if state == RoundState.OPEN and accepts_proposals(proposals_until, moment):
        return OPEN
    return WAITING


def window_error(proposals_until, voting_from, voting_until, moment):
    """(field, problem) for windows that do not fit together, or None. Problems: past, before_proposals,
    before_start."""
    if proposals_until <= moment:
        return "proposals_until", "past"
    if voting_from < proposals_until:
        return "voting_from", "before_proposals"
    if voting_until <= voting_from:
        return "voting_until", "before_start"
    return None


def remaining_votes(votes_per_member, used):
    return max(0, votes_per_member - used)
