import json
import logging
import re

import anyio
import pytest
from fastapi.testclient import TestClient

from maillage.graph.errors import MalformedRequestError
from maillage.graph.store import GraphStore
from maillage.server.app import ACCESS_LOGGER, create_app
from tests.sample_items import load_sample


@pytest.fixture
def app(settings, store, iris):
    load_sample(store, iris)
    return create_app(settings, store=store)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def test_create_app_opens_and_closes_store(settings):
    app = create_app(settings)
    with TestClient(app) as client:
        response = client.get("/health")
        assert response.json() == {"status": "ok", "store": "open", "quads": 0}
    assert app.state.store is None
    # The lock on the folder is released, so the store opens again.
    GraphStore(settings.store_path).close()


def test_create_app_leaves_given_store_open(settings, store):
    with TestClient(create_app(settings, store=store)) as client:
        client.get("/health")
    assert store.count_quads() == 0


def test_create_app_sets_state(app, settings):
    assert app.state.settings is settings
    assert app.state.iris.base == "http://maillage.test"


def test_health_counts_quads(client, store):
    response = client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json()["quads"] == store.count_quads() > 0


def test_health_store_unavailable(settings):
    closed = GraphStore(None)
    closed.close()
    with TestClient(create_app(settings, store=closed)) as client:
        response = client.get("/health")
    assert response.status_code == 503, response.text
    assert response.json() == {
        "detail": "the store did not respond",
        "code": "store_unavailable",
        "status": "error",
        "store": "unavailable",
    }


def test_context_served_as_jsonld(client):
    response = client.get("/ns/context.jsonld")
    assert response.headers["content-type"] == "application/ld+json", response.text
    assert "@context" in json.loads(response.content)


def test_unknown_route_not_found(client):
    response = client.get("/nowhere")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no resource at '/nowhere'; the API is listed at /docs",
        "code": "not_found",
    }


def test_unknown_route_french_page_for_browser(client):
    response = client.get("/nowhere", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 404, response.text
    assert "Cette ressource n'existe pas" in response.text.replace("&#39;", "'")


def test_wrong_method_not_allowed(client):
    response = client.delete("/api/document")
    assert response.status_code == 405, response.text
    assert response.json() == {
        "detail": "method DELETE is not allowed on '/api/document'; "
        "allowed: GET, HEAD, POST",
        "code": "method_not_allowed",
    }
    assert response.headers["allow"] == "GET, HEAD, POST"


HEAD_PATHS = [
    "/health",
    "/api/document",
    "/sparql?query=ASK%20%7B%7D",
    "/sparql",
    "/",
    "/static/viz/network.js",
    "/static/maillage.css",
]


def asgi_response(client, method: str, path: str) -> tuple[int, dict, bytes]:
    """Call the app itself in the client's event loop; return what it sends.

    The test client drops the body of a HEAD response on its own, so the body that
    the app sends is read here, below it.
    """
    target, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": target,
        "raw_path": target.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = []
    requests = [{"type": "http.request", "body": b"", "more_body": False}]
    done = anyio.Event()

    async def receive():
        # The request, then a disconnect once the response is sent, as a server does.
        if requests:
            return requests.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    async def call():
        await client.app(scope, receive, send)

    client.portal.call(call)
    start, *bodies = messages
    headers = {name.decode(): value.decode() for name, value in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in bodies)


@pytest.mark.parametrize("path", HEAD_PATHS)
def test_head_answers_where_get_does(client, path):
    status, headers, body = asgi_response(client, "GET", path)
    head_status, head_headers, head_body = asgi_response(client, "HEAD", path)
    assert status == 200, body[:300]
    assert head_status == status
    assert body
    assert head_body == b""
    assert head_headers["content-type"] == headers["content-type"]
    # The service description names blank nodes anew each time, so lengths may differ.
    assert int(head_headers["content-length"]) > 0


def test_head_not_allowed_without_get(client):
    response = client.head("/api/admin/tokens/t1/revoke")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_head_to_unknown_path(client):
    assert client.head("/no-such-page").status_code == 404


def test_unexpected_error_hides_message(app, caplog):
    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret path /srv/store")

    with (
        TestClient(app, raise_server_exceptions=False) as client,
        caplog.at_level(logging.ERROR, logger="maillage.server.errors"),
    ):
        response = client.get("/explode")
    assert response.status_code == 500, response.text
    assert response.json() == {
        "detail": "internal server error",
        "code": "internal_error",
    }
    assert "GET /explode raised an unexpected error" in caplog.text


def test_malformed_request_carries_position(app):
    @app.get("/parse")
    def parse() -> None:
        raise MalformedRequestError("invalid turtle: expected '.'", line=3, column=7)

    with TestClient(app) as client:
        response = client.get("/parse")
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "invalid turtle: expected '.'",
        "code": "malformed_request",
        "line": 3,
        "column": 7,
    }


def test_request_logged_once(client, caplog):
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        client.get("/health?verbose=1")
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 1, lines
    assert re.fullmatch(r"testclient GET /health 200 \d+\.\d ms", lines[0]), lines


def test_repeated_query_logged_once(client, caplog):
    query = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"}
    client.post("/sparql", data=query)  # A worker runs it; the repeats run here.
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        for _ in range(3):
            assert client.post("/sparql", data=query).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert len(lines) == 3, lines
    assert all(" POST /sparql 200 " in line for line in lines), lines


def test_openapi_lists_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/health", "/api", "/api/{item_type}", "/id/{item_type}/{key}"):
        assert path in paths, sorted(paths)


def test_docs_load_only_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200, page.text
    addresses = re.findall(r"(?:href|src)=\"([^\"]+)\"", page.text)
    assert addresses and all(a.startswith("/") for a in addresses), addresses
    for address in addresses:
        assert client.get(address).status_code == 200, address


def test_static_stylesheet_served(client):
    response = client.get("/static/maillage.css")
    assert response.headers["content-type"].startswith("text/css"), response.text
