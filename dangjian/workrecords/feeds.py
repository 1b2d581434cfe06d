"""What the domain modules register to feed the work ledger (a service app never imports a domain app).

A domain app may have a ``<app>/workfeed.py`` with:
  - ``KINDS``: {source kind ("app_label.model"): (label, URL name of the source's page taking its pk, or "")}
  - ``backfill(root)``: feed the records of what already exists under the organisation ``root`` (or everything
    when None) through ``workrecords.services.record_from_source``; returns how many it fed.
It pushes new records itself, from its own services, when the thing happens."""

from functools import cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps


@cache
def feed_modules():
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.workfeed"
        if config.name.startswith("dangjian.") and find_spec(name) is not None:
            found.append(import_module(name))
    return tuple(found)


def kinds():
    """{source kind: (label, url name)} of every registered feed."""
    out = {}
    for module in feed_modules():
        out.update(getattr(module, "KINDS", {}))
    return out


def kind_choices():
    return [(k, str(v[0])) for k, v in sorted(kinds().items())]


def source_url(kind, pk):
    from django.urls import NoReverseMatch, reverse

    entry = kinds().get(kind)
    if not entry or not entry[1] or pk is None:
        return ""
    try:
        return reverse(entry[1], args=[pk])
    except NoReverseMatch:
        return ""


def backfill(root=None):
    """Run every registered backfill; {module: count}."""
    return {module.__name__.split(".")[1]: module.backfill(root) for module in feed_modules()
            if hasattr(module, "backfill")}
