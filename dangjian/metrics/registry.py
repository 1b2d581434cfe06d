"""The one registry of platform figures (平台指标): `metric(name, org, period)` and `metrics_for(orgs, period)`.

Each app may offer figures in its own `dangjian/<app>/metrics.py` with a module-level `METRICS = [Metric(...)]`;
they are collected lazily from the installed apps (like the admin's autodiscover), so this service app imports no
domain app. A metric's `compute(subtrees, period)` answers for EVERY organisation of the subtrees at once, from the
module's tallies, in a fixed number of grouped queries: `{org_id: Tally(numerator, denominator)}`, a subtree's
tally being the sum over the subtree (a rate of a subtree is Σ numerators ÷ Σ denominators, never an average of
the children's rates). `roll_up` turns the tallies of the organisations themselves into those of their subtrees.

See docs/metrics.md.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from importlib import import_module
from threading import Lock

from django.apps import apps
from django.utils.module_loading import module_has_submodule

from dangjian.orgs.models import PATH_STEP, Organization, OrgStatus, lineage

from . import periods

PERCENT, POINTS, COUNT = "%", "points", "count"
QUANT = Decimal("0.1")


class _WholeTree:
    """The marker for "every organisation" (the subtrees of all the roots)."""

    path = ""

    def __repr__(self):
        return "WHOLE_TREE"


WHOLE_TREE = _WholeTree()


@dataclass(frozen=True)
class Tally:
    """What a figure is made of for one subtree: a count (denominator None) or a ratio's two sums."""

    numerator: Decimal | int = 0
    denominator: Decimal | int | None = None

    def __add__(self, other):
        den = None if self.denominator is None and other.denominator is None else \
            (self.denominator or 0) + (other.denominator or 0)
        return Tally(self.numerator + other.numerator, den)


@dataclass(frozen=True)
class Metric:
    name: str  # stable key, "<app>.<figure>", e.g. "meetings.compliance"
    label: object  # lazy gettext
    unit: str  # PERCENT, POINTS, COUNT …
    higher_is_better: bool
    compute: Callable  # compute(subtrees: Subtrees, period: periods.Period) -> {org_id: Tally}
    period_kinds: tuple = periods.KINDS
    description: object = ""
    order: int = 100

    @property
    def scale(self):
        return 100 if self.unit == PERCENT else 1

    def value_of(self, tally):
        """The figure of a tally: the count, or numerator × scale ÷ denominator (None when nothing is due)."""
        if tally is None:
            tally = Tally(0, None if self.unit == COUNT else 0)
        if tally.denominator is None:
            return Decimal(tally.numerator)
        if not tally.denominator:
            return None
        raw = Decimal(tally.numerator) * self.scale / Decimal(tally.denominator)
        return raw.quantize(QUANT, rounding=ROUND_HALF_UP)

    def supports(self, period):
        return period.kind in self.period_kinds


@dataclass(frozen=True)
class Value:
    value: Decimal | None
    numerator: Decimal | int
    denominator: Decimal | int | None
    label: object
    unit: str
    higher_is_better: bool
    name: str = ""


class Subtrees(tuple):
    """The subtree roots a figure is asked for (minimal: a root inside another is dropped), or the whole tree.
    Gives the organisations of the subtrees (one query, cached) and the common path prefix the modules' grouped
    queries filter on."""

    def __new__(cls, roots):
        if roots is WHOLE_TREE or any(r is WHOLE_TREE for r in roots):
            self = super().__new__(cls, ())
            self.whole = True
            return self
        kept = []
        for r in sorted({r.pk: r for r in roots}.values(), key=lambda o: o.path):
            if not any(r.path.startswith(k.path) for k in kept):
                kept.append(r)
        self = super().__new__(cls, kept)
        self.whole = False
        return self

    @property
    def prefixes(self):
        return [""] if self.whole else [r.path for r in self]

    @cached_property
    def common_path(self):
        """The longest path (whole steps) all roots start with: "" for the whole tree or roots in several trees."""
        paths = self.prefixes
        if not paths:
            return ""
        first, n = paths[0], min(len(p) for p in paths)
        steps = 0
        while (steps + 1) * PATH_STEP <= n and all(p[: (steps + 1) * PATH_STEP] == first[: (steps + 1) * PATH_STEP]
                                                   for p in paths):
            steps += 1
        return first[: steps * PATH_STEP]

    @cached_property
    def root(self):
        """Something with `.path` = common_path, for module functions that take a root organisation."""
        return _PathRoot(self.common_path)

    def contains(self, path):
        return any(path.startswith(p) for p in self.prefixes)

    def shared(self, key, fn):
        """fn() once per key for these subtrees: metrics computed together (metrics_for) that read the same rows
        (exams' participation and best score) send the query once."""
        memo = self.__dict__.setdefault("_shared", {})
        if key not in memo:
            memo[key] = fn()
        return memo[key]

    @cached_property
    def orgs(self):
        """[(id, path)] of the active organisations of the subtrees (the roots themselves included), by path."""
        if not self.whole and not len(self):
            return []
        qs = Organization.objects.filter(status=OrgStatus.ACTIVE)
        if not self.whole:
            qs = qs.filter(path__startswith=self.common_path)
        rows = list(qs.order_by("path").values_list("id", "path"))
        if not self.whole and len(self) > 1:
            rows = [r for r in rows if self.contains(r[1])]
        return rows


@dataclass(frozen=True)
class _PathRoot:
    path: str
    pk: None = None


def roll_up(own, subtrees):
    """{org_id: Tally} of every organisation of `subtrees`, from `own` = {path: Tally} of what belongs to the
    organisation at that path itself (a path not among the organisations — a dissolved one — still counts in its
    ancestors). Σ over the subtree, in one pass over `own` × depth."""
    sums = {}
    for path, tally in own.items():
        for p in lineage(path):
            seen = sums.get(p)
            sums[p] = tally if seen is None else seen + tally
    return {pk: sums[path] for pk, path in subtrees.orgs if path in sums}


def own_tallies(rows):
    """{path: Tally} from (path, numerator, denominator) rows, adding up repeated paths."""
    out = {}
    for path, num, den in rows:
        t = Tally(num or 0, den)
        out[path] = out[path] + t if path in out else t
    return out


# ---- the registry ----------------------------------------------------------------------------------------------

_lock = Lock()
_registry: dict | None = None


def _discover():
    found = {}
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "metrics") or config.name == __package__:
            continue
        mod = import_module(f"{config.name}.metrics")
        for m in getattr(mod, "METRICS", ()):
            if not isinstance(m, Metric):
                raise TypeError(f"{config.name}.metrics.METRICS holds {m!r}, not a Metric")
            if m.name in found:
                raise ValueError(f"metric {m.name!r} registered twice")
            found[m.name] = m
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def registry():
    """{name: Metric} of every installed app's METRICS, discovered once."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _discover()
    return _registry


def reset():
    """Forget the discovered metrics (tests that install metrics of their own)."""
    global _registry
    _registry = None


def get(name):
    try:
        return registry()[name]
    except KeyError:
        raise KeyError(f"no metric named {name!r}") from None


def selected(names=None, period=None):
    """The metrics `names` (all when None), in the registry's order, that can be computed for `period`'s kind."""
    reg = registry()
    wanted = None if not names else {get(n).name for n in names}
    chosen = [m for m in reg.values() if wanted is None or m.name in wanted]
    return [m for m in chosen if period is None or m.supports(period)]


def _value(m, tally):
    t = tally if tally is not None else Tally(0, None if m.unit == COUNT else 0)
    return Value(m.value_of(t), t.numerator, t.denominator, m.label, m.unit, m.higher_is_better, m.name)


def metrics_for(orgs, period, names=None):
    """{metric name: {org_id: Value}} for every organisation of the subtrees of `orgs` (Organizations, or
    WHOLE_TREE) — so the values of each of `orgs` and of everything under them — for the metrics `names` (all by
    default) that can be computed for `period`'s kind. A fixed number of queries per metric."""
    period = periods.parse(period) if isinstance(period, str) else period
    subtrees = orgs if isinstance(orgs, Subtrees) else Subtrees(orgs)
    out = {}
    for m in selected(names, period):
        tallies = m.compute(subtrees, period)
        out[m.name] = {pk: _value(m, tallies.get(pk)) for pk, _path in subtrees.orgs}
    return out


def metric(name, org, period):
    """The Value of metric `name` for the subtree of `org` in `period`."""
    m = get(name)
    period = periods.parse(period) if isinstance(period, str) else period
    if not m.supports(period):
        raise periods.PeriodError(f"{name} is not computed per {period.kind}")
    subtrees = Subtrees([org])
    tallies = m.compute(subtrees, period)
    return _value(m, tallies.get(org.pk))
