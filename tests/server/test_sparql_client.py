"""A real SPARQL client, rdflib's SPARQLStore, reads maillage through uvicorn."""

import socket
import threading
import time
from urllib.error import HTTPError

import pytest
import uvicorn
from maillage.server.app import create_app
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.plugins.stores.sparqlstore import SPARQLStore

MLG = "https://w3id.org/maillage/ns#"
PRIVAS = "http://maillage.test/id/commune/07186"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@pytest.fixture
def endpoint(settings, store, iris):
    """Serve the app on a free port of 127.0.0.1 in a thread; return the /sparql URL."""
    graph = iris.dataset_graph("communes-07")
    privas = NamedNode(PRIVAS)
    store.add_quads(
        [
            Quad(
                privas,
                NamedNode(MLG + "population"),
                Literal("8198", datatype=XSD_INTEGER),
                graph,
            ),
            Quad(
                privas,
                NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                Literal("Privas", language="fr"),
                graph,
            ),
        ]
    )
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    config = uvicorn.Config(create_app(settings, store=store), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]})
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(timeout=10)
    listening.close()


@pytest.mark.parametrize("return_format", ["xml", "json"])
def test_sparql_store_select(endpoint, return_format):
    graph = Graph(store=SPARQLStore(endpoint, returnFormat=return_format))
    rows = list(
        graph.query(
            "SELECT ?label ?population WHERE { "
            f"<{PRIVAS}> skos:prefLabel ?label ; mlg:population ?population }}"
        )
    )
    assert rows == [(RDFLiteral("Privas", lang="fr"), RDFLiteral(8198))]


def test_sparql_store_triples(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    objects = set(graph.objects(URIRef(PRIVAS), URIRef(MLG + "population")))
    assert objects == {RDFLiteral(8198)}


def test_sparql_store_ask(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    result = graph.query(f"ASK {{ <{PRIVAS}> ?p ?o }}")
    assert result.askAnswer is True


def test_sparql_store_construct(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    result = graph.query("CONSTRUCT WHERE { ?s mlg:population ?o }")
    assert set(result) == {
        (URIRef(PRIVAS), URIRef(MLG + "population"), RDFLiteral(8198))
    }


def test_sparql_store_malformed_query(endpoint):
    graph = Graph(store=SPARQLStore(endpoint))
    with pytest.raises(ValueError) as raised:
        list(graph.query("SELECT * WHERE { ?s ?p }"))
    # rdflib replaces the HTTP error by a ValueError of its own and keeps it as context.
    assert isinstance(raised.value.__context__, HTTPError)
    assert raised.value.__context__.code == 400
