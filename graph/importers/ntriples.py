"""Write one dataset graph from N-Triples text built in Python.

The importers build each triple as a line of text, with no RDF object per triple. The
whole text is parsed before the store changes, then written in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, parse

from maillage.graph.iris import Iris
from maillage.graph.namespaces import DCTERMS, MLG, PROV, QB, RDF, XSD
from maillage.graph.rdf_syntax import rdf_syntax_error
from maillage.graph.store import GraphStore, QuadStore

logger = logging.getLogger(__name__)

A = str(RDF.type)
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def iri(node: NamedNode | str) -> str:
    """Return the N-Triples form `<...>` of an IRI."""
    value = node.value if isinstance(node, NamedNode) else node
    return f"<{value}>"


def text(value: str, language: str | None = None) -> str:
    """Return an N-Triples string literal, language-tagged when `language` is given.

    Escapes follow the ECHAR rule of N-Triples 1.1 (https://www.w3.org/TR/n-triples/):
    backslash, double quote, line feed and carriage return; every other character is
    UTF-8.
    """
    quoted = '"' + value.translate(_ESCAPES) + '"'
    return f"{quoted}@{language}" if language else quoted


def typed(lexical: str, datatype: NamedNode) -> str:
    """Return an N-Triples literal of `datatype` whose lexical form is `lexical`."""
    return text(lexical) + "^^" + iri(datatype)


def integer(value: int) -> str:
    return typed(str(value), XSD.integer)


def boolean(value: bool) -> str:
    return typed("true" if value else "false", XSD.boolean)


def date(value: str) -> str:
    """Return an `xsd:date` literal from an ISO date `YYYY-MM-DD`."""
    return typed(value, XSD.date)


def year(value: int | str) -> str:
    return typed(str(value), XSD.gYear)


class TripleWriter:
    """Collects the lines of one N-Triples document."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """Add one triple whose terms are already in N-Triples form."""
        self.lines.append(f"{subject} {predicate} {obj} .\n")

    def add_all(self, subject: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Add one triple per `(predicate, object)` pair, all about `subject`."""
        for predicate, obj in pairs:
            self.lines.append(f"{subject} {predicate} {obj} .\n")

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class DatasetInfo:
    """Fields of the description of an imported dataset."""

    slug: str
    title: str
    source: str
    publisher: str
    vintage: int | None = None
    is_data_cube: bool = False


@dataclass
class ImportReport:
    """Result of an import: triples written, counts, warnings and failed checks."""

    dataset: str
    graph: str
    triples: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def describe_dataset(writer: TripleWriter, iris: Iris, info: DatasetInfo) -> str:
    """Add the description of dataset `info` to `writer`; return its N-Triples IRI."""
    dataset = iri(iris.item("dataset", info.slug))
    writer.add(dataset, A, iri(MLG.Dataset))
    if info.is_data_cube:
        writer.add(dataset, A, iri(QB.DataSet))
    writer.add(dataset, iri(DCTERMS["title"]), text(info.title, "fr"))
    writer.add(dataset, iri(DCTERMS.source), text(info.source, "fr"))
    writer.add(dataset, iri(DCTERMS.publisher), text(info.publisher))
    if info.vintage is not None:
        writer.add(dataset, iri(MLG.vintage), year(info.vintage))
    # Microseconds, so that two imports in the same second tell apart: the
    # observatory's index compares these times to find the datasets that changed.
    loaded_at = datetime.now(UTC).isoformat(timespec="microseconds")
    writer.add(dataset, iri(PROV.generatedAtTime), typed(loaded_at, XSD.dateTime))
    return dataset


def replace_dataset_graph(
    store: GraphStore, iris: Iris, slug: str, writer: TripleWriter
) -> ImportReport:
    """Replace the graph of dataset `slug` by the triples of `writer`; return a report.

    The N-Triples text is parsed whole before the store changes, so a line that does
    not parse raises `MalformedRequestError` and leaves the previous graph intact.
    The new content then goes in with `swap_graph`, in one transaction.
    """
    started = time.perf_counter()
    graph = iris.dataset_graph(slug)
    triples = parse_lines(writer, base_iri=iris.document_base)
    swap_graph(store, graph, triples)
    report = ImportReport(slug, graph.value, triples=len(writer))
    report.seconds = round(time.perf_counter() - started, 3)
    logger.info(
        "dataset %s written: %d triples in %.2f s", slug, report.triples, report.seconds
    )
    return report


def parse_lines(writer: TripleWriter, *, base_iri: str) -> list[Triple]:
    """Parse the lines of `writer`; raise `MalformedRequestError` at a bad one."""
    data = "".join(writer.lines).encode()
    try:
        quads = parse(data, format=RdfFormat.N_TRIPLES, base_iri=base_iri)
        return [quad.triple for quad in quads]
    except SyntaxError as exc:
        raise rdf_syntax_error(exc, "N-Triples", "the generated dataset") from exc


def swap_graph(store: QuadStore, graph: NamedNode, triples: Iterable[Triple]) -> None:
    """Make `graph` hold exactly `triples`, in one transaction.

    A new graph gets its triples in one insertion. An existing one gets one SPARQL
    update that deletes the triples that go and inserts those that come, so that a
    reader sees the old graph or the new one, never a mix. Sending only the difference
    keeps a re-import fast: a drop followed by INSERT DATA of 130,000 triples took
    19 s, against 5 s for the bulk loader (pyoxigraph 0.5.13, a shared 2-core
    container).
    """
    new = set(triples)
    if not store.has_graph(graph):
        store.add_triples(graph, new)
        return
    old = set(store.graph_triples(graph))
    removed = old - new
    added = new - old
    if any(_has_blank_node(triple) for triple in removed):
        # DELETE DATA cannot name a blank node, so such a graph is rewritten whole.
        store.replace_graph(graph, new)
        return
    operations = []
    if removed:
        operations.append(_data_block("DELETE", graph, removed))
    if added:
        operations.append(_data_block("INSERT", graph, added))
    if operations:
        store.update(" ;\n".join(operations))


def _data_block(operation: str, graph: NamedNode, triples: Iterable[Triple]) -> str:
    lines = "\n".join(f"{triple} ." for triple in triples)
    return f"{operation} DATA {{ GRAPH {graph} {{\n{lines}\n}} }}"


def _has_blank_node(triple: Triple) -> bool:
    return isinstance(triple.subject, BlankNode) or isinstance(triple.object, BlankNode)


def count(store: GraphStore, graph: str, pattern: str) -> int:
    """Return the number of solutions of `pattern` inside the named graph `graph`."""
    rows = store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}"
    )
    return int(rows[0]["n"].value) if rows else 0


def check_counts(
    store: GraphStore,
    report: ImportReport,
    expected: dict[str, tuple[str, int | None]],
    must_be_zero: dict[str, str],
) -> None:
    """Run counting queries on the report's graph and record counts and problems.

    `expected` maps a name to a pattern and the count it must reach, or None to record
    the count only. `must_be_zero` maps the description of a defect to a pattern that
    must match nothing.
    """
    for name, (pattern, wanted) in expected.items():
        found = count(store, report.graph, pattern)
        report.counts[name] = found
        if wanted is not None and found != wanted:
            report.problems.append(f"{name}: expected {wanted}, found {found}")
    for defect, pattern in must_be_zero.items():
        found = count(store, report.graph, pattern)
        if found:
            report.problems.append(f"{found} {defect}")
    for problem in report.problems:
        logger.warning("dataset %s: %s", report.dataset, problem)
