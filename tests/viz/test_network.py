"""Tests of the network builder over the small territory of data/network.ttl."""

from __future__ import annotations

import logging

import pytest

from maillage.graph.access import ANONYMOUS, readable_graphs
from maillage.graph.demo import load_demo
from maillage.graph.errors import MalformedRequestError
from maillage.viz.network import NetworkFilter, build_network, read_kind_labels
from tests.viz.conftest import load_turtle

BASE = "http://maillage.test/id/"


def short(iri: str) -> str:
    return iri.removeprefix(BASE)


def edge_set(network) -> set[tuple[str, str, str]]:
    return {
        (short(source), short(target), relation)
        for source, target, relation in network.edges(data="relation")
    }


def test_build_network_nodes_carry_kind_label_url(network_store, iris):
    network = build_network(network_store, iris, None)
    privas = network.nodes[BASE + "commune/07186"]
    assert privas["kind"] == "commune", privas
    assert privas["label"] == "Privas", privas
    assert privas["url"] == "/id/commune/07186", privas
    assert privas["id"] == BASE + "commune/07186", privas


def test_build_network_node_kinds(network_store, iris):
    network = build_network(network_store, iris, None)
    kinds = {short(node): kind for node, kind in network.nodes(data="kind")}
    assert kinds == {
        "epci/200071413": "epci",
        "commune/07186": "commune",
        "commune/07066": "commune",
        "commune/07349": "commune",
        "departement/07": "departement",
        "actor/caf-07": "caf",
        "actor/cias-capca": "cias",
        "action/fa-01": "action",
        "action/fa-02": "action",
        "competence/C2520": "competence",
    }


def test_build_network_unused_competence_left_out(network_store, iris):
    network = build_network(network_store, iris, None)
    assert BASE + "competence/C2526" not in network


def test_build_network_edges(network_store, iris):
    network = build_network(network_store, iris, None)
    assert edge_set(network) == {
        ("epci/200071413", "action/fa-01", "lead"),
        ("actor/caf-07", "action/fa-01", "partner"),
        ("departement/07", "action/fa-01", "funder"),
        ("actor/cias-capca", "action/fa-02", "lead"),
        ("commune/07186", "action/fa-02", "operator"),
        ("actor/caf-07", "action/fa-02", "funder"),
        ("action/fa-01", "competence/C2520", "relies-on"),
        ("action/fa-02", "competence/C2520", "relies-on"),
        ("actor/cias-capca", "competence/C2520", "holds"),
        ("commune/07186", "epci/200071413", "member-of"),
        ("commune/07066", "epci/200071413", "member-of"),
        ("commune/07349", "epci/200071413", "member-of"),
    }


def test_build_network_funder_edge_not_doubled(network_store, iris):
    # The département funds fa-01 both as an involvement and as a funding line.
    network = build_network(network_store, iris, None)
    edges = network.get_edge_data(BASE + "departement/07", BASE + "action/fa-01")
    assert len(edges) == 1, edges


def test_build_network_membership_basis_and_start(network_store, iris):
    network = build_network(network_store, iris, None)
    (edge,) = network.get_edge_data(
        BASE + "commune/07186", BASE + "epci/200071413"
    ).values()
    assert edge["basis"] == BASE + "act/arrete-2016-capca", edge
    assert edge["start"] == "2017-01-01", edge
    assert "Arrêté préfectoral de fusion" in edge["title"], edge


def test_build_network_membership_without_basis(network_store, iris):
    network = build_network(network_store, iris, None)
    (edge,) = network.get_edge_data(
        BASE + "commune/07066", BASE + "epci/200071413"
    ).values()
    assert edge["basis"] is None, edge
    assert "start" not in edge, edge


def test_build_network_transfer_basis(network_store, iris):
    network = build_network(network_store, iris, None)
    (edge,) = network.get_edge_data(
        BASE + "actor/cias-capca", BASE + "competence/C2520"
    ).values()
    assert edge["relation"] == "holds", edge
    assert edge["basis"] == BASE + "act/arrete-2016-capca", edge


def test_build_network_tooltip_details(network_store, iris):
    network = build_network(network_store, iris, None)
    assert network.nodes[BASE + "epci/200071413"]["title"] == (
        "CA Privas Centre Ardèche\nEPCI à fiscalité propre\nSIREN : 200071413"
    )
    assert network.nodes[BASE + "action/fa-01"]["title"] == (
        "Accès aux droits\nFiche action n° 1"
    )


def test_build_network_long_label_shortened(store, iris):
    long_title = "Coordonner " + "les acteurs de l'insertion " * 5
    load_turtle(
        store,
        iris,
        f'<id/action/fa-09> a mlg:Action ; dcterms:title "{long_title}"@fr .',
        iris.item_graph("action", "fa-09"),
    )
    node = build_network(store, iris, None).nodes[BASE + "action/fa-09"]
    assert len(node["label"]) == 48, node
    assert node["label"].endswith("…"), node
    assert node["title"].startswith(long_title.strip()), node


def test_build_network_organisation_of_two_kinds(store, iris):
    load_turtle(
        store,
        iris,
        '<id/actor/ccas-privas> a mlg:Association, mlg:CCAS ; skos:prefLabel "C"@fr .',
        iris.item_graph("actor", "ccas-privas"),
    )
    network = build_network(store, iris, None)
    assert network.nodes[BASE + "actor/ccas-privas"]["kind"] == "ccas"


def test_build_network_unknown_role_left_out(network_store, iris, caplog):
    load_turtle(
        network_store,
        iris,
        """<id/action/fa-01> mlg:involvement <id/action/fa-01#involvement-9> .
        <id/action/fa-01#involvement-9> mlg:agent <id/commune/07349> ;
            mlg:role <id/concept/role-observer> .""",
        iris.item_graph("action", "fa-01"),
    )
    with caplog.at_level(logging.WARNING, logger="maillage.viz.network"):
        network = build_network(network_store, iris, None)
    assert not network.has_edge(BASE + "commune/07349", BASE + "action/fa-01")
    assert "role-observer" in caplog.text, caplog.text


def test_build_network_edge_to_unknown_node_left_out(network_store, iris):
    load_turtle(
        network_store,
        iris,
        """<id/action/fa-01> mlg:involvement <id/action/fa-01#involvement-8> .
        <id/action/fa-01#involvement-8> mlg:agent <id/actor/unknown> ;
            mlg:role <id/concept/role-partner> .""",
        iris.item_graph("action", "fa-01"),
    )
    network = build_network(network_store, iris, None)
    assert BASE + "actor/unknown" not in network
    assert network.number_of_edges() == 12, edge_set(network)


def test_build_network_reads_only_given_graphs(network_store, iris):
    restricted = iris.item_graph("action", "fa-03")
    load_turtle(
        network_store,
        iris,
        """<id/action/fa-03> a mlg:Action ;
            dcterms:title "Action confidentielle"@fr ;
            mlg:visibility <id/concept/visibility-restricted> ;
            mlg:involvement <id/action/fa-03#involvement-1> .
        <id/action/fa-03#involvement-1> mlg:agent <id/actor/caf-07> ;
            mlg:role <id/concept/role-lead> .""",
        restricted,
    )
    graphs = readable_graphs(network_store, iris, ANONYMOUS)
    network = build_network(network_store, iris, graphs)
    assert BASE + "action/fa-03" not in network
    assert BASE + "action/fa-01" in network


def test_build_network_none_reads_all_graphs(network_store, iris):
    load_turtle(
        network_store,
        iris,
        """<id/action/fa-03> a mlg:Action ;
            mlg:visibility <id/concept/visibility-restricted> .""",
        iris.item_graph("action", "fa-03"),
    )
    assert BASE + "action/fa-03" in build_network(network_store, iris, None)


def test_build_network_empty_store(store, iris):
    network = build_network(store, iris, [])
    assert network.number_of_nodes() == 0


def test_filter_network_actor_kind(network_store, iris):
    keep = NetworkFilter.parse(actor_kinds=["caf"])
    network = build_network(network_store, iris, None, keep)
    assert {short(node) for node in network} == {
        "actor/caf-07",
        "action/fa-01",
        "action/fa-02",
        "competence/C2520",
    }


def test_filter_network_relation(network_store, iris):
    keep = NetworkFilter.parse(relations=["member-of"])
    network = build_network(network_store, iris, None, keep)
    assert {relation for _, _, relation in network.edges(data="relation")} == {
        "member-of"
    }
    kinds = {kind for _, kind in network.nodes(data="kind")}
    assert "action" not in kinds, kinds
    assert "competence" not in kinds, kinds


def test_filter_network_kind_and_relation(network_store, iris):
    keep = NetworkFilter.parse(actor_kinds=["cias"], relations=["holds"])
    network = build_network(network_store, iris, None, keep)
    assert edge_set(network) == {("actor/cias-capca", "competence/C2520", "holds")}


def test_network_filter_empty_keeps_everything():
    assert NetworkFilter.parse([], []) == NetworkFilter(None, None)


def test_network_filter_rejects_unknown_kind():
    with pytest.raises(MalformedRequestError) as raised:
        NetworkFilter.parse(actor_kinds=["mairie"])
    assert raised.value.message == (
        "unknown actor kind 'mairie'; accepted: commune, commune-deleguee, "
        "commune-associee, epci, ccas, cias, departement, region, caf, state-service, "
        "association, other-partner"
    )


def test_network_filter_rejects_unknown_relation():
    with pytest.raises(MalformedRequestError) as raised:
        NetworkFilter.parse(relations=["owns"])
    assert raised.value.message.startswith("unknown relation 'owns'; accepted: lead,")


def test_read_kind_labels_from_scheme(store, iris):
    load_turtle(
        store,
        iris,
        """<id/concept/actor-kind-caf> skos:inScheme <id/scheme/actor-kind> ;
            skos:prefLabel "CAF"@fr .""",
        iris.ontology_graph,
    )
    labels = read_kind_labels(store, iris, None)
    assert labels["caf"] == "CAF", labels
    assert labels["epci"] == "EPCI à fiscalité propre", labels


def test_build_network_demo_actions_and_members(store, iris):
    load_demo(store, iris)
    network = build_network(store, iris, None)
    actions = [node for node, kind in network.nodes(data="kind") if kind == "action"]
    assert len(actions) == 11, actions
    for action in actions:
        relations = [
            relation for *_, relation in network.in_edges(action, data="relation")
        ]
        assert "lead" in relations, (action, relations)
    members = list(network.predecessors(BASE + "epci/200071413"))
    assert len(members) == 42, members
