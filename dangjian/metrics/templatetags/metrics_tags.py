"""How a figure is shown: the value with its unit, and the arrow telling whether higher is better."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def figure(value):
    """A Value as text: "87.5%", "72.3", "4", or "—" when there is nothing to compute it from."""
    if value is None or value.value is None:
        return "—"
    v = value.value
    text = f"{v.normalize():f}" if v == v.to_integral_value() else f"{v}"
    return f"{text}%" if value.unit == "%" else text


@register.simple_tag
def better_arrow(metric):
    """↑ when a higher figure is better, ↓ when a lower one is (with a title saying so)."""
    if metric.higher_is_better:
        return format_html('<i class="bi bi-arrow-up-short text-success" title="{}" aria-label="{}"></i>',
                           _("Higher is better"), _("Higher is better"))
    return format_html('<i class="bi bi-arrow-down-short text-danger" title="{}" aria-label="{}"></i>',
                       _("Lower is better"), _("Lower is better"))


@register.filter
def unit_label(unit):
    return {"%": _("percent"), "points": _("points"), "count": _("count")}.get(unit, unit)
