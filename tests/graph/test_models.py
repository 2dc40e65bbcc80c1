from datetime import date
from decimal import Decimal

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.errors import InvalidIdentifierError, ValidationFailedError
from maillage.graph.iris import ITEM_TYPES
from maillage.graph.models import (
    MODELS,
    Action,
    Actor,
    Document,
    LegalAct,
    Observation,
    field_mappings,
    model_for_iri,
)
from maillage.graph.namespaces import DCTERMS, MLG, RDF, RDFS, SKOS, XSD
from tests.graph.model_samples import ACCENTED, SAMPLES, full_sample, minimal_sample

SAMPLE_NAMES = sorted(SAMPLES)


def _objects(triples, subject, predicate):
    return [
        t.object for t in triples if t.subject == subject and t.predicate == predicate
    ]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_round_trip_minimal(iris, name):
    model = minimal_sample(name, iris)
    back = type(model).from_triples(iris, model.iri(iris), model.to_triples(iris))
    assert back == model, f"{back!r} != {model!r}"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_round_trip_full(iris, name):
    model = full_sample(name, iris)
    back = type(model).from_triples(iris, model.iri(iris), model.to_triples(iris))
    assert back == model, f"{back!r} != {model!r}"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_full_sample_sets_every_field(iris, name):
    model = full_sample(name, iris)
    empty = [
        mapping.name
        for mapping in field_mappings(type(model))
        if getattr(model, mapping.name) in (None, [])
        and (not mapping.rdf.kinds or getattr(model, "kind", None) in mapping.rdf.kinds)
    ]
    assert empty == [], f"full sample {name} leaves {empty} unset"


def test_models_cover_every_item_type():
    assert sorted(MODELS) == sorted(ITEM_TYPES)


def test_round_trip_through_store(store, iris):
    model = full_sample("action", iris)
    store.replace_graph(model.graph(iris), model.to_triples(iris))
    triples = store.graph_triples(model.graph(iris))
    assert Action.from_triples(iris, model.iri(iris), triples) == model


def test_to_triples_writes_french_text(iris):
    model = minimal_sample("document", iris)
    titles = _objects(model.to_triples(iris), model.iri(iris), DCTERMS["title"])
    assert titles == [Literal(ACCENTED, language="fr")]


def test_to_triples_keeps_decimal_lexical_form(iris):
    model = full_sample("action", iris)
    funding = NamedNode(f"{model.iri(iris).value}#funding-1")
    amounts = _objects(model.to_triples(iris), funding, MLG.amount)
    assert amounts == [Literal("12500.50", datatype=XSD.decimal)]


def test_to_triples_types_dates(iris):
    model = full_sample("action", iris)
    starts = _objects(model.to_triples(iris), model.iri(iris), MLG.startDate)
    assert starts == [Literal("2025-01-01", datatype=XSD.date)]


def test_to_triples_mints_nested_fragments(iris):
    model = full_sample("action", iris)
    nodes = _objects(model.to_triples(iris), model.iri(iris), MLG.involvement)
    expected = [
        NamedNode(f"{model.iri(iris).value}#involvement-{n}") for n in (1, 2, 3)
    ]
    assert sorted(n.value for n in nodes) == [n.value for n in expected]


def test_from_triples_orders_nested_by_number(iris):
    model = full_sample("action", iris)
    many = model.model_copy(update={"involvements": model.involvements * 4})
    back = Action.from_triples(iris, many.iri(iris), reversed(many.to_triples(iris)))
    assert back.involvements == many.involvements


def test_from_triples_ignores_unmapped_triples(iris):
    model = minimal_sample("document", iris)
    other = NamedNode("http://example.org/other")
    noise = [
        Triple(model.iri(iris), RDFS.seeAlso, other),
        Triple(other, DCTERMS["title"], Literal("Autre", language="fr")),
    ]
    back = Document.from_triples(iris, model.iri(iris), model.to_triples(iris) + noise)
    assert back == model


def test_from_triples_prefers_french_text(iris):
    model = minimal_sample("commune", iris)
    english = Triple(
        model.iri(iris), SKOS.prefLabel, Literal("Privas town", language="en")
    )
    back = type(model).from_triples(
        iris, model.iri(iris), [english, *model.to_triples(iris)]
    )
    assert back.label == "Privas"


def test_from_triples_rejects_other_item_type(iris):
    model = minimal_sample("document", iris)
    with pytest.raises(InvalidIdentifierError) as raised:
        Action.from_triples(iris, model.iri(iris), model.to_triples(iris))
    assert "is not the IRI of a action item" in raised.value.message


def test_from_triples_missing_title_raises(iris):
    model = minimal_sample("document", iris)
    triples = [t for t in model.to_triples(iris) if t.predicate != DCTERMS["title"]]
    with pytest.raises(ValidationFailedError) as raised:
        Document.from_triples(iris, model.iri(iris), triples)
    assert [e["loc"] for e in raised.value.details] == [("title",)]


def test_from_triples_bad_literal_raises(iris):
    model = minimal_sample("action", iris)
    triples = [t for t in model.to_triples(iris) if t.predicate != MLG.number]
    triples.append(Triple(model.iri(iris), MLG.number, Literal("premier")))
    with pytest.raises(ValidationFailedError) as raised:
        Action.from_triples(iris, model.iri(iris), triples)
    assert [e["loc"] for e in raised.value.details] == [("number",)]


def test_list_fields_sorted_without_duplicates(iris):
    model = full_sample("document", iris)
    data = model.model_dump()
    data["keywords"] = ["zèbre", "ABS", "zèbre"]
    assert Document(**data).keywords == ["ABS", "zèbre"]


def test_actor_writes_kind_class_and_concept(iris):
    model = minimal_sample("actor-caf", iris)
    triples = model.to_triples(iris)
    assert _objects(triples, model.iri(iris), MLG.actorKind) == [
        iris.concept("actor-kind", "caf")
    ]
    assert MLG.CAF in _objects(triples, model.iri(iris), RDF.type)


def test_actor_kind_read_from_class(iris):
    model = minimal_sample("actor-state-service", iris)
    back = Actor.from_triples(iris, model.iri(iris), model.to_triples(iris))
    assert back.kind == "state-service"


def test_legal_act_rejects_field_of_other_kind(iris):
    with pytest.raises(
        ValueError, match="legal_code applies to the kinds law-article only"
    ):
        LegalAct(
            key="deliberation-1",
            kind="deliberation",
            title="Délibération",
            date_document=date(2020, 1, 1),
            legal_code="CGCT",
        )


def test_legal_act_requires_field_of_its_kind(iris):
    with pytest.raises(ValueError, match="date_document is required for the kind"):
        LegalAct(key="arrete-1", kind="prefectoral-order", title="Arrêté")


def test_observation_value_sits_on_indicator(iris):
    model = minimal_sample("observation", iris)
    indicator = NamedNode(model.indicator)
    values = _objects(model.to_triples(iris), model.iri(iris), indicator)
    assert values == [Literal("412", datatype=XSD.decimal)]


def test_observation_reads_integer_value(iris):
    model = minimal_sample("observation", iris)
    indicator = NamedNode(model.indicator)
    triples = [t for t in model.to_triples(iris) if t.predicate != indicator]
    triples.append(
        Triple(model.iri(iris), indicator, Literal("412", datatype=XSD.integer))
    )
    back = Observation.from_triples(iris, model.iri(iris), triples)
    assert back.value == Decimal("412")


def test_link_field_rejects_relative_iri():
    with pytest.raises(ValueError, match="is not an absolute http"):
        Document(
            key="d",
            title="Titre",
            document_type="id/concept/document-type-diagnostic",
            visibility="http://maillage.test/id/concept/visibility-public",
            workflow_state="http://maillage.test/id/concept/workflow-state-draft",
        )


def test_key_pattern_rejects_slash():
    with pytest.raises(ValueError, match="key"):
        Actor(key="caf/07", label="CAF", kind="caf")


def test_model_for_iri_returns_model(iris):
    assert model_for_iri(iris, iris.item("transfer", "t-1")).item_type == "transfer"


def test_model_for_iri_rejects_fragment(iris):
    with pytest.raises(InvalidIdentifierError):
        model_for_iri(iris, f"{iris.item('action', 'fa-01').value}#involvement-1")
