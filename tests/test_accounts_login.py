"""Logging in with a username or a phone number, lock-out, password change, logout."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dangjian.accounts.backends import UsernameOrPhoneBackend
from dangjian.accounts.models import User
from dangjian.people import services as people_services

from .factories import make_org, make_person, make_user

LOGIN = "/accounts/login/"
PASSWORD = "dangjian-demo"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def person(db):
    root = make_org("committee")
    branch = make_org("branch", parent=root)
    return make_person(branch, name="王五", phone="13955556666")


@pytest.fixture
def user(person):
    return make_user("wangwu", person)


def login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, HTTP_ACCEPT_LANGUAGE="en", **extra)


def logged_in_as(client):
    return client.session.get(SESSION_KEY)


def test_login_page_renders(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


@pytest.mark.parametrize("username", ["wangwu", " wangwu ", "13955556666", "139 5555 6666", "１３９５５５５６６６６"])
def test_login_with_username_or_phone(client, user, username):
    response = login(client, username)
    assert response.status_code == 302 and response["Location"] == reverse("home:home")
    assert logged_in_as(client) == str(user.pk)


def test_login_redirects_to_next(client, user):
    response = client.post(LOGIN + "?next=/people/", {"username": "wangwu", "password": PASSWORD,
                                                       "next": "/people/"})
    assert response.status_code == 302 and response["Location"] == "/people/"


def test_wrong_password_shows_a_message(client, user):
    response = login(client, "wangwu", "wrong-password")
    assert response.status_code == 200 and logged_in_as(client) is None
    assert "Wrong username, phone number or password." in response.content.decode()


def test_unknown_user_and_unknown_phone_are_refused_alike(client, user):
    for username in ("nobody", "13900000000"):
        response = login(client, username)
        assert response.status_code == 200 and logged_in_as(client) is None
        assert "Wrong username, phone number or password." in response.content.decode()


def test_inactive_users_cannot_log_in(client, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert login(client, "wangwu").status_code == 200 and logged_in_as(client) is None


def test_a_phone_shared_by_two_accounts_logs_neither_in(client, user, person):
    twin = make_person(person.org, name="王五二", phone="13977778888")
    make_user("twin", twin)
    # Both people now carry the same phone number: ambiguous, so the phone is no login name.
    people_services.update_person(None, twin, {"phone": "13955556666"})
    assert login(client, "13955556666").status_code == 200 and logged_in_as(client) is None
    assert login(client, "twin").status_code == 302


def test_backend_needs_both_fields(user):
    backend = UsernameOrPhoneBackend()
    assert backend.authenticate(None, username=None, password=PASSWORD) is None
    assert backend.authenticate(None, username="wangwu", password=None) is None
    assert backend.authenticate(None, username="wangwu", password=PASSWORD) == user


def test_lock_out_after_five_failures_even_with_the_right_password(client, user, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert login(client, "wangwu", "wrong").status_code == 200
    # The fifth failure locks the account.
    response = login(client, "wangwu", "wrong")
    assert response.status_code == 429
    response = login(client, "wangwu")
    assert response.status_code == 429 and logged_in_as(client) is None
    assert "Too many failed attempts" in response.content.decode()
    # From another browser too (the lock is per account, not per address).
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert login(other, "wangwu").status_code == 429 and logged_in_as(other) is None


def test_four_failures_then_success_resets_the_count(client, user):
    for _ in range(4):
        login(client, "wangwu", "wrong")
    assert login(client, "wangwu").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        login(client, "wangwu", "wrong")
    assert login(client, "wangwu").status_code == 302


def test_lock_out_of_one_account_leaves_others_alone(client, user, person):
    make_user("someone-else")
    for _ in range(5):
        login(client, "wangwu", "wrong")
    assert login(client, "someone-else").status_code == 302


def test_password_change_requires_the_old_password(client, user):
    url = reverse("accounts:password_change")
    assert client.get(url).status_code == 302  # login required
    client.force_login(user)
    assert client.get(url).status_code == 200
    new = "a-new-Passw0rd-for-wangwu"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(url, {"old_password": "wrong", "new_password1": new, "new_password2": new})
    assert response.status_code == 200 and "old_password" in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("home:home")
    assert "Your password has been changed." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(new) and not user.check_password(PASSWORD)
    assert logged_in_as(client) == str(user.pk)  # still logged in after the change
    fresh = Client()
    assert login(fresh, "wangwu", new).status_code == 302
    assert login(Client(), "wangwu", PASSWORD).status_code == 200


def test_logout_is_post_only(client, user):
    client.force_login(user)
    url = reverse("accounts:logout")
    assert client.get(url).status_code == 405
    assert logged_in_as(client) == str(user.pk)
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert logged_in_as(client) is None


def test_passwords_are_hashed_with_argon2_in_production(settings):
    from django.conf import settings as conf

    assert "Argon2PasswordHasher" in [h for h in conf.PASSWORD_HASHERS if "Argon2" in h][0]
    production = [h for h in conf.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0].endswith("Argon2PasswordHasher")
