"""The Django admin opens for superusers only; staff with posts use the scoped pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_superuser_opens_admin_and_domain_lists(client, tree):
    client.force_login(tree.users.admin)
    assert client.get(reverse("admin:index")).status_code == 200
    for name in ("orgs_organization", "people_person", "accounts_user", "accounts_post", "audit_auditentry"):
        response = client.get(reverse(f"admin:{name}_changelist"))
        assert response.status_code == 200, name


def test_staff_without_superuser_is_refused(client, tree):
    user = tree.users.committee
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_admin_does_not_delete_or_edit_domain_records(client, tree):
    client.force_login(tree.users.admin)
    url = reverse("admin:people_person_delete", args=[tree.member1.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    tree.member1.refresh_from_db()
    assert tree.member1.pk


def test_admin_shows_masked_id_numbers_only(client, tree):
    client.force_login(tree.users.admin)
    response = client.get(reverse("admin:people_person_changelist"))
    clear = tree.member1.get_id_number()
    assert clear and clear not in response.content.decode()
