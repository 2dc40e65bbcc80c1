"""The groups of `readable_by` in REST writes, against the user directory of the app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from tests.graph.write_samples import document_body
from tests.sample_items import load_sample

EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
MERGE_PATCH = "application/merge-patch+json"
PATH = "/api/document/etude-besoins"


@pytest.fixture
def settings(settings):
    settings.admin_token = "admin-secret"
    return settings


@pytest.fixture
def client(settings, store, iris):
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def create(client, iris, groups):
    body = document_body(iris, readable_by=groups)
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 201, response.text
    return response


def patch(client, created, body):
    headers = {
        **EDITOR,
        "if-match": created.headers["etag"],
        "content-type": MERGE_PATCH,
    }
    return client.patch(PATH, json=body, headers=headers)


def message(response, field: str = "readable_by") -> str:
    (error,) = response.json()["errors"]
    assert error["field"] == field, error
    return error["message"]


def test_patch_unknown_group_lists_existing_only(client, iris, directory):
    directory.create_group("juristes")
    directory.create_group("anciens")
    created = create(client, iris, ["anciens", "juristes"])
    directory.delete_group("anciens")
    response = patch(client, created, {"readable_by": ["juristes", "fantomes"]})
    assert response.status_code == 422, response.text
    assert message(response).endswith("existing groups: juristes"), response.text


def test_put_unknown_group_after_last_deleted(client, iris, directory):
    directory.create_group("juristes")
    created = create(client, iris, ["juristes"])
    directory.delete_group("juristes")
    body = {**client.get(PATH, headers=EDITOR).json(), "readable_by": ["fantomes"]}
    headers = {**EDITOR, "if-match": created.headers["etag"]}
    response = client.put(PATH, json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert message(response).endswith("existing groups: none"), response.text


def test_patch_deleted_group_dropped_then_named(client, iris, directory):
    directory.create_group("juristes")
    directory.create_group("anciens")
    created = create(client, iris, ["anciens", "juristes"])
    directory.delete_group("anciens")
    dropped = patch(client, created, {"readable_by": ["juristes"]})
    assert dropped.status_code == 200, dropped.text
    response = patch(client, dropped, {"readable_by": ["anciens", "juristes"]})
    assert response.status_code == 422, response.text
    assert message(response).startswith("no group named 'anciens'"), response.text


def test_create_group_of_admin_api_accepted(client, iris):
    group = client.post("/api/admin/groups", json={"name": "nouveaux"}, headers=ADMIN)
    assert group.status_code == 201, group.text
    created = create(client, iris, ["nouveaux"])
    assert created.json()["readable_by"] == ["nouveaux"], created.text


@pytest.mark.parametrize(
    "name",
    ["Juristes", " juristes", "", "-juristes", "j" * 65],
    ids=["upper", "space", "empty", "dash", "long"],
)
def test_create_odd_group_name(client, iris, directory, name):
    directory.create_group("juristes")
    body = document_body(iris, readable_by=[name])
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert "is not a group name" in message(response, "readable_by.0"), response.text
    assert client.get(PATH, headers=EDITOR).status_code == 404


def test_group_name_trailing_newline_rejected(client):
    # `$` in a regular expression also matches before a final line break.
    group = client.post("/api/admin/groups", json={"name": "juristes\n"}, headers=ADMIN)
    assert group.status_code == 400, group.text
    assert group.json()["code"] == "invalid_identifier", group.text


def test_readable_by_trailing_newline_rejected(client, iris, directory):
    directory.create_group("juristes")
    body = document_body(iris, readable_by=["juristes\n"])
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert "is not a group name" in message(response, "readable_by.0"), response.text
