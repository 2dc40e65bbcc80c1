"""Repeated /sparql queries that the server evaluates itself, over a real store.

A query that a worker evaluated quickly on the current data runs again in the server
process, in a thread or in the event loop. Some tests send repeats that do more work
than their first run, and check the time limit and the wait of other clients. Others
check the data and the errors that repeats return.
"""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG
from maillage.server.app import create_app
from tests.browser import serve
from tests.readers import add_reader, restrict_graph

BASE = "http://maillage.test"
JSON = {"Accept": "application/sparql-results+json"}
EDITOR = {"Authorization": "Bearer editor-secret"}
ADMIN = {"Authorization": "Bearer admin-secret"}
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"
TIME_LIMIT = 3.0
SLACK = 2.0
# The maximum time a quick ASK may wait while another client's repeat runs.
QUICK = 0.5


def chain_quads(graph: NamedNode, count: int) -> list[Quad]:
    return [
        Quad(NamedNode(f"urn:s{n}"), NamedNode("urn:p"), Literal(str(n)), graph)
        for n in range(count)
    ]


@pytest.fixture
def chain_server(settings, store):
    """Serve 300 triples, so that a join of three patterns takes seconds."""
    store.add_quads(chain_quads(NamedNode(f"{BASE}/graph/dataset/chain"), 300))
    settings.query_timeout = TIME_LIMIT
    with serve(create_app(settings, store=store)) as url:
        assert get(url, "ASK {}").status_code == 200
        yield url


def get(url: str, text: str, headers: dict | None = None) -> httpx.Response:
    return httpx.get(
        f"{url}/sparql",
        params={"query": text},
        headers={**JSON, **(headers or {})},
        timeout=120,
    )


def timed_get(url: str, text: str, headers: dict | None = None):
    start = time.monotonic()
    response = get(url, text, headers)
    return response, time.monotonic() - start


def slow_after(moment: datetime.datetime) -> str:
    """Return a query that matches nothing before `moment` and joins 3 patterns after.

    NOW() is the same for the whole query, so Oxigraph skips the join while the
    filter is false: the same text, on the same data, goes from 0 ms to seconds.
    """
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f "
        f'FILTER (NOW() > "{stamp}"^^<{XSD_DATE_TIME}>) }}'
    )


def repeat_until_moment(url: str, build, headers: dict | None = None) -> str:
    """Send the query of `build(moment)` often enough to run in the event loop.

    The query runs once in a worker and twice in the server before `moment`, which is
    2 s from now. The function returns the text once `moment` has passed.
    """
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
    text = build(moment)
    for _ in range(3):
        response = get(url, text, headers)
        assert response.status_code == 200, response.text
    assert datetime.datetime.now(datetime.UTC) < moment, "the repeats came too late"
    while datetime.datetime.now(datetime.UTC) <= moment:
        time.sleep(0.05)
    return text


def test_repeat_within_time_limit(chain_server):
    text = repeat_until_moment(chain_server, slow_after)
    response, elapsed = timed_get(chain_server, text)
    assert response.status_code == 503, (elapsed, response.text)
    assert elapsed < TIME_LIMIT + SLACK, elapsed


def probe_while(url: str, busy: threading.Event) -> list[float]:
    """Send ASK {} every 50 ms while `busy` is set; return each duration."""
    durations = []
    busy.wait()
    time.sleep(0.2)
    while busy.is_set():
        _, elapsed = timed_get(url, "ASK {}", EDITOR)
        durations.append(elapsed)
        time.sleep(0.05)
    return durations


def test_slow_repeat_leaves_event_loop_free(chain_server):
    text = repeat_until_moment(chain_server, slow_after)
    busy = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as executor:
        probes = executor.submit(probe_while, chain_server, busy)
        busy.set()
        timed_get(chain_server, text)
        busy.clear()
        durations = probes.result()
    assert durations, "no ASK {} was sent during the slow repeat"
    assert max(durations) < QUICK, durations


@pytest.fixture
def restricted_server(settings, store):
    """Serve 40 public graphs and a restricted one of 50,000 triples.

    The anonymous user may read 40 graphs, more than `views.MIN_GRAPHS`, so a process
    that evaluates its queries builds a view without the restricted graph first:
    removing the 50,000 triples took about 1 s on a 2-core container.
    """
    for n in range(40):
        graph = NamedNode(f"{BASE}/graph/dataset/public-{n}")
        store.add_quads(chain_quads(graph, 3))
    restricted = NamedNode(f"{BASE}/graph/dataset/restricted")
    store.add_quads(chain_quads(restricted, 50_000))
    visibility = Iris(BASE).concept("visibility", "restricted")
    store.add_quads([Quad(NamedNode("urn:s0"), MLG.visibility, visibility, restricted)])
    settings.admin_token = "admin-secret"
    settings.query_timeout = 30.0
    with serve(create_app(settings, store=store)) as url:
        yield url


def test_repeat_with_view_leaves_event_loop_free(restricted_server):
    url = restricted_server
    # The administrator's repeat opens the snapshot in the server.
    for _ in range(2):
        assert get(url, "ASK { ?s ?p ?o }", ADMIN).status_code == 200
    # The worker builds its view on the first run and is quick on the second.
    text = "ASK { ?s <urn:p> '7' }"
    for _ in range(2):
        response = get(url, text)
        assert response.status_code == 200, response.text
    busy = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as executor:
        probes = executor.submit(probe_while, url, busy)
        busy.set()
        response, elapsed = timed_get(url, text)
        time.sleep(0.3)
        busy.clear()
        durations = probes.result()
    assert response.status_code == 200, response.text
    assert max(durations) < QUICK, (elapsed, durations)


def rows_after(moment: datetime.datetime) -> str:
    """Return a query that has no solution before `moment` and 300 after."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return (
        "SELECT ?s WHERE { ?s ?p ?o "
        f'FILTER (NOW() > "{stamp}"^^<{XSD_DATE_TIME}>) }}'
    )


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_repeat_too_large_same_error(settings, store, accept):
    store.add_quads(chain_quads(NamedNode(f"{BASE}/graph/dataset/chain"), 300))
    settings.max_result_rows = 10
    headers = {"Accept": accept}
    with serve(create_app(settings, store=store)) as url:
        from_worker = get(url, "SELECT ?s WHERE { ?s ?p ?o }", headers)
        text = repeat_until_moment(url, rows_after, headers)
        from_server = get(url, text, headers)
    assert from_worker.status_code == 422, from_worker.text
    assert from_server.status_code == from_worker.status_code, from_server.text
    assert from_server.json() == from_worker.json()


OPEN_GRAPH = f"{BASE}/graph/dataset/open"
OPEN_URL = "/graphs?graph=" + quote(OPEN_GRAPH, safe="")
TURTLE = {"content-type": "text/turtle"}
VALUES = f"SELECT ?o WHERE {{ GRAPH <{OPEN_GRAPH}> {{ ?s <urn:p> ?o }} }} ORDER BY ?o"


@pytest.fixture
def client(settings, store):
    store.add_quads(chain_quads(NamedNode(OPEN_GRAPH), 1))
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def values(client, text: str = VALUES, headers: dict | None = None) -> list[str]:
    response = client.get(
        "/sparql", params={"query": text}, headers={**JSON, **(headers or {})}
    )
    assert response.status_code == 200, response.text
    return [row["o"]["value"] for row in response.json()["results"]["bindings"]]


def put_turtle(client, turtle: str) -> None:
    response = client.put(OPEN_URL, content=turtle, headers={**TURTLE, **EDITOR})
    assert response.status_code in (200, 201, 204), response.text


def post_turtle(client, turtle: str) -> None:
    response = client.post(OPEN_URL, content=turtle, headers={**TURTLE, **EDITOR})
    assert response.status_code in (200, 201, 204), response.text


def delete_graph(client) -> None:
    response = client.delete(OPEN_URL, headers=EDITOR)
    assert response.status_code in (200, 204), response.text


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda client: put_turtle(client, "<urn:s9> <urn:p> '9' ."), ["9"]),
        (lambda client: post_turtle(client, "<urn:s9> <urn:p> '9' ."), ["0", "9"]),
        (delete_graph, []),
    ],
    ids=["put", "post", "delete"],
)
def test_repeat_after_graph_store_write(client, write, expected):
    # A worker evaluates the first run, the server the next ones.
    for _ in range(3):
        assert values(client) == ["0"]
    write(client)
    assert values(client) == expected
    assert values(client) == expected


@pytest.fixture
def group_client(settings, store):
    """Serve a graph that only the group juristes may read, and a reader in it."""
    graph = NamedNode(f"{BASE}/graph/dataset/secret")
    store.add_quads(chain_quads(graph, 2))
    restrict_graph(store, graph, BASE)
    token = add_reader(settings)[1].secret
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client, {"authorization": f"Bearer {token}"}


def test_repeat_of_reader_hidden_from_anonymous(group_client):
    client, reader = group_client
    text = "SELECT ?o WHERE { ?s <urn:p> ?o } ORDER BY ?o"
    for _ in range(3):
        assert values(client, text, reader) == ["0", "1"]
    for _ in range(3):
        assert values(client, text) == []
    assert values(client, text, reader) == ["0", "1"]
