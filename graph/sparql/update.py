"""Run a SPARQL 1.1 update for the endpoint, writing only to dataset graphs.

Items live in one graph each (`{base}/graph/{type}/{key}`) and are written whole through
the REST API, which validates them. An update may therefore write only the graphs of
imported datasets, `{base}/graph/dataset/{slug}`, and must name each one with an IRI:
the store's default graph stays empty, so a template without GRAPH or WITH is rejected.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

from maillage.graph.errors import (
    ConflictError,
    ForbiddenError,
    MalformedRequestError,
    NotFoundError,
)
from maillage.graph.iris import Iris
from maillage.graph.sparql.dataset import DatasetRequest
from maillage.graph.sparql.guard import ALL_GRAPHS, DEFAULT_GRAPH, check_update
from maillage.graph.sparql.syntax import translate_syntax_error
from maillage.graph.sparql.update_dataset import apply_update_dataset
from maillage.graph.store import GraphStore

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
) -> UpdateResult:
    """Check an update and apply it in one transaction.

    `dataset` holds the protocol's `using-graph-uri` (default graphs) and
    `using-named-graph-uri` (named graphs) for the WHERE clauses; it raises
    `DatasetConflictError` beside USING or WITH in the update.

    Raises `MalformedQueryError` when it does not parse, `LoadNotAllowedError` for LOAD,
    `ServiceNotAllowedError` for a SERVICE outside `allowlist`, `DefaultGraphWriteError`
    when an operation writes the default graph, and `ForbiddenError` when it writes any
    graph but a dataset graph. Raises `NotFoundError` or `ConflictError` when CLEAR,
    DROP or CREATE without SILENT finds a graph missing or present, and writes nothing
    then.
    """
    info = check_update(apply_update_dataset(text, dataset), allowlist)
    # NOTE: the WHERE clause reads every graph of the store, drafts and restricted
    # datasets included, because Store.update of pyoxigraph 0.5.13 takes no dataset.
    # Only editors may send updates.
    for operation, graphs in zip(info.operations, info.writes, strict=True):
        for graph in graphs:
            check_writable(iris, operation, graph)
    try:
        store.update(info.text)
    except SyntaxError as exc:
        raise translate_syntax_error(exc) from exc
    except RuntimeError as exc:
        raise _translate_failure(exc) from exc
    return UpdateResult(info.operations)


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
