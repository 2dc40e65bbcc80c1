"""Load RDF files of any format into the store, with the checks untrusted input gets.

Before Oxigraph's bulk loader reads a file, the checks of `maillage.graph.rdfio` run on
it: an RDF/XML file must not declare a document type or entities (its first 64 KiB are
read), and a JSON-LD file must not name a remote context (the whole document is parsed
for its `@context` values). Relative IRIs resolve against the base IRI of the instance.

Triples of a triple format (Turtle, N-Triples, RDF/XML) go to one dataset graph, named
by the caller or derived from the file name. A quad format (TriG, N-Quads, JSON-LD)
keeps its named graphs, and the triples of its default graph go to that dataset graph,
because the store's default graph stays empty.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, parse

from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.importers.ntriples import swap_graph
from maillage.graph.iris import Iris, slugify
from maillage.graph.rdfio import (
    FormatInfo,
    check_untrusted,
    format_by_name,
    format_for_path,
)
from maillage.graph.rdf_syntax import rdf_syntax_error
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Bytes of an RDF/XML file searched for a DOCTYPE or ENTITY declaration, which must come
# before the root element.
_XML_HEAD_BYTES = 65536


@dataclass(frozen=True)
class LoadReport:
    """What one file added to the store."""

    path: str
    format: str
    graph: str
    quads_before: int
    quads_after: int
    seconds: float

    @property
    def added(self) -> int:
        return self.quads_after - self.quads_before


def load_rdf_file(
    store: GraphStore,
    iris: Iris,
    path: Path,
    *,
    graph: str | None = None,
    rdf_format: str | None = None,
    base_iri: str | None = None,
    replace: bool = False,
) -> LoadReport:
    """Load one RDF file; return what it added.

    `graph` names the graph of a triple format's triples and of a quad format's
    default-graph triples; by default it is the dataset graph named after the file.
    `rdf_format` is a format name (`turtle`, `trig`, ...) and defaults to the file
    extension. `replace` replaces that graph. Raises `UnsafeRequestError` for a file
    that could make the parser fetch or expand anything, `MalformedRequestError` for a
    syntax error, with its line and column.

    A plain load goes through Oxigraph's bulk loader, which is fast but not
    transactional: a syntax error may leave the triples read before it. A replacement
    parses the whole file in memory first, so a syntax error changes nothing, and
    swaps the graph's content in one transaction (`ntriples.swap_graph`).
    """
    info = format_by_name(rdf_format) if rdf_format else format_for_path(path.name)
    target = _target_graph(iris, path, graph)
    _check_file(path, info)
    base = base_iri or iris.document_base
    before = store.count_quads()
    started = time.perf_counter()
    if replace:
        _replace_from_file(store, path, info, base, target)
    else:
        _bulk_load(store, path, info, base, target)
    report = LoadReport(
        path=str(path),
        format=info.name,
        graph=target.value,
        quads_before=before,
        quads_after=store.count_quads(),
        seconds=round(time.perf_counter() - started, 3),
    )
    logger.info(
        "loaded %s (%s): %d quads added in %.2f s",
        path.name,
        info.name,
        report.added,
        report.seconds,
    )
    return report


def _bulk_load(
    store: GraphStore, path: Path, info: FormatInfo, base_iri: str, target: NamedNode
) -> None:
    try:
        store.bulk_load(path, info.rdf_format, base_iri=base_iri, to_graph=target)
    except SyntaxError as exc:
        raise rdf_syntax_error(exc, info.name, path.name) from exc


def _replace_from_file(
    store: GraphStore, path: Path, info: FormatInfo, base_iri: str, target: NamedNode
) -> None:
    """Replace `target` by the file's default-graph triples; add its named graphs."""
    try:
        quads = list(parse(path=str(path), format=info.rdf_format, base_iri=base_iri))
    except SyntaxError as exc:
        raise rdf_syntax_error(exc, info.name, path.name) from exc
    triples = [
        quad.triple for quad in quads if isinstance(quad.graph_name, DefaultGraph)
    ]
    named = [quad for quad in quads if not isinstance(quad.graph_name, DefaultGraph)]
    swap_graph(store, target, triples)
    if named:
        store.add_quads(named)


def _target_graph(iris: Iris, path: Path, graph: str | None) -> NamedNode:
    if graph is None:
        return iris.dataset_graph(slugify(path.name.split(".", 1)[0]))
    if not graph.startswith(("http://", "https://", "urn:")):
        raise InvalidIdentifierError(
            f"graph name {graph[:100]!r} is not an absolute IRI; use http://, https:// "
            "or urn:"
        )
    try:
        return NamedNode(graph)
    except ValueError as exc:
        raise InvalidIdentifierError(
            f"invalid graph IRI {graph[:100]!r}: {exc}"
        ) from exc


def _check_file(path: Path, info: FormatInfo) -> None:
    """Run the untrusted-input checks on the part of the file they need."""
    if info.rdf_format == RdfFormat.RDF_XML:
        with path.open("rb") as handle:
            check_untrusted(handle.read(_XML_HEAD_BYTES), info, set())
    elif info.rdf_format == RdfFormat.JSON_LD:
        check_untrusted(path.read_bytes(), info, set())
