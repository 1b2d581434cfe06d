"""Pure rules of learning and credits: how much reading time a heartbeat earns, which credit rule applies to a
person (the nearest organisation's), what an item or an exam is worth, and the completion and credit figures of an
organisation's subtree. Nothing here touches the database."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from dangjian.orgs.models import PATH_STEP as PATH_SEGMENT  # organisation paths: 8-character segments

# Heartbeats. The reading page pings every PING_SECONDS while it is visible. Each interval between two pings of
# the same person and item earns its real length, at most INTERVAL_CAP; an interval longer than STALE_AFTER
# means the page was hidden or closed in between (no pings are sent then), and earns nothing: the reader starts
# again from that ping. So time is never counted faster than the clock, whatever the client sends, and an open but
# idle tab earns at most one capped interval per return.
PING_SECONDS = 15
INTERVAL_CAP = 30
STALE_AFTER = 90


def credited_seconds(last_ping: datetime | None, now: datetime) -> int:
    """Seconds of reading earned by a heartbeat at `now` after the previous one at `last_ping` (None: the first)."""
    if last_ping is None:
        return 0
    elapsed = (now - last_ping).total_seconds()
    if elapsed <= 0 or elapsed > STALE_AFTER:
        return 0
    return int(min(elapsed, INTERVAL_CAP))


@dataclass(frozen=True)
class Beat:
    """The outcome of one heartbeat: the seconds now counted, whether this beat completed the item."""

    seconds: int
    earned: int
    completes: bool


def heartbeat(seconds: int, last_ping: datetime | None, now: datetime, required_seconds: int,
              completed: bool) -> Beat:
    """Account one heartbeat on a progress of `seconds`. A completed item earns nothing more (idempotent)."""
    if completed:
        return Beat(seconds, 0, False)
    earned = credited_seconds(last_ping, now)
    total = seconds + earned
    return Beat(total, earned, total >= required_seconds)


def remaining_seconds(seconds: int, required_seconds: int) -> int:
    return max(0, required_seconds - seconds)


# ---- credit rules ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """The credit rule that applies: per completed item (None: the item's own credits), per exam, yearly target;
    `org_id` the organisation that set it (None: the platform default)."""

    credits_per_item: Decimal | None
    credits_per_exam: Decimal
    yearly_target: Decimal
    org_id: int | None = None


DEFAULT_RULE = Rule(credits_per_item=None, credits_per_exam=Decimal("2"), yearly_target=Decimal("50"))


def ancestor_paths(path: str) -> list[str]:
    """The paths of an organisation and its ancestors, nearest first."""
    return [path[:i] for i in range(len(path) - len(path) % PATH_SEGMENT, 0, -PATH_SEGMENT)]


def nearest_rule(path: str, rules_by_path: dict) -> Rule:
    """The rule of the nearest organisation among `path` and its ancestors (`rules_by_path`: org path -> Rule),
    else the platform default."""
    for p in ancestor_paths(path or ""):
        rule = rules_by_path.get(p)
        if rule is not None:
            return rule
    return DEFAULT_RULE


def item_credits(rule: Rule, item_credits_value: Decimal) -> Decimal:
    return item_credits_value if rule.credits_per_item is None else rule.credits_per_item


def exam_key(month, tier: str) -> str:
    return f"exam:{month:%Y-%m}:{tier}"


def item_key(item_id: int) -> str:
    return f"item:{item_id}"


EXAM_TIERS = ("A", "B", "C")


# ---- figures of a subtree --------------------------------------------------------------------------------------

def child_path(root_path: str, path: str) -> str | None:
    """The path of the child of `root_path` under which `path` lies; `root_path` itself for its own rows; None
    outside."""
    if not path.startswith(root_path):
        return None
    if len(path) == len(root_path):
        return root_path
    return path[:len(root_path) + PATH_SEGMENT]


def assigned_pairs(people, org_assignments, person_assignments):
    """{person_id: set of item ids} — `people`: (person_id, scope_path) of the members on the roll;
    `org_assignments`: (item_id, target_org_path); `person_assignments`: (item_id, person_id), applied to anyone
    in `people`."""
    by_path = defaultdict(set)
    for item_id, path in org_assignments:
        by_path[path].add(item_id)
    direct = defaultdict(set)
    for item_id, person_id in person_assignments:
        direct[person_id].add(item_id)
    out = {}
    for person_id, scope_path in people:
        items = set(direct.get(person_id, ()))
        for p in ancestor_paths(scope_path or ""):
            items |= by_path.get(p, set())
        out[person_id] = items
    return out


def rate(done: int, total: int) -> float | None:
    """Completion rate in percent, one decimal; None when nothing is assigned."""
    return round(100 * done / total, 1) if total else None


def completion_rows(root_path, people, pairs, completed, totals, targets):
    """The table of a subtree: one row per child path of `root_path` (and the root's own members under
    `root_path`) with members, assigned, completed, rate, reached (members whose credits reach their target).

    `people`: (person_id, scope_path); `pairs`: {person_id: item ids}; `completed`: set of (person_id, item_id);
    `totals`: {person_id: credits this year}; `targets`: {person_id: Decimal target}."""
    rows = defaultdict(lambda: {"members": 0, "assigned": 0, "completed": 0, "reached": 0})
    for person_id, scope_path in people:
        key = child_path(root_path, scope_path or "")
        if key is None:
            continue
        row = rows[key]
        row["members"] += 1
        items = pairs.get(person_id, ())
        row["assigned"] += len(items)
        row["completed"] += sum(1 for i in items if (person_id, i) in completed)
        if totals.get(person_id, Decimal(0)) >= targets.get(person_id, DEFAULT_RULE.yearly_target):
            row["reached"] += 1
    for row in rows.values():
        row["rate"] = rate(row["completed"], row["assigned"])
        row["reached_rate"] = rate(row["reached"], row["members"])
    return dict(rows)


def total_row(rows):
    out = {"members": 0, "assigned": 0, "completed": 0, "reached": 0}
    for row in rows:
        for k in out:
            out[k] += row[k]
    out["rate"] = rate(out["completed"], out["assigned"])
    out["reached_rate"] = rate(out["reached"], out["members"])
    return out
