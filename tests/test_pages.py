import json
import re

import pytest
from django.core.management import call_command

from cadence.kernel.public_ids import is_public_id


@pytest.mark.django_db
def test_home_and_admin_login_are_served(client):
    assert client.get("/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200


@pytest.mark.django_db
def test_the_stylesheet_is_served_by_the_project(client):
    page = client.get("/").content.decode()
    assert "/static/css/cadence.css" in page
    assert not _outside_assets(page)


@pytest.mark.django_db
def test_api_docs_are_served_locally(client, django_user_model):
    assert client.get("/api/schema/").status_code in {200, 401, 403}
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert not _outside_assets(docs)


def _outside_assets(page: str) -> list[str]:
    """The addresses of a page's scripts and stylesheets that are not the project's own
    (a CDN's), rather than the letters "cdn" anywhere, which a random token may hold."""
    return re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']((?:https?:)?//[^"']*)""", page)


@pytest.mark.django_db
def test_seed_demo_prints_its_ids_as_json_and_is_idempotent(capsys, django_user_model):
    call_command("seed_demo", "--json")
    first = json.loads(capsys.readouterr().out)
    call_command("seed_demo", "--json")
    second = json.loads(capsys.readouterr().out)

    assert first == second
    assert set(first["users"]) == {"staff", "learner", "graduate", "instructor", "creator"}
    assert all(is_public_id(value, "usr") for value in first["users"].values())
    assert len(first["courses"]) == 2
    for course in first["courses"]:
        assert is_public_id(course["id"], "crs")
        assert course["contentCreatorId"] == first["users"]["creator"]
    assert django_user_model.objects.count() == 5
