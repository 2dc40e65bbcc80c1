"""The `Indicator` model carries everything the observatory reads of an indicator."""

from __future__ import annotations

import pytest

from maillage.graph.errors import ValidationFailedError
from maillage.graph.importers.ntriples import TripleWriter
from maillage.graph.models import Indicator
from maillage.graph.observatory.cube import add_structure
from maillage.graph.write_checks import parse_item_body

CATALOGUE_GRAPHS = """
SELECT DISTINCT ?g WHERE {
  GRAPH ?g { ?indicator a mlg:Indicator ; dcterms:subject ?theme }
}
"""


def catalogue_graphs(store) -> list[str]:
    return sorted(row["g"].value for row in store.select(CATALOGUE_GRAPHS))


def test_catalogue_has_indicators(territory_store):
    assert len(catalogue_graphs(territory_store)) > 30


def test_indicator_model_round_trips_catalogue(territory_store, iris):
    changed = []
    for graph in catalogue_graphs(territory_store):
        key = graph.rsplit("/", 1)[-1]
        stored = set(territory_store.graph_triples(iris.item_graph("indicator", key)))
        model = Indicator.from_triples(iris, iris.item("indicator", key), stored)
        if set(model.to_triples(iris)) != stored:
            changed.append(key)
    assert changed == []


def test_indicator_model_reads_catalogue_properties(territory_store, iris):
    key = "share-75-plus"
    triples = territory_store.graph_triples(iris.item_graph("indicator", key))
    model = Indicator.from_triples(iris, iris.item("indicator", key), triples)
    assert (model.rate_multiplier, model.secrecy_threshold) == (100, None)
    assert model.demo_data.startswith("Calculé"), model.demo_data


@pytest.mark.parametrize(
    ("field", "value"),
    [("secrecy_threshold", 0), ("secrecy_threshold", -5), ("rate_multiplier", 0)],
)
def test_indicator_model_rejects_non_positive(iris, field, value):
    body = {
        "label": "Foyers",
        "unit": "foyers",
        "indicator_kind": iris.concept("indicator-kind", "count").value,
        field: value,
    }
    with pytest.raises(ValidationFailedError) as raised:
        parse_item_body(iris, "indicator", "foyers", body)
    assert raised.value.details == {
        "errors": [{"field": field, "message": "must be greater than 0"}]
    }


def test_add_structure_writes_model_structure(iris):
    indicator = iris.item("indicator", "foyers")
    writer = TripleWriter()
    add_structure(writer, indicator.value)
    model = Indicator(
        key="foyers",
        label="Foyers",
        unit="foyers",
        indicator_kind=iris.concept("indicator-kind", "count").value,
    )
    structure = {
        f"{t.subject} {t.predicate} {t.object} .\n"
        for t in model.to_triples(iris)
        if "#" in t.subject.value
    }
    assert set(writer.lines) == structure
