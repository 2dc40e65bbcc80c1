"""REST writes and the search index: each write is searchable in the same request.

The app runs over a real store and a real tantivy index in a temporary folder. The
crash tests kill a real process between the graph write and the index write, then
check that the next start repairs the index from its journal.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from maillage.graph.indexing import index_path
from maillage.graph.search import IndexJournal, SearchIndex
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app
from tests.conftest import BASE_IRI
from tests.graph.write_samples import concept, document_body
from tests.sample_items import load_sample

EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
ITEM = "/api/document/etude-besoins"
IRI = f"{BASE_IRI}/id/document/etude-besoins"
PROJECT = Path(__file__).resolve().parents[2]


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


def found(client, query: str, headers: dict | None = None) -> bool:
    """Return True when a search for `query` lists the document etude-besoins."""
    response = client.get(
        "/api/search", params={"q": query, "limit": 100}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return IRI in {hit["iri"] for hit in response.json()["hits"]}


def published(iris, **fields) -> dict[str, object]:
    state = concept(iris, "workflow-state", "published")
    return document_body(iris, workflow_state=state, **fields)


def create(client, body: dict) -> str:
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 201, response.text
    return response.headers["etag"]


def merge_patch(client, patch: dict, etag: str):
    return client.patch(
        ITEM,
        content=json.dumps(patch),
        headers={
            **EDITOR,
            "if-match": etag,
            "content-type": "application/merge-patch+json",
        },
    )


def retitle(client, iris, title: str, etag: str):
    """Replace the document by one titled `title`, published."""
    return client.put(
        ITEM, json=published(iris, title=title), headers={**EDITOR, "if-match": etag}
    )


def current_etag(client) -> str:
    response = client.get(ITEM, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


# Each write reaches the index.


def test_create_found_by_search(client, iris):
    create(client, published(iris, title="Diagnostic de la mobilité solidaire"))
    assert found(client, "mobilité solidaire")


def test_create_draft_hidden_from_anonymous(client, iris):
    create(client, document_body(iris, title="Diagnostic de la mobilité solidaire"))
    assert not found(client, "mobilité solidaire")
    assert found(client, "mobilité solidaire", EDITOR)


def test_replace_updates_search(client, iris):
    etag = create(client, published(iris, title="Diagnostic de la mobilité"))
    response = retitle(client, iris, "Portrait du logement social", etag)
    assert response.status_code == 200, response.text
    assert found(client, "logement")
    assert not found(client, "mobilité")


def test_patch_updates_search(client, iris):
    etag = create(client, published(iris))
    patch = {"description": "Atelier sur la petite enfance"}
    response = merge_patch(client, patch, etag)
    assert response.status_code == 200, response.text
    assert found(client, "petite enfance")


def test_trash_hides_from_search(client, iris):
    etag = create(client, published(iris))
    response = client.delete(ITEM, headers={**EDITOR, "if-match": etag})
    assert response.status_code == 204, response.text
    assert not found(client, "besoins sociaux", ADMIN)


def test_restore_returns_to_search(client, iris):
    etag = create(client, published(iris))
    client.delete(ITEM, headers={**EDITOR, "if-match": etag})
    response = client.post(f"{ITEM}/restore", headers=EDITOR)
    assert response.status_code == 200, response.text
    assert found(client, "besoins sociaux")


def test_transition_to_draft_hides_from_readers(client, iris):
    etag = create(client, published(iris))
    assert found(client, "besoins sociaux")
    response = client.post(
        f"{ITEM}/transition", json={"to": "draft"}, headers={**EDITOR, "if-match": etag}
    )
    assert response.status_code == 200, response.text
    assert not found(client, "besoins sociaux")
    assert found(client, "besoins sociaux", EDITOR)


def test_revert_updates_search(client, iris):
    etag = create(client, published(iris, title="Diagnostic de la mobilité"))
    response = retitle(client, iris, "Portrait du logement social", etag)
    response = client.post(
        f"{ITEM}/revert",
        json={"revision": 1},
        headers={**EDITOR, "if-match": response.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert found(client, "mobilité")
    assert not found(client, "logement")


def test_attach_and_detach_update_search(client, iris):
    etag = create(client, published(iris))
    response = client.post(
        f"{ITEM}/files",
        content="Compte rendu : la téléassistance des aînés.".encode(),
        params={"filename": "note.txt"},
        headers={**EDITOR, "if-match": etag},
    )
    assert response.status_code == 201, response.text
    assert found(client, "téléassistance")
    sha256 = response.json()["file"]["sha256"]
    response = client.delete(
        f"{ITEM}/files/{sha256}",
        headers={**EDITOR, "if-match": response.headers["etag"]},
    )
    assert response.status_code == 204, response.text
    assert not found(client, "téléassistance")


def test_purge_removes_from_search(client, iris, settings):
    etag = create(client, published(iris))
    client.post(
        f"{ITEM}/files",
        content="Réponses nominatives au questionnaire.".encode(),
        params={"filename": "reponses.txt"},
        headers={**EDITOR, "if-match": etag},
    )
    assert found(client, "nominatives")
    response = client.delete(ITEM, params={"purge": "true"}, headers=ADMIN)
    assert response.status_code == 204, response.text
    assert not found(client, "nominatives", ADMIN)
    texts = list((settings.data_path / "texts").rglob("*.txt"))
    assert texts == [], "the text of a purged file must go with it"


def test_write_leaves_no_journal_entry(client, iris, settings):
    create(client, published(iris))
    journal = IndexJournal(index_path(settings) / "journal")
    assert journal.entries() == []


def test_write_before_first_search_is_indexed(settings, store, iris):
    load_sample(store, iris)
    client = TestClient(create_app(settings, store=store))
    create(client, published(iris, title="Diagnostic de la mobilité solidaire"))
    assert found(client, "mobilité solidaire")


# A crash between the graph write and the index write.

CRASHING_WRITE = """
import os, sys
from contextlib import contextmanager
from pathlib import Path
from fastapi.testclient import TestClient
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app
from maillage.server.writing import get_writer

root = Path(sys.argv[1])
settings = Settings(
    store_path=root / "store", data_path=root / "data",
    base_iri=sys.argv[2], editor_token="editor-secret",
)
store = GraphStore(settings.store_path)
client = TestClient(create_app(settings, store=store))
headers = {"authorization": "Bearer editor-secret", "if-match": "*"}
# A write that fails hooks the index to the writer before the hook below.
client.delete("/api/document/absent", headers=headers)
# The app made the writer at that write; this call returns it.
writer = get_writer(store, Iris(settings.base_iri), settings, directory=None)

@contextmanager
def die_after_graph_write(iri):
    yield
    # Exits run last-in first-out: the index write has not run yet.
    os._exit(17)

writer.hooks.recording.append(die_after_graph_write)
method, path, body = sys.argv[3], sys.argv[4], sys.argv[5]
client.request(method, path, content=body, headers={
    **headers, "content-type": "application/json"})
os._exit(3)
"""


def run_crashing_write(settings: Settings, method: str, path: str, body: str):
    """Run a write in another process that dies after the graph write."""
    script = textwrap.dedent(CRASHING_WRITE)
    root = settings.store_path.parent
    completed = subprocess.run(
        [sys.executable, "-c", script, str(root), BASE_IRI, method, path, body],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 17, completed.stderr[-3000:]


def indexed_iris(settings: Settings) -> set[str]:
    """Return the IRIs in the index as it is on disk, without repairing it."""
    index = SearchIndex(index_path(settings))
    try:
        return {hit.iri for hit in index.search("", limit=100).hits}
    finally:
        index.close()


def test_crash_after_create_repaired_at_start(settings, iris):
    store = GraphStore(settings.store_path)
    load_sample(store, iris)
    store.close()
    body = json.dumps(published(iris, title="Diagnostic de la mobilité solidaire"))
    run_crashing_write(settings, "POST", "/api/document", body)

    reopened = GraphStore(settings.store_path)
    try:
        assert reopened.graph_triples(iris.item_graph("document", "etude-besoins"))
        journal = IndexJournal(index_path(settings) / "journal")
        assert [iri for _, iri in journal.entries()] == [IRI]
        assert IRI not in indexed_iris(settings)
        with TestClient(create_app(settings, store=reopened)) as client:
            assert found(client, "mobilité solidaire")
        assert journal.entries() == []
    finally:
        reopened.close()


def test_crash_after_trash_repaired_at_start(settings, iris):
    store = GraphStore(settings.store_path)
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as client:
        create(client, published(iris))
        assert found(client, "besoins sociaux")
    store.close()
    run_crashing_write(settings, "DELETE", ITEM, "")

    reopened = GraphStore(settings.store_path)
    try:
        assert IRI in indexed_iris(settings), "the crash came before the index write"
        with TestClient(create_app(settings, store=reopened)) as client:
            assert not found(client, "besoins sociaux", ADMIN)
    finally:
        reopened.close()


# Files change only through the files routes.


def test_create_with_files_rejected(client, iris):
    body = published(iris, files=[{"file_name": "a.pdf", "sha256": "0" * 64}])
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["files"]


def test_put_with_changed_files_rejected(client, iris):
    etag = create(client, published(iris))
    body = published(iris, files=[{"file_name": "a.pdf", "sha256": "0" * 64}])
    response = client.put(ITEM, json=body, headers={**EDITOR, "if-match": etag})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "field": "files",
            "message": "files change only through POST or DELETE "
            "/api/document/{key}/files; leave the field out",
        }
    ]
    assert current_etag(client) == etag


def test_put_read_body_with_files_accepted(client, iris):
    etag = create(client, published(iris))
    response = client.post(
        f"{ITEM}/files",
        content=b"Texte de la note.",
        params={"filename": "note.txt"},
        headers={**EDITOR, "if-match": etag},
    )
    read = client.get(ITEM, headers=EDITOR)
    body = {**read.json(), "title": "Autre titre"}
    response = client.put(
        ITEM, json=body, headers={**EDITOR, "if-match": read.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["files"] == read.json()["files"]


@pytest.mark.parametrize("files", [[], None, [{"file_name": "a.pdf"}]])
def test_patch_with_files_rejected(client, iris, files):
    etag = create(client, published(iris))
    response = merge_patch(client, {"files": files}, etag)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["files"]
    assert current_etag(client) == etag


def test_detach_unknown_file_not_found(client, iris):
    etag = create(client, published(iris))
    response = client.delete(
        f"{ITEM}/files/{'0' * 64}", headers={**EDITOR, "if-match": etag}
    )
    assert response.status_code == 404, response.text
    assert current_etag(client) == etag


def test_detach_without_if_match_rejected(client, iris):
    create(client, published(iris))
    response = client.delete(f"{ITEM}/files/{'0' * 64}", headers=EDITOR)
    assert response.status_code == 428, response.text
