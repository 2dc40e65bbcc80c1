"""The legal report of the demo data, whose memberships no act dates.

The demo's CA Privas Centre Ardèche has 42 communes, seen as members by a 2026 source
(`mlg:observedOn`) with no start date, so every action that covers them before 2026
carries `perimeter-unknown`. The other flags still follow from the demo's facts:

- action sociale (C2520) passes to the CA on 2014-01-01 and its intérêt communautaire is
  defined on 2015-11-26, before the deadline of 2016-01-01: `interest-not-defined`
  before that day, `interest-defined` after;
- crèches and relais (C2521) pass on 2016-01-01 under the same definition;
- no transfer gives the CA any other competence: `no-basis`;
- a département territory is outside tracing: `territory-not-traced`.
"""

from __future__ import annotations

import pytest

from maillage.graph.demo import load_demo
from maillage.graph.iris import Iris
from maillage.graph.legal.facts import load_facts
from maillage.graph.legal.report import build_report
from maillage.graph.store import GraphStore
from tests.conftest import BASE_IRI

INTEREST = {"perimeter-unknown", "interest-defined"}
NO_BASIS = INTEREST | {"no-basis"}

# The flags of each action of the demo on its start date and on its end date, from the
# facts above.
EXPECTED_FLAGS: dict[int, tuple[set[str], set[str]]] = {
    1: (INTEREST, INTEREST),
    2: (INTEREST, INTEREST),
    # 2015-10-01 is before the délibération of 2015-11-26 that defines the interest.
    3: (
        {"territory-not-traced", "perimeter-unknown", "interest-not-defined"},
        INTEREST | {"territory-not-traced"},
    ),
    4: (INTEREST, INTEREST),
    # Activités péri-scolaires, aide sociale facultative, logement: no transfer.
    5: (NO_BASIS, NO_BASIS),
    6: (NO_BASIS, NO_BASIS),
    # Mobilité: no transfer, and its three communes are territories of their own.
    7: (NO_BASIS, NO_BASIS),
    8: (NO_BASIS, NO_BASIS),
    9: (INTEREST, INTEREST),
    # Santé: neither competence was transferred, and no interest applies.
    10: ({"perimeter-unknown", "no-basis"}, {"perimeter-unknown", "no-basis"}),
    # The CIAS competence was not transferred.
    11: (NO_BASIS, NO_BASIS),
}
# Actions whose communes named as territories, members or not, have no basis.
NOT_COMPETENT = {7, 10}


@pytest.fixture(scope="module")
def demo_bases(tmp_path_factory):
    """Load the demo once for this module and return the legal report of the plan."""
    store = GraphStore(tmp_path_factory.mktemp("demo-legal") / "store")
    iris = Iris(BASE_IRI)
    load_demo(store, iris)
    yield build_report(load_facts(store, iris, None))
    store.close()


def flags_by_action(bases) -> dict[int, tuple[set[str], ...]]:
    return {
        basis.action.number: tuple({f.code for f in v.flags} for v in basis.verdicts)
        for basis in bases
    }


def test_demo_report_flags_implied_by_facts(demo_bases):
    assert flags_by_action(demo_bases) == EXPECTED_FLAGS


def test_demo_report_statuses(demo_bases):
    statuses = {basis.action.number: basis.status.value for basis in demo_bases}
    expected = {
        number: "not_competent" if number in NOT_COMPETENT else "undetermined"
        for number in range(1, 12)
    }
    assert statuses == expected


def test_demo_report_no_basis_names_communes(demo_bases):
    (basis,) = [b for b in demo_bases if b.action.number == 5]
    (message,) = [f.message for f in basis.verdicts[0].flags if f.code == "no-basis"]
    assert message == (
        "Aucun transfert en vigueur à cette date ne donne « Activités péri-scolaires » "
        "à CA Privas Centre Ardèche pour 42 communes : Ajoux, Alissas, Beauchastel, "
        "Beauvène, Chalencon et 37 autres."
    )
