"""Time limit and per-client query limit of /sparql, over a real uvicorn server."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from maillage.server.app import create_app
from maillage.server.query_service import QueryLimiter
from starlette.exceptions import HTTPException
from tests.browser import serve

GRAPH = NamedNode("http://maillage.test/graph/dataset/chain")
RUNAWAY = """
SELECT * WHERE {
  ?a ?p ?b . ?c ?q ?d . ?e ?r ?f
  FILTER (STR(?b) = CONCAT(STR(?d), STR(?f), "never"))
}
"""
ORDINARY = "ASK { ?s <urn:p> '7' }"
TIME_LIMIT = 2.0
SLACK = 2.0


@pytest.fixture
def server(settings, store):
    store.add_quads(
        [
            Quad(NamedNode(f"urn:s{n}"), NamedNode("urn:p"), Literal(str(n)), GRAPH)
            for n in range(400)
        ]
    )
    settings.query_timeout = TIME_LIMIT
    settings.max_concurrent_queries = 2
    app = create_app(settings, store=store)
    with serve(app) as url:
        yield url, app


def query(url, text, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(
        f"{url}/sparql", params={"query": text}, headers=headers, timeout=60
    )


def is_running(pid):
    status = Path(f"/proc/{pid}/stat")
    if not status.exists():
        return False
    return status.read_text().split(") ", 1)[1][0] != "Z"


def pool_of(app):
    from maillage.graph.sparql.workers import pool_for

    return pool_for(app.state.store, size=app.state.settings.query_workers)


def test_runaway_gets_503_within_limit(server):
    url, _ = server
    start = time.monotonic()
    response = query(url, RUNAWAY)
    elapsed = time.monotonic() - start
    assert response.status_code == 503, response.text
    assert response.json() == {
        "detail": "the query did not finish within 2 s, the time limit of this "
        "endpoint; narrow its patterns or add a LIMIT",
        "code": "query_timeout",
    }
    assert elapsed < TIME_LIMIT + SLACK, elapsed


def test_ordinary_queries_answer_beside_runaway(server):
    url, _ = server
    with ThreadPoolExecutor(max_workers=1) as executor:
        runaway = executor.submit(query, url, RUNAWAY)
        time.sleep(0.3)
        answers = []
        while not runaway.done():
            started = time.monotonic()
            response = query(url, ORDINARY)
            answers.append((response.status_code, time.monotonic() - started))
            time.sleep(0.1)
        assert runaway.result().status_code == 503
    assert len(answers) >= 5, answers
    assert all(status == 200 for status, _ in answers), answers
    assert max(duration for _, duration in answers) < 1.0, answers


def test_runaway_worker_killed_after_503(server):
    url, app = server
    assert query(url, ORDINARY).status_code == 200
    pids = set(pool_of(app).worker_pids())
    busy = threading.Event()

    def run_runaway():
        busy.set()
        return query(url, RUNAWAY)

    with ThreadPoolExecutor(max_workers=1) as executor:
        runaway = executor.submit(run_runaway)
        busy.wait()
        time.sleep(0.5)
        pids |= set(pool_of(app).worker_pids())
        assert runaway.result().status_code == 503
    killed = pids - set(pool_of(app).worker_pids())
    assert len(killed) == 1, (pids, pool_of(app).worker_pids())
    assert not any(is_running(pid) for pid in killed), killed


def test_client_over_limit_gets_429(server):
    url, _ = server
    with ThreadPoolExecutor(max_workers=2) as executor:
        # Two runaway queries hold both slots of the anonymous client 127.0.0.1.
        held = [executor.submit(query, url, RUNAWAY) for _ in range(2)]
        time.sleep(0.5)
        refused = query(url, ORDINARY)
        other = query(url, ORDINARY, "editor-secret")
        for future in held:
            future.result()
    assert refused.status_code == 429, refused.text
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["code"] == "too_many_requests"
    assert other.status_code == 200, other.text


def test_limiter_frees_slot_after_query():
    limiter = QueryLimiter()
    with limiter.hold("address:127.0.0.1", 1):
        pass
    with limiter.hold("address:127.0.0.1", 1):
        with pytest.raises(HTTPException) as raised:
            with limiter.hold("address:127.0.0.1", 1):
                pass
    assert raised.value.status_code == 429
    assert raised.value.detail == (
        "this client already runs 1 queries, the limit of this endpoint; send the "
        "next one when one of them has finished"
    )
