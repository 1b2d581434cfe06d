"""Token and session logins of the API."""

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

TOKEN_URL = "/api/v1/auth/token"
PASSWORD = "dangjian-demo"


def login(client, username, password=PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


@pytest.mark.django_db
def test_token_login_by_username_and_use(tree):
    client = APIClient()
    response = login(client, "branch1")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert token == Token.objects.get(user=tree.users.branch1).key

    assert client.get("/api/v1/orgs/").status_code == 401  # nothing without the token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/orgs/")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"B1", "GR1"}


@pytest.mark.django_db
def test_token_login_by_phone_number(tree):
    phone = tree.sec1.get_phone()
    response = login(APIClient(), phone)
    assert response.status_code == 200, response.content
    assert response.json()["token"] == Token.objects.get(user=tree.users.branch1).key


@pytest.mark.django_db
def test_login_again_returns_same_token_and_updates_last_login(tree):
    first = login(APIClient(), "member1").json()["token"]
    second = login(APIClient(), "member1").json()["token"]
    assert first == second
    tree.users.member1.refresh_from_db()
    assert tree.users.member1.last_login is not None


@pytest.mark.django_db
@pytest.mark.parametrize("username,password", [("branch1", "wrong-password"), ("nobody", PASSWORD),
                                               ("13900000000", PASSWORD)])
def test_bad_credentials_400_naming_the_field(tree, username, password):
    response = login(APIClient(), username, password)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["password"]
    assert body["errors"]["password"][0]
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_missing_fields_named(tree):
    response = APIClient().post(TOKEN_URL, {"username": "branch1"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password"}
    response = APIClient().post(TOKEN_URL, {}, format="json")
    assert set(response.json()["errors"]) == {"username", "password"}


@pytest.mark.django_db
def test_malformed_json_is_400_in_the_same_shape(tree):
    response = APIClient().post(TOKEN_URL, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code", "errors"}


@pytest.mark.django_db
def test_inactive_account_cannot_get_a_token(tree):
    tree.users.branch1.is_active = False
    tree.users.branch1.save()
    assert login(APIClient(), "branch1").status_code == 400


@pytest.mark.django_db
def test_lockout_after_repeated_failures(tree):
    client = APIClient()
    limit = settings.AXES_FAILURE_LIMIT
    codes = [login(client, "branch1", "wrong-password").status_code for _ in range(limit)]
    assert codes[:-1] == [400] * (limit - 1)
    assert codes[-1] == 429  # the failure that reaches the limit locks the account
    response = login(client, "branch1")  # even the right password is refused now
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out" and body["detail"]
    assert response["Content-Type"].startswith("application/json")
    assert not Token.objects.filter(user=tree.users.branch1).exists()
    # Another account is not affected.
    assert login(client, "branch2").status_code == 200


@pytest.mark.django_db
def test_success_resets_the_failure_count(tree):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "branch1", "wrong-password").status_code == 400
    assert login(client, "branch1").status_code == 200
    assert login(client, "branch1", "wrong-password").status_code == 400  # counting starts again


@pytest.mark.django_db
def test_stale_token_header_does_not_block_login(tree):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert login(client, "branch1").status_code == 200


@pytest.mark.django_db
def test_revoke_token_with_delete(tree):
    client = APIClient()
    token = login(client, "branch1").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(key=token).exists()
    assert client.get("/api/v1/orgs/").status_code == 401


@pytest.mark.django_db
def test_revoke_token_with_logout(tree):
    client = APIClient()
    token = login(client, "branch1").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/people/").status_code == 401


@pytest.mark.django_db
def test_logout_needs_a_login(tree):
    assert APIClient().post("/api/v1/auth/logout").status_code == 401
    assert APIClient().delete(TOKEN_URL).status_code == 401


@pytest.mark.django_db
def test_session_login_works_and_logout_ends_it(tree):
    client = APIClient()
    client.force_login(tree.users.branch1)
    response = client.get("/api/v1/people/")
    assert response.status_code == 200
    assert response.json()["count"] == 5  # branch1's five people
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/people/").status_code in (401, 403)


@pytest.mark.django_db
def test_session_login_through_the_login_page(tree, client):
    response = client.post("/accounts/login/", {"username": "branch1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/orgs/").status_code == 200


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere(tree):
    client = APIClient()
    for url in ("/api/v1/orgs/", f"/api/v1/orgs/{tree.branch1.pk}/", "/api/v1/people/",
                f"/api/v1/people/{tree.member1.pk}/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert set(response.json()) == {"detail", "code"}
    assert client.post(f"/api/v1/people/{tree.member1.pk}/reveal/", {"field": "phone"}).status_code == 401


@pytest.mark.django_db
def test_the_tokens_user_is_cached_and_dropped_when_the_user_changes(tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = APIClient()
    token = login(client, "branch1").json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/exams/month").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/exams/month")
    assert not any("authtoken_token" in q["sql"] for q in ctx.captured_queries)
    user = tree.users.branch1
    user.is_active = False
    user.save()
    assert client.get("/api/v1/exams/month").status_code == 401
