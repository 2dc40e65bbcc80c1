"""The write routes of the REST API, over a real store and the real app."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from maillage.graph.access import Role
from maillage.graph.settings import Settings
from maillage.graph.users import USERS_FILE, UserDirectory
from maillage.server.app import create_app
from tests.conftest import BASE_IRI
from tests.graph.write_samples import concept, document_body
from tests.sample_items import load_sample

EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
MERGE_PATCH = "application/merge-patch+json"
DOCUMENT = f"{BASE_IRI}/id/document/etude-besoins"


@pytest.fixture
def settings(tmp_path):
    return Settings(
        store_path=tmp_path / "store",
        data_path=tmp_path / "data",
        base_iri=BASE_IRI,
        editor_token="editor-secret",
        admin_token="admin-secret",
    )


@pytest.fixture
def client(settings, store, iris):
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


@pytest.fixture
def reader(settings):
    """Return the headers of a reader account's token."""
    directory = UserDirectory(settings.data_path / USERS_FILE)
    directory.create_user("denis", Role.READER)
    token = directory.create_token("denis")
    return {"authorization": f"Bearer {token.secret}"}


def create(client, iris, **fields):
    response = client.post(
        "/api/document", json=document_body(iris, **fields), headers=EDITOR
    )
    assert response.status_code == 201, response.text
    return response


def with_etag(headers, response):
    return {**headers, "if-match": response.headers["etag"]}


def test_create_item_answer(client, iris):
    response = create(client, iris)
    body = response.json()
    assert (
        response.headers["location"] == "http://testserver/api/document/etude-besoins"
    )
    assert body["@id"] == DOCUMENT, body
    assert body["workflow_state"] == concept(iris, "workflow-state", "draft"), body


def test_create_then_read_same_etag(client, iris):
    created = create(client, iris)
    read = client.get("/api/document/etude-besoins", headers=EDITOR)
    assert read.headers["etag"] == created.headers["etag"], read.headers
    assert read.headers["etag"].startswith('"1-'), read.headers


def test_create_existing_key(client, iris):
    create(client, iris)
    response = client.post("/api/document", json=document_body(iris), headers=EDITOR)
    assert response.status_code == 409, response.text
    assert response.json() == {
        "detail": "document 'etude-besoins' already exists",
        "code": "item_exists",
    }


def test_create_invalid_body(client, iris):
    body = document_body(iris, title=12)
    del body["visibility"]
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "invalid document: visibility: missing required field; "
        "title: must be a string, not a number",
        "code": "validation_failed",
        "errors": [
            {"field": "visibility", "message": "missing required field"},
            {"field": "title", "message": "must be a string, not a number"},
        ],
    }


def test_create_link_to_missing_item(client, iris):
    missing = f"{BASE_IRI}/id/event/absent"
    body = document_body(iris, produced_at=missing)
    response = client.post("/api/document", json=body, headers=EDITOR)
    message = f"links to {missing}, which does not exist or which you may not read"
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": f"invalid document: produced_at: {message}",
        "code": "validation_failed",
        "errors": [{"field": "produced_at", "message": message}],
    }


def test_create_shape_violation(client, iris):
    wrong = concept(iris, "phase", "diagnostic")
    body = document_body(iris, document_type=wrong)
    response = client.post("/api/document", json=body, headers=EDITOR)
    message = (
        f"property dcterms:type: <{wrong}> is not a concept of scheme "
        f"{BASE_IRI}/id/scheme/document-type"
    )
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": f"invalid document: document_type: {message}",
        "code": "validation_failed",
        "errors": [{"field": "document_type", "message": message}],
        "violations": [
            {
                "focus_node": DOCUMENT,
                "path": "http://purl.org/dc/terms/type",
                "message": message,
                "value": f"<{wrong}>",
                "constraint": "NodeConstraintComponent",
            }
        ],
    }


def test_create_anonymous(client, iris):
    response = client.post("/api/document", json=document_body(iris))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer"), response.headers


def test_create_reader_forbidden(client, iris, reader):
    response = client.post("/api/document", json=document_body(iris), headers=reader)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden", response.text


def test_create_wrong_media_type(client, iris):
    response = client.post(
        "/api/document",
        content=b"title=x",
        headers={**EDITOR, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415, response.text
    assert response.json() == {
        "detail": "unsupported Content-Type 'application/x-www-form-urlencoded': "
        "send the body as application/json",
        "code": "unsupported_media_type",
    }


def test_create_malformed_json(client):
    response = client.post(
        "/api/document",
        content=b'{"title": "x",\n "key": }',
        headers={**EDITOR, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "invalid JSON body: Expecting value",
        "code": "malformed_request",
        "line": 2,
        "column": 9,
    }


def test_create_read_only_type(client):
    response = client.post("/api/commune", json={"key": "07999"}, headers=EDITOR)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET, HEAD", response.headers
    assert response.json()["code"] == "method_not_allowed", response.text


def test_create_unknown_type(client):
    response = client.post("/api/recipe", json={}, headers=EDITOR)
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "unknown_type", response.text


def test_put_without_if_match(client, iris):
    create(client, iris)
    response = client.put(
        "/api/document/etude-besoins", json=document_body(iris), headers=EDITOR
    )
    assert response.status_code == 428, response.text
    assert response.json() == {
        "detail": f"writing {DOCUMENT} requires an If-Match header with the ETag "
        "of the version you read",
        "code": "precondition_required",
    }


def test_put_stale_if_match(client, iris):
    created = create(client, iris)
    client.put(
        "/api/document/etude-besoins",
        json=document_body(iris, title="Deux"),
        headers=with_etag(EDITOR, created),
    )
    response = client.put(
        "/api/document/etude-besoins",
        json=document_body(iris, title="Trois"),
        headers=with_etag(EDITOR, created),
    )
    assert response.status_code == 412, response.text
    assert response.json() == {
        "detail": f"{DOCUMENT} changed since it was read: If-Match "
        f"{created.headers['etag']!r} does not name the current ETag; read it again",
        "code": "precondition_failed",
    }
    title = client.get("/api/document/etude-besoins", headers=EDITOR).json()["title"]
    assert title == "Deux", title


def test_put_replaces_item(client, iris):
    created = create(client, iris)
    response = client.put(
        "/api/document/etude-besoins",
        json=document_body(iris, title="Nouveau titre", keywords=[]),
        headers=with_etag(EDITOR, created),
    )
    body = response.json()
    assert response.status_code == 200, response.text
    assert (body["title"], body["keywords"]) == ("Nouveau titre", []), body
    assert response.headers["etag"].startswith('"2-'), response.headers


def test_put_accepts_body_of_read(client, iris):
    created = create(client, iris)
    read = client.get("/api/document/etude-besoins", headers=EDITOR)
    body = {**read.json(), "description": "Ajoutée"}
    response = client.put(
        "/api/document/etude-besoins", json=body, headers=with_etag(EDITOR, created)
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == created.json()["created"], response.text


def test_create_readable_by_unknown_group(client, iris, directory):
    directory.create_group("juristes")
    body = document_body(iris, readable_by=["juristes", "fantomes"])
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["field"] == "readable_by", error
    assert error["message"].startswith("no group named 'fantomes'"), error
    assert error["message"].endswith("existing groups: juristes"), error
    missing = client.get("/api/document/etude-besoins", headers=EDITOR)
    assert missing.status_code == 404, missing.text


def test_create_readable_by_existing_group(client, iris, directory):
    directory.create_group("juristes")
    created = create(client, iris, readable_by=["juristes"])
    assert created.json()["readable_by"] == ["juristes"], created.text


def test_put_keeps_group_deleted_since(client, iris, directory):
    directory.create_group("juristes")
    created = create(client, iris, readable_by=["juristes"])
    directory.delete_group("juristes")
    read = client.get("/api/document/etude-besoins", headers=EDITOR)
    body = {**read.json(), "description": "Ajoutée"}
    response = client.put(
        "/api/document/etude-besoins", json=body, headers=with_etag(EDITOR, created)
    )
    assert response.status_code == 200, response.text
    assert response.json()["readable_by"] == ["juristes"], response.text


def test_patch_adding_unknown_group_rejected(client, iris, directory):
    directory.create_group("juristes")
    created = create(client, iris, readable_by=["juristes"])
    response = client.patch(
        "/api/document/etude-besoins",
        json={"readable_by": ["juristes", "fantomes"]},
        headers={**with_etag(EDITOR, created), "content-type": MERGE_PATCH},
    )
    assert response.status_code == 422, response.text
    assert "no group named 'fantomes'" in response.json()["errors"][0]["message"]


def test_patch_needs_merge_patch_type(client, iris):
    created = create(client, iris)
    response = client.patch(
        "/api/document/etude-besoins",
        json={"title": "x"},
        headers=with_etag(EDITOR, created),
    )
    assert response.status_code == 415, response.text
    assert response.json() == {
        "detail": "unsupported Content-Type 'application/json': send the body as "
        "application/merge-patch+json",
        "code": "unsupported_media_type",
    }


def test_patch_merges(client, iris):
    created = create(client, iris, description="À supprimer")
    response = client.patch(
        "/api/document/etude-besoins",
        content='{"description": null, "phase": "%s"}'
        % concept(iris, "phase", "diagnostic"),
        headers={**with_etag(EDITOR, created), "content-type": MERGE_PATCH},
    )
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["description"] is None, body
    assert body["phase"] == concept(iris, "phase", "diagnostic"), body


def test_concurrent_puts_one_wins(client, iris):
    created = create(client, iris)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def put(title: str) -> None:
        barrier.wait()
        response = client.put(
            "/api/document/etude-besoins",
            json=document_body(iris, title=title),
            headers=with_etag(EDITOR, created),
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=put, args=(t,)) for t in ("Un", "Deux")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = client.get("/api/document/etude-besoins/history", headers=EDITOR).json()
    assert sorted(statuses) == [200, 412], statuses
    assert [r["number"] for r in history["revisions"]] == [1, 2], history


def test_delete_to_trash(client, iris):
    created = create(client, iris)
    response = client.delete(
        "/api/document/etude-besoins", headers=with_etag(EDITOR, created)
    )
    assert response.status_code == 204, response.text
    read = client.get("/api/document/etude-besoins", headers=EDITOR)
    assert read.status_code == 404, read.text


def test_delete_hides_item_from_sparql(client, iris):
    created = create(client, iris)
    client.delete("/api/document/etude-besoins", headers=with_etag(EDITOR, created))
    response = client.get(
        "/sparql",
        params={"query": f"ASK {{ GRAPH ?g {{ <{DOCUMENT}> ?p ?o }} }}"},
        headers={**ADMIN, "accept": "application/sparql-results+json"},
    )
    assert response.json()["boolean"] is False, response.text


def test_write_to_trashed_item(client, iris):
    created = create(client, iris)
    client.delete("/api/document/etude-besoins", headers=with_etag(EDITOR, created))
    response = client.put(
        "/api/document/etude-besoins", json=document_body(iris), headers=EDITOR
    )
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == (
        "document 'etude-besoins' is in the trash; restore it with "
        "POST /api/document/etude-besoins/restore"
    )


def test_delete_linked_item(client):
    etag = client.get("/api/action/fa-01", headers=ADMIN).headers["etag"]
    response = client.delete("/api/action/fa-01", headers={**ADMIN, "if-match": etag})
    assert response.status_code == 409, response.text
    assert response.json() == {
        "detail": "action 'fa-01' is linked from 2 item(s); remove those links first",
        "code": "item_in_use",
        "links": [
            f"{BASE_IRI}/id/document/diagnostic-social",
            f"{BASE_IRI}/id/document/note-juridique",
        ],
    }


def test_restore_from_trash(client, iris):
    created = create(client, iris)
    client.delete("/api/document/etude-besoins", headers=with_etag(EDITOR, created))
    response = client.post(
        "/api/document/etude-besoins/restore",
        json={"comment": "supprimé par erreur"},
        headers=EDITOR,
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"].startswith('"3-'), response.headers


def test_purge_by_editor_forbidden(client, iris):
    create(client, iris)
    response = client.delete("/api/document/etude-besoins?purge=true", headers=EDITOR)
    assert response.status_code == 403, response.text
    assert response.json() == {
        "detail": "user 'editor' may not purge items: the administrator role is "
        "required",
        "code": "forbidden",
    }


def test_purge_by_administrator(client, iris):
    create(client, iris)
    response = client.delete("/api/document/etude-besoins?purge=true", headers=ADMIN)
    history = client.get("/api/document/etude-besoins/history", headers=ADMIN)
    assert response.status_code == 204, response.text
    assert history.status_code == 404, history.text


def test_transition_publishes(client, iris):
    created = create(client, iris)
    before = client.get("/api/document/etude-besoins")
    response = client.post(
        "/api/document/etude-besoins/transition",
        json={"to": "published", "comment": "relu"},
        headers=with_etag(EDITOR, created),
    )
    after = client.get("/api/document/etude-besoins")
    assert before.status_code == 404, before.text
    assert response.status_code == 200, response.text
    assert after.status_code == 200, after.text


def test_transition_not_allowed(client, iris):
    created = create(client, iris)
    response = client.post(
        "/api/document/etude-besoins/transition",
        json={"to": "archived"},
        headers=with_etag(EDITOR, created),
    )
    assert response.status_code == 409, response.text
    assert response.json() == {
        "detail": "document 'etude-besoins' cannot move from draft to archived; "
        "allowed from draft: published",
        "code": "transition_not_allowed",
    }


def test_transition_without_if_match(client, iris):
    create(client, iris)
    response = client.post(
        "/api/document/etude-besoins/transition",
        json={"to": "published"},
        headers=EDITOR,
    )
    assert response.status_code == 428, response.text


def test_revert(client, iris):
    created = create(client, iris, title="Premier")
    second = client.put(
        "/api/document/etude-besoins",
        json=document_body(iris, title="Second"),
        headers=with_etag(EDITOR, created),
    )
    response = client.post(
        "/api/document/etude-besoins/revert",
        json={"revision": 1},
        headers=with_etag(EDITOR, second),
    )
    assert response.status_code == 200, response.text
    assert response.json()["title"] == "Premier", response.text


def test_drafts_hidden_from_lists(client, iris, reader):
    create(client, iris)
    for headers in ({}, reader):
        keys = [
            item["key"]
            for item in client.get("/api/document", headers=headers).json()["items"]
        ]
        assert "etude-besoins" not in keys, keys
    editor_keys = [
        item["key"]
        for item in client.get("/api/document", headers=EDITOR).json()["items"]
    ]
    assert "etude-besoins" in editor_keys, editor_keys


def test_read_if_none_match(client, iris):
    created = create(client, iris)
    response = client.get(
        "/api/document/etude-besoins",
        headers={**EDITOR, "if-none-match": created.headers["etag"]},
    )
    assert response.status_code == 304, response.text


def test_read_imported_item_has_etag(client):
    response = client.get("/api/commune/07186", headers={"accept": "text/turtle"})
    assert response.headers["etag"].startswith('"0-'), response.headers
