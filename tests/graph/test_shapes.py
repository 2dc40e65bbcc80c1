from collections.abc import Iterable

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, Triple
from rdflib.collection import Collection
from rdflib.namespace import RDF as RDFLIB_RDF
from rdflib.namespace import SH

from maillage.graph.iris import Iris
from maillage.graph.models import ItemModel, NodeModel, ObjectKind, field_mappings
from maillage.graph.models.mapping import FieldMapping, kind_mapping, node_classes
from maillage.graph.namespaces import DCTERMS, MLG, RDF, XSD
from maillage.graph.ontology import load_ontology, ontology_file
from maillage.graph.shacl import validate, validate_item, validate_store
from tests.graph.model_samples import SAMPLES, full_sample, linked_items, minimal_sample

SAMPLE_NAMES = sorted(SAMPLES)


def _shapes(iris: Iris) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(
        data=ontology_file("shapes.ttl"), format="turtle", publicID=iris.document_base
    )
    return graph


def _without(triples: list[Triple], predicate: NamedNode) -> list[Triple]:
    return [t for t in triples if t.predicate != predicate]


def _replace(model: ItemModel, iris: Iris, predicate: NamedNode, value) -> list[Triple]:
    triples = _without(model.to_triples(iris), predicate)
    return [*triples, Triple(model.iri(iris), predicate, value)]


# ---------------------------------------------------------------------------
# Every sample conforms


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shapes_accept_full_sample(iris, name):
    model = full_sample(name, iris)
    violations = validate(model.to_triples(iris), iris, extra=linked_items(iris))
    assert violations == [], violations


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shapes_accept_minimal_sample(iris, name):
    model = minimal_sample(name, iris)
    violations = validate(model.to_triples(iris), iris, extra=linked_items(iris))
    assert violations == [], violations


# ---------------------------------------------------------------------------
# Invalid data is reported


def test_shapes_reject_missing_title(iris):
    model = minimal_sample("document", iris)
    triples = _without(model.to_triples(iris), DCTERMS["title"])
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [v.to_dict() for v in violations] == [
        {
            "focus_node": model.iri(iris).value,
            "path": DCTERMS["title"].value,
            "message": (
                "property dcterms:title is missing: at least 1 value(s) expected"
            ),
            "value": None,
            "constraint": "MinCountConstraintComponent",
        }
    ]


def test_shapes_reject_wrong_datatype(iris):
    model = minimal_sample("action", iris)
    triples = _replace(model, iris, MLG.number, Literal("1"))
    violations = validate(triples, iris, extra=linked_items(iris))
    messages = {v.constraint: v.message for v in violations}
    assert messages["DatatypeConstraintComponent"] == (
        'property mlg:number: "1" is not a valid xsd:integer'
    )


def test_shapes_reject_link_to_wrong_class(iris):
    model = minimal_sample("document", iris)
    action = iris.item("action", "fa-02")
    triples = _replace(model, iris, DCTERMS.creator, action)
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [(v.path, v.value, v.constraint) for v in violations] == [
        (DCTERMS.creator.value, str(action), "ClassConstraintComponent")
    ]


def test_shapes_reject_concept_of_other_scheme(iris):
    model = minimal_sample("document", iris)
    phase = iris.concept("phase", "diagnostic")
    triples = _replace(model, iris, DCTERMS.type, phase)
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [(v.path, v.constraint) for v in violations] == [
        (DCTERMS.type.value, "NodeConstraintComponent")
    ]
    scheme = iris.scheme("document-type").value
    assert violations[0].message.endswith(f"is not a concept of scheme {scheme}")


def test_shapes_reject_unknown_concept(iris):
    model = minimal_sample("event", iris)
    triples = _replace(
        model, iris, MLG.eventKind, iris.concept("event-kind", "banquet")
    )
    violations = validate(triples, iris, extra=linked_items(iris))
    assert {v.constraint for v in violations} == {
        "ClassConstraintComponent",
        "NodeConstraintComponent",
    }


def test_shapes_reject_action_without_lead(iris):
    model = minimal_sample("action", iris)
    involvement = model.involvements[0].model_copy(
        update={"role": iris.concept("role", "partner").value}
    )
    partner_only = model.model_copy(update={"involvements": [involvement]})
    violations = validate(partner_only.to_triples(iris), iris, extra=linked_items(iris))
    assert [(v.path, v.constraint) for v in violations] == [
        (MLG.involvement.value, "QualifiedMinCountConstraintComponent")
    ]


def test_shapes_reject_nested_node_without_agent(iris):
    model = minimal_sample("action", iris)
    triples = _without(model.to_triples(iris), MLG.agent)
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [(v.focus_node, v.path) for v in violations] == [
        (f"{model.iri(iris).value}#involvement-1", MLG.agent.value)
    ]


def test_shapes_reject_english_text(iris):
    model = minimal_sample("event", iris)
    triples = _replace(
        model, iris, DCTERMS["title"], Literal("Workshop", language="en")
    )
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [v.constraint for v in violations] == ["LanguageInConstraintComponent"]


def test_shapes_reject_epci_type_outside_list(iris):
    model = minimal_sample("epci", iris)
    triples = _replace(model, iris, MLG.epciType, Literal("SIVU"))
    violations = validate(triples, iris)
    assert [v.message for v in violations] == [
        'property mlg:epciType: "SIVU" is not accepted; accepted values: '
        '"CA", "CC", "CU", "METRO"'
    ]


def test_shapes_reject_vote_share_above_one(iris):
    model = minimal_sample("act-deliberation", iris)
    triples = _replace(model, iris, MLG.voteShare, Literal("1.5", datatype=XSD.decimal))
    violations = validate(triples, iris)
    assert [v.constraint for v in violations] == ["MaxInclusiveConstraintComponent"]


def test_shapes_reject_observation_area_of_wrong_class(iris):
    model = minimal_sample("observation", iris)
    actor = iris.item("actor", "caf-ardeche")
    triples = _replace(
        model,
        iris,
        NamedNode("http://purl.org/linked-data/sdmx/2009/dimension#refArea"),
        actor,
    )
    violations = validate(triples, iris, extra=linked_items(iris))
    assert [v.constraint for v in violations] == ["OrConstraintComponent"]


def test_shapes_reject_competence_outside_competence_schemes(iris):
    model = minimal_sample("competence", iris)
    triples = _replace(
        model,
        iris,
        NamedNode("http://www.w3.org/2004/02/skos/core#inScheme"),
        iris.scheme("theme"),
    )
    violations = validate(triples, iris)
    assert [v.constraint for v in violations] == ["InConstraintComponent"]


# ---------------------------------------------------------------------------
# What is validated and reported


def test_validate_reports_only_data_subjects(iris):
    membership = minimal_sample("membership", iris)
    bad_commune = Triple(iris.item("commune", "07186"), RDF.type, MLG.Commune)
    violations = validate(membership.to_triples(iris), iris, extra=[bad_commune])
    assert {v.focus_node for v in violations} == {membership.iri(iris).value}


def test_validate_accepts_quads(iris):
    model = minimal_sample("commune", iris)
    graph = model.graph(iris)
    quads = [
        Quad(t.subject, t.predicate, t.object, graph) for t in model.to_triples(iris)
    ]
    assert validate(quads, iris) == []


def _store_with_territories(store, iris):
    load_ontology(store, iris)
    for name in ("commune", "epci"):
        model = minimal_sample(name, iris)
        store.replace_graph(model.graph(iris), model.to_triples(iris))


def test_validate_item_reads_linked_classes_from_store(store, iris):
    _store_with_territories(store, iris)
    membership = minimal_sample("membership", iris)
    assert validate_item(store, iris, membership.to_triples(iris)) == []


def test_validate_without_store_context_misses_classes(iris):
    membership = minimal_sample("membership", iris)
    violations = validate(membership.to_triples(iris), iris)
    assert [v.constraint for v in violations] == ["ClassConstraintComponent"] * 2


def test_validate_store_accepts_consistent_items(store, iris):
    _store_with_territories(store, iris)
    membership = minimal_sample("membership", iris)
    store.replace_graph(membership.graph(iris), membership.to_triples(iris))
    assert validate_store(store, iris) == []


def test_validate_store_reports_broken_item(store, iris):
    _store_with_territories(store, iris)
    membership = minimal_sample("membership", iris)
    commune = iris.item("commune", "07186")
    broken = _replace(
        membership, iris, NamedNode("http://www.w3.org/ns/org#organization"), commune
    )
    store.replace_graph(membership.graph(iris), broken)
    violations = validate_store(store, iris)
    assert [(v.focus_node, v.value) for v in violations] == [
        (membership.iri(iris).value, str(commune))
    ]


# ---------------------------------------------------------------------------
# No drift between the models and the shapes


def _targeting_shapes(shapes: rdflib.Graph, classes: Iterable[NamedNode]):
    wanted = {rdflib.URIRef(c.value) for c in classes}
    return [
        s
        for s in shapes.subjects(SH.targetClass, None, unique=True)
        if set(shapes.objects(s, SH.targetClass)) & wanted
    ]


def _property_shapes(shapes: rdflib.Graph, node_shapes) -> dict[str, list]:
    by_path: dict[str, list] = {}
    for node_shape in node_shapes:
        for prop in shapes.objects(node_shape, SH.property):
            path = shapes.value(prop, SH.path)
            by_path.setdefault(str(path), []).append(prop)
    return by_path


def _nodes(model: ItemModel, iris: Iris) -> list[tuple[NamedNode, NodeModel]]:
    """Return the item node and its nested nodes, each with the model describing it."""
    nodes = [(model.iri(iris), model)]
    for mapping in field_mappings(type(model)):
        if mapping.rdf.object is ObjectKind.NESTED:
            for number, nested in enumerate(getattr(model, mapping.name), start=1):
                iri = NamedNode(
                    f"{model.iri(iris).value}#{mapping.rdf.fragment}-{number}"
                )
                nodes.append((iri, nested))
    return nodes


def _written_predicates(triples, node: NamedNode, model: NodeModel) -> set[str]:
    skip = {RDF.type.value}
    for mapping in field_mappings(type(model)):
        if mapping.rdf.object is ObjectKind.MEASURE:
            # SHACL Core cannot name a path held in the data.
            skip.add(getattr(model, mapping.rdf.predicate_field))
    return {t.predicate.value for t in triples if t.subject == node} - skip


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shape_paths_match_model_predicates(iris, name):
    shapes = _shapes(iris)
    model = full_sample(name, iris)
    triples = model.to_triples(iris)
    # Nested nodes of one model pool what they write: the full sample may leave a field
    # of its second funding line empty.
    written: dict[type, set[str]] = {}
    paths: dict[type, set[str]] = {}
    for node, described in _nodes(model, iris):
        targeting = _targeting_shapes(shapes, node_classes(described))
        paths[type(described)] = set(_property_shapes(shapes, targeting))
        pooled = written.setdefault(type(described), set())
        pooled |= _written_predicates(triples, node, described)
    for described, model_paths in written.items():
        where = described.__name__
        assert model_paths - paths[described] == set(), (
            f"{where}: written, not in shapes"
        )
        assert paths[described] - model_paths == set(), (
            f"{where}: in shapes, not written"
        )


def _applies(mapping: FieldMapping, model: NodeModel) -> bool:
    kind = kind_mapping(type(model))
    return not mapping.rdf.kinds or getattr(model, kind[0]) in mapping.rdf.kinds


def _cardinality(shapes: rdflib.Graph, props) -> tuple[int, int | None]:
    mins = [
        int(shapes.value(p, SH.minCount)) for p in props if shapes.value(p, SH.minCount)
    ]
    maxs = [
        int(shapes.value(p, SH.maxCount)) for p in props if shapes.value(p, SH.maxCount)
    ]
    return max(mins, default=0), min(maxs, default=None)


def _model_cardinality(mapping: FieldMapping) -> tuple[int, int | None]:
    if mapping.many:
        return mapping.min_count, None
    if mapping.required or mapping.rdf.required_for_kinds:
        return 1, 1
    return 0, 1


def _classes(shapes: rdflib.Graph, props) -> set[str]:
    found = {str(c) for p in props for c in shapes.objects(p, SH["class"])}
    for prop in props:
        for head in shapes.objects(prop, SH["or"]):
            for member in Collection(shapes, head):
                found.update(str(c) for c in shapes.objects(member, SH["class"]))
    return found


def _schemes(shapes: rdflib.Graph, props) -> set[str]:
    found = set()
    for prop in props:
        for node_shape in shapes.objects(prop, SH.node):
            for inner in shapes.objects(node_shape, SH.property):
                found.update(str(v) for v in shapes.objects(inner, SH.hasValue))
    return found


def _expected_datatype(mapping: FieldMapping) -> str | None:
    if mapping.rdf.object is ObjectKind.TEXT:
        return str(RDFLIB_RDF.langString)
    if mapping.rdf.object is ObjectKind.LITERAL:
        return mapping.rdf.datatype.value
    return None


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shape_constraints_match_field_markers(iris, name):
    shapes = _shapes(iris)
    model = full_sample(name, iris)
    for _node, described in _nodes(model, iris):
        by_path = _property_shapes(
            shapes, _targeting_shapes(shapes, node_classes(described))
        )
        for mapping in field_mappings(type(described)):
            if mapping.rdf.object is ObjectKind.MEASURE or not _applies(
                mapping, described
            ):
                continue
            props = by_path[mapping.rdf.predicate.value]
            where = f"{type(described).__name__}.{mapping.name}"
            assert _cardinality(shapes, props) == _model_cardinality(mapping), where
            if mapping.rdf.object is ObjectKind.LINK:
                assert _classes(shapes, props) == {
                    c.value for c in mapping.rdf.classes
                }, where
            if mapping.rdf.object is ObjectKind.CONCEPT:
                assert _schemes(shapes, props) == {
                    iris.scheme(mapping.rdf.scheme).value
                }, where
            datatype = _expected_datatype(mapping)
            if datatype is not None:
                found = {str(d) for p in props for d in shapes.objects(p, SH.datatype)}
                assert found == {datatype}, where


def test_shapes_use_shacl_core_only(iris):
    shapes = _shapes(iris)
    sparql = list(shapes.subject_objects(SH.sparql)) + list(shapes.subjects(SH.select))
    assert sparql == []


def test_node_shapes_targeted_or_referenced(iris):
    shapes = _shapes(iris)
    referenced = set(shapes.objects(None, SH.node)) | set(
        shapes.objects(None, SH.qualifiedValueShape)
    )
    loose = [
        s
        for s in shapes.subjects(RDFLIB_RDF.type, SH.NodeShape)
        if shapes.value(s, SH.targetClass) is None and s not in referenced
    ]
    assert loose == []
