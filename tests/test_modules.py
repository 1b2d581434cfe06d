"""The module interface (dangjian/core/modules.py): every module's pages, API, menu entries, cards and to-dos reach
the site through it, so a new module needs no edit to core, base.html or the URL configuration."""

import pytest
from django.urls import reverse

from dangjian.core.modules import Card, MenuEntry, Module, Todo, module, modules

pytestmark = pytest.mark.django_db


def test_every_domain_app_is_a_module_in_order():
    labels = [m.label for m in modules()]
    for app in ("orgs", "people", "meetings", "exams", "learning", "regulations", "fees", "transfers", "audit"):
        assert app in labels
    orders = [m.order for m in modules()]
    assert orders == sorted(orders)
    assert module("meetings").label == "meetings" and module("nonexistent") is None


def test_every_module_url_conf_is_mounted_at_its_prefix(client):
    from django.urls import get_resolver

    namespaces = get_resolver().namespace_dict
    for m in modules():
        if m.urls:
            app_name = __import__(m.urls, fromlist=["app_name"]).app_name
            prefix, _resolver = namespaces[app_name]
            assert prefix == m.url_prefix, m.label


def test_every_module_api_is_under_api_v1():
    assert reverse("api:meeting-list") == "/api/v1/meetings/"
    assert reverse("api:meeting-checkin") == "/api/v1/meetings/checkin"
    assert reverse("api:fees-my").startswith("/api/v1/fees/")


class _Probe(Module):
    order = 55

    def menu(self, request):
        return [MenuEntry("probe", "探针模块", "/probe/", order=55),
                MenuEntry("probe-study", "探针学习", "/probe/study/", parent="learning", order=9)]

    def home_cards(self, request):
        return [Card("probe.card", "home/_probe_card.html", {"text": "探针卡片内容"}, order=15, col="col-12",
                     scripts=("probe/probe.js",))]

    def todos(self, request):
        return [Todo("probe.todo", "探针待办", "/probe/todo/", count=4, severity="danger"),
                Todo("probe.none", "没有的待办", "/probe/none/", count=0)]


def test_a_new_module_plugs_in_without_editing_anything_else(client, tree, monkeypatch, tmp_path, settings):
    """A module that exists only as a Module subclass shows its menu entries (also inside another module's
    drop-down), its home card with its script, and its to-dos — nothing else was edited."""
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "_probe_card.html").write_text("<p id='probe'>{{ card.text }}</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    from django.apps import apps

    probe = _Probe(apps.get_app_config("core"))
    extended = (*modules(), probe)
    monkeypatch.setattr("dangjian.home.views.modules", lambda: extended)
    monkeypatch.setattr("dangjian.home.menu.modules", lambda: extended)
    client.force_login(tree.users.member1)
    html = client.get(reverse("home:home")).content.decode()
    assert 'id="nav-probe"' in html and 'href="/probe/"' in html
    learning = html[html.index('id="nav-learning"'):]
    assert 'id="nav-probe-study"' in learning[:learning.index("</ul>")]  # inside the learning drop-down
    assert "探针卡片内容" in html and "probe/probe.js" in html
    assert 'data-todo="probe.todo"' in html and "没有的待办" not in html  # a zero count is dropped
