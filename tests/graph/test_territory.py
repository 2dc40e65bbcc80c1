from datetime import date

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.namespaces import IGEO, MLG, ORG, RDF, SKOS, XSD
from maillage.graph.territory import members_on

EPCI = NamedNode("http://maillage.test/id/epci/200071413")


def membership(iris, code: str, **dates: str) -> list[Triple]:
    subject = iris.item("membership", f"200071413-{code}")
    commune = iris.item("commune", code)
    triples = [
        Triple(subject, RDF.type, ORG.Membership),
        Triple(subject, ORG.member, commune),
        Triple(subject, ORG.organization, EPCI),
        Triple(commune, IGEO.codeINSEE, Literal(code)),
        Triple(commune, SKOS.prefLabel, Literal(f"Commune {code}", language="fr")),
    ]
    for name, value in dates.items():
        triples.append(Triple(subject, MLG[name], Literal(value, datatype=XSD.date)))
    return triples


@pytest.fixture
def memberships(store, iris):
    triples = (
        membership(iris, "07001", startDate="2014-01-01")
        + membership(iris, "07002", startDate="2014-01-01", endDate="2017-01-01")
        + membership(iris, "07003", startDate="2018-01-01")
        + membership(iris, "07004", observedOn="2026-01-01")
        + membership(iris, "07005")
    )
    store.replace_graph(iris.dataset_graph("memberships"), triples)
    return store


def codes(members) -> list[str]:
    return [member.code for member in members]


def test_members_on_uses_start_and_end_dates(memberships, iris):
    answer = members_on(memberships, iris, EPCI, date(2015, 6, 1))
    assert codes(answer.known) == ["07001", "07002"]
    assert codes(answer.unknown) == ["07004", "07005"]


def test_members_on_end_date_excludes(memberships, iris):
    answer = members_on(memberships, iris, EPCI, date(2019, 1, 1))
    assert codes(answer.known) == ["07001", "07003"]


def test_members_on_after_observation_is_known(memberships, iris):
    answer = members_on(memberships, iris, EPCI, date(2026, 1, 1))
    assert codes(answer.known) == ["07001", "07003", "07004"]
    assert codes(answer.unknown) == ["07005"]


def test_members_on_note_names_source_date(memberships, iris):
    answer = members_on(memberships, iris, EPCI, date(2015, 6, 1))
    assert answer.note.startswith("2 communes sont membres"), answer.note
    assert "2026-01-01" in answer.note, answer.note


def test_members_on_accepts_siren(memberships, iris):
    answer = members_on(memberships, iris, "200071413", date(2015, 6, 1))
    assert codes(answer.known) == ["07001", "07002"]


def test_members_on_restricted_graphs(memberships, iris):
    answer = members_on(memberships, iris, EPCI, date(2015, 6, 1), graphs=[])
    assert (answer.known, answer.unknown) == ([], [])
