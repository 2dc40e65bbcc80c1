"""Validation of data against maillage's SHACL shapes with pyshacl.

The shapes (`ontology/shapes.ttl`), the vocabulary and the schemes are parsed once per
base IRI. The vocabulary is pyshacl's ontology graph: pyshacl copies its RDFS and OWL
axioms into the data, so `sh:class` follows `rdfs:subClassOf`. pyshacl copies nothing
else, so the concepts the data uses are added to the data graph, where the scheme checks
can see their `skos:inScheme`. pyoxigraph terms reach rdflib as N-Triples text, which
keeps every IRI, language tag and datatype exactly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache

import pyshacl
import rdflib
from pyoxigraph import NamedNode, Quad, RdfFormat, Triple, serialize
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDFLIB_RDF
from rdflib.namespace import SH

from maillage.graph.iris import Iris
from maillage.graph.namespaces import PREFIXES, SKOS, XSD
from maillage.graph.ontology import parse_turtle_file
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

SHAPES_NAMESPACE = "https://w3id.org/maillage/shapes#"


@dataclass(frozen=True)
class Violation:
    """One result of a failed validation, in terms a REST client can show.

    `focus_node` is the IRI of the node that breaks a shape and `path` the property IRI,
    None for a whole-node constraint. `value` is the offending value in N-Triples syntax
    when there is one. `constraint` is the local name of the SHACL constraint component,
    such as `MinCountConstraintComponent`.
    """

    focus_node: str
    path: str | None
    message: str
    value: str | None
    constraint: str

    def to_dict(self) -> dict[str, str | None]:
        """Return the violation as a JSON-ready dict."""
        return asdict(self)


TermSource = Iterable[Triple | Quad]


def validate(
    data: TermSource, iris: Iris, *, extra: TermSource | None = None
) -> list[Violation]:
    """Validate triples or quads against the shapes; return the violations, if any.

    Graph names are ignored, so the data is validated as one graph. `extra` contains
    context, such as the classes of the items the data links to. It is validated with
    the data, but only violations whose focus node is a subject of `data` are returned.
    """
    data_triples = [_as_triple(t) for t in data]
    extra_triples = [_as_triple(t) for t in extra or ()]
    focus_nodes = {
        t.subject.value for t in data_triples if isinstance(t.subject, NamedNode)
    }
    if not focus_nodes:
        return []
    given = data_triples + extra_triples
    graph = _to_rdflib(given + _referenced_scheme_triples(iris.base, given))
    return [v for v in _run(graph, iris) if v.focus_node in focus_nodes]


def validate_store(store: GraphStore, iris: Iris) -> list[Violation]:
    """Validate the union of every named graph of `store`; return the violations."""
    triples = [
        quad.triple for quad in store.oxigraph.quads_for_pattern(None, None, None)
    ]
    graph = _to_rdflib(triples + _scheme_triples(iris.base))
    return _run(graph, iris)


def validate_item(
    store: GraphStore, iris: Iris, triples: TermSource
) -> list[Violation]:
    """Validate the triples of one item, with the classes of its links from `store`."""
    data = [_as_triple(t) for t in triples]
    return validate(data, iris, extra=link_context(store, data))


def link_context(store: GraphStore, triples: Iterable[Triple]) -> list[Triple]:
    """Query the `rdf:type` and `skos:inScheme` triples of the IRIs `triples` point to.

    Those are what `sh:class` and the scheme checks need to see about linked items. They
    are read from the union of every named graph.
    """
    objects = sorted(
        {t.object.value for t in triples if isinstance(t.object, NamedNode)}
    )
    if not objects:
        return []
    values = " ".join(f"<{value}>" for value in objects)
    query = (
        f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
        f"VALUES ?p {{ rdf:type <{SKOS.inScheme.value}> }} ?s ?p ?o }}"
    )
    rows = store.select(query)
    return [Triple(row["s"], row["p"], row["o"]) for row in rows]


def _as_triple(term: Triple | Quad) -> Triple:
    return term.triple if isinstance(term, Quad) else term


def _to_rdflib(triples: list[Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    if triples:
        text = serialize(triples, format=RdfFormat.N_TRIPLES)
        graph.parse(data=text.decode("utf-8"), format="nt")
    return graph


@lru_cache(maxsize=8)
def _shapes_graph(base: str) -> rdflib.Graph:
    return _to_rdflib(parse_turtle_file("shapes.ttl", Iris(base)))


@lru_cache(maxsize=8)
def _vocabulary_graph(base: str) -> rdflib.Graph:
    return _to_rdflib(parse_turtle_file("maillage.ttl", Iris(base)))


@lru_cache(maxsize=8)
def _scheme_triples(base: str) -> list[Triple]:
    return parse_turtle_file("schemes.ttl", Iris(base))


@lru_cache(maxsize=8)
def _scheme_index(base: str) -> dict[str, list[Triple]]:
    index: dict[str, list[Triple]] = {}
    for triple in _scheme_triples(base):
        index.setdefault(triple.subject.value, []).append(triple)
    return index


def _referenced_scheme_triples(base: str, triples: list[Triple]) -> list[Triple]:
    """Select the scheme triples about the concepts `triples` use, and their schemes.

    Validating a few items against every concept of every scheme costs more than the
    items themselves, so only what the constraints can reach is added.
    """
    index = _scheme_index(base)
    selected: list[Triple] = []
    seen: set[str] = set()
    frontier = {t.object.value for t in triples if isinstance(t.object, NamedNode)}
    for _hop in range(2):
        found = [index[iri] for iri in frontier - seen if iri in index]
        seen |= frontier
        frontier = set()
        for about in found:
            selected.extend(about)
            frontier.update(
                t.object.value for t in about if isinstance(t.object, NamedNode)
            )
    return selected


def _run(graph: rdflib.Graph, iris: Iris) -> list[Violation]:
    # NOTE: pyshacl 0.40.1's `focus_nodes` option also filters the value nodes that
    # sh:node, sh:or and sh:qualifiedValueShape check, so those constraints always pass.
    # The whole graph is validated and callers filter the results instead.
    shapes = _shapes_graph(iris.base)
    started = time.perf_counter()
    conforms, report, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes,
        ont_graph=_vocabulary_graph(iris.base),
        inference="none",
        allow_warnings=True,
    )
    violations = [] if conforms else _violations(report, shapes)
    logger.info(
        "SHACL validation of %d triples: %d violations in %.3f s",
        len(graph),
        len(violations),
        time.perf_counter() - started,
    )
    return violations


def _violations(report: rdflib.Graph, shapes: rdflib.Graph) -> list[Violation]:
    # Results nested under sh:detail explain a top-level one and are not reported apart.
    violations = []
    for validation_report in report.subjects(RDFLIB_RDF.type, SH.ValidationReport):
        for result in report.objects(validation_report, SH.result):
            violations.append(_violation(report, shapes, result))
    violations.sort(
        key=lambda v: (v.focus_node, v.path or "", v.constraint, v.value or "")
    )
    return violations


def _violation(
    report: rdflib.Graph, shapes: rdflib.Graph, result: rdflib.term.Node
) -> Violation:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    component = report.value(result, SH.sourceConstraintComponent)
    shape = report.value(result, SH.sourceShape)
    constraint = str(component).rsplit("#", 1)[-1]
    details = _Details(shapes, shape, path, value)
    describe = _MESSAGES.get(constraint)
    declared = shapes.value(shape, SH.message)
    if declared is not None:
        message = str(declared)
    elif describe is not None:
        message = describe(details)
    else:
        message = str(report.value(result, SH.resultMessage) or constraint)
    return Violation(
        focus_node=str(focus),
        path=str(path) if isinstance(path, rdflib.URIRef) else None,
        message=message,
        value=value.n3() if value is not None else None,
        constraint=constraint,
    )


@dataclass(frozen=True)
class _Details:
    """The parts of a message: the shape's parameters, the path and the value."""

    shapes: rdflib.Graph
    shape: rdflib.term.Node
    path: rdflib.term.Node | None
    value: rdflib.term.Node | None

    @property
    def subject(self) -> str:
        return f"property {_short(self.path)}" if self.path is not None else "the node"

    @property
    def shown_value(self) -> str:
        return _short(self.value) if self.value is not None else "a value"

    def parameter(self, name: str) -> str:
        term = self.shapes.value(self.shape, SH[name])
        return _short(term) if term is not None else "?"

    def parameter_list(self, name: str) -> list[rdflib.term.Node]:
        head = self.shapes.value(self.shape, SH[name])
        return list(Collection(self.shapes, head)) if head is not None else []


def _or_message(d: _Details) -> str:
    accepted = []
    for member in d.parameter_list("or"):
        for key in ("class", "datatype", "nodeKind"):
            term = d.shapes.value(member, SH[key])
            if term is not None:
                accepted.append(_short(term))
    return f"{d.subject}: {d.shown_value} is none of {', '.join(accepted)}"


def _node_message(d: _Details) -> str:
    node = d.shapes.value(d.shape, SH.node)
    scheme = None
    for prop in d.shapes.objects(node, SH.property):
        if d.shapes.value(prop, SH.path) == rdflib.URIRef(SKOS.inScheme.value):
            scheme = d.shapes.value(prop, SH.hasValue)
    if scheme is not None:
        return f"{d.subject}: {d.shown_value} is not a concept of scheme {scheme}"
    return f"{d.subject}: {d.shown_value} does not conform to {_short(node)}"


_MESSAGES: dict[str, Callable[[_Details], str]] = {
    "MinCountConstraintComponent": lambda d: (
        f"{d.subject} is missing: at least {d.parameter('minCount')} value(s) expected"
    ),
    "MaxCountConstraintComponent": lambda d: (
        f"{d.subject} has too many values: at most {d.parameter('maxCount')} expected"
    ),
    "DatatypeConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is not a valid {d.parameter('datatype')}"
    ),
    "LanguageInConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} must be tagged with language "
        + ", ".join(str(t) for t in d.parameter_list("languageIn"))
    ),
    "ClassConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is not an instance of {d.parameter('class')}"
    ),
    "InConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is not accepted; accepted values: "
        + ", ".join(_short(t) for t in d.parameter_list("in"))
    ),
    "PatternConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} does not match the pattern "
        f"{d.parameter('pattern')}"
    ),
    "MinInclusiveConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is below the minimum "
        f"{d.parameter('minInclusive')}"
    ),
    "MaxInclusiveConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is above the maximum "
        f"{d.parameter('maxInclusive')}"
    ),
    "NodeKindConstraintComponent": lambda d: (
        f"{d.subject}: {d.shown_value} is not of node kind {d.parameter('nodeKind')}"
    ),
    "HasValueConstraintComponent": lambda d: (
        f"{d.subject} must include the value {d.parameter('hasValue')}"
    ),
    "OrConstraintComponent": _or_message,
    "NodeConstraintComponent": _node_message,
}

_SHORT_PREFIXES = {**PREFIXES, "sh": str(SH), "mlgsh": SHAPES_NAMESPACE}


def _short(term: rdflib.term.Node | None) -> str:
    """Return a term as a prefixed name where a maillage prefix applies, else in N3."""
    if isinstance(term, rdflib.URIRef):
        for prefix, namespace in _SHORT_PREFIXES.items():
            if str(term).startswith(namespace):
                return f"{prefix}:{str(term)[len(namespace) :]}"
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return _short_literal(term)
    return str(term)


_NUMBERS = {XSD.integer.value, XSD.decimal.value, XSD.double.value}


def _short_literal(term: rdflib.Literal) -> str:
    datatype = str(term.datatype) if term.datatype is not None else None
    if datatype in _NUMBERS:
        return str(term)
    if term.language is not None or datatype in (None, XSD.string.value):
        return term.n3().replace(f"^^<{XSD.string.value}>", "")
    return f'"{term}"^^{_short(term.datatype)}'
