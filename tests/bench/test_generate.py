"""The benchmark data generator: N-Quads of the model's shape, in the right graphs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pyshacl
import pytest
import rdflib
from pyoxigraph import DefaultGraph, Quad, RdfFormat, parse, serialize

import maillage.ontology
from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

ONTOLOGY = Path(maillage.ontology.__file__).parent
GENERATE_PATH = Path(__file__).resolve().parents[2] / "bench" / "generate.py"
_spec = importlib.util.spec_from_file_location("bench_generate", GENERATE_PATH)
generator = importlib.util.module_from_spec(_spec)
# dataclasses look the module up in sys.modules while they build the classes.
sys.modules[_spec.name] = generator
_spec.loader.exec_module(generator)

TINY = generator.Sizes(
    communes=9,
    epci=2,
    indicators=4,
    years=3,
    actors=7,
    actions=3,
    documents=5,
    transfers=2,
    acts=12,
    events=2,
    competences=25,
)
# Item types whose resources all live in their own item graph. BANATIC competences and
# territories live in dataset graphs instead.
CONTENT_TYPES = ("document", "action", "actor", "transfer", "act", "indicator", "event")


@pytest.fixture
def tiny_file(tmp_path: Path, iris: Iris) -> tuple[Path, object]:
    path = tmp_path / "tiny.nq"
    counts = generator.generate(path, TINY, base=iris.base, seed=7)
    return path, counts


def read_quads(path: Path) -> list[Quad]:
    return list(parse(path=str(path), format=RdfFormat.N_QUADS))


def test_generate_quads_parse_and_match_count(tiny_file):
    path, counts = tiny_file
    quads = read_quads(path)
    assert len(quads) == counts.triples, f"{len(quads)} quads, counts say {counts}"


def test_generate_every_quad_in_named_graph(tiny_file):
    path, _ = tiny_file
    in_default = [q for q in read_quads(path) if isinstance(q.graph_name, DefaultGraph)]
    assert in_default == [], f"quads in the default graph: {in_default[:3]}"


def test_generate_item_graph_holds_only_its_item(tiny_file, iris: Iris):
    path, _ = tiny_file
    strays = []
    for quad in read_quads(path):
        graph = iris.parse_graph(quad.graph_name.value)
        if graph is None or graph.type == "dataset":
            continue
        subject = quad.subject.value.split("#", 1)[0]
        if subject != iris.item(graph.type, graph.key).value:
            strays.append(quad)
    assert strays == [], f"subjects outside their item graph: {strays[:3]}"


def test_generate_content_items_only_in_own_graph(tiny_file, iris: Iris):
    path, _ = tiny_file
    misplaced = []
    for quad in read_quads(path):
        ref = iris.parse_item(quad.subject.value)
        if ref is not None and ref.type in CONTENT_TYPES:
            if quad.graph_name != iris.item_graph(ref.type, ref.key):
                misplaced.append(quad)
    assert misplaced == [], f"content items in another graph: {misplaced[:3]}"


def test_generate_subjects_are_valid_item_iris(tiny_file, iris: Iris):
    path, _ = tiny_file
    subjects = {q.subject.value for q in read_quads(path)}
    invalid = sorted(s for s in subjects if iris.parse_item(s) is None)
    assert invalid == [], (
        f"subjects that are not item IRIs of {iris.base}: {invalid[:5]}"
    )


def test_generate_concepts_declared_in_schemes(tmp_path: Path, iris: Iris):
    # Unlike the tiny sizes, the preset uses every concept slug of the generator.
    path = tmp_path / "agglomeration.nq"
    generator.generate(path, "agglomeration", base=iris.base)
    schemes = ONTOLOGY / "schemes.ttl"
    declared = {
        q.subject.value for q in parse(path=str(schemes), base_iri=iris.document_base)
    }
    prefix = f"{iris.base}/id/concept/"
    used = {
        q.object.value for q in read_quads(path) if q.object.value.startswith(prefix)
    }
    assert sorted(used - declared) == [], f"concepts missing from {schemes}"


def test_generate_graph_count_matches_counts(tiny_file):
    path, counts = tiny_file
    graphs = {q.graph_name.value for q in read_quads(path)}
    assert len(graphs) == counts.graphs, f"{len(graphs)} graphs, counts say {counts}"


@pytest.fixture
def tiny_store(tiny_file, store: GraphStore, iris: Iris) -> GraphStore:
    path, _ = tiny_file
    store.bulk_load(path, RdfFormat.N_QUADS, base_iri=iris.document_base)
    return store


def count_instances(store: GraphStore, rdf_class: str) -> int:
    rows = store.select(
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {rdf_class} }}"
    )
    return int(rows[0]["n"].value)


TERRITORIES = TINY.communes + TINY.epci + 1  # communes, EPCI and the département


@pytest.mark.parametrize(
    ("rdf_class", "expected"),
    [
        ("mlg:Commune", TINY.communes),
        ("igeo:Commune", TINY.communes),
        ("mlg:EPCI", TINY.epci),
        ("mlg:Indicator", TINY.indicators),
        ("qb:Observation", TERRITORIES * TINY.indicators * TINY.years),
        ("qb:DataSet", TINY.indicators),
        ("mlg:Action", TINY.actions),
        ("mlg:Document", TINY.documents),
        ("mlg:CompetenceTransfer", TINY.transfers),
        ("mlg:LegalAct", TINY.acts),
        ("mlg:Event", TINY.events),
    ],
)
def test_generate_instances_match_sizes(tiny_store, rdf_class, expected):
    found = count_instances(tiny_store, rdf_class)
    assert found == expected, f"{found} instances of {rdf_class}"


def test_generate_one_current_membership_per_commune(tiny_store):
    # A commune that changed EPCI also keeps its ended membership, with an end date.
    rows = tiny_store.select(
        """SELECT ?commune (COUNT(?m) AS ?n) WHERE {
             ?commune a mlg:Commune .
             OPTIONAL {
               ?m org:member ?commune .
               FILTER NOT EXISTS { ?m mlg:endDate ?end }
             }
           } GROUP BY ?commune"""
    )
    counts = sorted(int(row["n"].value) for row in rows)
    assert counts == [1] * TINY.communes, str(rows)


def test_generate_actors_match_size(tiny_store):
    rows = tiny_store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s mlg:actorKind ?kind }"
    )
    assert int(rows[0]["n"].value) == TINY.actors, str(rows)


def test_generate_periods_match_years(tiny_store):
    rows = tiny_store.select(
        "SELECT DISTINCT ?year WHERE { ?o sdmx-dimension:refPeriod ?year }"
    )
    years = sorted(int(row["year"].value) for row in rows)
    expected = list(range(TINY.first_year, TINY.first_year + TINY.years))
    assert years == expected, str(rows)


def test_generate_observation_has_measure(tiny_store):
    rows = tiny_store.select(
        """SELECT ?o WHERE {
             ?o a qb:Observation ; mlg:indicator ?indicator .
             FILTER NOT EXISTS { ?o ?indicator ?value }
           } LIMIT 3"""
    )
    assert rows == [], f"observations without a measure value: {rows}"


def test_generate_every_action_has_lead(tiny_store):
    rows = tiny_store.select(
        """SELECT ?action WHERE {
             ?action a mlg:Action .
             FILTER NOT EXISTS {
               ?action mlg:involvement ?involvement .
               ?involvement mlg:role ?role .
               FILTER(STRENDS(STR(?role), "/concept/role-lead"))
             }
           }"""
    )
    assert rows == [], f"actions without a lead: {rows}"


def test_generate_transfers_come_from_members(tiny_store):
    rows = tiny_store.select(
        """SELECT ?transfer ?commune WHERE {
             ?transfer mlg:fromCommune ?commune ; mlg:toBody ?epci .
             FILTER NOT EXISTS {
               ?m org:member ?commune ; org:organization ?epci .
               FILTER NOT EXISTS { ?m mlg:endDate ?end }
             }
           }"""
    )
    assert rows == [], f"transfers from communes outside the EPCI: {rows}"


def test_generate_broader_chain_reaches_domain(tiny_store):
    rows = tiny_store.select(
        """SELECT ?code WHERE {
             ?code skos:notation ?notation .
             FILTER NOT EXISTS {
               ?code skos:broader/skos:broader ?domain .
               FILTER NOT EXISTS { ?domain skos:broader ?above }
             }
           }"""
    )
    assert rows == [], f"BANATIC codes with no two-step chain to a domain: {rows}"


def test_generate_same_seed_same_file(tmp_path: Path):
    first, second = tmp_path / "first.nq", tmp_path / "second.nq"
    generator.generate(first, TINY, seed=3)
    generator.generate(second, TINY, seed=3)
    assert first.read_bytes() == second.read_bytes()


def test_generate_other_seed_other_file(tmp_path: Path):
    first, second = tmp_path / "first.nq", tmp_path / "second.nq"
    generator.generate(first, TINY, seed=3)
    generator.generate(second, TINY, seed=4)
    assert first.read_bytes() != second.read_bytes()


def test_generate_agglomeration_preset_size(tmp_path: Path):
    counts = generator.generate(tmp_path / "agglomeration.nq", "agglomeration")
    assert 70_000 <= counts.triples <= 90_000, str(counts)


def test_generate_unknown_preset_rejected(tmp_path: Path):
    message = "unknown preset 'region'; accepted: agglomeration, departement"
    with pytest.raises(ValueError, match=f"^{message}$"):
        generator.generate(tmp_path / "x.nq", "region")


def test_sizes_too_many_communes_rejected():
    with pytest.raises(ValueError, match=r"invalid communes=1000: expected 1 to 999"):
        generator.Sizes(**{**TINY.__dict__, "communes": 1000})


def test_sizes_negative_documents_rejected():
    with pytest.raises(ValueError, match=r"^invalid documents=-1: expected 0 or more$"):
        generator.Sizes(**{**TINY.__dict__, "documents": -1})


def test_generate_smallest_sizes_parse(tmp_path: Path):
    smallest = generator.Sizes(
        communes=1,
        epci=1,
        indicators=1,
        years=1,
        actors=1,
        actions=0,
        documents=0,
        transfers=0,
        acts=1,
        events=0,
        competences=1,
    )
    counts = generator.generate(tmp_path / "smallest.nq", smallest)
    quads = read_quads(tmp_path / "smallest.nq")
    assert len(quads) == counts.triples, str(counts)


def test_generate_escapes_literal_quotes():
    assert generator.fr('dit "oui"\n') == '"dit \\"oui\\"\\n"@fr'


def test_generate_conforms_to_shapes(tiny_file, iris: Iris):
    path, _ = tiny_file
    triples = serialize(
        [q.triple for q in read_quads(path)], format=RdfFormat.N_TRIPLES
    )
    data = rdflib.Graph().parse(data=triples, format="nt")
    # The ontology files write item IRIs relative to the base, shapes included.
    base = iris.document_base
    data.parse(ONTOLOGY / "schemes.ttl", publicID=base)
    vocabulary = rdflib.Graph().parse(ONTOLOGY / "maillage.ttl", publicID=base)
    shapes = rdflib.Graph().parse(ONTOLOGY / "shapes.ttl", publicID=base)
    conforms, _, report = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=vocabulary, inference="rdfs"
    )
    assert conforms, report
