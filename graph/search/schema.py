"""The tantivy schema of the search index, and the mapping of documents onto it."""

from __future__ import annotations

from tantivy import Document, Schema, SchemaBuilder

from maillage.graph.search.analysis import FRENCH_ANALYZER, normalise_text
from maillage.graph.search.documents import SearchDocument

# Bump when the schema or the analysis changes: an index of another version is
# deleted and rebuilt from the graph when it is opened.
SCHEMA_VERSION = "1"

# Text fields of the French analyzer, with the weight of a match in each.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "tags": 2.0,
    "description": 1.5,
    "text": 1.0,
}

# Facets, which are also the keys of search filters: each is an exact-value field that
# tantivy's terms aggregation counts.
FACETS: tuple[str, ...] = (
    "item_type",
    "doc_type",
    "phase",
    "actors",
    "actions",
    "competences",
    "workflow_state",
    "year",
)

# Integer field that orders by date: the date's proleptic Gregorian ordinal.
DATE_FIELD = "date"


def build_schema() -> Schema:
    """Build the schema: French text fields, exact-value facets, the graph, the date."""
    builder = SchemaBuilder()
    builder.add_text_field(
        "iri", stored=True, tokenizer_name="raw", index_option="basic"
    )
    builder.add_text_field(
        "graph", stored=False, tokenizer_name="raw", index_option="basic"
    )
    for name in ("title", "description", "text"):
        builder.add_text_field(name, stored=True, tokenizer_name=FRENCH_ANALYZER)
    builder.add_text_field("tags", stored=False, tokenizer_name=FRENCH_ANALYZER)
    for name in FACETS:
        builder.add_text_field(
            name,
            stored=name == "item_type",
            fast=True,
            tokenizer_name="raw",
            index_option="basic",
        )
    builder.add_integer_field(DATE_FIELD, stored=True, indexed=False, fast=True)
    return builder.build()


def to_tantivy(document: SearchDocument) -> Document:
    """Build the tantivy document of `document`, its texts normalised for analysis."""
    indexed = Document()
    indexed.add_text("iri", document.iri)
    indexed.add_text("graph", document.graph)
    indexed.add_text("title", normalise_text(document.title))
    indexed.add_text("description", normalise_text(document.description))
    indexed.add_text("text", normalise_text(document.text))
    for tag in document.tags:
        indexed.add_text("tags", normalise_text(tag))
    for name, values in _facet_values(document).items():
        for value in values:
            indexed.add_text(name, value)
    if document.date is not None:
        indexed.add_integer(DATE_FIELD, document.date.toordinal())
    return indexed


def _facet_values(document: SearchDocument) -> dict[str, list[str]]:
    single = {
        "item_type": document.item_type,
        "doc_type": document.doc_type,
        "phase": document.phase,
        "workflow_state": document.workflow_state,
        "year": str(document.year) if document.year is not None else None,
    }
    values = {name: [value] for name, value in single.items() if value}
    values["actors"] = list(document.actors)
    values["actions"] = list(document.actions)
    values["competences"] = list(document.competences)
    return values
