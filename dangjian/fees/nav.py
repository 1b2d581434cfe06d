"""The fee pages' menu: one list, read by the top menu and the section bar (pages whose URL is not installed are
left out)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere

# (section, URL name, label, icon, who: "member" or a permission)
ENTRIES = (
    ("my", "fees:my", _("My Party fees"), "bi-wallet2", "member"),
    ("my_base", "fees:my_base", _("My fee base"), "bi-person-vcard", "member"),
    ("month", "fees:month", _("Monthly collection"), "bi-calendar-check", perms.FEES_READ),
    ("arrears", "fees:arrears", _("Arrears"), "bi-exclamation-triangle", perms.FEES_READ),
    ("bases", "fees:campaigns", _("Base adjustment"), "bi-sliders", perms.FEES_READ),
    ("reliefs", "fees:reliefs", _("Reductions and exemptions"), "bi-heart", perms.FEES_READ),
    ("report", "fees:report", _("Reports"), "bi-bar-chart", perms.FEES_READ),
    ("handovers", "fees:handovers", _("Hand-overs"), "bi-box-arrow-up", perms.FEES_READ),
    ("ledger", "fees:ledger", _("Fee ledger"), "bi-journal-bookmark", perms.FEES_READ),
    ("disclosure", "fees:disclosure", _("Collection and use"), "bi-megaphone", "member"),
    ("categories", "fees:categories", _("Categories and rates"), "bi-table", "member"),
    ("settings", "fees:settings", _("Settings"), "bi-gear", perms.FEES_READ),
)


def entries_for(user):
    """[(section, url, label, icon)] the user may open."""
    out, cache = [], {}
    for section, name, label, icon, who in ENTRIES:
        if who == "member":
            if not user.person_id:
                continue
        else:
            if who not in cache:
                cache[who] = has_perm_anywhere(user, who)
            if not cache[who]:
                continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        out.append((section, url, label, icon))
    return out
