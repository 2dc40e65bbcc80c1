"""The middleware `RepeatedQueries` of /sparql, over a real store and the real app.

When the server checked a query's text recently, the middleware evaluates its repeats
and sends the response before FastAPI's routing: in the event loop when a worker
evaluated it quickly on the current data, else in a thread. The tests wrap the app's router in `RouterRecorder`, which records each HTTP
request that reaches it, to tell a quick response from the route's response without
replacing any part of the app.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad
from starlette.types import ASGIApp, Receive, Scope, Send

from maillage.graph.sparql.workers import IDLE_LOOP_SECONDS, LOOP_SECONDS, QueryPool
from maillage.server.app import create_app
from tests.browser import serve
from tests.conftest import BASE_IRI

GRAPH = f"{BASE_IRI}/graph/dataset/quick"
CHAIN = f"{BASE_IRI}/graph/dataset/chain"
TEXT = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o"
# The same length as TEXT and never repeated, so that the route evaluates it.
TWIN = "SELECT ?s ?o WHERE { ?s <urn:q> ?o } ORDER BY ?o"
VALUES = ["0", "1", "2"]
ADMIN_TOKEN = "admin-secret"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EDITOR = {"Authorization": "Bearer editor-secret"}
JSON = {"Accept": "application/sparql-results+json"}
FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
# Runs of a text that may reach the routes before the middleware responds to it. The
# first run goes to a worker, and the second opens the snapshot in the server.
WARM_RUNS = 5


@dataclass(frozen=True)
class Routed:
    """An HTTP request that reached the router, as its ASGI scope gave it."""

    method: str
    path: str
    root_path: str
    headers: dict[str, str]


class RouterRecorder:
    """An ASGI app that records each HTTP request reaching `router`, then passes it."""

    def __init__(self, router: ASGIApp) -> None:
        self.router = router
        self.requests: list[Routed] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in scope["headers"]
            }
            routed = Routed(
                scope["method"],
                scope["path"],
                scope.get("root_path", ""),
                headers,
            )
            self.requests.append(routed)
        await self.router(scope, receive, send)

    def __getattr__(self, name: str):
        # The app reads the routes, url_path_for and the rest from its router.
        return getattr(self.router, name)


def quick_quads(graph: str, count: int = 3) -> list[Quad]:
    name = NamedNode(graph)
    return [
        Quad(NamedNode(f"urn:s{n}"), NamedNode("urn:p"), Literal(str(n)), name)
        for n in range(count)
    ]


def build_app(settings, store) -> tuple[FastAPI, RouterRecorder]:
    """Build the app over `store` with GRAPH loaded and its router in a recorder."""
    store.add_quads(quick_quads(GRAPH))
    settings.admin_token = ADMIN_TOKEN
    app = create_app(settings, store=store)
    # Replaced before the first request, which builds the middleware stack around it.
    recorder = RouterRecorder(app.router)
    app.router = recorder
    return app, recorder


@pytest.fixture
def served(settings, store) -> Iterator[tuple[TestClient, RouterRecorder]]:
    app, recorder = build_app(settings, store)
    with TestClient(app) as client:
        yield client, recorder


def get_query(client, text: str = TEXT, headers: dict | None = None, **params):
    headers = JSON if headers is None else headers
    return client.get("/sparql", params={"query": text, **params}, headers=headers)


def reaches_router(recorder: RouterRecorder, send: Callable[[], httpx.Response]):
    """Send a request with `send`; return the response and whether it was routed."""
    before = len(recorder.requests)
    response = send()
    return response, len(recorder.requests) > before


def answer_quickly(
    recorder: RouterRecorder, send: Callable[[], httpx.Response]
) -> httpx.Response:
    """Repeat `send` until none of it reaches the router, and return that response."""
    for _ in range(WARM_RUNS):
        response, routed = reaches_router(recorder, send)
        assert response.status_code == 200, response.text
        if not routed:
            return response
    raise AssertionError(f"every one of {WARM_RUNS} runs reached the router")


def bound_values(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["o"]["value"] for row in response.json()["results"]["bindings"]]


# Which requests reach the router.


def test_repeated_queries_first_run_reaches_router(served):
    client, recorder = served
    response, routed = reaches_router(recorder, lambda: get_query(client))
    assert bound_values(response) == VALUES
    assert routed
    assert recorder.requests[-1].path == "/sparql"


def test_repeated_queries_repeats_skip_router(served):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    count = len(recorder.requests)
    for _ in range(3):
        assert bound_values(get_query(client)) == VALUES
    assert len(recorder.requests) == count, recorder.requests[count:]


@pytest.mark.parametrize("media_type", [FORM, QUERY])
def test_repeated_queries_post_of_repeat_skips_router(served, media_type):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    body = urlencode({"query": TEXT}) if media_type == FORM else TEXT
    headers = {"Content-Type": media_type, **JSON}
    response, routed = reaches_router(
        recorder, lambda: client.post("/sparql", content=body.encode(), headers=headers)
    )
    assert bound_values(response) == VALUES
    assert not routed


def test_repeated_queries_other_text_reaches_router(served):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    response, routed = reaches_router(recorder, lambda: get_query(client, TWIN))
    assert bound_values(response) == []
    assert routed


def test_repeated_queries_update_reaches_router(served):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    update = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:s3> <urn:p> '3' }} }}"
    headers = {"Content-Type": UPDATE, **EDITOR}
    response, routed = reaches_router(
        recorder, lambda: client.post("/sparql", content=update, headers=headers)
    )
    assert response.status_code == 204, response.text
    assert routed


def test_repeated_queries_service_description_reaches_router(served):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    accept = {"Accept": "text/turtle"}
    for _ in range(3):
        response, routed = reaches_router(
            recorder, lambda: client.get("/sparql", headers=accept)
        )
        assert response.status_code == 200, response.text
        assert routed


# A quick response matches the route's response.

FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


@pytest.mark.parametrize("user", ["anonymous", "administrator"])
@pytest.mark.parametrize("way", ["accept", "format"])
@pytest.mark.parametrize("format_name", list(FORMATS))
def test_repeated_queries_same_answer_as_route(served, user, way, format_name):
    client, recorder = served
    headers = ADMIN if user == "administrator" else {}
    params = {}
    if way == "accept":
        headers = {**headers, "Accept": FORMATS[format_name]}
    else:
        params = {"format": format_name}

    def send() -> httpx.Response:
        return get_query(client, headers=headers, **params)

    from_route, routed = reaches_router(recorder, send)
    assert routed
    quick = answer_quickly(recorder, send)
    assert quick.status_code == from_route.status_code, quick.text
    assert quick.content == from_route.content
    assert quick.headers["content-type"] == from_route.headers["content-type"]
    assert quick.headers["vary"] == from_route.headers["vary"] == "Accept"


# Cross-origin requests.

ALLOWED_ORIGIN = "https://observatoire.example"
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-expose-headers",
    "vary",
)


@pytest.mark.parametrize(
    ("origin", "expected"),
    [(ALLOWED_ORIGIN, ALLOWED_ORIGIN), ("https://other.example", None)],
    ids=["allowed", "other"],
)
def test_repeated_queries_cors_headers(settings, store, origin, expected):
    settings.cors_origins = [ALLOWED_ORIGIN]
    app, recorder = build_app(settings, store)
    headers = {"Origin": origin, **JSON}
    with TestClient(app) as client:
        from_route = get_query(client, headers=headers)
        quick = answer_quickly(recorder, lambda: get_query(client, headers=headers))
    assert quick.headers.get("access-control-allow-origin") == expected
    for name in CORS_HEADERS:
        assert quick.headers.get(name) == from_route.headers.get(name), name


# Client mistakes on the text of a quick repeat.


def repeated_query(client, text: str) -> httpx.Response:
    return client.get("/sparql", params=[("query", text), ("query", text)])


def unmatched_accept(client, text: str) -> httpx.Response:
    return get_query(client, text, {"Accept": "image/png"})


def bad_token(client, text: str) -> httpx.Response:
    return get_query(client, text, {"Authorization": "Bearer no-such-token", **JSON})


def non_utf8_body(client, text: str) -> httpx.Response:
    body = urlencode({"query": text}).encode() + b"&note=\xff"
    return client.post("/sparql", content=body, headers={"Content-Type": FORM})


def unsupported_content_type(client, text: str) -> httpx.Response:
    headers = {"Content-Type": "text/plain"}
    return client.post("/sparql", content=text.encode(), headers=headers)


def query_and_update(client, text: str) -> httpx.Response:
    body = urlencode({"query": text, "update": "CLEAR ALL"})
    headers = {"Content-Type": FORM, **EDITOR}
    return client.post("/sparql", content=body.encode(), headers=headers)


def update_by_get(client, text: str) -> httpx.Response:
    params = {"query": text, "update": "CLEAR ALL"}
    return client.get("/sparql", params=params, headers=EDITOR)


@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        (unmatched_accept, 406, "not_acceptable"),
        (repeated_query, 400, "malformed_request"),
        (bad_token, 401, "invalid_token"),
        (non_utf8_body, 400, "malformed_request"),
        (unsupported_content_type, 415, "unsupported_media_type"),
        (query_and_update, 400, "malformed_request"),
        (update_by_get, 405, "method_not_allowed"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_repeated_queries_mistake_same_error(served, send, status, code):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    on_repeat = send(client, TEXT)
    on_route = send(client, TWIN)
    assert on_repeat.status_code == status, on_repeat.text
    assert on_repeat.json()["code"] == code, on_repeat.text
    assert on_repeat.json() == on_route.json()


# The per-client limit, over a real server.

RUNAWAY = (
    "SELECT * WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f "
    'FILTER (STR(?b) = CONCAT(STR(?d), STR(?f), "never")) }'
)


def test_repeated_queries_client_at_limit_gets_429(settings, store):
    store.add_quads(quick_quads(CHAIN, 400))
    settings.max_concurrent_queries = 1
    settings.query_timeout = 2.0
    app, recorder = build_app(settings, store)
    with serve(app) as url:

        def send(text: str = TEXT) -> httpx.Response:
            return httpx.get(
                f"{url}/sparql", params={"query": text}, headers=JSON, timeout=30
            )

        answer_quickly(recorder, send)
        with ThreadPoolExecutor(max_workers=1) as executor:
            runaway = executor.submit(send, RUNAWAY)
            time.sleep(0.5)
            rejected = send()
            in_flight = not runaway.done()
            runaway.result()
    assert in_flight, "the slow query ended before the repeat was sent"
    assert rejected.status_code == 429, rejected.text
    assert rejected.headers["retry-after"] == "1"
    assert rejected.json()["code"] == "too_many_requests"


# Bodies the middleware does not buffer, and updates that pass through it.


def chunks(data: bytes) -> Iterator[bytes]:
    """Yield `data` in two parts, so that httpx sends it chunked."""
    yield data[:10]
    yield data[10:]


def post_chunked(client, text: str) -> httpx.Response:
    headers = {"Content-Type": QUERY, **JSON}
    return client.post("/sparql", content=chunks(text.encode()), headers=headers)


def test_repeated_queries_chunked_first_run(served):
    client, recorder = served
    response = post_chunked(client, TEXT)
    assert bound_values(response) == VALUES
    routed = recorder.requests[-1]
    assert "content-length" not in routed.headers, routed.headers
    assert routed.headers.get("transfer-encoding") == "chunked", routed.headers


def test_repeated_queries_chunked_repeat(served):
    client, recorder = served
    quick = answer_quickly(recorder, lambda: get_query(client))
    response, routed = reaches_router(recorder, lambda: post_chunked(client, TEXT))
    assert response.status_code == 200, response.text
    assert response.content == quick.content
    assert routed


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_repeated_queries_body_over_limit(settings, store, chunked):
    settings.max_body_bytes = 100
    app, recorder = build_app(settings, store)
    text = TEXT + " " * 100
    with TestClient(app) as client:
        answer_quickly(recorder, lambda: get_query(client, text))
        content = chunks(text.encode()) if chunked else text.encode()
        headers = {"Content-Type": QUERY, **JSON}
        response = client.post("/sparql", content=content, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "the request body is larger than 100 bytes, the limit of this "
        "endpoint",
        "code": "payload_too_large",
    }


INSERT = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:s3> <urn:p> '3' }} }}"


def post_update_form(client) -> httpx.Response:
    body = urlencode({"update": INSERT}).encode()
    headers = {"Content-Type": FORM, **EDITOR}
    return client.post("/sparql", content=body, headers=headers)


def post_update_body(client) -> httpx.Response:
    headers = {"Content-Type": UPDATE, **EDITOR}
    return client.post("/sparql", content=INSERT.encode(), headers=headers)


@pytest.mark.parametrize("post_update", [post_update_form, post_update_body])
def test_repeated_queries_update_then_fresh_data(served, post_update):
    client, recorder = served
    answer_quickly(recorder, lambda: get_query(client))
    response = post_update(client)
    assert response.status_code == 204, response.text
    assert bound_values(get_query(client)) == [*VALUES, "3"]
    quick = answer_quickly(recorder, lambda: get_query(client))
    assert bound_values(quick) == [*VALUES, "3"]


# A proxy's root_path.

ROOT_PATH = "/maillage"


@pytest.mark.parametrize(
    ("url", "scope_path"),
    [("/sparql", "/sparql"), ("/maillage/sparql", "/maillage/sparql")],
    ids=["without-root", "with-root"],
)
def test_repeated_queries_root_path(settings, store, url, scope_path):
    # Starlette's TestClient keeps `path` as given, but uvicorn 0.55 prefixes root_path.
    app, recorder = build_app(settings, store)

    def send() -> httpx.Response:
        return client.get(url, params={"query": TEXT}, headers=JSON)

    with TestClient(app, root_path=ROOT_PATH) as client:
        from_route, routed = reaches_router(recorder, send)
        quick = answer_quickly(recorder, send)
    assert routed
    first = recorder.requests[0]
    assert (first.path, first.root_path) == (scope_path, ROOT_PATH)
    assert bound_values(from_route) == VALUES
    assert quick.content == from_route.content


def record_loop_limits(monkeypatch, known: float | None = None) -> list[float]:
    """Record the limit of each run in the event loop; with `known`, report that time
    for every query that ran on the current data."""
    limits: list[float] = []
    run_here = QueryPool.run_here
    known_seconds = QueryPool.known_seconds

    def recording(pool, prepared, **options):
        if options.get("quick_only"):
            limits.append(options["within"])
        return run_here(pool, prepared, **options)

    def reported(pool, prepared):
        seconds = known_seconds(pool, prepared)
        return seconds if seconds is None or known is None else known

    monkeypatch.setattr(QueryPool, "run_here", recording)
    monkeypatch.setattr(QueryPool, "known_seconds", reported)
    return limits


def warm_up(client, limits: list[float]) -> None:
    """Repeat TEXT until the server evaluates it itself, then forget the limits."""
    for _ in range(WARM_RUNS):
        assert get_query(client).status_code == 200
    limits.clear()


@pytest.mark.parametrize(
    ("known", "limit"), [(None, LOOP_SECONDS), (0.010, IDLE_LOOP_SECONDS)]
)
def test_repeat_alone_loop_limit(served, monkeypatch, known, limit):
    client, recorder = served
    limits = record_loop_limits(monkeypatch, known=known)
    warm_up(client, limits)
    response, routed = reaches_router(recorder, lambda: get_query(client))
    assert response.status_code == 200, response.text
    assert not routed
    assert limits == [limit]


def test_burst_of_repeats_leaves_the_loop(served, monkeypatch):
    client, _ = served
    limits = record_loop_limits(monkeypatch, known=0.010)
    warm_up(client, limits)
    query_string = urlencode({"query": TEXT}).encode()

    async def one_request() -> list[dict]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/sparql",
            "raw_path": b"/sparql",
            "root_path": "",
            "query_string": query_string,
            "headers": [(b"host", b"testserver"), (b"accept", JSON["Accept"].encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        messages = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            messages.append(message)

        await client.app(scope, receive, send)
        return messages

    async def burst() -> list[list[dict]]:
        # Started together, as requests that reach the server at the same moment.
        return await asyncio.gather(*(one_request() for _ in range(4)))

    for messages in client.portal.call(burst):
        assert messages[0]["status"] == 200, messages
        body = json.loads(b"".join(m.get("body", b"") for m in messages[1:]))
        assert [row["o"]["value"] for row in body["results"]["bindings"]] == VALUES
    assert limits == []


def test_repeat_beside_another_request_leaves_the_loop(settings, store, monkeypatch):
    app, _ = build_app(settings, store)
    limits = record_loop_limits(monkeypatch, known=0.010)
    with serve(app) as url:
        for _ in range(WARM_RUNS):
            assert bindings(get_live(url)) == VALUES
        limits.clear()
        # A request whose body never ends stays in flight while the repeat runs.
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port)) as slow:
            slow.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/sparql-query\r\n"
                b"Content-Length: 100\r\n\r\nASK"
            )
            wait_for(lambda: app.state.request_count.in_flight == 1)
            assert bindings(get_live(url)) == VALUES
            assert limits == []
        wait_for(lambda: app.state.request_count.in_flight == 0)
        assert bindings(get_live(url)) == VALUES
    assert limits == [IDLE_LOOP_SECONDS]


def get_live(url: str) -> httpx.Response:
    return httpx.get(f"{url}/sparql", params={"query": TEXT}, headers=JSON, timeout=30)


def bindings(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["o"]["value"] for row in response.json()["results"]["bindings"]]


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.01)
