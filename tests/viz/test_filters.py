"""Tests of the network filters: date, competence, theme and territory."""

from __future__ import annotations

from datetime import date

import pytest

from maillage.graph.errors import InvalidIdentifierError
from maillage.viz.filters import NetworkFilter, edge_validity, parse_filter
from maillage.viz.network import build_network
from tests.viz.conftest import load_turtle

BASE = "http://maillage.test/id/"

# A second action on housing, led by the département on Chomérac, with a theme each.
SECOND_ACTION = """
<id/action/fa-01> dcterms:subject <id/concept/theme-acces-aux-droits> .
<id/action/fa-02> dcterms:subject <id/concept/theme-lien-social> ;
    mlg:territory <id/epci/200071413> .
<id/action/fa-03> a mlg:Action ;
    dcterms:title "Logement des jeunes"@fr ;
    dcterms:subject <id/concept/theme-logement> ;
    mlg:territory <id/commune/07066> ;
    mlg:reliesOnCompetence <id/competence/C1520> ;
    mlg:involvement <id/action/fa-03#involvement-1> .
<id/action/fa-03#involvement-1> mlg:agent <id/departement/07> ;
    mlg:role <id/concept/role-lead> .
<id/competence/C1520> a mlg:Competence ; skos:prefLabel "Logement"@fr .
"""


def short(iri: str) -> str:
    return iri.removeprefix(BASE)


def nodes(network) -> set[str]:
    return {short(node) for node in network}


def edges(network) -> set[tuple[str, str, str]]:
    return {
        (short(source), short(target), relation)
        for source, target, relation in network.edges(data="relation")
    }


@pytest.fixture
def themed_store(network_store, iris):
    load_turtle(network_store, iris, SECOND_ACTION, iris.dataset_graph("second-action"))
    return network_store


def test_filter_date_before_transfer_and_membership(network_store, iris):
    keep = NetworkFilter.parse(on=date(2016, 6, 1))
    network = build_network(network_store, iris, None, keep)
    dated = {e for e in edges(network) if e[2] in ("holds", "member-of")}
    assert dated == {
        ("commune/07066", "epci/200071413", "member-of"),
        ("commune/07349", "epci/200071413", "member-of"),
    }


def test_filter_date_marks_unknown_membership(network_store, iris):
    keep = NetworkFilter.parse(on=date(2017, 6, 1))
    network = build_network(network_store, iris, None, keep)
    validity = {
        short(source): data.get("validity")
        for source, _, data in network.edges(data=True)
        if data["relation"] == "member-of"
    }
    assert validity == {
        "commune/07186": None,
        "commune/07066": "unknown",
        "commune/07349": "unknown",
    }


def test_filter_date_keeps_transfer_in_force(network_store, iris):
    network = build_network(
        network_store, iris, None, NetworkFilter.parse(on=date(2017, 1, 1))
    )
    assert ("actor/cias-capca", "competence/C2520", "holds") in edges(network)


@pytest.mark.parametrize(
    ("data", "on", "expected"),
    [
        ({"start": "2017-01-01"}, date(2016, 12, 31), "invalid"),
        ({"start": "2017-01-01"}, date(2017, 1, 1), "valid"),
        ({"start": "2017-01-01", "end": "2018-01-01"}, date(2018, 1, 1), "invalid"),
        ({"observed": "2026-01-01"}, date(2025, 12, 31), "unknown"),
        ({"observed": "2026-01-01"}, date(2026, 1, 1), "valid"),
        ({}, date(2020, 1, 1), "unknown"),
    ],
)
def test_edge_validity_membership(data, on, expected):
    assert edge_validity("member-of", data, on) == expected


def test_edge_validity_transfer_observed_is_not_a_start():
    assert (
        edge_validity("holds", {"observed": "2010-01-01"}, date(2020, 1, 1))
        == "unknown"
    )


def test_filter_competence(themed_store, iris):
    keep = parse_filter(iris, competences=["C1520"])
    network = build_network(themed_store, iris, None, keep)
    assert nodes(network) == {"action/fa-03", "departement/07", "competence/C1520"}


def test_filter_competence_keeps_holders(themed_store, iris):
    keep = parse_filter(iris, competences=["C2520"])
    network = build_network(themed_store, iris, None, keep)
    assert ("actor/cias-capca", "competence/C2520", "holds") in edges(network)
    assert "competence/C1520" not in nodes(network)


def test_filter_theme(themed_store, iris):
    keep = parse_filter(iris, themes=["acces-aux-droits"])
    network = build_network(themed_store, iris, None, keep)
    actions = {n for n in nodes(network) if n.startswith("action/")}
    assert actions == {"action/fa-01"}


def test_filter_territory_commune_reaches_its_epci(themed_store, iris):
    # fa-02 covers the EPCI of Chomérac, fa-03 Chomérac itself.
    keep = parse_filter(iris, territories=["commune/07066"])
    network = build_network(themed_store, iris, None, keep)
    actions = {n for n in nodes(network) if n.startswith("action/")}
    assert actions == {"action/fa-02", "action/fa-03"}


def test_filter_territory_epci_reaches_members(themed_store, iris):
    keep = parse_filter(iris, territories=["epci/200071413"])
    network = build_network(themed_store, iris, None, keep)
    actions = {n for n in nodes(network) if n.startswith("action/")}
    assert actions == {"action/fa-02", "action/fa-03"}
    assert {"commune/07186", "commune/07066", "commune/07349"} <= nodes(network)


def test_filter_theme_and_competence_together(themed_store, iris):
    # No action is on housing and relies on C2520: the competence and its holder stay.
    keep = parse_filter(iris, themes=["logement"], competences=["C2520"])
    network = build_network(themed_store, iris, None, keep)
    assert nodes(network) == {"competence/C2520", "actor/cias-capca"}


def test_parse_filter_rejects_wrong_territory_type(iris):
    with pytest.raises(InvalidIdentifierError) as raised:
        parse_filter(iris, territories=["actor/caf-07"])
    assert raised.value.message == (
        "'actor/caf-07' is not a commune or epci or departement; write it as "
        "commune/KEY"
    )


def test_parse_filter_theme_iri_and_slug(iris):
    keep = parse_filter(iris, themes=["theme-logement", BASE + "concept/theme-sante"])
    assert keep.themes == frozenset(
        {BASE + "concept/theme-logement", BASE + "concept/theme-sante"}
    )
