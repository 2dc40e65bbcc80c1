"""Requests to /sparql from a hostile client, over real sockets to a live server.

The server runs in a thread on 127.0.0.1 over a store in the test's folder. Some
tests send malformed HTTP with a raw socket: lying Content-Length, pipelined
requests, a body cut short. Others check that a repeated query text, which the
middleware `RepeatedQueries` evaluates before the routing, follows the rights and
the data of the moment.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.users import UserDirectory
from maillage.server.app import create_app
from tests.browser import serve
from tests.conftest import BASE_IRI
from tests.readers import GROUP, READER, add_reader, restrict_graph

GRAPH = f"{BASE_IRI}/graph/dataset/hostile"
# A graph that only the members of the group juristes may read.
SECRET = f"{BASE_IRI}/graph/dataset/secret"
TEXT = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o"
CSV = b"s,o\r\nurn:s0,0\r\nurn:s1,1\r\nurn:s2,2\r\n"
JSON = {"Accept": "application/sparql-results+json"}
EDITOR = {"Authorization": "Bearer editor-secret"}
# Runs after which the middleware evaluates the text itself: the first run goes to a
# worker, and the next ones open the snapshot in the server.
WARM_RUNS = 5
SOCKET_TIMEOUT = 5.0


def quads(graph: str, count: int = 3) -> list[Quad]:
    name = NamedNode(graph)
    return [
        Quad(NamedNode(f"urn:s{n}"), NamedNode("urn:p"), Literal(str(n)), name)
        for n in range(count)
    ]


@pytest.fixture
def live(settings, store) -> Iterator[str]:
    """Serve three triples and yield the URL, with TEXT already repeated."""
    store.add_quads(quads(GRAPH))
    with serve(create_app(settings, store=store)) as url:
        warm(url)
        yield url


def warm(url: str, text: str = TEXT, headers: dict | None = None) -> httpx.Response:
    """Send `text` often enough that the middleware evaluates its next repeat."""
    for _ in range(WARM_RUNS):
        response = httpx.get(
            f"{url}/sparql", params={"query": text}, headers={**JSON, **(headers or {})}
        )
        assert response.status_code == 200, response.text
    return response


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port))
    connection.settimeout(SOCKET_TIMEOUT)
    return connection


def read_all(connection: socket.socket) -> bytes:
    """Read until the server closes the connection or stays silent for the timeout."""
    data = b""
    try:
        while chunk := connection.recv(65536):
            data += chunk
    except TimeoutError:
        pass
    return data


def exchange(url: str, request: bytes) -> bytes:
    with connect(url) as connection:
        connection.sendall(request)
        return read_all(connection)


def post_head(length: int, extra: bytes = b"") -> bytes:
    return (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/sparql-query\r\nAccept: text/csv\r\n"
        b"Content-Length: %d\r\n%s\r\n" % (length, extra)
    )


def status_lines(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def bindings(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["o"]["value"] for row in response.json()["results"]["bindings"]]


# Malformed and unusual HTTP.


def test_hostile_pipelined_repeats_all_answered(live):
    body = TEXT.encode()
    post = post_head(len(body)) + body
    health = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    data = exchange(live, post + post + health)
    assert status_lines(data) == [b"HTTP/1.1 200 OK"] * 3, data[:500]
    assert data.count(CSV) == 2, data[:500]


LYING_REQUESTS = {
    "shorter-length": post_head(len(TEXT) - 5) + TEXT.encode(),
    "length-and-chunked": post_head(3, b"Transfer-Encoding: chunked\r\n")
    + b"%x\r\n%s\r\n0\r\n\r\n" % (len(TEXT), TEXT.encode()),
}


def test_hostile_lying_length_never_evaluated(live):
    for name, request in LYING_REQUESTS.items():
        data = exchange(live, request)
        assert status_lines(data)[0] == b"HTTP/1.1 400 Bad Request", (name, data)
        assert CSV not in data, name


# Paths that resemble /sparql. Only the percent-encoded one decodes to /sparql, and
# /sparql/ redirects to it.
PATH_STATUSES = {
    "/sp%61rql": b"200 OK",
    "/sparql/": b"307 Temporary Redirect",
    "//sparql": b"404 Not Found",
    "/SPARQL": b"404 Not Found",
    "/sparql;x": b"404 Not Found",
    "/x/../sparql": b"404 Not Found",
}


def test_hostile_path_variants(live):
    for path, status in PATH_STATUSES.items():
        request = (
            f"GET {path}?query={quote(TEXT)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: text/csv\r\nConnection: close\r\n\r\n"
        )
        data = exchange(live, request.encode())
        assert status_lines(data)[0] == b"HTTP/1.1 " + status, (path, data[:500])
        assert (CSV in data) == (status == b"200 OK"), path


def test_hostile_other_methods_not_evaluated(live):
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"]:
        response = httpx.request(
            method, f"{live}/sparql", params={"query": TEXT}, headers=JSON
        )
        assert response.status_code == 405, (method, response.text)
        assert response.json()["code"] == "method_not_allowed", method


def test_hostile_head_sends_headers_only(live):
    """HEAD of a query, then GET on the same connection: the GET's bytes come whole."""
    target = f"/sparql?query={quote(TEXT)}"
    head = f"HEAD {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n\r\n"
    get = (
        f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n"
        "Connection: close\r\n\r\n"
    )
    data = exchange(live, (head + get).encode())
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200 OK"), data[:500]
    assert f"content-length: {len(CSV)}".encode() in first.lower(), first
    assert rest.startswith(b"HTTP/1.1 200 OK"), rest[:200]
    assert rest.endswith(b"\r\n\r\n" + CSV), rest[-200:]


def test_hostile_slow_body_leaves_server_free(live):
    body = TEXT.encode()
    with connect(live) as connection:
        connection.sendall(post_head(len(body), b"Connection: close\r\n") + body[:10])
        started = time.monotonic()
        health = httpx.get(f"{live}/health", timeout=SOCKET_TIMEOUT)
        waited = time.monotonic() - started
        repeat = httpx.get(f"{live}/sparql", params={"query": TEXT}, headers=JSON)
        connection.sendall(body[10:])
        data = read_all(connection)
    assert health.status_code == 200, health.text
    assert waited < 2.0
    assert bindings(repeat) == ["0", "1", "2"]
    assert CSV in data, data[:500]


def cut_body(url: str, text: str, chunked: bool) -> None:
    """Send a POST body short of what its head announces, then close the socket.

    With `chunked`, the body is one chunk that announces 20 bytes more than it has;
    otherwise Content-Length does.
    """
    body = text.encode()
    if chunked:
        head = post_head(0).replace(
            b"Content-Length: 0\r\n", b"Transfer-Encoding: chunked\r\n"
        )
        request = head + b"%x\r\n" % (len(body) + 20) + body
    else:
        request = post_head(len(body) + 20) + body
    with connect(url) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        read_all(connection)


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize(
    "text", [TEXT, TEXT.replace("?o }", "?x }")], ids=["repeat", "new-text"]
)
def test_hostile_disconnect_mid_body_logs_no_error(live, caplog, text, chunked):
    # A client that goes away is no fault of the server. An ERROR with a traceback for
    # each such request lets any client flood the error log.
    with caplog.at_level(logging.INFO):
        cut_body(live, text, chunked)
        time.sleep(0.3)
    errors = [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
    ]
    assert errors == []
    assert httpx.get(f"{live}/health").status_code == 200


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux /proc")
def test_hostile_repeats_keep_descriptors(live):
    params = {"query": TEXT}
    with httpx.Client() as client:
        client.get(f"{live}/sparql", params=params, headers=JSON)
        before = open_descriptors()
        for _ in range(1000):
            response = client.get(f"{live}/sparql", params=params, headers=JSON)
            assert response.status_code == 200, response.text
        after = open_descriptors()
    assert after - before <= 5, (before, after)


# Repeats follow the current rights and data.


@pytest.fixture
def group_live(settings, store) -> Iterator[tuple[str, UserDirectory, dict, str]]:
    """Serve a graph that only the group juristes may read, and a reader in it."""
    store.add_quads(quads(SECRET, 2))
    restrict_graph(store, NamedNode(SECRET), BASE_IRI)
    directory, issued = add_reader(settings)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    with serve(create_app(settings, store=store)) as url:
        yield url, directory, headers, issued.info.id


def get(url: str, headers: dict | None = None) -> httpx.Response:
    return httpx.get(
        f"{url}/sparql", params={"query": TEXT}, headers={**JSON, **(headers or {})}
    )


def test_hostile_repeat_after_group_removal(group_live):
    url, directory, reader, _ = group_live
    warm(url, headers=reader)
    assert bindings(get(url, reader)) == ["0", "1"]
    directory.remove_member(GROUP, READER)
    assert bindings(get(url, reader)) == []
    assert bindings(get(url, reader)) == []


def test_hostile_repeat_after_token_revoked(group_live):
    url, directory, reader, token_id = group_live
    warm(url, headers=reader)
    directory.revoke_token(token_id)
    response = get(url, reader)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token"


def test_hostile_concurrent_readers_keep_their_views(group_live):
    url, _, reader, _ = group_live
    warm(url, headers=reader)
    warm(url)
    mismatches: list[str] = []

    def repeat(headers: dict | None, expected: list[str]) -> None:
        with httpx.Client() as client:
            for _ in range(150):
                response = client.get(
                    f"{url}/sparql",
                    params={"query": TEXT},
                    headers={**JSON, **(headers or {})},
                )
                if response.status_code == 429:
                    continue
                if bindings(response) != expected:
                    mismatches.append(response.text[:200])

    threads = [
        threading.Thread(target=repeat, args=(reader, ["0", "1"])),
        threading.Thread(target=repeat, args=(None, [])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []


def test_hostile_repeat_after_each_update(live):
    insert = "INSERT DATA {{ GRAPH <{graph}> {{ <urn:t{n}> <urn:p> 't{n}' }} }}"
    headers = {"Content-Type": "application/sparql-update", **EDITOR}
    with httpx.Client() as client:
        for n in range(5):
            update = insert.format(graph=GRAPH, n=n)
            written = client.post(f"{live}/sparql", content=update, headers=headers)
            assert written.status_code == 204, written.text
            for _ in range(3):
                response = client.get(
                    f"{live}/sparql", params={"query": TEXT}, headers=JSON
                )
                assert len(bindings(response)) == 4 + n



# Ways for an anonymous client to name the restricted graph in a text that a reader
# of the graph has just repeated.
DATASET_CASES = [
    (TEXT, {"default-graph-uri": SECRET}),
    (TEXT, {"named-graph-uri": SECRET, "default-graph-uri": SECRET}),
    (TEXT.replace("WHERE", f"FROM <{SECRET}> WHERE"), {}),
    ("SELECT ?o WHERE { GRAPH ?g { ?s <urn:p> ?o } } ORDER BY ?o", {}),
]


def test_hostile_anonymous_dataset_repeat_hidden(group_live):
    url, _, reader, _ = group_live
    for text, params in DATASET_CASES:

        def send(headers: dict | None = None) -> httpx.Response:
            return httpx.get(
                f"{url}/sparql",
                params={"query": text, **params},
                headers={**JSON, **(headers or {})},
            )

        for _ in range(WARM_RUNS):
            assert bindings(send(reader)) == ["0", "1"], (text, params)
        for _ in range(3):
            assert bindings(send()) == [], (text, params)
