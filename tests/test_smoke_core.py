from dangjian.accounts.scoping import has_perm, scoped
from dangjian.audit import chain
from dangjian.people.models import Person


def test_tree_fixture_and_scope(tree):
    assert has_perm(tree.users.branch1, "people:read", tree.branch1)
    assert not has_perm(tree.users.branch1, "people:read", tree.branch2)
    assert has_perm(tree.users.committee, "people:read", tree.branch2)
    names = set(scoped(Person.objects.all(), tree.users.branch1, "people:read").values_list("name", flat=True))
    assert "二支部党员" not in names and "普通党员一" in names
    group_names = set(scoped(Person.objects.all(), tree.users.group1, "people:read").values_list("name", flat=True))
    assert group_names == {"支部书记一", "小组长一", "普通党员一"}
    assert not scoped(Person.objects.all(), tree.users.member1, "people:read").exists()
    assert chain.verify()[0]
