import json
import re
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from maillage.graph.iris import Iris
from maillage.graph.models import MODELS, Document, ObjectKind, field_mappings
from maillage.graph.models.mapping import kind_mapping
from maillage.graph.namespaces import MLG, OWL, PREFIXES, RDF, RDFS, SKOS
from maillage.graph.ontology import (
    jsonld_context,
    load_ontology,
    ontology_file,
    ontology_triples,
    parse_turtle_file,
)
from maillage.graph.rdfio import format_by_name, parse_rdf
from tests.graph.model_samples import minimal_sample

MODEL_DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

SCHEMES = (
    "document-type",
    "phase",
    "theme",
    "role",
    "action-status",
    "event-kind",
    "actor-kind",
    "indicator-kind",
    "visibility",
    "workflow-state",
    "banatic",
    "competence",
)


def _declared_terms(iris: Iris) -> set[str]:
    kinds = {OWL.Class.value, OWL.ObjectProperty.value, OWL.DatatypeProperty.value}
    return {
        t.subject.value
        for t in parse_turtle_file("maillage.ttl", iris)
        if t.predicate == RDF.type and t.object.value in kinds
    }


def _model_terms(*, classes: bool = True) -> set[str]:
    """Return the predicate IRIs that the models write, and their classes if asked."""
    terms: set[str] = set()
    models = list(MODELS.values())
    while models:
        model = models.pop()
        kind = kind_mapping(model)
        if classes:
            terms.update(c.value for c in model.rdf_types)
        if classes and kind is not None:
            terms.update(c.value for group in kind[1].classes.values() for c in group)
        if kind is not None and kind[1].concept_predicate is not None:
            terms.add(kind[1].concept_predicate.value)
        for mapping in field_mappings(model):
            if mapping.rdf.predicate is not None:
                terms.add(mapping.rdf.predicate.value)
            if mapping.nested_model is not None:
                models.append(mapping.nested_model)
    return terms


# ---------------------------------------------------------------------------
# Loading


def test_load_ontology_fills_ontology_graph(store, iris):
    count = load_ontology(store, iris)
    triples = store.graph_triples(iris.ontology_graph)
    assert len(triples) == count
    assert Triple(MLG.Document, RDF.type, OWL.Class) in triples


def test_load_ontology_is_idempotent(store, iris):
    load_ontology(store, iris)
    first = set(map(str, store.graph_triples(iris.ontology_graph)))
    load_ontology(store, iris)
    assert set(map(str, store.graph_triples(iris.ontology_graph))) == first


def test_load_ontology_leaves_default_graph_empty(store, iris):
    load_ontology(store, iris)
    assert store.named_graphs() == [iris.ontology_graph]


def test_ontology_resolves_item_iris_against_base():
    iris = Iris("https://social.example.org/maillage")
    triples = ontology_triples(iris)
    concept = NamedNode(
        "https://social.example.org/maillage/id/concept/phase-diagnostic"
    )
    assert Triple(concept, SKOS.inScheme, iris.scheme("phase")) in triples


def test_ontology_file_unknown_name_raises():
    with pytest.raises(FileNotFoundError, match="no packaged ontology file named"):
        ontology_file("missing.ttl")


# ---------------------------------------------------------------------------
# Vocabulary


def test_vocabulary_declares_terms_of_model_doc(iris):
    named = set(re.findall(r"`mlg:([A-Za-z]+)`", MODEL_DOC.read_text(encoding="utf-8")))
    declared = _declared_terms(iris)
    missing = sorted(name for name in named if MLG[name].value not in declared)
    assert missing == []


def test_vocabulary_declares_terms_models_write(iris):
    own = {term for term in _model_terms() if term.startswith(str(MLG))}
    assert sorted(own - _declared_terms(iris)) == []


def test_vocabulary_terms_have_labels_and_comment(iris):
    triples = parse_turtle_file("maillage.ttl", iris)
    incomplete = []
    for term in sorted(_declared_terms(iris)):
        about = [t for t in triples if t.subject.value == term]
        languages = {t.object.language for t in about if t.predicate == RDFS.label}
        comments = [t for t in about if t.predicate == RDFS.comment]
        if languages != {"fr", "en"} or len(comments) != 1:
            incomplete.append(term)
    assert incomplete == []


@pytest.mark.parametrize(
    ("subclass", "superclass"),
    [
        (
            "https://w3id.org/maillage/ns#Commune",
            "http://www.w3.org/ns/org#FormalOrganization",
        ),
        ("https://w3id.org/maillage/ns#Action", "http://www.w3.org/ns/prov#Activity"),
        (
            "https://w3id.org/maillage/ns#Indicator",
            "http://purl.org/linked-data/cube#MeasureProperty",
        ),
        (
            "https://w3id.org/maillage/ns#LegalAct",
            "http://data.europa.eu/eli/ontology#LegalResource",
        ),
        (
            "https://w3id.org/maillage/ns#Competence",
            "http://www.w3.org/2004/02/skos/core#Concept",
        ),
    ],
)
def test_vocabulary_states_reused_axioms(iris, subclass, superclass):
    axiom = Triple(NamedNode(subclass), RDFS.subClassOf, NamedNode(superclass))
    assert axiom in parse_turtle_file("maillage.ttl", iris)


# ---------------------------------------------------------------------------
# Schemes


def test_schemes_declare_every_scheme(iris):
    triples = parse_turtle_file("schemes.ttl", iris)
    declared = {t.subject for t in triples if t.object == SKOS.ConceptScheme}
    assert declared == {iris.scheme(slug) for slug in SCHEMES}


def test_concepts_have_label_scheme_and_top(iris):
    triples = parse_turtle_file("schemes.ttl", iris)
    concepts = {t.subject for t in triples if t.object == SKOS.Concept}
    broken = []
    for concept in sorted(concepts, key=lambda c: c.value):
        about = {(t.predicate, t.object) for t in triples if t.subject == concept}
        schemes = [o for p, o in about if p == SKOS.inScheme]
        labels = [o for p, o in about if p == SKOS.prefLabel]
        slug = concept.value.rsplit("/", 1)[-1]
        well_formed = (
            len(schemes) == 1
            and (SKOS.topConceptOf, schemes[0]) in about
            and slug.startswith(schemes[0].value.rsplit("/", 1)[-1] + "-")
            and [label.language for label in labels] == ["fr"]
        )
        if not well_formed:
            broken.append(concept.value)
    assert len(concepts) > 50
    assert broken == []


@pytest.mark.parametrize(
    "concept",
    [
        ("visibility", "public"),
        ("visibility", "partners"),
        ("visibility", "restricted"),
        ("workflow-state", "draft"),
        ("workflow-state", "published"),
        ("workflow-state", "archived"),
        ("role", "lead"),
        ("role", "partner"),
        ("role", "funder"),
        ("role", "operator"),
        ("indicator-kind", "count"),
        ("indicator-kind", "rate"),
        ("indicator-kind", "amount"),
        ("action-status", "en-cours"),
        ("phase", "observatoire"),
        ("theme", "acces-aux-droits"),
        ("document-type", "fiche-action"),
        ("event-kind", "comite-pilotage"),
    ],
)
def test_schemes_hold_concepts_of_model_doc(iris, concept):
    triples = parse_turtle_file("schemes.ttl", iris)
    assert Triple(iris.concept(*concept), RDF.type, SKOS.Concept) in triples


@pytest.mark.parametrize(
    "kind", ["ccas", "cias", "caf", "state-service", "association", "other-partner"]
)
def test_schemes_hold_every_actor_kind(iris, kind):
    triples = parse_turtle_file("schemes.ttl", iris)
    assert Triple(iris.concept("actor-kind", kind), RDF.type, SKOS.Concept) in triples


# ---------------------------------------------------------------------------
# JSON-LD context


def _context() -> dict:
    return json.loads(jsonld_context())["@context"]


def _expand(value: str, context: dict) -> str:
    prefix, _, local = value.partition(":")
    if (
        prefix in context
        and isinstance(context[prefix], str)
        and not local.startswith("//")
    ):
        return context[prefix] + local
    return value


def test_jsonld_context_maps_document(iris):
    document = {
        "@context": _context(),
        "@id": "id/document/diagnostic-social",
        "type": "Document",
        "title": "Œuvre d'accès aux droits, été",
        "documentType": "id/concept/document-type-diagnostic",
        "visibility": "id/concept/visibility-public",
        "workflowState": "id/concept/workflow-state-published",
    }
    quads = parse(
        json.dumps(document).encode(),
        format=RdfFormat.JSON_LD,
        base_iri=iris.document_base,
    )
    expected = minimal_sample("document", iris)
    read = Document.from_triples(iris, expected.iri(iris), [q.triple for q in quads])
    assert read == expected


def test_jsonld_context_served_iri_is_inlined(iris):
    context_iri = f"{iris.base}/ns/context.jsonld"
    body = {
        "@context": context_iri,
        "@id": "id/indicator/taux-rsa",
        "unit": "%",
        "refPeriod": "2022",
    }
    quads = parse_rdf(
        json.dumps(body).encode(),
        format_by_name("json-ld"),
        base_iri=iris.document_base,
        inline_contexts={context_iri: jsonld_context()},
    )
    objects = sorted(str(q.object) for q in quads)
    assert objects == [
        '"%"@fr',
        '"2022"^^<http://www.w3.org/2001/XMLSchema#gYear>',
    ]


def test_jsonld_context_covers_model_predicates():
    context = _context()
    mapped = {
        _expand(entry["@id"] if isinstance(entry, dict) else entry, context)
        for name, entry in context.items()
        if not name.startswith("@")
    }
    assert sorted(_model_terms(classes=False) - mapped) == []


def test_jsonld_context_names_no_base(iris):
    context = _context()
    namespaces = tuple(PREFIXES.values())
    outside = []
    for name, entry in context.items():
        value = entry["@id"] if isinstance(entry, dict) else entry
        if name.startswith("@") or value.startswith("@"):
            continue
        if not _expand(value, context).startswith(namespaces):
            outside.append(name)
    assert outside == []


def test_jsonld_context_types_literals():
    context = _context()
    assert context["amount"] == {"@id": "mlg:amount", "@type": "xsd:decimal"}
    assert context["objective"]["@language"] == "fr"


def test_jsonld_context_has_no_default_language():
    assert "@language" not in _context()


def test_models_text_fields_are_french_in_context():
    context = _context()
    french = {
        _expand(entry["@id"], context)
        for entry in context.values()
        if isinstance(entry, dict) and entry.get("@language") == "fr"
    }
    wrong = [
        mapping.rdf.predicate.value
        for model in MODELS.values()
        for mapping in field_mappings(model)
        if mapping.rdf.object is ObjectKind.TEXT
        and mapping.rdf.predicate.value not in french
    ]
    assert sorted(set(wrong)) == []
