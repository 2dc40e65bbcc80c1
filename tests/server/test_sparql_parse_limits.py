"""Size and time limits of the parse of SPARQL requests at /sparql.

rdflib's parser, which the safety check uses, takes time that grows faster than the
text, so a long request must get 413 before the parse, or 503 once the parse passes the
time limit, and the client's query slot must be free after either.
"""

import time

import httpx
import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from tests.browser import serve

TIME_LIMIT = 2.0
SLACK = 2.0
ORDINARY = "ASK { ?s ?p ?o }"
EDITOR = {"Authorization": "Bearer editor-secret"}
# About 30 KB: rdflib 7.6 took 28 s to parse such a list of 24 KB.
IN_LIST = ",".join(str(n) for n in range(6000))
HEAVY_QUERY = f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o IN ({IN_LIST})) }}"
HEAVY_UPDATE = (
    "DELETE { GRAPH <http://maillage.test/graph/dataset/d> { ?s ?p ?o } } "
    "WHERE { GRAPH <http://maillage.test/graph/dataset/d> { ?s ?p ?o "
    f"FILTER(?o IN ({IN_LIST})) }} }}"
)
PARSE_TIMEOUT = {
    "detail": "the request could not be parsed within 2 s, the time limit of this "
    "endpoint; shorten it, for example its IN lists or VALUES blocks",
    "code": "query_timeout",
}


@pytest.fixture
def limited(settings):
    settings.query_timeout = TIME_LIMIT
    settings.max_concurrent_queries = 1
    return settings


@pytest.fixture
def client(limited, store):
    with TestClient(create_app(limited, store=store)) as test_client:
        yield test_client


def test_query_over_max_query_bytes_gets_413(settings, store):
    settings.max_query_bytes = 1000
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/sparql", params={"query": HEAVY_QUERY})
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "the query is larger than 1000 bytes, the limit of this endpoint; "
        "shorten it or split it",
        "code": "payload_too_large",
    }


def test_query_body_over_max_query_bytes_gets_413(settings, store):
    settings.max_query_bytes = 1000
    with TestClient(create_app(settings, store=store)) as client:
        response = client.post(
            "/sparql",
            content=HEAVY_QUERY.encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large", response.text


def test_query_at_max_query_bytes_passes(settings, store):
    text = ORDINARY + " " * 10
    settings.max_query_bytes = len(text)
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/sparql", params={"query": text})
    assert response.status_code == 200, response.text


def test_query_multibyte_over_max_query_bytes_gets_413(settings, store):
    # 300 characters, 600 bytes in UTF-8.
    text = f'ASK {{ ?s ?p "{"é" * 286}" }}'
    settings.max_query_bytes = 500
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/sparql", params={"query": text})
    assert response.status_code == 413, response.text


def test_update_over_max_query_bytes_gets_413(settings, store):
    settings.max_query_bytes = 1000
    with TestClient(create_app(settings, store=store)) as client:
        response = client.post("/sparql", data={"update": HEAVY_UPDATE}, headers=EDITOR)
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "the update is larger than 1000 bytes, the limit of this endpoint; "
        "shorten it or split it",
        "code": "payload_too_large",
    }


def test_query_heavy_parse_gets_503_in_time(client):
    start = time.monotonic()
    response = client.get("/sparql", params={"query": HEAVY_QUERY})
    elapsed = time.monotonic() - start
    assert response.status_code == 503, response.text
    assert response.json() == PARSE_TIMEOUT
    assert elapsed < TIME_LIMIT + SLACK, elapsed


def test_query_after_heavy_parse_answers(client):
    client.post(
        "/sparql",
        content=HEAVY_QUERY.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    response = client.get("/sparql", params={"query": ORDINARY})
    assert response.status_code == 200, response.text


def test_update_heavy_parse_gets_503_in_time(client):
    start = time.monotonic()
    response = client.post("/sparql", data={"update": HEAVY_UPDATE}, headers=EDITOR)
    elapsed = time.monotonic() - start
    assert response.status_code == 503, response.text
    assert response.json() == PARSE_TIMEOUT
    assert elapsed < TIME_LIMIT + SLACK, elapsed


def test_query_slot_freed_after_client_hangs_up(limited, store):
    with serve(create_app(limited, store=store)) as url:
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{url}/sparql", params={"query": HEAVY_QUERY}, timeout=0.3)
        start = time.monotonic()
        statuses = []
        while time.monotonic() - start < TIME_LIMIT + SLACK:
            response = httpx.get(f"{url}/sparql", params={"query": ORDINARY})
            statuses.append(response.status_code)
            if response.status_code == 200:
                break
            time.sleep(0.2)
    assert statuses[-1] == 200, statuses
