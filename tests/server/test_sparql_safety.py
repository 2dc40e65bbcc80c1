"""The public endpoint opens no connection and reads no file that a query names.

A plain socket server on 127.0.0.1 records every connection; each test proves that the
request under test did not reach it.
"""

import socket
import threading

import pytest
from fastapi.testclient import TestClient
from maillage.server.app import create_app
from pyoxigraph import Literal, NamedNode, Quad

# What the listener sends back when asked, so that an allowed SERVICE call succeeds.
SOLUTIONS = (
    b'{"head":{"vars":["o"]},"results":{"bindings":'
    b'[{"o":{"type":"literal","value":"remote"}}]}}'
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
    b"Content-Length: "
    + str(len(SOLUTIONS)).encode()
    + b"\r\nConnection: close\r\n\r\n"
    + SOLUTIONS
)


class Listener:
    """A TCP server thread that records each connection and replies with `RESPONSE`."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.stopped = threading.Event()
        self.requests: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(2)
                try:
                    self.requests.append(connection.recv(65536))
                    connection.sendall(RESPONSE)
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def client(settings, store, iris):
    graph = iris.dataset_graph("public")
    store.add_quads(
        [Quad(NamedNode("urn:s"), NamedNode("urn:p"), Literal("local"), graph)]
    )
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def ask(client, query):
    return client.get("/sparql", params={"query": query})


def test_service_is_rejected_and_reaches_nothing(client, listener):
    endpoint = f"{listener.url}/sparql"
    response = ask(client, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": f"SERVICE <{endpoint}> is not allowed: this endpoint is not in the "
        "federation allowlist",
        "code": "service_not_allowed",
    }
    assert listener.requests == []


def test_service_silent_in_subquery_reaches_nothing(client, listener):
    query = (
        "SELECT * WHERE { ?s ?p ?o OPTIONAL { SELECT ?x WHERE { "
        f"FILTER EXISTS {{ SERVICE SILENT <{listener.url}/s> {{ ?x ?y ?z }} }} }} }} }}"
    )
    response = ask(client, query)
    assert response.status_code == 400, response.text
    assert listener.requests == []


def test_service_variable_reaches_nothing(client, listener):
    query = (
        f"SELECT * WHERE {{ BIND(<{listener.url}/s> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}"
    )
    response = ask(client, query)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "service_not_allowed"
    assert listener.requests == []


def test_from_remote_document_reaches_nothing(client, listener):
    response = ask(client, f"SELECT * FROM <{listener.url}/x.ttl> WHERE {{ ?s ?p ?o }}")
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    assert listener.requests == []


def test_from_named_remote_document_reaches_nothing(client, listener):
    graph = f"{listener.url}/x.ttl"
    query = f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    response = ask(client, query)
    assert response.json()["results"]["bindings"] == []
    assert listener.requests == []


def test_from_local_file_reads_nothing(client):
    response = ask(client, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []


def test_protocol_graph_remote_reaches_nothing(client, listener):
    response = client.get(
        "/sparql",
        params={
            "query": "SELECT * WHERE { ?s ?p ?o }",
            "default-graph-uri": listener.url,
        },
    )
    assert response.json()["results"]["bindings"] == []
    assert listener.requests == []


def test_escaped_quote_cannot_hide_service(client, listener):
    # rdflib expands escapes before parsing, but Oxigraph reads them in strings only. So
    # an escaped backslash could end a string for one parser and not for the other.
    query = (
        'SELECT * WHERE { ?s ?p "\\u005C" . '
        f'SERVICE <{listener.url}/s> {{ ?a ?b ?c }} }} #" }}'
    )
    response = ask(client, query)
    assert response.status_code == 400, response.text
    assert listener.requests == []


def test_comment_with_carriage_return_reaches_nothing(client, listener):
    query = (
        "SELECT * WHERE { ?s ?p ?o # note\r "
        f"SERVICE <{listener.url}/s> {{ ?a ?b ?c }}\n}}"
    )
    ask(client, query)
    assert listener.requests == []


def test_malformed_query_with_service_reaches_nothing(client, listener):
    response = ask(client, f"ASK {{ SERVICE <{listener.url}/s> {{ ?s ?p }} }}")
    assert response.status_code == 400, response.text
    assert listener.requests == []


def test_construct_with_service_reaches_nothing(client, listener):
    endpoint = f"{listener.url}/s"
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    response = ask(client, query)
    assert response.status_code == 400, response.text
    assert listener.requests == []


def test_allowlisted_service_is_called(settings, store, listener):
    endpoint = f"{listener.url}/sparql"
    settings.federation_allowlist = [endpoint]
    query = f"SELECT ?o WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"
    with TestClient(create_app(settings, store=store)) as client:
        response = ask(client, query)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [
        {"o": {"type": "literal", "value": "remote"}}
    ]
    assert len(listener.requests) == 1
