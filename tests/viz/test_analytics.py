"""Tests of the network analytics: centrality, isolated actors, uncovered themes."""

from __future__ import annotations

import networkx as nx
import pytest

from maillage.viz import analytics
from maillage.viz.analytics import compute_analytics
from maillage.viz.network import build_network
from tests.viz.conftest import load_turtle

BASE = "http://maillage.test/id/"

DIAGNOSIS = """
<id/document/diagnostic> a mlg:Document ;
    dcterms:type <id/concept/document-type-diagnostic> ;
    dcterms:subject <id/concept/theme-acces-aux-droits>, <id/concept/theme-logement>,
        <id/concept/theme-sante> .
<id/concept/theme-logement> skos:prefLabel "Logement"@fr .
<id/concept/theme-sante> skos:prefLabel "Santé"@fr .
<id/action/fa-01> dcterms:subject <id/concept/theme-acces-aux-droits> .
<id/action/fa-09> a mlg:Action ;
    dcterms:title "Prévention santé"@fr ;
    dcterms:subject <id/concept/theme-sante> ;
    mlg:involvement <id/action/fa-09#involvement-1> .
<id/action/fa-09#involvement-1> mlg:agent <id/actor/caf-07> ;
    mlg:role <id/concept/role-partner> .
"""


@pytest.fixture
def result(network_store, iris):
    load_turtle(network_store, iris, DIAGNOSIS, iris.dataset_graph("diagnosis"))
    network = build_network(network_store, iris, None)
    return compute_analytics(network, network_store, iris, None)


def test_analytics_degree_of_actors(result):
    degrees = {row["id"].removeprefix(BASE): row["degree"] for row in result["actors"]}
    # The CAF is partner of fa-01, funder of fa-02 and partner of fa-09.
    assert degrees["actor/caf-07"] == 3
    assert degrees["commune/07066"] == 1


def test_analytics_betweenness_matches_networkx(network_store, iris, result):
    network = build_network(network_store, iris, None)
    simple = nx.Graph(nx.MultiGraph(network))
    expected = nx.betweenness_centrality(simple, normalized=True)
    epci = next(r for r in result["actors"] if r["id"] == BASE + "epci/200071413")
    assert epci["betweenness"] == round(expected[BASE + "epci/200071413"], 6)


def test_analytics_actors_sorted_by_betweenness(result):
    values = [row["betweenness"] for row in result["actors"]]
    assert values == sorted(values, reverse=True), values


def test_analytics_isolated_actors(result):
    isolated = [row["id"].removeprefix(BASE) for row in result["isolated_actors"]]
    assert isolated == ["commune/07066", "commune/07349"]


def test_analytics_themes_without_action_or_lead(result):
    themes = [(row["label"], row["status"], row["actions"]) for row in result["themes"]]
    assert themes == [("Logement", "no-action", 0), ("Santé", "no-lead", 1)]


def test_analytics_betweenness_sampled_above_limit(network_store, iris, monkeypatch):
    monkeypatch.setattr(analytics, "EXACT_BETWEENNESS_NODES", 5)
    monkeypatch.setattr(analytics, "BETWEENNESS_SAMPLES", 4)
    network = build_network(network_store, iris, None)
    result = compute_analytics(network, network_store, iris, None)
    assert result["betweenness_samples"] == 4
