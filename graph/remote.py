"""A store behind a SPARQL 1.1 endpoint on another server, such as Virtuoso.

`RemoteStore` offers the operations of the embedded `GraphStore` over HTTP: queries by
the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/), writes by SPARQL
updates, and bulk loads by the Graph Store Protocol
(https://www.w3.org/TR/sparql11-http-rdf-update/) or by batches of INSERT DATA.
Results come back as SPARQL XML, or as N-Triples for CONSTRUCT and DESCRIBE, and are
parsed by pyoxigraph, so callers get the same result types from both stores.

The client sends requests only to the configured URLs: it follows no redirect and
reads no proxy settings from the environment.

Behaviour of Virtuoso 7.2.5 (Debian's `virtuoso-opensource` package), measured by
`tests/remote/`:

- A request of several update operations is not one transaction: when an operation
  fails while it runs, the operations before it stay applied. A request that Virtuoso
  rejects while compiling it, such as a literal it cannot convert, changes nothing.
- With a dataset given, `GRAPH <iri>` on a graph outside the dataset yields one empty
  solution instead of none, so ASK is true and COUNT(*) is 1; no triple of that graph
  is returned.
- Lexical forms come back canonical (`"007"^^xsd:integer` reads `7`), language tags
  in lower case, and a graph with no triple does not exist.
- Results longer than its `ResultSetMaxRows` setting are cut without an error, so that
  setting must exceed maillage's `max_result_rows`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import groupby, islice
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
from pyoxigraph import (
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    QueryTimeoutError,
)
from maillage.graph.remote_text import (
    check_remote_text,
    insert_operations,
    mentions_graph_keyword,
    query_form,
    remove_dataset_clauses,
)
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore, QuadStore, QueryResult

logger = logging.getLogger(__name__)

RESULTS_XML = "application/sparql-results+xml"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
N_TRIPLES = "application/n-triples"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
# A graph name that no data uses, for a dataset with an empty default graph.
EMPTY_GRAPH = NamedNode("urn:maillage:empty")
# Graphs that hold the new content of a graph until `replace_graph` moves it in place.
STAGING_PREFIX = "urn:maillage:staging:"
_MESSAGE_LENGTH = 300
# Virtuoso sets this header when it cut a result at its MaxQueryExecutionTime.
_TIMEOUT_STATE = "S1TAT"


class BackendError(MaillageError):
    """The remote SPARQL server failed, could not be reached, or refused the account."""

    code = "backend_error"
    status = 502


class RemoteStore(QuadStore):
    """Quads kept by a SPARQL 1.1 server, read and written over HTTP.

    `update_url` receives updates and `graph_store_url` the Graph Store Protocol's
    POST of bulk loads; without the latter, bulk loads send INSERT DATA in batches of
    `batch_size` triples. `auth` is an httpx authentication, such as
    `httpx.DigestAuth` for Virtuoso's `/sparql-auth`. `timeout` bounds each request,
    in seconds.
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        *,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        batch_size: int = 5_000,
    ) -> None:
        for url in (query_url, update_url, graph_store_url):
            if url is not None:
                _check_url(url)
        self.query_url = query_url
        self.update_url = update_url
        self.graph_store_url = graph_store_url
        self.timeout = timeout
        self.batch_size = batch_size
        self._client = httpx.Client(
            auth=auth, timeout=timeout, follow_redirects=False, trust_env=False
        )
        self._close_callbacks: list[Callable[[], None]] = []
        logger.info("remote store at %s", query_url)

    def close(self) -> None:
        """Run the close callbacks, then close the HTTP client."""
        for callback in reversed(self._close_callbacks):
            callback()
        self._close_callbacks.clear()
        self._client.close()

    def on_close(self, callback: Callable[[], None]) -> None:
        """Register `callback` to run when the store closes, such as a pool's stop."""
        self._close_callbacks.append(callback)

    def evaluate(
        self,
        sparql: str,
        *,
        default_graph: Sequence[NamedNode] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        custom_functions: Mapping[NamedNode, Callable] | None = None,
    ) -> QueryResult:
        """Send a query and parse its result.

        The remote server cannot call maillage's functions, so `custom_functions` are
        refused with `MalformedRequestError`. Raises `UnsafeRequestError` for text that
        would run server functions,
        `MalformedRequestError` when the server rejects the query,
        `QueryTimeoutError` when it passes the time limit, and `BackendError` when the
        server fails or cannot be reached.
        """
        if custom_functions:
            raise MalformedRequestError(
                "mlg:search and mlg:searchScore need the embedded store; with a remote "
                "store, search with GET /api/search"
            )
        check_remote_text(sparql)
        form = query_form(sparql)
        if prefixes:
            declared = "".join(
                f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items()
            )
            sparql = declared + sparql
        fields = [("query", sparql)]
        if default_graph is not None or named_graphs is not None:
            fields = [("query", remove_dataset_clauses(sparql))]
            fields += self._dataset_fields(sparql, default_graph, named_graphs)
        accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_XML
        response = self._send(self.query_url, fields, accept=accept)
        return _read_result(form, response)

    def _dataset_fields(
        self,
        sparql: str,
        default_graph: Sequence[NamedNode] | None,
        named_graphs: Sequence[NamedNode] | None,
    ) -> list[tuple[str, str]]:
        """Return the protocol's dataset parameters for the store's dataset options.

        The protocol cannot express "every graph", so None becomes the list of the
        store's graphs. The named graphs matter only to GRAPH, so they are listed only
        when the query uses it. Otherwise no `named-graph-uri` goes, and Virtuoso lets
        GRAPH range over every graph.
        """
        if default_graph is None:
            default_graph = self.named_graphs()
        if named_graphs is None and mentions_graph_keyword(sparql):
            named_graphs = self.named_graphs()
        fields = [
            ("default-graph-uri", g.value) for g in default_graph or [EMPTY_GRAPH]
        ]
        if named_graphs is not None:
            fields += [
                ("named-graph-uri", g.value) for g in named_graphs or [EMPTY_GRAPH]
            ]
        return fields

    def update(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Send a SPARQL update, with BASE and PREFIX declarations put before it.

        Raises `UnsafeRequestError`, `MalformedRequestError` or `BackendError` as
        `evaluate` does; a failed CLEAR, DROP or CREATE without SILENT is a
        `BackendError`, because servers word these failures differently.
        """
        check_remote_text(sparql)
        declared = f"BASE <{base_iri}>\n" if base_iri else ""
        declared += "".join(
            f"PREFIX {name}: <{iri}>\n" for name, iri in (prefixes or {}).items()
        )
        self._send(self._writer_url(), [("update", declared + sparql)], accept="*/*")

    def named_graphs(self) -> list[NamedNode]:
        # Without the FILTER, Virtuoso 7.2 reads its list of graphs, which ignores the
        # rights of the account and so contains Virtuoso's private graphs.
        solutions = self.evaluate(
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (isIRI(?g)) }"
        )
        return [s["g"] for s in solutions if isinstance(s["g"], NamedNode)]

    def has_graph(self, graph: NamedNode) -> bool:
        return bool(self.evaluate(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"))

    def is_empty(self) -> bool:
        return not self.evaluate("ASK { GRAPH ?g { ?s ?p ?o } }")

    def count_quads(self) -> int:
        solutions = self.evaluate(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        )
        for solution in solutions:
            return int(solution["n"].value)
        return 0

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        """Return every triple of one named graph, read with a CONSTRUCT query."""
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        return list(self.evaluate(query))

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Replace the content of `graph` by `triples`, whole or not at all.

        `DROP SILENT GRAPH` then `INSERT DATA` in one request is not enough, because
        Virtuoso 7.2 commits each operation of a request on its own: an insert that
        fails while it runs leaves the graph dropped. The triples therefore go to a
        new staging graph first, and one `MOVE` operation, which Virtuoso applies
        whole, puts them in place. A failure before the move drops the staging graph
        and leaves `graph` as it was.
        """
        triples = list(triples)
        if not triples:
            self.update(f"DROP SILENT GRAPH {graph}")
            return
        # NOTE: until the move, queries over every graph also see the staging graph.
        staging = NamedNode(f"{STAGING_PREFIX}{uuid.uuid4().hex}")
        try:
            self.update(" ;\n".join(insert_operations(staging, triples)))
            self.update(f"MOVE SILENT GRAPH {staging} TO GRAPH {graph}")
        except MaillageError:
            self._drop_staging(staging)
            raise

    def _drop_staging(self, staging: NamedNode) -> None:
        try:
            self.update(f"DROP SILENT GRAPH {staging}")
        except MaillageError as exc:
            logger.error("cannot drop the staging graph %s: %s", staging.value, exc)

    def add_triples(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Add `triples` to `graph`, with one request per `batch_size` triples."""
        for batch in _batches(triples, self.batch_size):
            self.update(" ;\n".join(insert_operations(graph, batch)))

    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Add quads, one request per run of at most `batch_size` in one graph."""
        for graph, batch in _graph_batches(quads, self.batch_size, None):
            self.update(" ;\n".join(insert_operations(graph, batch)))

    def create_graph(self, graph: NamedNode) -> None:
        # NOTE: Virtuoso 7.2 records the graph, but no query lists it until it has a
        # triple, so `has_graph` stays False for an empty graph.
        self.update(f"CREATE SILENT GRAPH {graph}")

    def drop_graph(self, graph: NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def bulk_load(
        self,
        path: Path,
        rdf_format: RdfFormat,
        *,
        base_iri: str,
        to_graph: NamedNode | None = None,
    ) -> None:
        """Load a file in batches of `batch_size` triples, one request per batch.

        Batches go by the Graph Store Protocol's POST when `graph_store_url` is set,
        else as INSERT DATA. Like the embedded bulk loader, the load is not one
        transaction: a failure leaves the batches before it loaded.
        """
        # NOTE: each request gets its own blank nodes on the server, so a blank node
        # label used in two batches becomes two nodes.
        quads = parse(path=str(path), format=rdf_format, base_iri=base_iri)
        started, count = time.perf_counter(), 0
        for graph, batch in _graph_batches(quads, self.batch_size, to_graph):
            if self.graph_store_url is None:
                self.update(" ;\n".join(insert_operations(graph, batch)))
            else:
                self._post_graph(self.graph_store_url, graph, batch)
            count += len(batch)
        elapsed = time.perf_counter() - started
        logger.info("loaded %d triples from %s in %.1f s", count, path, elapsed)

    def _post_graph(self, url: str, graph: NamedNode, triples: list[Triple]) -> None:
        body = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
        target = f"{url}?{urlencode({'graph': graph.value})}"
        self._send(target, body, accept="*/*", content_type=N_TRIPLES)

    def dump(self, path: Path, rdf_format: RdfFormat) -> None:
        """Write every named graph to `path` in a quad format, one query per graph."""
        if not rdf_format.supports_datasets:
            raise ValueError(
                f"{rdf_format.name} cannot contain named graphs: use a quad format"
            )
        quads = (
            Quad(t.subject, t.predicate, t.object, graph)
            for graph in self.named_graphs()
            for t in self.graph_triples(graph)
        )
        serialize(quads, output=str(path), format=rdf_format)

    def _writer_url(self) -> str:
        if self.update_url is None:
            raise BackendError(
                "this remote store has no update URL: set MAILLAGE_SPARQL_UPDATE_URL"
            )
        return self.update_url

    def _send(
        self,
        url: str,
        body: list[tuple[str, str]] | bytes,
        *,
        accept: str,
        content_type: str = FORM_MEDIA_TYPE,
    ) -> httpx.Response:
        """POST `body`, a form's fields or bytes, and return the successful response."""
        content = urlencode(body).encode() if isinstance(body, list) else body
        headers = {"Accept": accept, "Content-Type": content_type}
        started = time.perf_counter()
        try:
            response = self._client.post(url, content=content, headers=headers)
        except httpx.TimeoutException as exc:
            raise QueryTimeoutError(
                f"the SPARQL server at {_origin(url)} timed out after {self.timeout} s"
            ) from exc
        except httpx.HTTPError as exc:
            logger.error("request to %s failed: %s", _origin(url), exc)
            raise BackendError(
                f"cannot reach the SPARQL server at {_origin(url)}: {exc}"
            ) from exc
        logger.debug(
            "POST %s: %d, %d bytes in %.1f ms",
            _origin(url),
            response.status_code,
            len(response.content),
            (time.perf_counter() - started) * 1000,
        )
        _check_response(url, response)
        return response


def _read_result(form: str, response: httpx.Response) -> QueryResult:
    """Parse a query's response into pyoxigraph's result types."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if form in ("SELECT", "ASK"):
        if media_type != RESULTS_XML:
            raise BackendError(
                f"the SPARQL server sent {media_type!r}, not {RESULTS_XML}"
            )
        result = parse_query_results(response.content, format=QueryResultsFormat.XML)
        if form == "ASK" and isinstance(result, QuerySolutions):
            # Virtuoso 7.2 returns one solution for a true ASK and none for a false one.
            return _boolean(any(True for _ in result))
        return result
    if media_type not in (N_TRIPLES, "text/plain"):
        raise BackendError(f"the SPARQL server sent {media_type!r}, not {N_TRIPLES}")
    # QueryTriples has no constructor, so the triples go through an in-memory store
    # and come back from a CONSTRUCT query of their own.
    graph = Store()
    graph.load(response.content, format=RdfFormat.N_TRIPLES)
    return graph.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _boolean(value: bool) -> QueryBoolean:
    """Return a pyoxigraph boolean result, which has no constructor of its own."""
    text = "true" if value else "false"
    document = (
        f'<sparql xmlns="{_RESULTS_NS}"><head/><boolean>{text}</boolean></sparql>'
    )
    result = parse_query_results(document.encode(), format=QueryResultsFormat.XML)
    assert isinstance(result, QueryBoolean)
    return result


def _check_response(url: str, response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        if response.headers.get("x-sql-state") == _TIMEOUT_STATE:
            raise QueryTimeoutError(
                "the SPARQL server stopped the query at its time limit"
            )
        return
    message = " ".join(response.text.split())[:_MESSAGE_LENGTH]
    if 300 <= status < 400:
        location = response.headers.get("location", "")[:200]
        raise BackendError(
            f"the SPARQL server at {_origin(url)} redirects to {location!r}: configure "
            "the final URL"
        )
    if status == 400:
        raise MalformedRequestError(
            f"the SPARQL server rejected the request: {message}"
        )
    if status in (401, 403):
        raise BackendError(
            f"the SPARQL server at {_origin(url)} refused the account (status "
            f"{status}): check MAILLAGE_SPARQL_BACKEND_USER and its rights"
        )
    logger.error("SPARQL server at %s returned %d: %s", _origin(url), status, message)
    raise BackendError(f"the SPARQL server failed with status {status}: {message}")


def _batches(triples: Iterable[Triple], size: int) -> Iterator[list[Triple]]:
    iterator = iter(triples)
    while batch := list(islice(iterator, size)):
        yield batch


def _graph_batches(
    quads: Iterable[Quad], size: int, to_graph: NamedNode | None
) -> Iterator[tuple[NamedNode, list[Triple]]]:
    """Yield runs of quads of one graph, at most `size` long, as the graph and triples.

    Quads of the default graph go to `to_graph`, because the default graph stays
    empty; without `to_graph` they raise `MalformedRequestError`.
    """
    for graph_name, run in groupby(quads, key=lambda quad: quad.graph_name):
        graph = to_graph if isinstance(graph_name, DefaultGraph) else graph_name
        if not isinstance(graph, NamedNode):
            raise MalformedRequestError(
                "the data has triples outside a named graph: name the graph to load "
                "them into"
            )
        for batch in _batches((quad.triple for quad in run), size):
            yield graph, batch


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"invalid SPARQL server URL {url!r}: give an http(s) URL")


def _origin(url: str) -> str:
    """Return the URL without its query string, which may hold graph names."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def open_store(settings: Settings) -> QuadStore:
    """Open the store the settings name: a SPARQL server, or Oxigraph on disk.

    Without `sparql_backend_url` the store is the embedded one at `store_path`.
    Updates go to `sparql_update_url`, or to the query URL when it is not set.
    """
    if settings.sparql_backend_url is None:
        return GraphStore(settings.store_path)
    return RemoteStore(
        settings.sparql_backend_url,
        settings.sparql_update_url or settings.sparql_backend_url,
        settings.sparql_graph_store_url,
        auth=_auth(settings),
        timeout=settings.query_timeout,
    )


def _auth(settings: Settings) -> httpx.Auth | None:
    if settings.sparql_backend_user is None:
        return None
    secret = settings.sparql_backend_password
    password = secret.get_secret_value() if secret is not None else ""
    if settings.sparql_backend_auth == "basic":
        return httpx.BasicAuth(settings.sparql_backend_user, password)
    return httpx.DigestAuth(settings.sparql_backend_user, password)
