"""The API docs page loads Swagger UI from the platform's own static files (no CDN)."""

import re

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_docs_page_uses_only_local_assets(client, tree):
    client.force_login(tree.users.branch1)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(not u.startswith(("http://", "https://", "//")) for u in urls), urls
    for name in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"vendor/swagger-ui/{name}" in html
        assert finders.find(f"vendor/swagger-ui/{name}"), f"{name} missing: run make assets"
