"""Fixtures of the network tests: a small territory, made-up ones, and the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

DATA = Path(__file__).parent / "data"

TURTLE_PREFIXES = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""


def load_turtle(store: GraphStore, iris: Iris, text: str, graph: NamedNode) -> None:
    """Parse Turtle `text`, with the usual prefixes, and add its triples to `graph`."""
    quads = parse(
        (TURTLE_PREFIXES + text).encode(),
        format=RdfFormat.TURTLE,
        base_iri=iris.document_base,
    )
    # Through the store's method, so that caches keyed on its writes see the change.
    store.add_triples(graph, [quad.triple for quad in quads])


@pytest.fixture
def network_store(store: GraphStore, iris: Iris) -> GraphStore:
    """Return the test's store holding the small territory, in one dataset graph."""
    store.bulk_load(
        DATA / "network.ttl",
        RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.dataset_graph("network-fixture"),
    )
    return store


def territory_turtle(epcis: int, communes: int, actions: int) -> str:
    """Return Turtle for a made-up territory of `epcis + communes + 2 * actions` nodes.

    Communes are spread over the EPCI. Each action has a lead EPCI, a CAF of its own as
    partner, a commune as operator and one of at most ten competences.
    """
    lines = []
    for epci in range(epcis):
        lines.append(
            f'<id/epci/e{epci}> a mlg:EPCI ; skos:prefLabel "EPCI {epci}"@fr .'
        )
    for commune in range(communes):
        lines.append(_COMMUNE.format(commune=commune, epci=commune % epcis))
    for action in range(actions):
        lines.append(
            _ACTION.format(action=action, epci=action % epcis, competence=action % 10)
        )
    for competence in range(min(actions, 10)):
        lines.append(
            f"<id/competence/k{competence}> a mlg:Competence ;"
            f' skos:prefLabel "Compétence {competence}"@fr .'
        )
    return "\n".join(lines)


_COMMUNE = """
<id/commune/c{commune}> a mlg:Commune ; skos:prefLabel "Commune {commune}"@fr .
<id/membership/m{commune}> org:member <id/commune/c{commune}> ;
    org:organization <id/epci/e{epci}> .
"""

_ACTION = """
<id/actor/caf-{action}> a mlg:CAF ; skos:prefLabel "CAF {action}"@fr .
<id/action/a{action}> a mlg:Action ;
    dcterms:title "Action {action}"@fr ;
    mlg:reliesOnCompetence <id/competence/k{competence}> ;
    mlg:involvement
        [ mlg:agent <id/epci/e{epci}> ; mlg:role <id/concept/role-lead> ],
        [ mlg:agent <id/actor/caf-{action}> ; mlg:role <id/concept/role-partner> ],
        [ mlg:agent <id/commune/c{action}> ; mlg:role <id/concept/role-operator> ] .
"""
