"""Tests of the facts tracing reads: valid time, access rights, odd data."""

from __future__ import annotations

from datetime import date

from pyoxigraph import RdfFormat

from maillage.graph.access import ANONYMOUS, readable_graphs
from maillage.graph.legal.facts import MembershipStatus, load_facts
from maillage.graph.legal.tracing import holder_on

BASE = "http://maillage.test/id/"
PREFIXES = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def add_turtle(store, iris, text: str, graph) -> None:
    store.oxigraph.load(
        (PREFIXES + text).encode(),
        format=RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=graph,
    )


def test_membership_status_boundaries(facts):
    beta = BASE + "commune/99002"
    epci = BASE + "epci/200000001"
    statuses = [
        facts.membership_status(beta, epci, day)
        for day in (
            date(2013, 12, 31),
            date(2014, 1, 1),
            date(2018, 12, 31),
            date(2019, 1, 1),
        )
    ]
    assert statuses == [
        MembershipStatus.NOT_YET,
        MembershipStatus.MEMBER,
        MembershipStatus.MEMBER,
        MembershipStatus.LEFT,
    ]


def test_membership_status_observed_only(facts):
    delta = BASE + "commune/99004"
    epci = BASE + "epci/200000001"
    assert (
        facts.membership_status(delta, epci, date(2025, 12, 31))
        is MembershipStatus.UNKNOWN
    )
    assert (
        facts.membership_status(delta, epci, date(2026, 1, 1))
        is MembershipStatus.MEMBER
    )


def test_membership_status_none(facts):
    status = facts.membership_status(
        BASE + "commune/99001", BASE + "epci/1", date(2020, 1, 1)
    )
    assert status is MembershipStatus.NONE


def test_law_article_in_force_until_included(facts):
    act = facts.acts[BASE + "act/cgct-l5216-5-2016-01-01"]
    assert act.in_force_on(date(2015, 12, 31)) is False
    assert act.in_force_on(date(2016, 1, 1)) is True


def test_act_read_with_vote_share_and_definitions(facts):
    act = facts.acts[BASE + "act/deliberation-interet-social"]
    assert act.kind == "deliberation"
    assert str(act.vote_share) == "0.7"
    assert act.defines_interest_for == frozenset({BASE + "competence/C2520"})


def test_load_facts_hides_unreadable_transfer(scenario_store, iris):
    graph = iris.item_graph("transfer", "secret")
    add_turtle(
        scenario_store,
        iris,
        """<id/transfer/secret> a mlg:CompetenceTransfer ;
            mlg:competence <id/competence/C2520> ;
            mlg:fromCommune <id/commune/99004> ;
            mlg:toBody <id/epci/200000001> ;
            mlg:effectiveDate "2010-01-01"^^xsd:date ;
            mlg:visibility <id/concept/visibility-restricted> .""",
        graph,
    )
    graphs = readable_graphs(scenario_store, iris, ANONYMOUS)
    facts = load_facts(scenario_store, iris, graphs)
    assert BASE + "transfer/secret" not in {t.iri for t in facts.transfers}
    assert BASE + "transfer/secret" in {
        t.iri for t in load_facts(scenario_store, iris, None).transfers
    }


def test_transfer_without_effective_date_is_flagged(scenario_store, iris):
    add_turtle(
        scenario_store,
        iris,
        """<id/transfer/undated> a mlg:CompetenceTransfer ;
            mlg:competence <id/competence/C2520> ;
            mlg:fromCommune <id/commune/99004> ;
            mlg:toBody <id/epci/200000001> .""",
        iris.item_graph("transfer", "undated"),
    )
    facts = load_facts(scenario_store, iris, None)
    answer = holder_on(
        facts, BASE + "competence/C2520", BASE + "commune/99004", date(2020, 1, 1)
    )
    assert [flag.code for flag in answer.flags] == ["date-unknown"]


def test_definition_without_vote_share_is_noted(scenario_store, iris):
    add_turtle(
        scenario_store,
        iris,
        """<id/act/sans-vote> a mlg:LegalAct, mlg:Deliberation ;
            eli:date_document "2015-04-01"^^xsd:date ;
            eli:passed_by <id/epci/200000001> ;
            mlg:definesCommunityInterestFor <id/competence/C9901> .""",
        iris.item_graph("act", "sans-vote"),
    )
    facts = load_facts(scenario_store, iris, None)
    answer = holder_on(
        facts, BASE + "competence/C9901", BASE + "commune/99001", date(2016, 1, 1)
    )
    assert [h.scope for h in answer.holdings] == [
        "community-interest",
        "outside-community-interest",
    ]
    assert [flag.code for flag in answer.flags] == [
        "interest-majority-unknown",
        "interest-defined",
    ]


def test_definition_by_another_epci_ignored(scenario_store, iris):
    add_turtle(
        scenario_store,
        iris,
        """<id/act/autre-epci> a mlg:LegalAct, mlg:Deliberation ;
            eli:date_document "2015-04-01"^^xsd:date ;
            eli:passed_by <id/epci/200000002> ;
            mlg:voteShare 0.9 ;
            mlg:definesCommunityInterestFor <id/competence/C9901> .""",
        iris.item_graph("act", "autre-epci"),
    )
    facts = load_facts(scenario_store, iris, None)
    answer = holder_on(
        facts, BASE + "competence/C9901", BASE + "commune/99001", date(2016, 1, 1)
    )
    assert [h.scope for h in answer.holdings] == ["interest-undefined"]


def test_deadline_before_article_version_is_flagged(scenario_store, iris):
    # Effective 2012-01-01: the deadline 2014-01-01 precedes the version of 2016-01-01.
    add_turtle(
        scenario_store,
        iris,
        """<id/transfer/ancien> a mlg:CompetenceTransfer ;
            mlg:competence <id/competence/C9901> ;
            mlg:fromCommune <id/commune/99004> ;
            mlg:toBody <id/epci/200000001> ;
            mlg:effectiveDate "2012-01-01"^^xsd:date .
        <id/membership/200000001-99004> mlg:startDate "2012-01-01"^^xsd:date .""",
        iris.item_graph("transfer", "ancien"),
    )
    facts = load_facts(scenario_store, iris, None)
    answer = holder_on(
        facts, BASE + "competence/C9901", BASE + "commune/99004", date(2015, 1, 1)
    )
    assert [flag.code for flag in answer.flags] == [
        "interest-whole-by-deadline",
        "rule-version-unchecked",
    ]
