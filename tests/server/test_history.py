"""The history routes: revisions list, one revision, diff, with the item's rights."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import DCTERMS, Graph, URIRef
from rdflib import Literal as RdflibLiteral

from maillage.graph.settings import Settings
from maillage.server.app import create_app
from tests.conftest import BASE_IRI
from tests.graph.write_samples import concept, document_body
from tests.sample_items import load_sample

EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
DOCUMENT = f"{BASE_IRI}/id/document/etude-besoins"
HISTORY = "/api/document/etude-besoins/history"


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
def published(client, iris):
    """Create the document (revision 1), publish it (2), then retitle it (3)."""
    created = client.post(
        "/api/document?comment=premier%20jet",
        json=document_body(iris, title="Avant"),
        headers=EDITOR,
    )
    moved = client.post(
        "/api/document/etude-besoins/transition",
        json={"to": "published", "comment": "validé"},
        headers={**EDITOR, "if-match": created.headers["etag"]},
    )
    changed = client.patch(
        "/api/document/etude-besoins",
        content='{"title": "Après"}',
        headers={
            **EDITOR,
            "if-match": moved.headers["etag"],
            "content-type": "application/merge-patch+json",
        },
    )
    assert changed.status_code == 200, changed.text
    return changed


def test_history_lists_revisions(client, iris, published):
    response = client.get(HISTORY)
    body = response.json()
    summary = [
        (r["number"], r["operation"], r["user"], r["comment"])
        for r in body["revisions"]
    ]
    assert response.status_code == 200, response.text
    assert (body["iri"], body["status"], body["current"]) == (DOCUMENT, "live", 3)
    assert summary == [
        (1, "create", "editor", "premier jet"),
        (2, "transition", "editor", "validé"),
        (3, "patch", "editor", None),
    ], body


def test_history_transition_entry(client, iris, published):
    entry = client.get(HISTORY).json()["revisions"][1]
    assert entry["transition"] == {
        "from": concept(iris, "workflow-state", "draft"),
        "to": concept(iris, "workflow-state", "published"),
    }, entry
    assert entry["time"].endswith("Z"), entry


def test_history_of_draft_is_not_found_for_anonymous(client, iris):
    client.post("/api/document", json=document_body(iris), headers=EDITOR)
    response = client.get(HISTORY)
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no document with key 'etude-besoins'",
        "code": "not_found",
    }


def test_history_of_unknown_type(client):
    response = client.get("/api/recipe/x/history")
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "unknown_type", response.text


def test_revision_as_json(client, published):
    response = client.get("/api/document/etude-besoins/revisions/2")
    body = response.json()
    assert response.status_code == 200, response.text
    assert (body["title"], body["revision"], body["@id"]) == ("Avant", 2, DOCUMENT)


def test_revision_as_turtle(client, published):
    response = client.get(
        "/api/document/etude-besoins/revisions/3", headers={"accept": "text/turtle"}
    )
    graph = Graph().parse(data=response.text, format="turtle")
    title = (URIRef(DOCUMENT), DCTERMS.title, RdflibLiteral("Après", lang="fr"))
    assert response.headers["content-type"].startswith("text/turtle"), response.headers
    assert title in graph, response.text


def test_draft_revision_hidden_from_anonymous(client, published):
    response = client.get("/api/document/etude-besoins/revisions/1")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no revision 1 of document 'etude-besoins'",
        "code": "not_found",
    }


def test_revision_out_of_range(client, published):
    response = client.get("/api/document/etude-besoins/revisions/9")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no revision 9 of document 'etude-besoins'; revisions go from 1 to 3",
        "code": "not_found",
    }


def test_revision_number_zero(client, published):
    response = client.get("/api/document/etude-besoins/revisions/0")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_parameter", response.text


def test_diff_two_revisions(client, published):
    response = client.get("/api/document/etude-besoins/diff?from=2&to=3")
    body = response.json()
    title = "<http://purl.org/dc/terms/title>"
    added_titles = [line for line in body["added"] if title in line]
    removed_titles = [line for line in body["removed"] if title in line]
    assert (body["from"], body["to"]) == (2, 3), body
    assert added_titles == [f'<{DOCUMENT}> {title} "Après"@fr .'], body
    assert removed_titles == [f'<{DOCUMENT}> {title} "Avant"@fr .'], body


def test_diff_with_hidden_revision(client, published):
    response = client.get("/api/document/etude-besoins/diff?from=1&to=3")
    assert response.status_code == 404, response.text


def test_diff_needs_both_numbers(client, published):
    response = client.get("/api/document/etude-besoins/diff?from=1")
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "missing query parameter 'to'",
        "code": "invalid_parameter",
    }


def test_history_of_trashed_item(client, published):
    client.delete(
        "/api/document/etude-besoins",
        headers={**EDITOR, "if-match": published.headers["etag"]},
    )
    editor_view = client.get(HISTORY, headers=EDITOR)
    anonymous_view = client.get(HISTORY)
    assert editor_view.json()["status"] == "trash", editor_view.text
    assert editor_view.json()["revisions"][-1]["operation"] == "delete", (
        editor_view.text
    )
    assert anonymous_view.status_code == 404, anonymous_view.text


def test_history_of_purged_item(client, published):
    client.delete("/api/document/etude-besoins?purge=true", headers=ADMIN)
    for path in (HISTORY, "/api/document/etude-besoins/revisions/1"):
        response = client.get(path, headers=ADMIN)
        assert response.status_code == 404, response.text


def test_history_of_restricted_item(client):
    response = client.get("/api/document/note-juridique/history", headers=EDITOR)
    assert response.status_code == 404, response.text
