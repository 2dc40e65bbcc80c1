"""The legal scenario of data/scenario.ttl, with every answer computed by hand.

The CA du Plateau (a communauté d'agglomération) is created on 2014-01-01 with Alpha and
Bêta; Bêta leaves on 2019-01-01, Gamma joins on 2017-01-01, and Delta's membership is
only observed in 2026. Deadlines of the intérêt communautaire are two years after each
transfer (CGCT L5216-5 III):

- action sociale (C2520) from Alpha and Bêta on 2015-01-01: deadline 2017-01-01. The
  délibération of 2015-06-01 has 0.6 of the votes and defines nothing; the one of
  2016-09-29 (0.7) defines the interest late but in time. Extended to Gamma on
  2017-01-01, whose deadline is 2019-01-01, after a definition that already exists.
- jeunesse (C9901) from Alpha and Bêta on 2015-03-01: deadline 2017-03-01, defined only
  on 2017-06-15, so the whole competence passes on 2017-03-02.
- transport solidaire (C9902, no interest) from the four communes, 2018-01-01 to
  2020-01-01 (the end date excluded).
"""

from __future__ import annotations

from datetime import date

from maillage.graph.legal.basis import action_basis
from maillage.graph.legal.report import build_report
from maillage.graph.legal.timeline import competence_timeline
from maillage.graph.legal.tracing import competences_on, holder_on

BASE = "http://maillage.test/id/"
EPCI = BASE + "epci/200000001"


def short(iri: str | None) -> str | None:
    return iri.removeprefix(BASE) if iri else iri


def verdicts(facts, action: str) -> list[tuple[str, str, list[str]]]:
    basis = action_basis(facts, BASE + "action/" + action)
    return [
        (v.on.isoformat(), v.status.value, sorted({f.code for f in v.flags}))
        for v in basis.verdicts
    ]


def holdings(answer) -> list[tuple[str, str, bool, list[str]]]:
    return [
        (short(h.body), h.scope, h.certain, sorted(short(a) for a in h.acts))
        for h in answer.holdings
    ]


def holder(facts, competence: str, commune: str, on: date):
    return holder_on(facts, BASE + f"competence/{competence}", BASE + commune, on)


def held(
    facts, on: date
) -> list[tuple[str, str, str, list[str], list[str], list[str]]]:
    return [
        (
            short(entry.competence),
            short(entry.transfer.iri),
            entry.scope.value,
            [short(c) for c in entry.communes],
            [short(c) for c in entry.communes_unknown],
            [short(c) for c in entry.communes_not_member],
        )
        for entry in competences_on(facts, EPCI, on)
    ]


# Legal basis of each action on its start and end dates.


def test_action_basis_epci_before_interest_and_commune_not_yet_joined(facts):
    # 2016-03-01: Alpha's transfer is in force but its interest is not defined before
    # 2016-09-29; Gamma joins and transfers only on 2017-01-01.
    assert verdicts(facts, "fa-01")[0] == (
        "2016-03-01",
        "not_competent",
        [
            "basis-not-yet-in-force",
            "interest-majority-not-reached",
            "interest-not-defined",
            "not-yet-member",
        ],
    )


def test_action_basis_epci_after_interest_defined(facts):
    assert verdicts(facts, "fa-01")[1] == (
        "2017-06-30",
        "competent",
        ["interest-defined", "interest-majority-not-reached"],
    )


def test_action_basis_epci_territory_interest_pending(facts):
    # Members on 2016-06-01: Alpha and Bêta (interest not defined), Delta (unknown).
    # Delta never transferred jeunesse, so the CA has no basis there if it is a member.
    assert verdicts(facts, "fa-02")[0] == (
        "2016-06-01",
        "undetermined",
        ["interest-not-defined", "no-basis", "perimeter-unknown"],
    )


def test_action_basis_unknown_member_checked_as_member(facts):
    basis = action_basis(facts, BASE + "action/fa-02")
    (delta,) = [
        f for f in basis.verdicts[0].findings if f.commune == BASE + "commune/99004"
    ]
    assert delta.status.value == "undetermined"
    assert [f.code for f in delta.flags] == ["perimeter-unknown", "no-basis"]


def test_action_basis_no_basis_flag_names_communes(facts):
    # 2018-01-01: neither Gamma (a member) nor Delta (unknown) transferred jeunesse.
    basis = action_basis(facts, BASE + "action/fa-02")
    messages = [f.message for f in basis.verdicts[1].flags if f.code == "no-basis"]
    assert messages == [
        "Aucun transfert en vigueur à cette date ne donne « Jeunesse » à "
        "CA du Plateau pour Gamma et Delta."
    ]


def test_action_basis_epci_territory_whole_by_deadline(facts):
    # 2018-01-01: jeunesse passed whole on 2017-03-02, but Gamma never transferred it.
    assert verdicts(facts, "fa-02")[1] == (
        "2018-01-01",
        "not_competent",
        [
            "interest-defined-late",
            "interest-whole-by-deadline",
            "no-basis",
            "perimeter-unknown",
        ],
    )


def test_action_basis_transfer_ended_and_commune_left(facts):
    assert verdicts(facts, "fa-03") == [
        ("2018-06-01", "competent", []),
        ("2020-06-01", "not_competent", ["basis-ended", "commune-left"]),
    ]


def test_action_basis_commune_keeps_outside_interest(facts):
    assert verdicts(facts, "fa-04") == [
        ("2014-06-01", "competent", []),
        (
            "2016-12-01",
            "competent",
            ["interest-defined", "interest-majority-not-reached"],
        ),
    ]


def test_action_basis_commune_after_whole_transfer(facts):
    assert verdicts(facts, "fa-05") == [
        ("2018-06-01", "not_competent", ["competence-transferred"]),
        ("2020-06-01", "competent", []),
    ]


def test_action_basis_commune_while_interest_pending(facts):
    basis = action_basis(facts, BASE + "action/fa-04", date(2015, 6, 1))
    assert basis.status.value == "undetermined"
    assert {f.code for f in basis.verdicts[0].flags} == {
        "interest-majority-not-reached",
        "interest-not-defined",
    }


def test_action_basis_without_dates(facts):
    basis = action_basis(facts, BASE + "action/fa-06")
    assert basis.verdicts == []
    assert [flag.code for flag in basis.flags] == ["date-unknown"]
    assert basis.status.value == "undetermined"


def test_action_basis_on_one_date(facts):
    basis = action_basis(facts, BASE + "action/fa-01", date(2016, 10, 1))
    finding = {short(f.commune): f.status.value for f in basis.verdicts[0].findings}
    assert finding == {"commune/99001": "competent", "commune/99003": "not_competent"}


def test_action_basis_acts_of_a_finding(facts):
    basis = action_basis(facts, BASE + "action/fa-01")
    (alpha, gamma) = basis.verdicts[1].findings
    assert [short(a) for a in alpha.acts] == [
        "act/arrete-transfert-action-sociale",
        "act/deliberation-interet-social",
    ]
    assert [short(a) for a in gamma.acts] == [
        "act/arrete-extension-action-sociale",
        "act/deliberation-interet-social",
    ]


def test_report_status_of_each_action(facts):
    statuses = [(short(b.action.iri), b.status.value) for b in build_report(facts)]
    assert statuses == [
        ("action/fa-01", "not_competent"),
        ("action/fa-02", "not_competent"),
        ("action/fa-03", "not_competent"),
        ("action/fa-04", "competent"),
        ("action/fa-05", "not_competent"),
        ("action/fa-06", "undetermined"),
    ]


# Who held a competence for a commune on a date.


def test_holder_before_any_transfer(facts):
    answer = holder(facts, "C2520", "commune/99001", date(2014, 6, 1))
    assert holdings(answer) == [("commune/99001", "own", True, [])]
    assert answer.determined


def test_holder_interest_not_defined(facts):
    answer = holder(facts, "C2520", "commune/99001", date(2015, 6, 1))
    assert holdings(answer) == [
        (
            "epci/200000001",
            "interest-undefined",
            True,
            ["act/arrete-transfert-action-sociale"],
        )
    ]
    assert not answer.determined
    assert [f.code for f in answer.flags] == [
        "interest-majority-not-reached",
        "interest-not-defined",
    ]


def test_holder_interest_defined_in_time(facts):
    answer = holder(facts, "C2520", "commune/99001", date(2016, 12, 1))
    assert holdings(answer) == [
        (
            "epci/200000001",
            "community-interest",
            True,
            ["act/arrete-transfert-action-sociale", "act/deliberation-interet-social"],
        ),
        ("commune/99001", "outside-community-interest", True, []),
    ]


def test_holder_whole_after_deadline(facts):
    answer = holder(facts, "C9901", "commune/99001", date(2017, 6, 1))
    assert holdings(answer) == [
        (
            "epci/200000001",
            "whole",
            True,
            ["act/arrete-transfert-jeunesse", "act/cgct-l5216-5-2016-01-01"],
        )
    ]
    assert [f.code for f in answer.flags] == ["interest-whole-by-deadline"]


def test_holder_deadline_day_is_still_pending(facts):
    # 2017-03-01 is the last day to define the interest of jeunesse.
    answer = holder(facts, "C9901", "commune/99002", date(2017, 3, 1))
    assert holdings(answer)[0][1] == "interest-undefined"


def test_holder_day_after_deadline_is_whole(facts):
    answer = holder(facts, "C9901", "commune/99002", date(2017, 3, 2))
    assert holdings(answer)[0][1] == "whole"


def test_holder_deadline_message_names_consequence(facts):
    answer = holder(facts, "C9901", "commune/99002", date(2016, 1, 1))
    (flag,) = answer.flags
    assert "au plus tard le 2017-03-01" in flag.message, flag.message
    assert "à partir du 2017-03-02" in flag.message, flag.message
    assert "CGCT, art. L5216-5, III" in flag.message, flag.message


def test_holder_after_transfer_ended(facts):
    answer = holder(facts, "C9902", "commune/99002", date(2020, 6, 1))
    assert holdings(answer) == [("commune/99002", "own", True, [])]


def test_holder_end_date_excluded(facts):
    answer = holder(facts, "C9902", "commune/99001", date(2020, 1, 1))
    assert holdings(answer) == [("commune/99001", "own", True, [])]


def test_holder_membership_unknown(facts):
    answer = holder(facts, "C9902", "commune/99004", date(2018, 6, 1))
    assert holdings(answer) == [
        (
            "epci/200000001",
            "whole",
            False,
            ["act/arrete-restitution-transport", "act/arrete-transfert-transport"],
        ),
        ("commune/99004", "own", False, []),
    ]
    assert [f.code for f in answer.flags] == ["perimeter-unknown"]
    assert not answer.determined


def test_holder_transfer_not_yet_in_force(facts):
    answer = holder(facts, "C2520", "commune/99003", date(2016, 6, 1))
    assert holdings(answer) == [("commune/99003", "own", True, [])]


# Competences of the EPCI on a date, as BANATIC would list them.


def test_competences_on_while_interest_pending(facts):
    assert held(facts, date(2016, 6, 1)) == [
        (
            "competence/C2520",
            "transfer/action-sociale-2015",
            "interest-undefined",
            ["commune/99001", "commune/99002"],
            [],
            [],
        ),
        (
            "competence/C9901",
            "transfer/jeunesse-2015",
            "interest-undefined",
            ["commune/99001", "commune/99002"],
            [],
            [],
        ),
    ]


def test_competences_on_after_extension(facts):
    assert held(facts, date(2018, 6, 1)) == [
        (
            "competence/C2520",
            "transfer/action-sociale-2015",
            "community-interest",
            ["commune/99001", "commune/99002"],
            [],
            [],
        ),
        (
            "competence/C2520",
            "transfer/action-sociale-gamma-2017",
            "community-interest",
            ["commune/99003"],
            [],
            [],
        ),
        (
            "competence/C9901",
            "transfer/jeunesse-2015",
            "whole",
            ["commune/99001", "commune/99002"],
            [],
            [],
        ),
        (
            "competence/C9902",
            "transfer/transport-2018",
            "whole",
            ["commune/99001", "commune/99002", "commune/99003"],
            ["commune/99004"],
            [],
        ),
    ]


def test_competences_on_after_commune_left(facts):
    assert held(facts, date(2020, 6, 1)) == [
        (
            "competence/C2520",
            "transfer/action-sociale-2015",
            "community-interest",
            ["commune/99001"],
            [],
            ["commune/99002"],
        ),
        (
            "competence/C2520",
            "transfer/action-sociale-gamma-2017",
            "community-interest",
            ["commune/99003"],
            [],
            [],
        ),
        (
            "competence/C9901",
            "transfer/jeunesse-2015",
            "whole",
            ["commune/99001"],
            [],
            ["commune/99002"],
        ),
    ]


# Timeline of a competence for a territory.


def test_timeline_of_commune(facts):
    entries = competence_timeline(
        facts, BASE + "competence/C2520", BASE + "commune/99001"
    )
    assert [
        (e.on.isoformat(), e.kind, short(e.act or e.transfer)) for e in entries
    ] == [
        ("2013-10-15", "act", "act/arrete-creation"),
        ("2014-01-01", "membership-start", None),
        ("2014-12-10", "act", "act/arrete-transfert-action-sociale"),
        ("2014-12-10", "transfer-decision", "transfer/action-sociale-2015"),
        ("2015-01-01", "transfer-effective", "transfer/action-sociale-2015"),
        ("2015-06-01", "interest-definition", "act/deliberation-interet-rejetee"),
        ("2016-09-29", "interest-definition", "act/deliberation-interet-social"),
        ("2017-01-01", "interest-deadline", "transfer/action-sociale-2015"),
    ]


def test_timeline_deadline_outcome(facts):
    entries = competence_timeline(
        facts, BASE + "competence/C9901", BASE + "commune/99002"
    )
    deadline = next(e for e in entries if e.kind == "interest-deadline")
    assert deadline.on == date(2017, 3, 1)
    assert deadline.label == (
        "Échéance de définition de l'intérêt communautaire : intérêt non défini : "
        "CA du Plateau exerce toute la compétence dès le 2017-03-02"
    )


def test_timeline_of_epci_counts_every_transfer(facts):
    entries = competence_timeline(facts, BASE + "competence/C2520", EPCI)
    effective = [short(e.transfer) for e in entries if e.kind == "transfer-effective"]
    assert effective == [
        "transfer/action-sociale-2015",
        "transfer/action-sociale-gamma-2017",
    ]
