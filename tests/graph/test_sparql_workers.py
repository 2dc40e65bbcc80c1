"""The query pool: worker processes on snapshots of the store, killed at the time limit."""

import dataclasses
import json
import os
import signal
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.errors import QueryTimeoutError, ResultTooLargeError
from maillage.graph.sparql import QueryRequest
from maillage.graph.sparql.errors import MalformedQueryError
from maillage.graph.sparql.formats import GRAPH_FORMATS, JSON
from maillage.graph.sparql.query import evaluate_query, prepare_query
from maillage.graph.sparql.workers import QueryPool, _time_key, dataset_key

GRAPH = NamedNode("http://maillage.test/graph/dataset/chain")
SELECT_ALL = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?s"
# Three patterns over every triple, with a filter that needs all three bindings: the
# engine must walk the whole cross product before it can reject a solution.
RUNAWAY = """
SELECT * WHERE {
  ?a ?p ?b . ?c ?q ?d . ?e ?r ?f
  FILTER (STR(?b) = CONCAT(STR(?d), STR(?f), "never"))
}
"""
SLACK = 2.0


def choose(form):
    return JSON if form in ("SELECT", "ASK") else GRAPH_FORMATS[0]


def prepared(text):
    return prepare_query(QueryRequest(text), choose_format=choose, readable=None)


def add_values(store, *values):
    quads = [
        Quad(NamedNode(f"urn:s{value}"), NamedNode("urn:p"), Literal(value), GRAPH)
        for value in values
    ]
    store.add_quads(quads)


def objects(body):
    return [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]]


@pytest.fixture
def pool(store):
    query_pool = QueryPool(store, size=2)
    yield query_pool
    query_pool.close()


def is_running(pid):
    """Return True while the process exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        # The process ended, possibly between listing /proc and reading the file.
        return False
    return status.split(") ", 1)[1][0] != "Z"


def test_pool_returns_oxigraph_bytes(store, pool):
    add_values(store, "a", "b")
    answer = pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    expected = evaluate_query(store, prepared(SELECT_ALL), max_rows=10)
    assert answer.body == expected.body
    assert (answer.form, answer.size) == ("SELECT", 2)


def test_pool_sees_each_write(store, pool):
    add_values(store, "a")
    first = pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    add_values(store, "b")
    second = pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    assert objects(first.body) == ["a"]
    assert objects(second.body) == ["a", "b"]


def test_pool_reuses_snapshot_without_write(store, pool):
    add_values(store, "a")
    pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    snapshots = list(pool._root.iterdir())
    assert [path.name for path in snapshots] == ["snapshot-1"]


def test_pool_deletes_stale_snapshots(store, pool):
    for value in "abcde":
        add_values(store, value)
        pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    # The current snapshot, and at most one other that an idle worker keeps open.
    assert len(list(pool._root.iterdir())) <= 2


def test_pool_raises_query_errors(store, pool):
    add_values(store, "a", "b")
    with pytest.raises(ResultTooLargeError) as raised:
        pool.run(prepared(SELECT_ALL), max_rows=1, timeout=30)
    assert "more than 1 solutions" in raised.value.message


def test_pool_raises_oxigraph_syntax_checks(store, pool):
    # rdflib accepts SELECT * with GROUP BY, Oxigraph rejects it when it evaluates.
    query = prepared("SELECT * WHERE { ?s ?p ?o } GROUP BY ?s")
    with pytest.raises(MalformedQueryError):
        pool.run(query, max_rows=10, timeout=30)


def test_pool_runaway_killed_at_time_limit(store, pool):
    add_values(store, *[str(n) for n in range(400)])
    pool.run(prepared(SELECT_ALL), max_rows=1000, timeout=30)
    start = time.monotonic()
    with pytest.raises(QueryTimeoutError) as raised:
        pool.run(prepared(RUNAWAY), max_rows=10, timeout=1.0)
    elapsed = time.monotonic() - start
    assert elapsed < 1.0 + SLACK, elapsed
    assert raised.value.message.startswith("the query did not finish within 1 s")


def test_pool_runaway_worker_is_gone(store, pool):
    add_values(store, *[str(n) for n in range(400)])
    pool.run(prepared(SELECT_ALL), max_rows=1000, timeout=30)
    before = set(pool.worker_pids())
    with pytest.raises(QueryTimeoutError):
        pool.run(prepared(RUNAWAY), max_rows=10, timeout=1.0)
    killed = before - set(pool.worker_pids())
    assert len(killed) == 1, (before, pool.worker_pids())
    assert not any(is_running(pid) for pid in killed)


def test_pool_answers_after_runaway(store, pool):
    add_values(store, *[str(n) for n in range(400)])
    with pytest.raises(QueryTimeoutError):
        pool.run(prepared(RUNAWAY), max_rows=10, timeout=1.0)
    answer = pool.run(prepared("ASK { ?s <urn:p> '7' }"), max_rows=10, timeout=30)
    assert json.loads(answer.body) == {"head": {}, "boolean": True}


def test_pool_close_stops_workers(store):
    query_pool = QueryPool(store, size=2)
    add_values(store, "a")
    query_pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    pids = query_pool.worker_pids()
    query_pool.close()
    assert pids
    assert not any(is_running(pid) for pid in pids)


def test_pool_close_removes_snapshots(store):
    query_pool = QueryPool(store, size=1)
    add_values(store, "a")
    query_pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    root = query_pool._root
    query_pool.close()
    assert not root.exists()


def test_pool_in_memory_store(tmp_path):
    from maillage.graph.store import GraphStore

    memory = GraphStore(None)
    add_values(memory, "m")
    query_pool = QueryPool(memory, size=1)
    try:
        answer = query_pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    finally:
        query_pool.close()
        memory.close()
    assert objects(answer.body) == ["m"]


def test_pool_worker_pid_differs_from_server(store, pool):
    add_values(store, "a")
    pool.run(prepared(SELECT_ALL), max_rows=10, timeout=30)
    assert os.getpid() not in pool.worker_pids()


def restricted(text, graphs):
    return prepare_query(QueryRequest(text), choose_format=choose, readable=graphs)


def test_pool_keeps_each_dataset_apart(store, pool):
    other = NamedNode("http://maillage.test/graph/dataset/other")
    add_values(store, "a")
    z = Quad(NamedNode("urn:sz"), NamedNode("urn:p"), Literal("z"), other)
    store.add_quads([z])
    datasets = [[GRAPH], [other], [GRAPH, other], []]
    expected = [["a"], ["z"], ["a", "z"], []]
    # More rounds than a worker keeps datasets, so that some leave its cache.
    for _ in range(3):
        for index in [0, 1, 2, 3, 2, 1, 0]:
            answer = pool.run(
                restricted(SELECT_ALL, datasets[index]), max_rows=10, timeout=30
            )
            assert objects(answer.body) == expected[index]
    for count in range(12):
        graphs = [NamedNode(f"http://maillage.test/graph/dataset/g{count}"), GRAPH]
        answer = pool.run(restricted(SELECT_ALL, graphs), max_rows=10, timeout=30)
        assert objects(answer.body) == ["a"]


def test_pool_reuses_guard_verdict(pool):
    first = pool.check_query(SELECT_ALL, timeout=30)
    assert pool.check_query(SELECT_ALL, timeout=30) is first
    assert pool.check_query(SELECT_ALL, ("http://127.0.0.1/",), timeout=30) is not first
    with pytest.raises(MalformedQueryError):
        pool.check_query("SELECT WHERE {", timeout=30)


def test_run_here_matches_worker_result(store, pool):
    add_values(store, "a", "b")
    query = prepared(SELECT_ALL)
    assert pool.run_here(query, max_rows=10) is None
    from_worker = pool.run(query, max_rows=10, timeout=30)
    in_server = pool.run_here(query, max_rows=10)
    assert in_server is not None
    assert (in_server.body, in_server.form, in_server.size) == (
        from_worker.body,
        from_worker.form,
        from_worker.size,
    )


def test_run_here_without_workers(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    pids = pool.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(is_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(is_running(pid) for pid in pids)
    answer = pool.run_here(query, max_rows=10)
    assert answer is not None
    assert objects(answer.body) == ["a"]


def test_run_here_after_write_needs_worker(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    add_values(store, "b")
    assert pool.run_here(query, max_rows=10) is None
    assert objects(pool.run(query, max_rows=10, timeout=30).body) == ["a", "b"]
    assert objects(pool.run_here(query, max_rows=10).body) == ["a", "b"]


def test_run_here_other_dataset_needs_worker(store, pool):
    add_values(store, "a")
    union = prepared(SELECT_ALL)
    pool.run(union, max_rows=10, timeout=30)
    other = prepare_query(
        QueryRequest(SELECT_ALL),
        choose_format=choose,
        readable=[NamedNode("http://maillage.test/graph/dataset/other")],
    )
    assert pool.run_here(other, max_rows=10) is None
    assert objects(pool.run(other, max_rows=10, timeout=30).body) == []


def test_run_here_only_within_time(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    assert pool.run_here(query, max_rows=10, within=0.0) is None
    assert pool.run_here(query, max_rows=10) is not None


def test_run_here_quick_only_when_open(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    assert pool.run_here(query, max_rows=10, quick_only=True) is None
    assert pool.run_here(query, max_rows=10) is not None
    assert pool.run_here(query, max_rows=10, quick_only=True) is not None


def test_run_here_quick_only_needs_quick_last_run(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    assert pool.run_here(query, max_rows=10) is not None
    shortest = pool.known_seconds(query)
    assert shortest is not None
    generation = store.generation
    key = dataset_key(query.dataset)
    # A run three times slower keeps the shortest time but is the last one.
    pool._record_time(generation, key, query, 3 * shortest)
    within = 2 * shortest
    assert pool.known_seconds(query) == 3 * shortest
    assert pool.run_here(query, max_rows=10, within=within, quick_only=True) is None
    assert pool.run_here(query, max_rows=10, within=within) is not None


def test_known_seconds_none_after_write(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    assert pool.known_seconds(query) is None
    pool.run(query, max_rows=10, timeout=30)
    assert pool.known_seconds(query) is not None
    add_values(store, "b")
    assert pool.known_seconds(query) is None


@pytest.mark.parametrize(
    "change",
    [{"search_matches": {}}, {"services": ("http://127.0.0.1:9/sparql",)}],
    ids=["search", "service"],
)
def test_run_here_skips_search_and_service(store, pool, change):
    add_values(store, "a")
    query = dataclasses.replace(prepared(SELECT_ALL), **change)
    pool.run(query, max_rows=10, timeout=30)
    assert pool.run_here(query, max_rows=10) is None


def test_run_here_bounded_by_pool_size(store, pool):
    add_values(store, "a")
    query = prepared(SELECT_ALL)
    pool.run(query, max_rows=10, timeout=30)
    for _ in range(pool.size):
        assert pool._local_slots.acquire(blocking=False)
    try:
        assert pool.run_here(query, max_rows=10) is None
    finally:
        for _ in range(pool.size):
            pool._local_slots.release()
    assert pool.run_here(query, max_rows=10) is not None


def test_run_here_closes_stale_stores(store, pool):
    query = prepared(SELECT_ALL)
    for value in "abcd":
        add_values(store, value)
        pool.run(query, max_rows=10, timeout=30)
        assert pool.run_here(query, max_rows=10) is not None
    open_in_server = set(pool._local_stores)
    assert len(open_in_server) == 1
    assert all(path.exists() for path in open_in_server)
    assert len(list(pool._root.iterdir())) <= 2


def test_run_here_time_keeps_shortest_run(pool):
    query = prepared(SELECT_ALL)
    key = _time_key(1, "dataset", query)
    pool._record_time(1, "dataset", query, 0.010)
    pool._record_time(1, "dataset", query, 0.030)
    assert pool._times[key] == (0.010, 0.030)
    pool._record_time(1, "dataset", query, 0.004)
    assert pool._times[key] == (0.004, 0.004)
    # Past four times the shortest, the slow run replaces it.
    pool._record_time(1, "dataset", query, 0.020)
    assert pool._times[key] == (0.020, 0.020)
