"""Read items from the store: lists with filters and pagination, single items, links.

Every function takes `graphs`, the named graphs the caller may read (None for all of
them, as `maillage.graph.access.readable_graphs` returns), and reads only those, so an
item the user may not read is simply absent. An item of type `T` is a subject whose IRI
is under `{base}/id/T/` and whose `rdf:type` is one of `ITEM_CLASSES[T]`.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from maillage.graph.errors import (
    InvalidIdentifierError,
    NotFoundError,
    ParameterError,
    ValidationFailedError,
)
from maillage.graph.iris import ITEM_TYPES, Iris, check_key
from maillage.graph.models import MODELS, ItemModel
from maillage.graph.namespaces import (
    DCTERMS,
    IGEO,
    MLG,
    ORG,
    PREFIXES,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
)
from maillage.graph.store import GraphStore, Term

logger = logging.getLogger(__name__)

# The largest page that `list_items` returns, and the largest offset it accepts: far
# above the number of items of any type, and exact in a JSON number of any client.
MAX_LIMIT = 500
MAX_OFFSET = 10_000_000
# Orders of `list_items`. `iri` sorts by IRI. `label` sorts by label, ignoring case and
# accents, with items without a label last. `modified` sorts by `dcterms:modified`,
# newest first, with items never written through the API last. Ties go to the IRI.
SORTS = ("iri", "label", "modified")

# Classes that make a subject an item of each type; any one of them is enough.
ITEM_CLASSES: dict[str, tuple[NamedNode, ...]] = {
    "document": (MLG.Document,),
    "action": (MLG.Action,),
    "actor": (ORG.FormalOrganization,),
    "competence": (MLG.Competence,),
    "transfer": (MLG.CompetenceTransfer,),
    "act": (MLG.LegalAct, MLG.Deliberation, MLG.PrefectoralOrder, MLG.LawArticle),
    "indicator": (MLG.Indicator, QB.MeasureProperty),
    "event": (MLG.Event,),
    "commune": (MLG.Commune, IGEO.Commune),
    "commune-deleguee": (MLG.CommuneDeleguee, IGEO.CommuneDeleguee),
    "commune-associee": (MLG.CommuneAssociee, IGEO.CommuneAssociee),
    "epci": (MLG.EPCI, IGEO.Intercommunalite),
    "departement": (MLG.Departement, IGEO.Departement),
    "region": (MLG.Region, IGEO.Region),
    "arrondissement": (IGEO.Arrondissement,),
    "territory": (MLG.StatisticalTerritory,),
    "membership": (ORG.Membership,),
    "dataset": (MLG.Dataset, QB.DataSet),
    "observation": (QB.Observation,),
    "scheme": (SKOS.ConceptScheme,),
    "concept": (SKOS.Concept,),
}

# Properties that give an item its human-readable name, in order of preference.
# `DCTERMS.title` would be `str.title`, because a Namespace is a str.
LABEL_PROPERTIES: tuple[NamedNode, ...] = (DCTERMS["title"], SKOS.prefLabel, RDFS.label)

# Letters that Unicode decomposition leaves whole but a reader takes as plain ones.
_FOLDS = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "’": "'", "‘": "'", "ʼ": "'"})


@dataclass(frozen=True)
class Item:
    """An item with its own triples and those of its `#fragment` nodes."""

    iri: NamedNode
    type: str
    key: str
    label: str | None
    classes: tuple[NamedNode, ...]
    triples: tuple[Triple, ...] = field(repr=False)


@dataclass(frozen=True)
class Page:
    """One page of a list, with the number of items that match in all pages."""

    total: int
    items: list[Item]


@dataclass(frozen=True)
class IncomingLink:
    """A triple whose object is the item: `subject` links to it through `predicate`."""

    subject: NamedNode | BlankNode
    predicate: NamedNode


def check_type(type_: str) -> None:
    """Raise `InvalidIdentifierError` unless `type_` is an item type."""
    if type_ not in ITEM_TYPES:
        accepted = ", ".join(ITEM_TYPES)
        raise InvalidIdentifierError(
            f"unknown item type {type_[:80]!r}; accepted: {accepted}"
        )


def list_items(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    *,
    graphs: Sequence[NamedNode] | None,
    offset: int = 0,
    limit: int = 50,
    title_contains: str | None = None,
    rdf_class: NamedNode | None = None,
    sort: str = "iri",
) -> Page:
    """Return one page of the items of `item_type` in the order `sort`, and the total.

    `title_contains` keeps items whose title or label contains the text, ignoring case
    and accents; `rdf_class` keeps items that also have that `rdf:type`; `sort` is one
    of `SORTS`. Raises `ParameterError` for another sort.
    """
    check_type(item_type)
    _check_page(offset, limit, sort)
    subjects = _select_items(store, iris, item_type, rdf_class, graphs)
    if title_contains:
        matching = _match_labels(store, iris, item_type, title_contains, graphs)
        subjects = [subject for subject in subjects if subject.value in matching]
    if sort != "iri":
        subjects = _sorted_by(store, iris, item_type, subjects, sort, graphs)
    selected = subjects[offset : offset + limit]

    triples = _describe(store, selected, graphs)
    items = [_make_item(iris, subject, triples[subject.value]) for subject in selected]
    return Page(len(subjects), items)


def _check_page(offset: int, limit: int, sort: str) -> None:
    if not 0 <= limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
        raise ValidationFailedError(
            f"invalid page offset={offset} limit={limit}: offset must be between 0 "
            f"and {MAX_OFFSET}, and limit between 0 and {MAX_LIMIT}"
        )
    if sort not in SORTS:
        raise ParameterError(
            f"invalid query parameter sort={sort[:100]!r}: accepted values: "
            + ", ".join(SORTS)
        )


def count_items(
    store: GraphStore, iris: Iris, item_type: str, *, graphs: Sequence[NamedNode] | None
) -> int:
    """Return how many items of `item_type` the graphs contain, as `list_items` does."""
    check_type(item_type)
    if _own_graphs(store, iris, item_type):
        return len(_select_items(store, iris, item_type, None, graphs))
    # No item of the type has its own graph, so COUNT over the union gives the same.
    pattern = _items_pattern(iris, item_type)
    rows = store.select(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {pattern} }}", default_graph=graphs
    )
    return int(rows[0]["n"].value) if rows else 0


def read_item(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    key: str,
    *,
    graphs: Sequence[NamedNode] | None,
) -> Item:
    """Return the item `key` of `item_type`, or raise `NotFoundError`.

    The item must have one of the classes of its type. An IRI without such a class, or
    whose class sits in a graph the user may not read, is not found.
    """
    item = describe_item(store, iris, item_type, key, graphs=graphs)
    if not set(item.classes) & set(ITEM_CLASSES[item_type]):
        raise _not_found(item_type, key)
    return item


def describe_item(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    key: str,
    *,
    graphs: Sequence[NamedNode] | None,
) -> Item:
    """Return the item `key` with the triples about its IRI, whatever its class.

    This serves dereferenceable IRIs, where an imported resource may carry a class that
    `ITEM_CLASSES` does not list. Raise `NotFoundError` when no readable triple has the
    IRI as subject.
    """
    check_key(item_type, key)
    iri = iris.item(item_type, key)
    own_graph = iris.item_graph(item_type, key)
    if store.has_graph(own_graph):
        # An item with its own graph is described by that graph alone: triples about
        # it in a dataset graph must neither reveal a hidden item nor change its fields.
        if graphs is not None and own_graph not in graphs:
            raise _not_found(item_type, key)
        graphs = [own_graph]
    triples = _describe(store, [iri], graphs)[iri.value]
    if not triples:
        raise _not_found(item_type, key)
    return _make_item(iris, iri, triples)


def read_labels(
    store: GraphStore,
    nodes: Iterable[NamedNode],
    *,
    graphs: Sequence[NamedNode] | None,
) -> dict[str, str]:
    """Return the label of each node that has one, keyed by IRI, French labels first."""
    values = " ".join(
        str(node) for node in {node.value: node for node in nodes}.values()
    )
    if not values:
        return {}
    rows = _select_in_graphs(
        store,
        f"SELECT ?g ?s ?p ?label WHERE {{ VALUES ?s {{ {values} }} "
        f"VALUES ?p {{ {_terms(LABEL_PROPERTIES)} }} GRAPH ?g {{ ?s ?p ?label }} }}",
        graphs,
    )
    candidates: dict[str, list[tuple[NamedNode, Literal]]] = {}
    for row in rows:
        if isinstance(row["label"], Literal):
            candidates.setdefault(row["s"].value, []).append((row["p"], row["label"]))
    return {iri: _best_label(pairs) for iri, pairs in candidates.items()}


def read_incoming(
    store: GraphStore,
    iri: NamedNode,
    *,
    graphs: Sequence[NamedNode] | None,
    limit: int = 100,
) -> tuple[int, list[IncomingLink]]:
    """Return how many (subject, predicate) pairs link to `iri`, and the first `limit`.

    Links through `rdf:type` are left out. The pairs are ordered by subject, then
    predicate.
    """
    query = (
        f"SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {iri} }} FILTER(?p != rdf:type) }}"
    )
    rows = _select_in_graphs(store, query, graphs)
    pairs = {(str(row["s"]), str(row["p"])): row for row in rows}
    ordered = [pairs[key] for key in sorted(pairs)]
    links = [IncomingLink(row["s"], row["p"]) for row in ordered[:limit]]
    return len(pairs), links


def item_from_triples(iris: Iris, iri: NamedNode, triples: Iterable[Triple]) -> Item:
    """Build an `Item` from triples read elsewhere, such as a revision of the item."""
    return _make_item(iris, iri, list(triples))


def item_json(iris: Iris, item: Item) -> dict[str, object]:
    """Return the JSON form of an item: its model's JSON with `@id` and `iri` added.

    Stored triples that do not make a valid model, such as an import that misses a
    required value, give a generic form instead: type, key, label, classes and every
    property.
    """
    model = _model_of(iris, item)
    if model is not None:
        body = model.model_dump(mode="json")
    else:
        body = _generic_json(iris, item)
    return {"@id": item.iri.value, "iri": item.iri.value, **body}


def compact_iri(iri: str) -> str:
    """Return `prefix:name` for an IRI in one of maillage's namespaces, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def expand_curie(text: str) -> NamedNode:
    """Return the IRI that `prefix:name` or a full IRI stands for.

    Raise `InvalidIdentifierError` for an unknown prefix or a text that is not an IRI.
    """
    prefix, colon, name = text.partition(":")
    if colon and prefix in PREFIXES and not name.startswith("//"):
        return NamedNode(PREFIXES[prefix] + name)
    if text.startswith(("http://", "https://", "urn:")):
        try:
            return NamedNode(text)
        except ValueError as exc:
            raise InvalidIdentifierError(f"invalid IRI {text[:200]!r}") from exc
    accepted = ", ".join(PREFIXES)
    raise InvalidIdentifierError(
        f"invalid class {text[:200]!r}: give a full IRI or a prefixed name with one of "
        f"the prefixes {accepted}"
    )


def fold_text(text: str) -> str:
    """Return `text` case-folded, without accents, as the title filter compares it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_FOLDS)


def _select_items(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    rdf_class: NamedNode | None,
    graphs: Sequence[NamedNode] | None,
) -> list[NamedNode]:
    """Return the items of a type, sorted by IRI.

    An item with its own graph counts only through the class in that graph, as
    `describe_item` reads it, so that triples about it in a dataset graph neither
    reveal a hidden item nor add one. An item without one, such as an imported
    commune, counts through any readable graph. Python sorts the items because ORDER
    BY costs Oxigraph 0.5 s or more on 10,000 items (pyoxigraph 0.5, measured on the
    demo's observations).
    """
    extra = f" ?s a {rdf_class} ." if rdf_class is not None else ""
    rows = store.select(
        f"SELECT DISTINCT ?s WHERE {{ {_items_pattern(iris, item_type)}{extra} }}",
        default_graph=graphs,
    )
    subjects = {row["s"].value: row["s"] for row in rows}
    own_graphs = _own_graphs(store, iris, item_type)
    if own_graphs:
        typed = _typed_in_own_graph(store, iris, item_type, extra, graphs)
        subjects = {
            value: node
            for value, node in subjects.items()
            if value in typed or _own_graph(iris, value) not in own_graphs
        }
    return sorted(subjects.values(), key=lambda node: node.value)


def _typed_in_own_graph(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    extra: str,
    graphs: Sequence[NamedNode] | None,
) -> set[str]:
    """Return the items of a type whose class sits in their own, readable graph."""
    graph_prefix = Literal(f"{iris.base}/graph/{item_type}/")
    rows = store.select(
        f"SELECT ?s ?g WHERE {{ VALUES ?class {{ {_terms(ITEM_CLASSES[item_type])} }} "
        f"GRAPH ?g {{ ?s a ?class .{extra} }} "
        f"FILTER(STRSTARTS(STR(?g), {graph_prefix})) }}"
    )
    readable = None if graphs is None else {graph.value for graph in graphs}
    return {
        subject
        for subject, graph in (_key(row) for row in rows)
        if graph == _own_graph(iris, subject)
        and (readable is None or graph in readable)
    }


def _counts_in(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    rows: list[dict[str, Term]],
    graphs: Sequence[NamedNode] | None,
) -> set[tuple[str, str]]:
    """Return the (subject, graph) pairs of `rows` whose graph may describe the item.

    That is the item's own graph when it has one, as in `_select_items`, else any
    graph of `graphs` (None: all of them).
    """
    own_graphs = _own_graphs(store, iris, item_type)
    readable = None if graphs is None else {graph.value for graph in graphs}
    accepted = set()
    for row in rows:
        subject, graph = _key(row)
        if readable is not None and graph not in readable:
            continue
        own = _own_graph(iris, subject)
        if own == graph or own not in own_graphs:
            accepted.add((subject, graph))
    return accepted


def _own_graphs(store: GraphStore, iris: Iris, item_type: str) -> set[str]:
    """Return the names of the item graphs of `item_type` that exist."""
    prefix = f"{iris.base}/graph/{item_type}/"
    return {
        graph.value for graph in store.named_graphs() if graph.value.startswith(prefix)
    }


def _own_graph(iris: Iris, subject: str) -> str:
    """Return the name of the item graph of `subject`, an IRI under `{base}/id/`."""
    path = subject[len(iris.base) + len("/id/") :].split("#", 1)[0]
    return f"{iris.base}/graph/{path}"


def _key(row: dict[str, Term]) -> tuple[str, str]:
    return row["s"].value, row["g"].value


def _items_pattern(iris: Iris, item_type: str) -> str:
    return (
        f"VALUES ?class {{ {_terms(ITEM_CLASSES[item_type])} }} ?s a ?class . "
        f"FILTER({_item_filter(iris, item_type)})"
    )


def _item_filter(iris: Iris, item_type: str) -> str:
    prefix = Literal(f"{iris.base}/id/{item_type}/")
    return f"isIRI(?s) && STRSTARTS(STR(?s), {prefix})"


def _match_labels(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    text: str,
    graphs: Sequence[NamedNode] | None,
) -> set[str]:
    """Return the IRIs of the items of a type with a label that contains `text`.

    SPARQL has no Unicode normalization, so the labels are folded here with `fold_text`.
    """
    needle = fold_text(text)
    return {
        subject
        for subject, _, label in _item_values(
            store, iris, item_type, LABEL_PROPERTIES, graphs
        )
        if needle in fold_text(label.value)
    }


def _sorted_by(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    subjects: list[NamedNode],
    sort: str,
    graphs: Sequence[NamedNode] | None,
) -> list[NamedNode]:
    """Return `subjects`, sorted by IRI, in the order `sort` of `SORTS`.

    Python's sort is stable, so items with equal keys keep their IRI order.
    """
    if sort == "label":
        values = _item_values(store, iris, item_type, LABEL_PROPERTIES, graphs)
        labels: dict[str, list[tuple[NamedNode, Literal]]] = {}
        for subject, predicate, label in values:
            labels.setdefault(subject, []).append((predicate, label))
        keys = {
            subject: fold_text(_best_label(pairs)) for subject, pairs in labels.items()
        }
        reverse = False
    else:
        values = _item_values(store, iris, item_type, (DCTERMS.modified,), graphs)
        keys = {}
        for subject, _, value in values:
            # The server writes UTC times in one ISO form, so text order is time order.
            keys[subject] = max(keys.get(subject, ""), value.value)
        reverse = True
    with_key = [subject for subject in subjects if subject.value in keys]
    with_key.sort(key=lambda node: keys[node.value], reverse=reverse)
    return with_key + [subject for subject in subjects if subject.value not in keys]


def _item_values(
    store: GraphStore,
    iris: Iris,
    item_type: str,
    predicates: Sequence[NamedNode],
    graphs: Sequence[NamedNode] | None,
) -> list[tuple[str, NamedNode, Literal]]:
    """Return (item IRI, predicate, literal) for the values of `predicates`.

    Values count in the graphs that `_counts_in` accepts.
    """
    rows = store.select(
        f"SELECT ?s ?g ?p ?value WHERE {{ VALUES ?p {{ {_terms(predicates)} }} "
        f"GRAPH ?g {{ ?s ?p ?value }} FILTER({_item_filter(iris, item_type)}) }}"
    )
    accepted = _counts_in(store, iris, item_type, rows, graphs)
    return [
        (row["s"].value, row["p"], row["value"])
        for row in rows
        if _key(row) in accepted and isinstance(row["value"], Literal)
    ]


def _describe(
    store: GraphStore, subjects: Sequence[NamedNode], graphs: Sequence[NamedNode] | None
) -> dict[str, list[Triple]]:
    """Return the triples of each subject and of the fragment nodes it links to.

    A fragment node counts when its triples sit in the graph that links the item to it,
    which is where docs/model.md puts the parts of an item.
    """
    described: dict[str, dict[str, Triple]] = {
        subject.value: {} for subject in subjects
    }
    if not subjects:
        return {key: [] for key in described}
    rows = _select_in_graphs(
        store,
        f"""SELECT ?g ?item ?s ?p ?o WHERE {{
          VALUES ?item {{ {_terms(subjects)} }}
          {{ GRAPH ?g {{ ?item ?p ?o }} BIND(?item AS ?s) }}
          UNION
          {{
            GRAPH ?g {{
              ?item ?link ?s .
              FILTER(isBlank(?s) || STRSTARTS(STR(?s), CONCAT(STR(?item), "#")))
              ?s ?p ?o .
            }}
          }}
        }}""",
        graphs,
    )
    for row in rows:
        triple = Triple(row["s"], row["p"], row["o"])
        # A triple may sit in several graphs, and the description contains it once.
        described[row["item"].value][str(triple)] = triple
    return {key: list(triples.values()) for key, triples in described.items()}


def _select_in_graphs(
    store: GraphStore, query: str, graphs: Sequence[NamedNode] | None
) -> list[dict[str, Term]]:
    """Run a SELECT whose patterns sit in `GRAPH ?g`; keep the solutions of `graphs`.

    Oxigraph looks terms up about five times slower in a default graph made of many
    named graphs than through `GRAPH ?g` (pyoxigraph 0.5.13, 500 observations of the
    demo with the 100 graphs an anonymous user reads). So the query runs over every
    graph and the solutions from other graphs are dropped here.
    """
    rows = store.select(query)
    if graphs is None:
        return rows
    readable = {graph.value for graph in graphs}
    return [row for row in rows if row["g"].value in readable]


def _make_item(iris: Iris, iri: NamedNode, triples: list[Triple]) -> Item:
    ref = iris.parse_item(iri.value)
    if ref is None:
        raise InvalidIdentifierError(f"{iri.value!r} is not an item IRI of this base")
    own = [t for t in triples if t.subject == iri]
    classes = tuple(
        sorted(
            {t.object.value: t.object for t in own if t.predicate == RDF.type}.values(),
            key=lambda node: node.value,
        )
    )
    labels = [
        (t.predicate, t.object)
        for t in own
        if t.predicate in LABEL_PROPERTIES and isinstance(t.object, Literal)
    ]
    label = _best_label(labels) if labels else None
    return Item(iri, ref.type, ref.key, label, classes, tuple(_sorted_triples(triples)))


def _best_label(pairs: list[tuple[NamedNode, Literal]]) -> str:
    def rank(pair: tuple[NamedNode, Literal]) -> tuple[int, int, str]:
        predicate, literal = pair
        if literal.language == "fr":
            language_rank = 0
        elif literal.language is None:
            language_rank = 1
        else:
            language_rank = 2
        return LABEL_PROPERTIES.index(predicate), language_rank, literal.value

    return min(pairs, key=rank)[1].value


def _sorted_triples(triples: Iterable[Triple]) -> list[Triple]:
    return sorted(
        triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    )


def _terms(terms: Iterable[NamedNode]) -> str:
    return " ".join(str(term) for term in terms)


def _not_found(item_type: str, key: str) -> NotFoundError:
    return NotFoundError(f"no {item_type} with key {key[:80]!r}")


def _model_of(iris: Iris, item: Item) -> ItemModel | None:
    """Return the item as its pydantic model, or None when its triples do not fit."""
    model_class = MODELS.get(item.type)
    if model_class is None:
        return None
    try:
        return model_class.from_triples(iris, item.iri, item.triples)
    except ValidationFailedError as exc:
        logger.warning(
            "item %s does not fit its model: %s", item.iri.value, exc.message
        )
        return None


def _generic_json(iris: Iris, item: Item) -> dict[str, object]:
    by_subject: dict[str, list[Triple]] = {}
    for triple in item.triples:
        by_subject.setdefault(str(triple.subject), []).append(triple)
    return {
        "type": item.type,
        "key": item.key,
        "label": item.label,
        "classes": [compact_iri(node.value) for node in item.classes],
        "properties": _properties_json(
            str(item.iri), by_subject, {str(item.iri)}, skip_types=True
        ),
    }


def _properties_json(
    subject: str,
    by_subject: dict[str, list[Triple]],
    seen: set[str],
    *,
    skip_types: bool = False,
) -> dict[str, list[object]]:
    """Return the values of each property of `subject`, nesting its fragment nodes."""
    properties: dict[str, list[object]] = {}
    for triple in by_subject.get(subject, []):
        if skip_types and triple.predicate == RDF.type:
            continue
        value = _value_json(triple.object, by_subject, seen)
        properties.setdefault(compact_iri(triple.predicate.value), []).append(value)
    return properties


def _value_json(
    term: object, by_subject: dict[str, list[Triple]], seen: set[str]
) -> dict[str, object]:
    if isinstance(term, Literal):
        return _literal_json(term)
    node_id = term.value if isinstance(term, NamedNode) else str(term)
    key = str(term)
    if key in by_subject and key not in seen:
        nested = _properties_json(key, by_subject, seen | {key})
        return {"@id": node_id, "properties": nested}
    return {"@id": node_id}


def _literal_json(literal: Literal) -> dict[str, object]:
    if literal.language:
        return {"@value": literal.value, "@language": literal.language}
    if literal.datatype == XSD.string:
        return {"@value": literal.value}
    return {"@value": literal.value, "@type": compact_iri(literal.datatype.value)}
