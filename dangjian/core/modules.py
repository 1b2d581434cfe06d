"""The one small interface through which a module plugs into the platform.

A module (an app under ``dangjian/``) declares, in its AppConfig, ``platform_module = "dangjian.<app>.module.<Class>"``
naming a subclass of :class:`Module`. The ``home`` app and the URL configuration read every installed module's
contributions from :func:`modules`: its pages and API (mounted at ``url_prefix`` / ``api_prefix``), its menu
entries, home-page cards and to-dos, and its demo and scale seeding. Adding a module therefore means adding its
folder and one line in INSTALLED_APPS — no edit to core, base.html or another module.

This file is on the ground floor: it imports no domain app (see docs/architecture.md).
"""

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the main menu. An entry without ``url`` is a drop-down; others join it by ``parent``."""

    key: str  # stable, used as the element id ``nav-<key>`` and by tests
    label: str  # already translated (build entries per request)
    url: str = ""
    icon: str = ""  # a Bootstrap icon name without the ``bi-`` prefix
    order: int = 100
    parent: str = ""  # the key of a drop-down declared by some module (shown at the top level if none is)
    side: str = "main"  # "main" (the left menu) or "right" (icons beside the user menu, e.g. the bell)
    badge: int | None = None  # a count shown beside the label (the unread notices)


@dataclass(frozen=True)
class Card:
    """A home-page card: a template included with ``card`` bound to ``context`` (the request's context stays)."""

    key: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    col: str = "col-lg-6"  # the Bootstrap column classes of the card's cell ("col-12" spans the row)
    scripts: tuple = ()  # static paths the card needs, loaded once at the end of the page


@dataclass(frozen=True)
class Todo:
    """Something the user should do, shown on the home page's to-do list (count 0 entries are dropped)."""

    key: str
    label: str
    url: str
    count: int = 1
    severity: str = "warning"  # "danger" | "warning" | "info"
    order: int = 100


class Module:
    """Override what the module contributes; every method has a harmless default."""

    order = 100  # position among modules (menu, cards, demo seeding)
    url_prefix: str | None = None  # e.g. "notices/"; the module's ``urls`` is mounted there
    urls: str | None = None  # dotted path of its URLconf (it sets ``app_name``)
    extra_urls: tuple = ()  # more (prefix, URLconf) pairs, e.g. public pages at a short address ("p/", …)
    api_prefix: str | None = None  # e.g. "notices/" below /api/v1/ ("" mounts at /api/v1/ itself)
    api_urls: str | None = None  # dotted path of its API URLconf (no ``app_name``: names live in "api")

    def __init__(self, app_config):
        self.app_config = app_config

    @property
    def label(self):
        return self.app_config.label

    def menu(self, request) -> list[MenuEntry]:
        return []

    def home_cards(self, request) -> list[Card]:
        return []

    def todos(self, request) -> list[Todo]:
        return []

    def person_events(self, person) -> list[dict]:
        """Events of a person's life in the Party this module records, for the person's timeline: dicts with
        ``date``, ``kind``, ``title`` and optionally ``detail`` and ``icon``. At most a query or two."""
        return []

    def seed_demo(self, root, today) -> dict:
        """Create whatever of this module's demo data is missing under the demo committee ``root``.

        Returns counts of rows created, e.g. ``{"meetings": 12}``. Must be idempotent.
        """
        return {}

    def seed_scale(self, root, today, log) -> None:
        """Add this module's rows to the scale data set (``manage.py seed_scale``); optional."""


@cache
def modules() -> tuple[Module, ...]:
    """Every installed module's contribution object, in ``order`` (then INSTALLED_APPS order)."""
    found = []
    for position, config in enumerate(apps.get_app_configs()):
        dotted = getattr(config, "platform_module", None)  # (AppConfig.module is the app's Python package)
        if dotted:
            cls = import_string(dotted)
            found.append((cls.order, position, cls(config)))
    return tuple(module for _order, _position, module in sorted(found, key=lambda t: t[:2]))


def module(label) -> Module | None:
    return next((m for m in modules() if m.label == label), None)
