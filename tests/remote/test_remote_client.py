"""What RemoteStore sends and how it reads answers, against small local HTTP servers."""

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions

from maillage.graph.errors import (
    MalformedRequestError,
    QueryTimeoutError,
    UnsafeRequestError,
)
from maillage.graph.remote import BackendError, RemoteStore, open_store
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app

SELECT_XML = (
    b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
    b'<head><variable name="s"/></head><results><result><binding name="s">'
    b"<uri>urn:s</uri></binding></result></results></sparql>"
)
RESULTS_XML = "application/sparql-results+xml"
G1 = NamedNode("http://maillage.test/graph/dataset/one")


@dataclass
class Reply:
    status: int = 200
    body: bytes = SELECT_XML
    headers: dict[str, str] = field(
        default_factory=lambda: {"Content-Type": RESULTS_XML}
    )
    delay: float = 0.0


@dataclass
class Recorder:
    """A local server's address, the requests it got, and how it replies."""

    url: str
    reply: Reply = field(default_factory=Reply)
    requests: list[dict] = field(default_factory=list)

    def form(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(self.requests[index]["body"].decode())


def _serve(
    make_reply: Callable[[], Reply], requests: list[dict]
) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
            reply = make_reply()
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    requests: list[dict] = []
    holder: list[Recorder] = []
    server = _serve(lambda: holder[0].reply, requests)
    host, port = server.server_address[:2]
    holder.append(Recorder(f"http://{host}:{port}/sparql", requests=requests))
    yield holder[0]
    server.shutdown()
    server.server_close()


@pytest.fixture
def store(recorder) -> Iterator[RemoteStore]:
    remote = RemoteStore(recorder.url, recorder.url, timeout=2)
    yield remote
    remote.close()


def test_evaluate_asks_xml_for_select(store, recorder):
    result = store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")
    assert isinstance(result, QuerySolutions)
    assert recorder.requests[0]["headers"]["Accept"] == RESULTS_XML


def test_evaluate_asks_n_triples_for_construct(store, recorder):
    recorder.reply = Reply(
        body=b"<urn:s> <urn:p> <urn:o> .\n",
        headers={"Content-Type": "application/n-triples"},
    )
    triples = list(store.evaluate("PREFIX ex: <urn:> CONSTRUCT WHERE { ?s ?p ?o }"))
    assert [t.subject.value for t in triples] == ["urn:s"]
    assert recorder.requests[0]["headers"]["Accept"] == "application/n-triples"


def test_evaluate_reads_virtuoso_ask(store, recorder):
    result = store.evaluate("ASK { ?s ?p ?o }")
    assert isinstance(result, QueryBoolean)
    assert bool(result) is True


def test_evaluate_sends_dataset_without_from(store, recorder):
    query = f"SELECT ?s FROM <{G1.value}> FROM NAMED <urn:g> WHERE {{ ?s ?p ?o }}"
    store.evaluate(query, default_graph=[G1, NamedNode("urn:g2")], named_graphs=[])
    form = recorder.form()
    assert form["default-graph-uri"] == [G1.value, "urn:g2"]
    assert form["named-graph-uri"] == ["urn:maillage:empty"]
    assert "FROM" not in form["query"][0]


def test_evaluate_sends_no_named_graphs_without_graph(store, recorder):
    store.evaluate("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[G1])
    assert "named-graph-uri" not in recorder.form()


def test_evaluate_declares_prefixes(store, recorder):
    store.evaluate("SELECT ?s WHERE { ?s ex:p ?o }", prefixes={"ex": "urn:ex:"})
    assert recorder.form()["query"][0].startswith("PREFIX ex: <urn:ex:>\n")


def test_evaluate_rejects_server_functions_unsent(store, recorder):
    with pytest.raises(UnsafeRequestError, match="bif:"):
        store.evaluate("SELECT (<bif:http_get>('http://127.0.0.1/') AS ?x) WHERE {}")
    assert recorder.requests == []


def test_update_rejects_define_pragma_unsent(store, recorder):
    with pytest.raises(UnsafeRequestError, match="define"):
        store.update(
            'define get:soft "replace" '
            "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
        )
    assert recorder.requests == []


def test_bad_request_is_malformed(store, recorder):
    recorder.reply = Reply(
        status=400, body=b"Virtuoso 37000 Error SP030: syntax error", headers={}
    )
    with pytest.raises(MalformedRequestError, match="SP030: syntax error"):
        store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")


def test_refused_account_is_backend_error(store, recorder):
    recorder.reply = Reply(status=401, body=b"", headers={})
    with pytest.raises(BackendError, match="refused the account"):
        store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")


def test_server_failure_is_backend_error(store, recorder):
    recorder.reply = Reply(
        status=500, body=b"Virtuoso 22012 Error SR084: Division by 0.", headers={}
    )
    with pytest.raises(BackendError, match="status 500: Virtuoso 22012"):
        store.update("CLEAR SILENT GRAPH <urn:g>")


def test_cut_result_is_timeout(store, recorder):
    recorder.reply = Reply(
        headers={"Content-Type": RESULTS_XML, "X-SQL-State": "S1TAT"}
    )
    with pytest.raises(QueryTimeoutError, match="time limit"):
        store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")


def test_slow_server_is_timeout(store, recorder):
    recorder.reply = Reply(delay=3)
    with pytest.raises(QueryTimeoutError, match="timed out after 2 s"):
        store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")


def test_closed_port_is_backend_error():
    remote = RemoteStore("http://127.0.0.1:9/sparql", timeout=2)
    with pytest.raises(BackendError, match="cannot reach the SPARQL server"):
        remote.evaluate("ASK {}")


def test_redirect_is_not_followed(store, recorder):
    elsewhere: list[dict] = []
    other = _serve(lambda: Reply(), elsewhere)
    target = f"http://127.0.0.1:{other.server_address[1]}/sparql"
    recorder.reply = Reply(status=307, body=b"", headers={"Location": target})
    with pytest.raises(BackendError, match="redirects to"):
        store.evaluate("SELECT ?s WHERE { ?s ?p ?o }")
    other.shutdown()
    other.server_close()
    assert elsewhere == []


def test_proxy_settings_are_ignored(store, recorder, monkeypatch):
    proxied: list[dict] = []
    proxy = _serve(lambda: Reply(), proxied)
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv("ALL_PROXY", proxy_url)
    fresh = RemoteStore(recorder.url, timeout=2)
    fresh.evaluate("SELECT ?s WHERE { ?s ?p ?o }")
    fresh.close()
    proxy.shutdown()
    proxy.server_close()
    assert proxied == []
    assert len(recorder.requests) == 1


def test_update_without_url_is_backend_error(recorder):
    remote = RemoteStore(recorder.url)
    with pytest.raises(BackendError, match="MAILLAGE_SPARQL_UPDATE_URL"):
        remote.drop_graph(G1)


def test_invalid_url_is_rejected():
    with pytest.raises(ValueError, match="give an http"):
        RemoteStore("file:///etc/passwd")


def test_open_store_embedded_without_url(settings):
    store = open_store(settings)
    assert isinstance(store, GraphStore)
    store.close()


def test_open_store_remote_with_digest(tmp_path):
    settings = Settings(
        store_path=tmp_path / "store",
        sparql_backend_url="http://127.0.0.1:8890/sparql-auth",
        sparql_backend_user="maillage",
        sparql_backend_password="secret",
    )
    store = open_store(settings)
    assert isinstance(store, RemoteStore)
    assert store.update_url == "http://127.0.0.1:8890/sparql-auth"
    assert isinstance(store._client.auth, httpx.DigestAuth)
    store.close()


def test_remote_query_parse_times_out(store, recorder, settings):
    settings.query_timeout = 2.0
    # An administrator reads every graph, so the endpoint sends no other query.
    settings.admin_token = "administrator-secret"
    headers = {"Authorization": "Bearer administrator-secret"}
    in_list = ",".join(str(n) for n in range(6000))
    heavy = f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o IN ({in_list})) }}"
    with TestClient(create_app(settings, store=store)) as client:
        started = time.monotonic()
        response = client.get("/sparql", params={"query": heavy}, headers=headers)
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "query_timeout"
        assert elapsed < 2.0 + 3.0
        sent = [request["body"] for request in recorder.requests]
        assert not any(b"5999" in body for body in sent)
        ordinary = client.get(
            "/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }"}, headers=headers
        )
    assert ordinary.status_code == 200, ordinary.text
    assert any(b"%3Fs+%3Fp+%3Fo" in request["body"] for request in recorder.requests)
