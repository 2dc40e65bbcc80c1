"""Run a SPARQL 1.1 update for the endpoint, writing only to dataset graphs.

Items live in one graph each (`{base}/graph/{type}/{key}`) and are written whole through
the REST API, which validates them. An update may therefore write only the graphs of
imported datasets, `{base}/graph/dataset/{slug}`, and must name each one with an IRI:
the store's default graph stays empty, so a template without GRAPH or WITH is rejected.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit
from collections.abc import Callable, Collection
from dataclasses import dataclass

from maillage.graph.errors import (
    ConflictError,
    ForbiddenError,
    MalformedRequestError,
    NotFoundError,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import PREFIXES
from maillage.graph.sparql.dataset import DatasetRequest
from maillage.graph.sparql.guard import (
    ALL_GRAPHS,
    DEFAULT_GRAPH,
    UpdateInfo,
    check_update,
)
from maillage.graph.sparql.syntax import translate_syntax_error
from maillage.graph.sparql.update_dataset import apply_update_dataset
from maillage.graph.store import GraphStore
from pyoxigraph import NamedNode

logger = logging.getLogger(__name__)

_GRAPH_IN_MESSAGE = re.compile(r"<[^<>]*>")


class DefaultGraphWriteError(MalformedRequestError):
    code = "default_graph_write"


@dataclass(frozen=True)
class UpdateResult:
    """The operations an update ran, in order, such as `InsertData` or `Clear`."""

    operations: tuple[str, ...]


def run_update(
    store: GraphStore,
    iris: Iris,
    text: str,
    *,
    allowlist: Collection[str] = (),
    dataset: DatasetRequest = DatasetRequest(),
    check: Callable[[str, Collection[str]], UpdateInfo] = check_update,
    readable: Collection[NamedNode] | None = None,
) -> UpdateResult:
    """Check an update and apply it in one transaction.

    `dataset` holds the protocol's `using-graph-uri` (default graphs) and
    `using-named-graph-uri` (named graphs) for the WHERE clauses; it raises
    `DatasetConflictError` beside USING or WITH in the update. `check` parses the
    update, here by default; the endpoint passes `QueryPool.check_update`, which parses
    it in a worker within the time limit.

    Raises `MalformedQueryError` when it does not parse, `LoadNotAllowedError` for LOAD,
    `ServiceNotAllowedError` for a SERVICE outside `allowlist`, `DefaultGraphWriteError`
    when an operation writes the default graph, and `ForbiddenError` when it writes any
    graph but a dataset graph. Raises `NotFoundError` or `ConflictError` when CLEAR,
    DROP or CREATE without SILENT finds a graph missing or present, and writes nothing
    then.

    `readable` lists the graphs the user may read (None for an administrator): an update
    that names another graph of the store, or ranges over graphs with `GRAPH ?var`
    without a `using-named-graph-uri` list, is rejected, and ADD, COPY, MOVE, USING and
    WITH may read dataset graphs only.
    """
    info = check(apply_update_dataset(text, dataset), allowlist)
    for graph in info.reads:
        check_source(iris, resolve_graph(iris, graph))
    for operation, graphs in zip(info.operations, info.writes, strict=True):
        for graph in graphs:
            check_writable(iris, operation, resolve_graph(iris, graph))
    if readable is not None:
        check_readable_sources(store, iris, text, dataset, readable)
    try:
        store.update(info.text, base_iri=f"{iris.base}/", prefixes=PREFIXES)
    except SyntaxError as exc:
        raise translate_syntax_error(exc) from exc
    except RuntimeError as exc:
        raise _translate_failure(exc) from exc
    return UpdateResult(info.operations)


_IRI_TOKEN = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_GRAPH_VARIABLE = re.compile(r"\bGRAPH\s*[?$]", re.IGNORECASE)


def check_readable_sources(
    store: GraphStore,
    iris: Iris,
    text: str,
    dataset: DatasetRequest,
    readable: Collection[NamedNode],
) -> None:
    """Raise unless every graph of the store that the update names is readable.

    pyoxigraph 0.5.13's `Store.update` takes no dataset, so its WHERE clauses could read
    any graph: the update may name only readable graphs, and `GRAPH ?var` needs a
    `using-named-graph-uri` list, itself checked here.
    """
    allowed = {graph.value for graph in readable}
    named = {resolve_graph(iris, token) for token in _IRI_TOKEN.findall(text)}
    named.update(dataset.default_graph_uris)
    named.update(dataset.named_graph_uris)
    for iri in sorted(named):
        try:
            graph = NamedNode(iri)
        except ValueError:
            continue  # Not an IRI, so not the name of a graph of the store.
        if iri not in allowed and store.has_graph(graph):
            raise NotFoundError(f"the update names the graph <{iri}>, which you may not read")
    if _GRAPH_VARIABLE.search(text) and not dataset.named_graph_uris:
        raise MalformedRequestError(
            "GRAPH with a variable in an update needs the graphs to range over: "
            "list them with using-named-graph-uri, or name each graph with its IRI"
        )


def resolve_graph(iris: Iris, graph: str) -> str:
    """Return `graph` resolved against the base IRI of updates, `{base}/`, if relative.

    The guard returns graph IRIs as the update writes them; Oxigraph resolves a
    relative one against the same base, so the checks read the graph it will use.
    """
    if graph in (DEFAULT_GRAPH, ALL_GRAPHS) or graph.startswith("?"):
        return graph
    if urlsplit(graph).scheme:
        return graph
    return urljoin(f"{iris.base}/", graph)


def check_source(iris: Iris, graph: str) -> None:
    """Raise unless `graph`, read by ADD, COPY, MOVE, USING or WITH, is a dataset graph."""
    if graph in (DEFAULT_GRAPH, ALL_GRAPHS) or graph.startswith("?"):
        return
    ref = iris.parse_graph(graph)
    if ref is not None and ref.type != "dataset":
        raise ForbiddenError(
            f"the update copies from the graph <{graph}> of the {ref.type} item "
            f"{ref.key!r}; items are read through /api/{ref.type}, and their triples "
            "stay in their own graph"
        )


def _translate_failure(exc: RuntimeError) -> Exception:
    """Translate Oxigraph's errors for CLEAR, DROP or CREATE without SILENT."""
    message = str(exc)
    graph = _GRAPH_IN_MESSAGE.search(message)
    name = graph.group(0) if graph else "a graph"
    if message.endswith("does not exist"):
        return NotFoundError(
            f"the update names {name}, which does not exist; add SILENT to skip it"
        )
    if message.endswith("already exists"):
        return ConflictError(
            f"the update creates {name}, which already exists; add SILENT to skip it"
        )
    return exc


def check_writable(iris: Iris, operation: str, graph: str) -> None:
    """Raise unless `operation` may write `graph`, as listed by `check_update`."""
    if graph == DEFAULT_GRAPH:
        raise DefaultGraphWriteError(
            f"{operation} would write the default graph, which stays empty: name a "
            f"dataset graph with GRAPH or WITH, such as <{iris.dataset_graph('slug')}>"
        )
    if graph == ALL_GRAPHS:
        raise ForbiddenError(
            f"{operation} of NAMED or ALL would write every graph: name one dataset "
            "graph instead"
        )
    if graph.startswith("?"):
        raise MalformedRequestError(
            f"{operation} writes the graph {graph}, known only at run time: name the "
            "graph with an IRI"
        )
    ref = iris.parse_graph(graph)
    if ref is None or ref.type != "dataset":
        raise ForbiddenError(_not_writable(iris, graph, ref))


def _not_writable(iris: Iris, graph: str, ref) -> str:
    if ref is None:
        return (
            f"the graph <{graph}> is not writable through SPARQL: only dataset graphs "
            f"<{iris.base}/graph/dataset/{{slug}}> are"
        )
    return (
        f"the graph <{graph}> contains the {ref.type} item {ref.key!r}, which is "
        f"written through the REST API at /api/{ref.type}, not through SPARQL"
    )
