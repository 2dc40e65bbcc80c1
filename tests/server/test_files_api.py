"""Upload and download of the files of documents, over a real store and the real app."""

from __future__ import annotations

import hashlib
import tracemalloc
from pathlib import Path

import anyio
import pytest
import rdflib
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from maillage.graph.namespaces import MLG
from maillage.graph.settings import Settings
from maillage.server.app import create_app
from tests.conftest import BASE_IRI
from tests.graph.file_fixtures import CONTENT_TYPES, PACKAGE_RELATIONSHIPS, zip_bytes
from tests.graph.write_samples import document_body
from tests.sample_items import load_sample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"
EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
FILES = "/api/document/etude-besoins/files"
UPLOAD_LIMIT = 1024 * 1024
CHUNK = 64 * 1024


@pytest.fixture
def settings(tmp_path):
    return Settings(
        store_path=tmp_path / "store",
        data_path=tmp_path / "data",
        base_iri=BASE_IRI,
        editor_token="editor-secret",
        admin_token="admin-secret",
        max_body_bytes=UPLOAD_LIMIT,
    )


@pytest.fixture
def app(settings, store, iris):
    load_sample(store, iris)
    return create_app(settings, store=store)


@pytest.fixture
def client(app, iris):
    with TestClient(app) as test_client:
        response = test_client.post(
            "/api/document", json=document_body(iris), headers=EDITOR
        )
        assert response.status_code == 201, response.text
        yield test_client


def etag(client) -> str:
    response = client.get("/api/document/etude-besoins", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def upload(client, content: bytes, name: str = "note.txt", **params):
    return client.post(
        FILES,
        content=content,
        params={"filename": name, **params},
        headers={**EDITOR, "if-match": etag(client)},
    )


def stored_paths(settings) -> list[Path]:
    root = settings.data_path / "files"
    return sorted(path for path in root.rglob("*") if path.is_file())


def document_files(client) -> list[dict]:
    response = client.get("/api/document/etude-besoins", headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json().get("files", [])


# Upload.


def test_upload_file_answer(client):
    content = "Compte rendu de l'atelier : accès aux droits.\n".encode()
    response = upload(client, content)
    body = response.json()
    sha256 = hashlib.sha256(content).hexdigest()
    assert response.status_code == 201, response.text
    assert body["file"] == {
        "file_name": "note.txt",
        "sha256": sha256,
        "media_type": "text/plain",
        "byte_size": len(content),
        "has_text_layer": True,
        "download": f"{FILES}/{sha256}",
    }, body
    assert response.headers["location"] == f"{FILES}/{sha256}", response.headers


def test_upload_file_adds_file_node(client):
    upload(client, b"Premier fichier.")
    response = upload(client, b"Second fichier.", name="second.md")
    files = document_files(client)
    assert response.status_code == 201, response.text
    assert [file["file_name"] for file in files] == ["note.txt", "second.md"], files
    assert files[1]["media_type"] == "text/markdown", files


def test_upload_file_returns_new_etag(client):
    before = etag(client)
    response = upload(client, b"Un fichier.")
    assert response.headers["etag"] != before, response.headers
    assert response.headers["etag"] == etag(client)


def test_upload_file_records_revision(client):
    upload(client, b"Un fichier.", comment="ajout du compte rendu")
    response = client.get("/api/document/etude-besoins/history", headers=EDITOR)
    assert response.status_code == 200, response.text
    assert "ajout du compte rendu" in response.text, response.text


def test_upload_same_content_twice_keeps_one(client):
    upload(client, b"Le meme contenu.")
    response = upload(client, b"Le meme contenu.", name="copie.txt")
    assert response.status_code == 200, response.text
    assert response.json()["created"] is False, response.text
    assert len(document_files(client)) == 1


def test_upload_file_name_from_content_disposition(client):
    response = client.post(
        FILES,
        content=b"Texte.",
        headers={
            **EDITOR,
            "if-match": etag(client),
            "content-disposition": "attachment; filename*=UTF-8''%C3%A9t%C3%A9.txt",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["file"]["file_name"] == "été.txt", response.text


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd", "....etcpasswd"),
        ("..\\..\\boot.ini", "....boot.ini"),
        ("fiche\u0000.pdf", "fiche.pdf"),
        ("CON", "CON"),
    ],
)
def test_upload_hostile_name_stored_safely(client, settings, tmp_path, name, kept):
    content = f"Contenu pour {kept}.".encode()
    response = upload(client, content, name=name)
    sha256 = hashlib.sha256(content).hexdigest()
    assert response.status_code == 201, response.text
    assert response.json()["file"]["file_name"] == kept, response.text
    # The only file written is under the content's hash in the file store.
    shard = settings.data_path / "files" / sha256[:2] / sha256[2:4] / sha256
    assert stored_paths(settings) == [shard]
    assert not (tmp_path / "etc").exists()


def test_upload_without_if_match_needs_it(client):
    response = client.post(
        FILES, content=b"x", params={"filename": "a.txt"}, headers=EDITOR
    )
    assert response.status_code == 428, response.text
    assert response.json()["code"] == "precondition_required", response.text


def test_upload_stale_etag_rejected(client):
    stale = etag(client)
    upload(client, b"Premier.")
    response = client.post(
        FILES,
        content=b"Second.",
        params={"filename": "b.txt"},
        headers={**EDITOR, "if-match": stale},
    )
    assert response.status_code == 412, response.text
    assert len(document_files(client)) == 1


def test_upload_anonymous_unauthorized(client):
    response = client.post(FILES, content=b"x", headers={"if-match": etag(client)})
    assert response.status_code == 401, response.text


def test_upload_unknown_document_not_found(client):
    response = client.post(
        "/api/document/absent/files", content=b"x", headers={**EDITOR, "if-match": "*"}
    )
    assert response.status_code == 404, response.text


def test_upload_multipart_rejected(client, settings):
    response = client.post(
        FILES,
        files={"file": ("note.txt", b"Texte.")},
        headers={**EDITOR, "if-match": etag(client)},
    )
    assert response.status_code == 415, response.text
    assert stored_paths(settings) == []


# Size limit.


def test_upload_declared_length_over_limit_rejected(client, settings):
    response = upload(client, b"x" * (UPLOAD_LIMIT + 1))
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large", response.text
    assert stored_paths(settings) == []


def test_upload_streamed_body_over_limit_stops_reading(app, client, settings):
    """Send 64 MiB in chunks without Content-Length: the route stops at the limit."""
    total_chunks = 1024
    pulled = 0

    async def receive():
        nonlocal pulled
        pulled += 1
        return {
            "type": "http.request",
            "body": bytes(CHUNK),
            "more_body": pulled < total_chunks,
        }

    messages = []

    async def send(message):
        messages.append(message)

    scope = _upload_scope(etag(client))
    tracemalloc.start()
    try:
        anyio.run(app, scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    status = messages[0]["status"]
    assert status == 413, messages
    assert pulled <= UPLOAD_LIMIT // CHUNK + 2, pulled
    assert peak < 8 * UPLOAD_LIMIT, peak
    assert list((settings.data_path / "files").rglob("*.part")) == []


def _upload_scope(if_match: str) -> dict:
    headers = [
        (b"authorization", EDITOR["authorization"].encode()),
        (b"if-match", if_match.encode()),
        (b"content-type", b"application/octet-stream"),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": FILES,
        "raw_path": FILES.encode(),
        "root_path": "",
        "query_string": b"filename=grand.bin",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


# Text extraction.


@pytest.mark.parametrize("fixture", ["truncated.pdf", "encrypted.pdf"])
def test_upload_unreadable_pdf_rejected(client, settings, fixture):
    before = etag(client)
    response = upload(client, (FIXTURES / fixture).read_bytes(), name=fixture)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "extraction_failed", response.text
    assert etag(client) == before
    assert stored_paths(settings) == []


def test_upload_compressed_bomb_rejected(client, settings):
    bomb = zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES.encode(),
            "_rels/.rels": PACKAGE_RELATIONSHIPS.encode(),
            "word/document.xml": bytes(20 * 1024 * 1024),
        }
    )
    assert len(bomb) < UPLOAD_LIMIT
    response = upload(client, bomb, name="bombe.docx")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "extraction_failed", response.text
    assert document_files(client) == []


def test_upload_unknown_media_type_rejected(client, settings):
    response = upload(client, bytes(range(256)) * 4, name="image.png")
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type", response.text
    assert stored_paths(settings) == []


def test_upload_scanned_pdf_has_no_text_layer(client):
    response = upload(client, (FIXTURES / "scan.pdf").read_bytes(), name="scan.pdf")
    assert response.status_code == 201, response.text
    assert response.json()["file"]["has_text_layer"] is False, response.text
    assert response.json()["text_characters"] is None, response.text


def test_upload_text_found_by_search(client):
    upload(client, (FIXTURES / "diagnostic.docx").read_bytes(), name="diag.docx")
    response = client.get(
        "/api/search", params={"q": "oeuvre agglomeration"}, headers=ADMIN
    )
    iris = [hit["iri"] for hit in response.json()["hits"]]
    assert f"{BASE_IRI}/id/document/etude-besoins" in iris, response.text


def test_upload_control_characters_export_as_xml(client, settings):
    content = (FIXTURES / "nfd.txt").read_bytes()
    assert b"\x0c" in content
    assert b"\x08" in content
    response = upload(client, content, name="pages\x0c\x08.txt")
    sha256 = response.json()["file"]["sha256"]
    text = (
        (settings.data_path / "texts" / sha256[:2] / sha256[2:4])
        .joinpath(f"{sha256}.txt")
        .read_text(encoding="utf-8")
    )
    quad = Quad(
        NamedNode(f"{BASE_IRI}/t"), MLG.text, Literal(text), NamedNode(f"{BASE_IRI}/g")
    )
    for rdf_format in (RdfFormat.RDF_XML, RdfFormat.TURTLE):
        data = serialize([quad.triple], format=rdf_format)
        parsed = [t.object.value for t in parse(data, format=rdf_format)]
        assert parsed == [text], rdf_format


def test_upload_document_turtle_parses(client):
    upload(client, b"Texte.", name="fiche\x0c\x08.txt")
    response = client.get(
        "/id/document/etude-besoins", params={"format": "ttl"}, headers=ADMIN
    )
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    names = {str(o) for o in graph.objects(None, rdflib.URIRef(MLG.fileName.value))}
    assert names == {"fiche.txt"}, response.text


def test_upload_document_rdf_xml_parses(client, store):
    upload(client, b"Texte.", name="fiche\x0c\x08.txt")
    graph = NamedNode(f"{BASE_IRI}/graph/document/etude-besoins")
    data = serialize(store.graph_triples(graph), format=RdfFormat.RDF_XML)
    parsed = rdflib.Graph().parse(data=data, format="xml")
    assert len(parsed) == len(store.graph_triples(graph))


# Download.


def test_download_file_returns_bytes(client):
    content = "Réunion du comité.".encode()
    sha256 = upload(client, content, name='réunion "comité".txt').json()["file"][
        "sha256"
    ]
    response = client.get(f"{FILES}/{sha256}", headers=EDITOR)
    assert response.status_code == 200, response.text
    assert response.content == content
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == (
        'attachment; filename="reunion _comite_.txt"; '
        "filename*=UTF-8''r%C3%A9union%20%22comit%C3%A9%22.txt"
    )


def test_download_device_name_fallback_prefixed(client):
    sha256 = upload(client, b"Device.", name="CON").json()["file"]["sha256"]
    response = client.get(f"{FILES}/{sha256}", headers=EDITOR)
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_CON\"; filename*=UTF-8''CON"
    )


def test_download_draft_hidden_from_anonymous(client):
    sha256 = upload(client, b"Brouillon.").json()["file"]["sha256"]
    response = client.get(f"{FILES}/{sha256}")
    assert response.status_code == 404, response.text


def test_download_other_sha_not_found(client):
    upload(client, b"Contenu.")
    response = client.get(f"{FILES}/{'0' * 64}", headers=EDITOR)
    assert response.status_code == 404, response.text


def test_download_invalid_sha_rejected(client):
    response = client.get(f"{FILES}/..%2F..%2Fetc%2Fpasswd", headers=EDITOR)
    assert response.status_code in (400, 404), response.text
    assert "root:" not in response.text
