"""Bad input over HTTP: a clear 4xx in maillage's words, never a 500 or a library text."""

import re
import time

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pyoxigraph import Literal, Triple

from maillage.graph.namespaces import DCTERMS, MLG, RDF
from maillage.server.app import create_app
from tests.sample_items import load_sample

EDITOR = {"authorization": "Bearer editor-secret"}
ADMIN = {"authorization": "Bearer admin-secret"}
DATASET = "http://maillage.test/graph/dataset/essai"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# A value for each path parameter of the app's routes.
PATH_VALUES = {
    "item_type": "document",
    "key": "inconnu",
    "number": "1",
    "name": "inconnu",
    "user": "inconnu",
    "token_id": "inconnu",
    "sha256": "0" * 64,
}


@pytest.fixture
def app(settings, store, iris):
    load_sample(store, iris)
    settings.admin_token = "admin-secret"
    return create_app(settings, store=store)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def document_body(iris, **changes):
    body = {
        "key": "note",
        "title": "Note",
        "visibility": iris.concept("visibility", "public").value,
        "document_type": iris.concept("document-type", "report").value,
    }
    return {**body, **changes}


def assert_no_library_text(response):
    text = response.text
    assert "pydantic" not in text, text
    assert "Input should" not in text, text
    assert "Parser error" not in text, text
    assert "There was an error" not in text, text


# Lengths of values.


def test_create_title_five_megabytes_fast(client, iris):
    body = document_body(iris, title="x" * 5_000_000)
    started = time.perf_counter()
    response = client.post("/api/document", json=body, headers=EDITOR)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.text[:300]
    assert response.json()["errors"] == [
        {
            "field": "title",
            "message": "has 5000000 characters; at most 500 are accepted",
        }
    ], response.text[:300]
    assert elapsed < 1.0, elapsed


def test_create_body_echoes_no_long_value(client, iris):
    body = document_body(iris, issued="2" * 100_000)
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text[:300]
    assert len(response.text) < 1000, response.text[:300]
    assert_no_library_text(response)


def test_create_readable_by_invalid_group_name(client, iris):
    body = document_body(iris, readable_by=["Les Juristes"])
    response = client.post("/api/document", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "readable_by.0", response.text


# Query parameters of the item lists.


def test_list_items_unknown_sort(client):
    response = client.get("/api/document", params={"sort": "titre"})
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "invalid query parameter sort='titre': "
        "accepted values: iri, label, modified",
        "code": "bad_parameter",
    }


def test_list_items_sort_label(client):
    response = client.get("/api/commune", params={"sort": "label", "limit": 3})
    labels = [item["label"] for item in response.json()["items"]]
    assert labels == ["Alissas", "Aubenas", "Chomérac"], response.text[:300]


def test_list_items_repeated_limit(client):
    response = client.get("/api/document?limit=1&limit=500")
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "the query parameter 'limit' is given 2 times; give it once",
        "code": "bad_parameter",
    }


def test_list_items_unknown_parameter(client):
    response = client.get("/api/document?srot=label")
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "unknown query parameter 'srot' on '/api/document'; "
        "accepted: offset, limit, q, class, sort",
        "code": "bad_parameter",
    }


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("offset=-1", "must be at least 0"),
        ("offset=100000000000000000000", "must be at most 10000000"),
        ("limit=-5", "must be at least 0"),
        ("limit=ten", "must be an integer"),
        ("offset=1.5", "must be an integer"),
    ],
)
def test_list_items_bad_page(client, query, reason):
    response = client.get(f"/api/commune?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"].endswith(reason), response.text


def test_read_item_repeated_parameter_on_page(client):
    response = client.get("/id/commune/07186?format=ttl&format=nt")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_parameter", response.text


# Items written into dataset graphs.


def test_list_items_fake_class_hidden(client, store, iris):
    draft = iris.item("document", "brouillon")
    store.add_triples(
        iris.dataset_graph("faux"),
        [
            Triple(draft, RDF.type, MLG.Document),
            Triple(draft, DCTERMS["title"], Literal("Faux", language="fr")),
        ],
    )
    keys = [item["key"] for item in client.get("/api/document").json()["items"]]
    counts = {row["type"]: row["count"] for row in client.get("/api").json()["types"]}
    assert "brouillon" not in keys, keys
    assert counts["document"] == len(keys), counts


# The administration API.


def test_admin_token_unknown_field(client):
    response = client.post(
        "/api/admin/tokens", json={"user": "ana", "scope": "all"}, headers=ADMIN
    )
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "unknown body field 'scope'; accepted fields: user, label, "
        "expires_at",
        "code": "invalid_parameter",
    }


def test_admin_body_json_syntax_error(client):
    response = client.post(
        "/api/admin/groups",
        content=b'{"name": "juristes",\n "description": }',
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "invalid JSON body: Expecting value",
        "code": "malformed_request",
        "line": 2,
        "column": 17,
    }


def test_admin_body_not_an_object(client):
    response = client.post("/api/admin/groups", json=["juristes"], headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "invalid request body: must be an object, not an array"
    )


def test_admin_unknown_query_parameter(client):
    response = client.get("/api/admin/users?role=editor", headers=ADMIN)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_parameter", response.text


# Graph Store bodies.


def test_graph_store_charset_not_utf8(client):
    response = client.put(
        "/graphs",
        params={"graph": DATASET},
        content="<urn:a> <urn:b> 'é' .".encode("latin-1"),
        headers={**EDITOR, "content-type": "text/turtle; charset=ISO-8859-1"},
    )
    assert response.status_code == 415, response.text
    assert "'ISO-8859-1'" in response.json()["detail"], response.text


def test_graph_store_charset_utf8_any_case(client, store):
    response = client.put(
        "/graphs",
        params={"graph": DATASET},
        content="<urn:a> <urn:b> 'é' .".encode(),
        headers={**EDITOR, "content-type": 'text/turtle; charset="UTF-8"'},
    )
    assert response.status_code == 201, response.text


def test_graph_store_syntax_error_in_own_words(client):
    response = client.put(
        "/graphs",
        params={"graph": DATASET},
        content=b"@prefix x: <http://x/> .\nx:a y:b x:c .",
        headers={**EDITOR, "content-type": "text/turtle"},
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "the body is not valid Turtle at line 2, column 5: "
        "the prefix y: has not been declared",
        "code": "malformed_request",
        "line": 2,
        "column": 5,
    }


def test_graph_store_multipart_without_boundary(client):
    response = client.put(
        "/graphs",
        params={"graph": DATASET},
        content=b"<urn:a> <urn:b> <urn:c> .",
        headers={**EDITOR, "content-type": "multipart/form-data"},
    )
    assert response.status_code == 400, response.text
    assert_no_library_text(response)


def test_graph_store_failed_replace_keeps_graph(client, store):
    good = b"<urn:a> <urn:b> 'ancien' ."
    headers = {**EDITOR, "content-type": "text/turtle"}
    client.put("/graphs", params={"graph": DATASET}, content=good, headers=headers)
    bad = b"<urn:a> <urn:b> 'nouveau' .\n" * 300 + b"<urn:a> <urn:b> ."
    response = client.put(
        "/graphs", params={"graph": DATASET}, content=bad, headers=headers
    )
    kept = client.get("/graphs", params={"graph": DATASET}, headers=EDITOR)
    assert response.status_code == 400, response.text
    assert response.json()["line"] == 301, response.text
    assert "ancien" in kept.text, kept.text


# 405 on every route.


def sample_path(path):
    return re.sub(r"{([^}:]+)(?::[^}]*)?}", lambda m: PATH_VALUES[m.group(1)], path)


def route_paths(app):
    paths = set()
    for route in iter_route_contexts(app.routes):
        if route.methods and route.path:
            paths.add(sample_path(route.path))
    return sorted(paths)


def test_method_not_allowed_every_route(app, client):
    """Each 405 lists in Allow exactly the methods the path does not refuse with 405."""
    checked = 0
    for path in route_paths(app):
        statuses = {method: client.request(method, path) for method in METHODS}
        accepted = {
            m for m, response in statuses.items() if response.status_code != 405
        }
        for method, response in statuses.items():
            if response.status_code != 405:
                continue
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            assert allowed == accepted, (method, path, response.headers["allow"])
            if method != "HEAD":
                body = response.json()
                assert body["code"] == "method_not_allowed", (path, body)
                assert body["detail"].endswith(
                    "allowed: " + response.headers["allow"]
                ), (path, body)
            checked += 1
    assert checked > 100, checked


def test_method_not_allowed_names_all_routes(client):
    response = client.delete("/api/document")
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET, HEAD, POST", response.headers
    assert response.json() == {
        "detail": "method DELETE is not allowed on '/api/document'; "
        "allowed: GET, HEAD, POST",
        "code": "method_not_allowed",
    }
