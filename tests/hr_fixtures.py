"""Fixtures of the HR post change tests: the conftest tree plus the committee's HR system (its key), two unit
mappings (人事一科 → branch1, 人事二科 → branch2), a committee outside the tree and an HR-key API client."""

import pytest
from rest_framework.test import APIClient

from dangjian.hr import services

from .factories import make_org, make_person

URL = "/api/v1/hr/post-changes"


@pytest.fixture(name="hr")
def hr_tree(tree):
    tree.system, tree.key = services.create_system(None, tree.committee, "人事系统")
    services.save_mapping(None, tree.committee, "人事一科", tree.branch1)
    services.save_mapping(None, tree.committee, "人事二科", tree.branch2)
    tree.elsewhere = make_org("committee", name="别处党委", code="X1")
    tree.far_branch = make_org("branch", parent=tree.elsewhere, name="别处支部", code="XB1")
    tree.stranger = make_person(tree.far_branch, name="别处党员")
    return tree


def hr_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"HR-Key {key}")
    return client


def change(person=None, unit="人事二科", effective="2026-03-01", **kw):
    data = {"new_unit": unit, "effective": effective}
    if person is not None:
        data["id_number"] = person.get_id_number()
    data.update(kw)
    return data
