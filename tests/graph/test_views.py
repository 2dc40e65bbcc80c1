"""Views of a read-only store: the same answers as Oxigraph's lists of graphs."""

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.store import GraphStore
from maillage.graph.views import MAX_VIEWS, MIN_GRAPHS

P = NamedNode("urn:p")
GRAPHS = [
    NamedNode(f"http://maillage.test/graph/dataset/g{i:02d}")
    for i in range(MIN_GRAPHS + 8)
]
READABLE = GRAPHS[: MIN_GRAPHS + 2]


@pytest.fixture
def snapshot(tmp_path: Path):
    """A read-only copy of a store with one subject per graph, urn:s00 in g00 ..."""
    live = GraphStore(tmp_path / "live")
    live.add_quads(
        Quad(NamedNode(f"urn:s{i:02d}"), P, Literal(str(i)), graph)
        for i, graph in enumerate(GRAPHS)
    )
    live.snapshot(tmp_path / "snapshot")
    live.close()
    store = GraphStore(tmp_path / "snapshot", read_only=True)
    yield store
    if hasattr(store, "oxigraph"):
        store.close()


def subjects(store, text, **dataset):
    return sorted(solution["s"].value for solution in store.evaluate(text, **dataset))


def test_view_reads_only_listed_graphs(snapshot):
    found = subjects(
        snapshot,
        "SELECT ?s WHERE { ?s ?p ?o }",
        default_graph=READABLE,
        named_graphs=READABLE,
    )
    assert found == [f"urn:s{i:02d}" for i in range(len(READABLE))]


def test_view_graph_ranges_over_listed_graphs(snapshot):
    query = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    found = subjects(snapshot, query, default_graph=READABLE, named_graphs=READABLE)
    assert len(found) == len(READABLE)


def test_view_keeps_a_smaller_named_list(snapshot):
    query = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    found = subjects(snapshot, query, default_graph=READABLE, named_graphs=READABLE[:2])
    assert found == ["urn:s00", "urn:s01"]


def test_view_not_used_for_graphs_outside_the_list(snapshot):
    query = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    found = subjects(snapshot, query, default_graph=READABLE, named_graphs=GRAPHS[-1:])
    assert found == [f"urn:s{len(GRAPHS) - 1:02d}"]


def test_view_answers_equal_lists(snapshot, tmp_path):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    by_view = subjects(snapshot, query, default_graph=READABLE, named_graphs=READABLE)
    by_list = sorted(
        solution["s"].value
        for solution in snapshot.oxigraph.query(
            query, default_graph=READABLE, named_graphs=READABLE
        )
    )
    assert by_view == by_list


def test_views_deleted_on_close(snapshot, tmp_path):
    snapshot.evaluate("ASK { ?s ?p ?o }", default_graph=READABLE, named_graphs=READABLE)
    assert list(tmp_path.glob("snapshot.view-*")) != []
    snapshot.close()
    assert list(tmp_path.glob("snapshot.view-*")) == []


def test_writable_store_makes_no_view(tmp_path):
    store = GraphStore(tmp_path / "live")
    store.add_quads(
        Quad(NamedNode("urn:s"), P, Literal("1"), graph) for graph in GRAPHS
    )
    store.evaluate("ASK { ?s ?p ?o }", default_graph=READABLE, named_graphs=READABLE)
    store.close()
    assert list(tmp_path.glob("live.view-*")) == []


def test_writable_store_answers_long_lists_from_a_copy(tmp_path):
    store = GraphStore(tmp_path / "live")
    store.add_quads(
        Quad(NamedNode(f"urn:s{i:02d}"), P, Literal(str(i)), graph)
        for i, graph in enumerate(GRAPHS)
    )
    query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    first = [row["s"].value for row in store.select(query, default_graph=READABLE)]
    assert first == [f"urn:s{i:02d}" for i in range(len(READABLE))]
    assert list((tmp_path / "live.readers").iterdir()) != []
    store.add_quads([Quad(NamedNode("urn:new"), P, Literal("new"), READABLE[0])])
    after = [row["s"].value for row in store.select(query, default_graph=READABLE)]
    assert "urn:new" in after
    store.close()
    assert list((tmp_path / "live.readers").iterdir()) == []


def test_copy_keeps_graph_within_the_list(tmp_path):
    store = GraphStore(tmp_path / "live")
    store.add_quads(
        Quad(NamedNode(f"urn:s{i:02d}"), P, Literal(str(i)), graph)
        for i, graph in enumerate(GRAPHS)
    )
    rows = store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=READABLE
    )
    assert {row["g"].value for row in rows} == {graph.value for graph in READABLE}
    store.close()


def test_view_status_ready_without_view(snapshot):
    assert snapshot.view_status(None, None) == "ready"
    assert snapshot.view_status(GRAPHS[:3], GRAPHS[:3]) == "ready"


def test_view_status_absent_then_ready(snapshot):
    assert snapshot.view_status(READABLE, READABLE) == "absent"
    subjects(
        snapshot, "SELECT ?s { ?s ?p ?o }", default_graph=READABLE, named_graphs=READABLE
    )
    assert snapshot.view_status(list(READABLE), list(READABLE)) == "ready"


def test_view_status_full_when_views_kept(tmp_path, snapshot):
    snapshot.close()
    store = GraphStore(tmp_path / "snapshot", read_only=True, evicts_views=False)
    try:
        for size in range(MAX_VIEWS):
            graphs = GRAPHS[: MIN_GRAPHS + size]
            subjects(
                store, "SELECT ?s { ?s ?p ?o }", default_graph=graphs, named_graphs=graphs
            )
        assert store.view_status(GRAPHS, GRAPHS) == "full"
        # A store that keeps its views builds a fifth one if asked, evicting none.
        subjects(
            store, "SELECT ?s { ?s ?p ?o }", default_graph=GRAPHS, named_graphs=GRAPHS
        )
        assert len(list(tmp_path.glob("snapshot.view-*"))) == MAX_VIEWS + 1
    finally:
        store.close()


def test_view_status_busy_while_building(snapshot):
    snapshot._views_lock.acquire()
    try:
        assert snapshot.view_status(READABLE, READABLE) == "busy"
    finally:
        snapshot._views_lock.release()
