"""SPARQL updates at /sparql: editor only, POST only, dataset graphs only."""

import logging
import socket
import threading

import pytest
from fastapi.testclient import TestClient
from maillage.graph.sparql.workers import QueryPool
from maillage.server.app import create_app
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from tests.conftest import BASE_IRI

EDITOR = {"Authorization": "Bearer editor-secret"}
UPDATE = "application/sparql-update"


@pytest.fixture
def client(settings, store):
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


@pytest.fixture
def dataset(iris):
    return iris.dataset_graph("communes-07").value


def post_update(client, text, headers=EDITOR):
    return client.post(
        "/sparql", content=text.encode(), headers={"Content-Type": UPDATE, **headers}
    )


def objects(store, graph):
    quads = store.oxigraph.quads_for_pattern(None, None, None, NamedNode(graph))
    return sorted(quad.object.value for quad in quads)


def test_update_insert_data(client, store, dataset):
    response = post_update(
        client, f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> 'x' }} }}"
    )
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["x"]


def test_update_form_field(client, store, dataset):
    update = f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> 'form' }} }}"
    response = client.post("/sparql", data={"update": update}, headers=EDITOR)
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["form"]


def test_update_form_field_over_one_megabyte(settings, store, dataset):
    settings.max_query_bytes = 2 * 1024 * 1024
    update = (
        "# " + "x" * (1024 * 1024 + 10) + "\n"
        f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> 'long' }} }}"
    )
    with TestClient(create_app(settings, store=store)) as client:
        response = client.post("/sparql", data={"update": update}, headers=EDITOR)
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["long"]


def test_update_with_delete_insert(client, store, dataset):
    graph = NamedNode(dataset)
    store.add_quads(
        [Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("old"), graph)]
    )
    update = (
        f"WITH <{dataset}> DELETE {{ ?s <urn:p> 'old' }} INSERT {{ ?s <urn:p> 'new' }} "
        "WHERE { ?s <urn:p> 'old' }"
    )
    response = post_update(client, update)
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["new"]


def test_update_without_token(client, store, dataset):
    response = post_update(
        client,
        f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> 'x' }} }}",
        headers={},
    )
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert objects(store, dataset) == []


def test_update_clear_missing_graph(client, dataset):
    response = post_update(client, f"CLEAR GRAPH <{dataset}>")
    assert response.status_code == 404, response.text
    assert response.json()["detail"] == (
        f"the update names <{dataset}>, which does not exist; add SILENT to skip it"
    )


def test_update_create_existing_graph(client, store, dataset):
    graph = NamedNode(dataset)
    store.add_quads([Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("x"), graph)])
    response = post_update(client, f"CREATE GRAPH <{dataset}>")
    assert response.status_code == 409, response.text


def test_update_wrong_token(client, dataset):
    headers = {"Authorization": "Bearer nope"}
    response = post_update(client, f"CLEAR GRAPH <{dataset}>", headers=headers)
    assert response.status_code == 401, response.text


def test_update_by_get(client, dataset):
    response = client.get(
        "/sparql", params={"update": f"CLEAR GRAPH <{dataset}>"}, headers=EDITOR
    )
    assert response.status_code == 405, response.text
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["allow"] == "POST"


def test_update_item_graph_forbidden(client, store, iris):
    graph = iris.item_graph("document", "diagnostic").value
    response = post_update(
        client, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:p> 'x' }} }}"
    )
    assert response.status_code == 403, response.text
    assert response.json() == {
        "detail": f"the graph <{graph}> contains the document item 'diagnostic', "
        "which is written through the REST API at /api/document, not through SPARQL",
        "code": "forbidden",
    }
    assert objects(store, graph) == []


def test_update_ontology_graph_forbidden(client, iris):
    response = post_update(client, f"CLEAR GRAPH <{iris.ontology_graph.value}>")
    assert response.status_code == 403, response.text


def test_update_default_graph_rejected(client, store):
    response = post_update(client, "INSERT DATA { <urn:a> <urn:p> 'x' }")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "default_graph_write"
    assert (
        list(store.oxigraph.quads_for_pattern(None, None, None, DefaultGraph())) == []
    )


def test_update_delete_where_default_rejected(client):
    response = post_update(client, "DELETE WHERE { ?s ?p ?o }")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "default_graph_write"


def test_update_clear_all_forbidden(client, store, dataset):
    graph = NamedNode(dataset)
    store.add_quads(
        [Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("kept"), graph)]
    )
    response = post_update(client, "CLEAR ALL")
    assert response.status_code == 403, response.text
    assert objects(store, dataset) == ["kept"]


def test_update_graph_variable_rejected(client, dataset):
    update = "INSERT { GRAPH ?g { ?s <urn:p> 1 } } WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = post_update(client, update)
    assert response.status_code == 400, response.text
    assert "known only at run time" in response.json()["detail"]


def test_update_second_operation_checked(client, store, dataset, iris):
    graph = iris.item_graph("action", "fa-01").value
    update = (
        f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> 'x' }} }} ; "
        f"COPY <{dataset}> TO <{graph}>"
    )
    response = post_update(client, update)
    assert response.status_code == 403, response.text
    # The check runs before the update: the first operation did not run either.
    assert objects(store, dataset) == []


def test_update_malformed(client):
    response = post_update(client, "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> } }")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_query"
    assert response.json()["line"] == 1


def test_update_query_and_update(client):
    response = client.post(
        "/sparql", data={"query": "ASK {}", "update": "CLEAR DEFAULT"}, headers=EDITOR
    )
    assert response.status_code == 400, response.text


def test_update_using_graph_parameter_sets_where_dataset(client, store, dataset):
    source = "http://maillage.test/graph/dataset/source"
    store.add_quads(
        [Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("copied"), NamedNode(source))]
    )
    update = f"INSERT {{ GRAPH <{dataset}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    response = client.post(
        "/sparql",
        params={"using-graph-uri": source},
        content=update.encode(),
        headers={"Content-Type": UPDATE, **EDITOR},
    )
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["copied"]


def test_update_using_graph_parameter_beside_with(client, dataset):
    response = client.post(
        "/sparql",
        params={"using-graph-uri": dataset},
        content=f"WITH <{dataset}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}".encode(),
        headers={"Content-Type": UPDATE, **EDITOR},
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "the update has a WITH clause and the request gives using-graph-uri "
        "or using-named-graph-uri: give the dataset in one place only",
        "code": "dataset_conflict",
    }


def test_update_logs_one_line(client, dataset, caplog):
    with caplog.at_level(logging.INFO, logger="maillage.server.routes.sparql"):
        post_update(client, f"CLEAR SILENT GRAPH <{dataset}>")
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("routes.sparql")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("SPARQL update: 1 operations (Clear) in ")
    assert lines[0].endswith("ms, role editor")


def test_query_after_update_reads_new_data(client, dataset, monkeypatch):
    evaluations = []
    run_in_worker = QueryPool.run

    def recording_run(self, *args, **kwargs):
        evaluations.append("worker")
        return run_in_worker(self, *args, **kwargs)

    monkeypatch.setattr(QueryPool, "run", recording_run)
    query = (
        f"SELECT ?o WHERE {{ GRAPH <{dataset}> {{ <urn:a> <urn:p> ?o }} }} ORDER BY ?o"
    )

    def values():
        response = client.get(
            "/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json", **EDITOR},
        )
        assert response.status_code == 200, response.text
        return [row["o"]["value"] for row in response.json()["results"]["bindings"]]

    for written in (["one"], ["one", "two"]):
        triple = f"<urn:a> <urn:p> '{written[-1]}'"
        update = f"INSERT DATA {{ GRAPH <{dataset}> {{ {triple} }} }}"
        assert post_update(client, update).status_code == 204
        evaluations.clear()
        # The first query after the write goes to a worker, the next runs in the server.
        assert values() == written
        assert values() == written
        assert evaluations == ["worker"]


class Listener:
    """A TCP server thread that records each connection and closes it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def test_update_load_reaches_nothing(client, listener, dataset):
    source = f"http://127.0.0.1:{listener.port}/data.ttl"
    response = post_update(client, f"LOAD <{source}> INTO GRAPH <{dataset}>")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "load_not_allowed"
    assert listener.connections == 0


def test_update_load_file_reads_nothing(client, store, dataset):
    response = post_update(
        client, f"LOAD <file:///etc/hostname> INTO GRAPH <{dataset}>"
    )
    assert response.status_code == 400, response.text
    assert objects(store, dataset) == []


def test_update_service_in_where_reaches_nothing(client, listener, dataset):
    endpoint = f"http://127.0.0.1:{listener.port}/sparql"
    update = (
        f"INSERT {{ GRAPH <{dataset}> {{ ?s ?p ?o }} }} "
        f"WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    )
    response = post_update(client, update)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "service_not_allowed"
    assert listener.connections == 0


def test_update_malformed_load_reaches_nothing(client, listener):
    # Reporting the syntax error must not run the LOAD either.
    source = f"http://127.0.0.1:{listener.port}/data.ttl"
    response = post_update(client, f"LOAD <{source}> INTO GRAPH")
    assert response.status_code == 400, response.text
    assert listener.connections == 0


def test_update_uses_undeclared_prefixes(client, store, dataset):
    text = f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> skos:prefLabel 'x' }} }}"
    response = post_update(client, text)
    assert response.status_code == 204, response.text
    predicates = {
        quad.predicate.value
        for quad in store.oxigraph.quads_for_pattern(None, None, None, NamedNode(dataset))
    }
    assert predicates == {"http://www.w3.org/2004/02/skos/core#prefLabel"}


def test_update_own_prefix_wins(client, store, dataset):
    text = (
        "PREFIX skos: <urn:mine#>\n"
        f"INSERT DATA {{ GRAPH <{dataset}> {{ <urn:a> skos:prefLabel 'x' }} }}"
    )
    assert post_update(client, text).status_code == 204
    quads = store.oxigraph.quads_for_pattern(None, None, None, NamedNode(dataset))
    assert [quad.predicate.value for quad in quads] == ["urn:mine#prefLabel"]


def test_update_unknown_prefix_error_keeps_client_line(client, dataset):
    # rdflib's parser lets the unknown prefix through; Oxigraph rejects it.
    text = f"INSERT DATA {{ GRAPH <{dataset}> {{\n <urn:a> unknown:p 'x' }} }}"
    response = post_update(client, text)
    assert response.status_code == 400, response.text
    assert response.json()["line"] == 2, response.text


def test_update_relative_item_graph_forbidden(client, store, iris):
    graph = iris.item_graph("document", "diagnostic").value
    text = "INSERT DATA { GRAPH <graph/document/diagnostic> { <urn:a> <urn:p> 'x' } }"
    response = post_update(client, text)
    assert response.status_code == 403, response.text
    assert objects(store, graph) == []


def test_update_relative_copy_from_item_forbidden(client, store, iris, dataset):
    item = iris.item_graph("document", "diagnostic")
    store.add_quads(
        [Quad(NamedNode("urn:secret"), NamedNode("urn:p"), Literal("secret"), item)]
    )
    response = post_update(client, f"COPY <graph/document/diagnostic> TO <{dataset}>")
    assert response.status_code == 403, response.text
    assert objects(store, dataset) == []


def test_update_relative_dataset_graph_resolves_against_base(client, store, dataset):
    relative = dataset.removeprefix(f"{BASE_IRI}/")
    response = post_update(
        client, f"INSERT DATA {{ GRAPH <{relative}> {{ <urn:a> <urn:p> 'x' }} }}"
    )
    assert response.status_code == 204, response.text
    assert objects(store, dataset) == ["x"]
