"""What the members' roster contributes to the platform (see dangjian/core/modules.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts import rules as perms
from dangjian.accounts.scoping import has_perm_anywhere
from dangjian.core.modules import Card, MenuEntry, Module

CHART_SCRIPTS = ("vendor/echarts/echarts.min.js", "people/charts.js")


def people_figures(user):
    """Headline counts and chart series for the people the user may read (tallies, never a scan of people)."""
    from .codes import AGE_BANDS, Education, Occupation, PoliticalStatus
    from .queries import filter_people, list_counts, statistics_for, visible_people

    stats = statistics_for(user)
    total = stats["total"] or 0
    pipeline = (PoliticalStatus.APPLICANT, PoliticalStatus.ACTIVIST, PoliticalStatus.CANDIDATE)
    development = {"members": "", "political_status": list(pipeline)}
    counts = list_counts(user, development, filter_people(visible_people(user), development))
    pending = {code: n for code, _label, n in counts["by_status"]}
    return {
        "stats": stats,
        "female_share": round(100 * stats["gender"]["2"] / total) if total else 0,
        "college_share": round(100 * stats["college"] / total) if total else 0,
        "development": [(label, pending.get(value, 0)) for value, label in PoliticalStatus.choices
                        if value in pipeline],
        "charts": {
            "category": [{"name": str(PoliticalStatus.FULL.label), "value": stats["full"]},
                         {"name": str(PoliticalStatus.PROBATIONARY.label), "value": stats["probationary"]}],
            "age": {"labels": [label for label, _l, _h in AGE_BANDS],
                    "values": [stats["age_band"][label] for label, _l, _h in AGE_BANDS]},
            "education": [{"name": str(label), "value": stats["education"].get(code, 0)}
                          for code, label in Education.choices if stats["education"].get(code)],
            "occupation": [{"name": str(label), "value": stats["occupation"].get(code, 0)}
                           for code, label in Occupation.choices if stats["occupation"].get(code)],
            "titles": {"category": _("Members by category"), "age": _("Members by age band"),
                       "education": _("Members by education"), "occupation": _("Members by occupation")},
        },
    }


class PeopleModule(Module):
    order = 20
    url_prefix = "people/"
    urls = "dangjian.people.urls"

    def menu(self, request):
        if has_perm_anywhere(request.user, perms.PEOPLE_READ):
            return [MenuEntry("people", _("Members"), reverse("people:list"), icon="people", order=20)]
        return []

    def home_cards(self, request):
        user = request.user
        if not has_perm_anywhere(user, perms.PEOPLE_READ):
            person = user.person if user.person_id else None
            return [Card("people.me", "people/cards/me.html", {"person": person}, order=40, col="col-md-6")]
        figures = people_figures(user)
        return [
            Card("people.figures", "people/cards/figures.html", {"figures": figures}, order=10, col="col-12"),
            Card("people.development", "people/cards/development.html", {"figures": figures}, order=20,
                 col="col-lg-4"),
            Card("people.charts", "people/cards/charts.html", {"figures": figures}, order=90, col="col-12",
                 scripts=CHART_SCRIPTS),
        ]
