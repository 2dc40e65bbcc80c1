"""The documents of the search index, and how they are read from the graph.

A `SearchDocument` is what the index stores for one item: its texts, the values of the
facets, and the named graph that decides who may read it. `GraphDocumentReader` builds
it from the triples of the item in the store, so that the index can always be rebuilt
from the graph alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.importers.legal import read_article_text
from maillage.graph.iris import Iris
from maillage.graph.namespaces import DCTERMS, ELI, MLG, PROV, RDF, RDFS, SKOS, XSD
from maillage.graph.repository import ITEM_CLASSES
from maillage.graph.store import GraphStore, Term

logger = logging.getLogger(__name__)

# Item types that the search finds. Memberships, observations, schemes and concepts
# are parts of datasets or vocabularies rather than things a reader looks for.
SEARCHABLE_TYPES: tuple[str, ...] = tuple(
    item_type
    for item_type in ITEM_CLASSES
    if item_type not in ("membership", "observation", "scheme", "concept")
)


@dataclass(frozen=True, kw_only=True)
class SearchDocument:
    """The indexed form of one item, with full IRIs as link and concept values.

    `graph` is the IRI of the named graph that contains the item, which access rights
    are checked against. `year` defaults to the year of `date`.
    """

    iri: str
    item_type: str
    title: str
    graph: str
    description: str = ""
    text: str = ""
    tags: Sequence[str] = ()
    doc_type: str | None = None
    phase: str | None = None
    actors: Sequence[str] = ()
    actions: Sequence[str] = ()
    competences: Sequence[str] = ()
    workflow_state: str | None = None
    year: int | None = None
    date: date | None = None

    def __post_init__(self) -> None:
        if self.year is None and self.date is not None:
            object.__setattr__(self, "year", self.date.year)


# Properties read into each part of a `SearchDocument`, in order of preference where
# only one value is kept.
TITLE_PROPERTIES = (DCTERMS["title"], SKOS.prefLabel, RDFS.label)
DESCRIPTION_PROPERTIES = (DCTERMS.description, SKOS.definition)
TAG_PROPERTIES = (MLG.keyword,)
DATE_PROPERTIES = (
    DCTERMS.issued,
    DCTERMS.date,
    MLG.startDate,
    MLG.effectiveDate,
    MLG.decisionDate,
    ELI.date_document,
    ELI.first_date_entry_in_force,
    DCTERMS.modified,
    DCTERMS.created,
    PROV.generatedAtTime,
)
ACTOR_PROPERTIES = (
    DCTERMS.creator,
    MLG.aboutActor,
    PROV.wasAssociatedWith,
    ELI.passed_by,
    MLG.toBody,
    MLG.fromCommune,
    MLG.agent,
    MLG.funder,
)
ACTION_PROPERTIES = (MLG.aboutAction,)
COMPETENCE_PROPERTIES = (
    MLG.aboutCompetence,
    MLG.reliesOnCompetence,
    MLG.competence,
    MLG.definesCommunityInterestFor,
)
# String values that are access groups, file locations or provenance, not text for
# readers.
HIDDEN_PROPERTIES = (MLG.readableBy, MLG.textPath, MLG.sourceColumn, DCTERMS.source)

_TEXT_DATATYPES = (RDF.langString, XSD.string)


class GraphDocumentReader:
    """Reads the `SearchDocument` of an item from the store.

    The item's triples are those whose subject is the item or one of its `#fragment`
    nodes, in the named graph where the item has a class of its type: its item graph,
    or the dataset graph of an imported item. `extra_text`, when given, returns more
    text for an item IRI, such as the text extracted from its attached files.
    """

    def __init__(
        self,
        store: GraphStore,
        iris: Iris,
        *,
        extra_text: Callable[[str], str] | None = None,
    ) -> None:
        self.store = store
        self.iris = iris
        self.extra_text = extra_text

    def __call__(self, iri: str) -> SearchDocument | None:
        """Return the document of the item `iri`, or None for no searchable item."""
        ref = self.iris.parse_item(iri)
        if ref is None or "#" in iri or ref.type not in SEARCHABLE_TYPES:
            return None
        node = NamedNode(iri)
        graphs = self._graphs_of(node, ref.type)
        if not graphs:
            return None
        return self._read(node, ref.type, graphs[0])

    def documents(self) -> Iterator[SearchDocument]:
        """Yield the document of every searchable item in the store, ordered by IRI."""
        for iri, item_type, graph in self._list_items():
            document = self._read(iri, item_type, graph)
            if document is not None:
                yield document

    def _graphs_of(self, iri: NamedNode, item_type: str) -> list[NamedNode]:
        classes = " ".join(str(rdf_class) for rdf_class in ITEM_CLASSES[item_type])
        rows = self.store.select(
            f"SELECT DISTINCT ?g WHERE {{ VALUES ?class {{ {classes} }} "
            f"GRAPH ?g {{ {iri} a ?class }} }}"
        )
        return self._prefer_item_graph([row["g"] for row in rows], item_type)

    def _list_items(self) -> Iterator[tuple[NamedNode, str, NamedNode]]:
        graphs: dict[str, list[NamedNode]] = {}
        types: dict[str, str] = {}
        for item_type in SEARCHABLE_TYPES:
            for row in self._select_typed(item_type):
                graphs.setdefault(row["s"].value, []).append(row["g"])
                types[row["s"].value] = item_type
        for iri in sorted(graphs):
            item_type = types[iri]
            graph = self._prefer_item_graph(graphs[iri], item_type)[0]
            yield NamedNode(iri), item_type, graph

    def _prefer_item_graph(
        self, graphs: list[NamedNode], item_type: str
    ) -> list[NamedNode]:
        """Order `graphs` with the item graphs of `item_type` first, then by IRI."""
        prefix = f"{self.iris.base}/graph/{item_type}/"
        return sorted(graphs, key=lambda g: (not g.value.startswith(prefix), g.value))

    def _select_typed(self, item_type: str) -> list[dict[str, Term]]:
        classes = " ".join(str(rdf_class) for rdf_class in ITEM_CLASSES[item_type])
        prefix = Literal(f"{self.iris.base}/id/{item_type}/")
        return self.store.select(
            f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?class {{ {classes} }} "
            f"GRAPH ?g {{ ?s a ?class }} FILTER(STRSTARTS(STR(?s), {prefix})) "
            f'FILTER(!CONTAINS(STR(?s), "#")) }}'
        )

    def _read(
        self, iri: NamedNode, item_type: str, graph: NamedNode
    ) -> SearchDocument | None:
        triples = self._item_triples(iri, graph)
        if not triples:
            return None
        values = _Values(triples)
        text = values.free_text()
        if self.extra_text is not None:
            text = "\n".join(
                part for part in (text, self.extra_text(iri.value)) if part
            )
        published = self.iris.concept("workflow-state", "published").value
        return SearchDocument(
            iri=iri.value,
            item_type=item_type,
            title=values.first_text(TITLE_PROPERTIES) or iri.value,
            graph=graph.value,
            description="\n".join(values.texts(DESCRIPTION_PROPERTIES)),
            text=text,
            tags=values.texts(TAG_PROPERTIES),
            doc_type=values.first_iri((DCTERMS.type,)),
            phase=values.first_iri((MLG.phase,)),
            actors=values.iris(ACTOR_PROPERTIES),
            actions=_with_self(
                values.iris(ACTION_PROPERTIES), iri, item_type, "action"
            ),
            competences=_with_self(
                values.iris(COMPETENCE_PROPERTIES), iri, item_type, "competence"
            ),
            workflow_state=values.first_iri((MLG.workflowState,)) or published,
            date=values.first_date(DATE_PROPERTIES),
        )

    def _item_triples(self, iri: NamedNode, graph: NamedNode) -> list[Triple]:
        oxigraph = self.store.oxigraph
        triples = [q.triple for q in oxigraph.quads_for_pattern(iri, None, None, graph)]
        fragment_prefix = iri.value + "#"
        parts = {
            t.object.value: t.object
            for t in triples
            if isinstance(t.object, NamedNode)
            and t.object.value.startswith(fragment_prefix)
        }
        for part in parts.values():
            triples.extend(
                q.triple for q in oxigraph.quads_for_pattern(part, None, None, graph)
            )
        return triples


def article_text_reader(iris: Iris, folder: Path | None) -> Callable[[str], str]:
    """Return an `extra_text` function that reads the text of law articles.

    The function returns the Markdown text of a law article version from the legal
    texts `folder`, and an empty string for any other item or when `folder` is None.
    """

    def read(iri: str) -> str:
        ref = iris.parse_item(iri)
        if folder is None or ref is None or ref.type != "act":
            return ""
        return read_article_text(folder, iri) or ""

    return read


class _Values:
    """The values of an item's triples, grouped by predicate."""

    def __init__(self, triples: list[Triple]) -> None:
        self.triples = triples
        self.by_predicate: dict[str, list[Triple]] = {}
        for triple in triples:
            self.by_predicate.setdefault(triple.predicate.value, []).append(triple)

    def _objects(self, predicates: Sequence[NamedNode]) -> Iterator[object]:
        for predicate in predicates:
            for triple in self.by_predicate.get(predicate.value, ()):
                yield triple.object

    def texts(self, predicates: Sequence[NamedNode]) -> list[str]:
        literals = [o for o in self._objects(predicates) if isinstance(o, Literal)]
        return sorted({literal.value for literal in literals})

    def first_text(self, predicates: Sequence[NamedNode]) -> str | None:
        for predicate in predicates:
            literals = [
                o for o in self._objects((predicate,)) if isinstance(o, Literal)
            ]
            if literals:
                # French first, then any other language, then alphabetical order.
                literals.sort(key=lambda lit: (lit.language != "fr", lit.value))
                return literals[0].value
        return None

    def iris(self, predicates: Sequence[NamedNode]) -> list[str]:
        nodes = [o for o in self._objects(predicates) if isinstance(o, NamedNode)]
        return sorted({node.value for node in nodes})

    def first_iri(self, predicates: Sequence[NamedNode]) -> str | None:
        values = self.iris(predicates)
        return values[0] if values else None

    def first_date(self, predicates: Sequence[NamedNode]) -> date | None:
        for predicate in predicates:
            for value in self._objects((predicate,)):
                parsed = _parse_date(value)
                if parsed is not None:
                    return parsed
        return None

    def free_text(self) -> str:
        """Return the text values that are not the title, description or tags."""
        used = {
            p.value
            for p in (
                *TITLE_PROPERTIES,
                *DESCRIPTION_PROPERTIES,
                *TAG_PROPERTIES,
                *HIDDEN_PROPERTIES,
            )
        }
        texts = []
        for triple in sorted(self.triples, key=lambda t: (str(t.subject), str(t))):
            value = triple.object
            if triple.predicate.value in used or not isinstance(value, Literal):
                continue
            if value.datatype in _TEXT_DATATYPES:
                texts.append(value.value)
        return "\n".join(texts)


def _parse_date(value: object) -> date | None:
    if not isinstance(value, Literal) or value.datatype not in (XSD.date, XSD.dateTime):
        return None
    try:
        return date.fromisoformat(value.value[:10])
    except ValueError:
        logger.warning("ignoring the invalid date %r", value.value[:40])
        return None


def _with_self(
    values: list[str], iri: NamedNode, item_type: str, kind: str
) -> list[str]:
    """Add the item itself to a facet of its own kind, so the facet also finds it."""
    if item_type != kind or iri.value in values:
        return values
    return sorted([*values, iri.value])
