import json

import pytest
from pyoxigraph import NamedNode

from maillage.graph.errors import (
    InvalidIdentifierError,
    MalformedRequestError,
    UnsafeRequestError,
)
from maillage.graph.importers.rdf import load_rdf_file

TURTLE = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/actor/caf-ardeche> skos:prefLabel "CAF de l'Ardèche"@fr .
"""
TRIG = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/actor/ccas-privas> skos:prefLabel "CCAS de Privas"@fr .
<graph/actor/caf-ardeche> { <id/actor/caf-ardeche> skos:prefLabel "CAF"@fr . }
"""
XML_WITH_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
"""


def graphs_of(store) -> set[str]:
    return {graph.value for graph in store.named_graphs()}


def test_load_rdf_file_turtle_into_dataset_graph(store, iris, tmp_path):
    path = tmp_path / "Partenaires 2015.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    report = load_rdf_file(store, iris, path)
    subjects = {t.subject.value for t in store.graph_triples(NamedNode(report.graph))}
    assert report.graph == "http://maillage.test/graph/dataset/partenaires-2015"
    assert subjects == {"http://maillage.test/id/actor/caf-ardeche"}


def test_load_rdf_file_trig_keeps_graphs(store, iris, tmp_path):
    path = tmp_path / "partners.trig"
    path.write_text(TRIG, encoding="utf-8")
    report = load_rdf_file(store, iris, path)
    assert report.added == 2
    assert graphs_of(store) == {
        "http://maillage.test/graph/actor/caf-ardeche",
        "http://maillage.test/graph/dataset/partners",
    }


def test_load_rdf_file_graph_option(store, iris, tmp_path):
    path = tmp_path / "partners.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    load_rdf_file(store, iris, path, graph="urn:maillage:test")
    assert graphs_of(store) == {"urn:maillage:test"}


def test_load_rdf_file_replace_drops_previous(store, iris, tmp_path):
    path = tmp_path / "partners.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    load_rdf_file(store, iris, path)
    path.write_text(TURTLE.replace("CAF de l'Ardèche", "CAF 07"), encoding="utf-8")
    load_rdf_file(store, iris, path, replace=True)
    assert store.count_quads() == 1


def test_load_rdf_file_relative_graph_name_raises(store, iris, tmp_path):
    path = tmp_path / "partners.ttl"
    path.write_text(TURTLE, encoding="utf-8")
    with pytest.raises(InvalidIdentifierError, match="not an absolute IRI"):
        load_rdf_file(store, iris, path, graph="graph/x")


def test_load_rdf_file_rejects_xml_entities(store, iris, tmp_path):
    path = tmp_path / "evil.rdf"
    path.write_text(XML_WITH_ENTITY, encoding="utf-8")
    with pytest.raises(UnsafeRequestError, match="DOCTYPE"):
        load_rdf_file(store, iris, path)
    assert store.count_quads() == 0


def test_load_rdf_file_rejects_remote_jsonld_context(store, iris, tmp_path):
    path = tmp_path / "remote.jsonld"
    document = {"@context": "http://127.0.0.1:9/context.jsonld", "@id": "id/actor/x"}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(UnsafeRequestError, match="not fetched"):
        load_rdf_file(store, iris, path)


def test_load_rdf_file_jsonld_with_inline_context(store, iris, tmp_path):
    path = tmp_path / "inline.jsonld"
    document = {
        "@context": {"label": "http://www.w3.org/2004/02/skos/core#prefLabel"},
        "@id": "id/actor/caf-ardeche",
        "label": "CAF",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    report = load_rdf_file(store, iris, path)
    subjects = {t.subject.value for t in store.graph_triples(NamedNode(report.graph))}
    assert subjects == {"http://maillage.test/id/actor/caf-ardeche"}


def test_load_rdf_file_syntax_error_names_file(store, iris, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(MalformedRequestError, match="broken.ttl"):
        load_rdf_file(store, iris, path)
