"""HR post changes plug into the platform: the module's menu, to-dos and home card, and the idempotent demo."""

from datetime import date

from django.apps import apps
from django.test import RequestFactory
from django.utils.module_loading import import_string

from dangjian.hr import demo
from dangjian.hr.models import ChangeState, HrSystem, PostChange, UnitMapping


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def module(label):
    config = apps.get_app_config(label)
    return import_string(config.platform_module)(config)


def test_the_module_is_declared_with_its_urls():
    hr_module = module("hr")
    assert hr_module.urls == "dangjian.hr.urls" and hr_module.api_prefix == "hr/" and hr_module.label == "hr"


def test_todos_menu_and_card_follow_the_scope(tree):
    from dangjian.people.models import Person

    summary = demo.seed_demo(tree.committee, date(2026, 3, 1))
    assert summary["hr_post_changes"] == 2
    suggested = PostChange.objects.get(state=ChangeState.SUGGESTED)
    assert Person.objects.get(pk=suggested.person_id).org == tree.branch1
    m = module("hr")
    todos = {t.key: t.count for t in m.todos(request_for(tree.users.branch1))}
    assert todos == {"hr-suggested": 1, "hr-unresolved": 0}
    todos = {t.key: t.count for t in m.todos(request_for(tree.users.committee))}
    assert todos == {"hr-suggested": 1, "hr-unresolved": 1}
    assert m.todos(request_for(tree.users.branch2))[0].count == 0
    assert m.menu(request_for(tree.users.member1)) == [] and m.todos(request_for(tree.users.member1)) == []
    assert [e.key for e in m.menu(request_for(tree.users.branch1))] == ["hr"]
    [card] = m.home_cards(request_for(tree.users.committee))
    assert card.context == {"suggested": 1, "unresolved": 1}
    from django.template.loader import render_to_string

    html = render_to_string(card.template, {"card": card.context})
    assert "card-hr" in html and 'text-danger">1<' in html


def test_the_demo_is_idempotent(tree):
    first = demo.seed_demo(tree.committee, date(2026, 3, 1))
    assert first["hr_systems"] == 1 and UnitMapping.objects.count() == first["hr_unit_mappings"]
    assert demo.seed_demo(tree.committee, date(2026, 3, 1)) == {}
    assert HrSystem.objects.count() == 1 and PostChange.objects.count() == 2
