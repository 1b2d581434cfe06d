"""The OpenAPI schema generates without warnings or errors, and is served with its browsable docs."""

import pytest
import yaml
from django.core.management import call_command


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path, verbs in {
        "/api/v1/auth/token": {"post", "delete"},
        "/api/v1/orgs/": {"get", "post"},
        "/api/v1/orgs/{id}/": {"get", "put", "patch"},
        "/api/v1/people/": {"get", "post"},
        "/api/v1/people/{id}/": {"get", "put", "patch"},
        "/api/v1/people/{id}/reveal/": {"post"},
    }.items():
        assert verbs <= set(paths[path]), path
    people_params = {p["name"] for p in paths["/api/v1/people/"]["get"]["parameters"]}
    assert {"q", "org", "political_status", "age_band", "join_from", "sort", "page"} <= people_params
    org_params = {p["name"] for p in paths["/api/v1/orgs/"]["get"]["parameters"]}
    assert {"type", "status", "parent", "code", "q", "under"} <= org_params
    assert "409" in paths["/api/v1/people/{id}/"]["patch"]["responses"]


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/people/" in response.json()["paths"]
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html  # served by the platform
    assert "cdn" not in html.lower() and "https://" not in html
