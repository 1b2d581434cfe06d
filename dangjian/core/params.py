"""Domain parameters: every number a rule uses, with its source, overridable per date in the database.

Defaults and citations follow shared/domain.md. A committee or a later revision changes a number by adding
a `Parameter` row with an effective-from date (admin → Parameters); the code never hard-codes the figure.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParamDef:
    key: str
    default: object
    label: str
    source: str
    confidence: str = "✅"


DEFINITIONS = {
    p.key: p
    for p in [
        ParamDef("branch.min_full_members", 3, _("Minimum full members for a Party branch"),
                 "党章 第三十条; 支部条例 第二章"),
        ParamDef("branch.committee_threshold", 7, _("Full members from which a branch must elect a committee"),
                 "支部条例 第六章"),
        ParamDef("branch.committee_min_posts", 3, _("Committee posts that make up a branch committee"),
                 "支部条例 第六章 (3–5 members); counting rule is a platform convention", "⚠️"),
        ParamDef("branch.size_cap", 50, _("Usual maximum members of a branch"), "支部条例 第二章"),
        ParamDef("org.term_warning_days", 90, _("Days before the end of a committee term to warn"),
                 "中办《关于党的基层组织任期的意见》(2018); warning window is a platform default", "⚠️"),
        ParamDef("transfer.letter_valid_days", 30, _("Default validity of a transfer letter (days)"),
                 "中组发〔2004〕10号 as quoted: generally 30 days", "⚠️"),
        ParamDef("transfer.letter_max_days", 90, _("Maximum validity of a transfer letter (days)"),
                 "中组发〔2004〕10号 as quoted: at most 3 months", "⚠️"),
        ParamDef("member.min_age", 18, _("Minimum age to apply for membership"), "党章 第一条; 细则 第五条"),
        ParamDef("member.probation_months", 12, _("Probation of a new member (months, from admission)"),
                 "党章 第七条; 细则 第三十二条"),
    ]
}

_CACHE_KEY = "dangjian:params:v1"


def _overrides():
    data = cache.get(_CACHE_KEY)
    if data is None:
        from .models import Parameter

        data = [(p.key, p.effective_from, p.value) for p in Parameter.objects.order_by("key", "effective_from")]
        cache.set(_CACHE_KEY, data, 300)
    return data


def get(key, on=None):
    """The value of parameter `key` in force on date `on` (today by default)."""
    definition = DEFINITIONS[key]
    on = on or timezone.localdate()
    if isinstance(on, datetime):
        on = timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    value = definition.default
    for k, effective_from, v in _overrides():
        if k == key and effective_from <= on:
            value = v
    return value


def invalidate():
    cache.delete(_CACHE_KEY)
    # A read later in the same transaction may cache the uncommitted rows: forget them again once it ends.
    transaction.on_commit(lambda: cache.delete(_CACHE_KEY))
