from django import template

from dangjian.fees.nav import entries_for

register = template.Library()


@register.inclusion_tag("fees/_subnav_items.html", takes_context=True)
def fees_subnav(context, section=""):
    return {"entries": entries_for(context["request"].user), "section": section}
