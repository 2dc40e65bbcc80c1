"""IRIs of items and graphs, all minted under the configured base IRI.

An item is `{base}/id/{type}/{key}` and its named graph is `{base}/graph/{type}/{key}`;
`docs/model.md` lists the types and their keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyoxigraph import NamedNode

from maillage.graph.errors import InvalidIdentifierError

# Item types, in the order the README and the API list them.
ITEM_TYPES: tuple[str, ...] = (
    "document",
    "action",
    "actor",
    "competence",
    "transfer",
    "act",
    "indicator",
    "event",
    "commune",
    "commune-deleguee",
    "commune-associee",
    "epci",
    "departement",
    "region",
    "arrondissement",
    "territory",
    "membership",
    "dataset",
    "observation",
    "scheme",
    "concept",
)

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass(frozen=True)
class ItemRef:
    """The type and key of an item, as read back from its IRI."""

    type: str
    key: str


class Iris:
    """Mints and reads the IRIs of one maillage instance."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self._item_prefix = f"{self.base}/id/"
        self._graph_prefix = f"{self.base}/graph/"

    @property
    def document_base(self) -> str:
        """Base IRI against which the project's own files are parsed."""
        return f"{self.base}/"

    def item(self, type_: str, key: str) -> NamedNode:
        """Return the IRI of the item `key` of type `type_`."""
        check_key(type_, key)
        return NamedNode(f"{self._item_prefix}{type_}/{key}")

    def item_graph(self, type_: str, key: str) -> NamedNode:
        """Return the named graph that holds the item `key` of type `type_`."""
        check_key(type_, key)
        return NamedNode(f"{self._graph_prefix}{type_}/{key}")

    def graph_of(self, item: NamedNode) -> NamedNode:
        """Return the named graph of the item whose IRI is `item`."""
        ref = self.parse_item(item.value)
        if ref is None:
            raise InvalidIdentifierError(f"{item.value!r} is not an item IRI of this base")
        return self.item_graph(ref.type, ref.key)

    def dataset_graph(self, slug: str) -> NamedNode:
        """Return the named graph of the imported dataset `slug`."""
        check_key("dataset", slug)
        return NamedNode(f"{self._graph_prefix}dataset/{slug}")

    @property
    def ontology_graph(self) -> NamedNode:
        return NamedNode(f"{self._graph_prefix}ontology")

    def scheme(self, slug: str) -> NamedNode:
        return self.item("scheme", slug)

    def concept(self, scheme: str, slug: str) -> NamedNode:
        return self.item("concept", f"{scheme}-{slug}")

    def parse_item(self, iri: str) -> ItemRef | None:
        """Return the type and key of an item IRI of this base, or None for any other IRI."""
        if not iri.startswith(self._item_prefix):
            return None
        rest = iri[len(self._item_prefix) :].split("#", 1)[0]
        type_, _, key = rest.partition("/")
        if type_ not in ITEM_TYPES or not KEY_PATTERN.match(key):
            return None
        return ItemRef(type_, key)

    def parse_graph(self, iri: str) -> ItemRef | None:
        """Return the type and key of an item graph or dataset graph, or None."""
        if not iri.startswith(self._graph_prefix):
            return None
        type_, _, key = iri[len(self._graph_prefix) :].partition("/")
        if type_ not in ITEM_TYPES or not KEY_PATTERN.match(key):
            return None
        return ItemRef(type_, key)


def check_key(type_: str, key: str) -> None:
    """Raise `InvalidIdentifierError` unless `type_` is known and `key` is a valid key."""
    if type_ not in ITEM_TYPES:
        accepted = ", ".join(ITEM_TYPES)
        raise InvalidIdentifierError(f"unknown item type {type_!r}; accepted: {accepted}")
    if not KEY_PATTERN.match(key):
        raise InvalidIdentifierError(
            f"invalid key {key[:80]!r}: use 1 to 200 characters among A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit"
        )


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def slugify(text: str) -> str:
    """Return a key made from free text: ASCII letters and digits joined by hyphens."""
    import unicodedata

    # The slug keeps 200 characters, so the start of a long text is enough to make it.
    # NFKD splits accents off their letters but leaves ligatures whole, so expand those first.
    expanded = text[:2000].translate(_LIGATURES)
    ascii_text = unicodedata.normalize("NFKD", expanded).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    return slug[:200] or "item"
