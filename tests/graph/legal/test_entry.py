"""The legal models check what legal staff enter: dates in order, shares in range."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from maillage.graph.models import CompetenceTransfer, LegalAct, Membership

BASE = "http://maillage.test/id/"


def transfer(**changes) -> dict:
    values = {
        "key": "t",
        "competence": BASE + "competence/C2520",
        "from_communes": [BASE + "commune/99001"],
        "to_body": BASE + "epci/200000001",
        "effective_date": date(2015, 1, 1),
        "legal_bases": [BASE + "act/a"],
        "visibility": BASE + "concept/visibility-public",
        "workflow_state": BASE + "concept/workflow-state-published",
    }
    return {**values, **changes}


def message(raised) -> str:
    return raised.value.errors()[0]["msg"]


def test_transfer_dates_in_order():
    model = CompetenceTransfer.model_validate(
        transfer(decision_date=date(2014, 12, 10), end_date=date(2020, 1, 1))
    )
    assert model.end_date == date(2020, 1, 1)


def test_transfer_decided_after_effect_rejected():
    with pytest.raises(ValidationError) as raised:
        CompetenceTransfer.model_validate(transfer(decision_date=date(2015, 2, 1)))
    assert message(raised) == (
        "Value error, decision_date 2015-02-01 is after effective_date 2015-01-01: a "
        "transfer is decided before it takes effect"
    )


def test_transfer_ending_on_effective_date_rejected():
    with pytest.raises(ValidationError) as raised:
        CompetenceTransfer.model_validate(transfer(end_date=date(2015, 1, 1)))
    assert message(raised) == (
        "Value error, end_date 2015-01-01 must be after effective_date 2015-01-01"
    )


def test_transfer_needs_a_legal_basis():
    with pytest.raises(ValidationError) as raised:
        CompetenceTransfer.model_validate(transfer(legal_bases=[]))
    assert raised.value.errors()[0]["loc"] == ("legal_bases",)


def test_deliberation_vote_share_above_one_rejected():
    with pytest.raises(ValidationError) as raised:
        LegalAct.model_validate(
            {
                "key": "d",
                "kind": "deliberation",
                "title": "Délibération",
                "date_document": date(2016, 1, 1),
                "vote_share": "1.2",
            }
        )
    assert raised.value.errors()[0]["loc"] == ("vote_share",)


def test_law_article_version_ending_before_start_rejected():
    with pytest.raises(ValidationError) as raised:
        LegalAct.model_validate(
            {
                "key": "cgct-l5216-5-2016-01-01",
                "kind": "law-article",
                "title": "CGCT, article L5216-5",
                "legal_code": "CGCT",
                "article_number": "L5216-5",
                "first_in_force": date(2016, 1, 1),
                "no_longer_in_force": date(2015, 12, 31),
            }
        )
    assert message(raised) == (
        "Value error, no_longer_in_force 2015-12-31 is before first_in_force 2016-01-01"
    )


def test_membership_ending_on_start_rejected():
    with pytest.raises(ValidationError) as raised:
        Membership.model_validate(
            {
                "key": "200000001-99001",
                "member": BASE + "commune/99001",
                "organization": BASE + "epci/200000001",
                "start_date": date(2014, 1, 1),
                "end_date": date(2014, 1, 1),
            }
        )
    assert message(raised) == (
        "Value error, end_date 2014-01-01 must be after start_date 2014-01-01"
    )
