"""Tests of the CSV import of legal events: acts, transfers, membership changes."""

from __future__ import annotations

from datetime import date

import pytest

from maillage.graph.access import Role, User
from maillage.graph.errors import MalformedRequestError
from maillage.graph.legal.csv_import import import_legal_events
from maillage.graph.legal.facts import load_facts
from maillage.graph.legal.tracing import holder_on
from maillage.graph.ontology import load_ontology
from maillage.graph.writes import open_content_writer
from tests.graph.legal.conftest import DATA, load_territory

BASE = "http://maillage.test/id/"
LEGAL_STAFF = User("juriste", Role.EDITOR)
HEADER = (
    "row_type,key,title,date,passed_by,vote_share,defines_interest_for,competence,"
    "communes,body,effective_date,end_date,legal_bases,epci,commune\n"
)


@pytest.fixture
def writer(store, iris, settings):
    load_ontology(store, iris)
    load_territory(store, iris)
    return open_content_writer(store, iris, settings)


def write_csv(tmp_path, text: str):
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_legal_events_writes_every_row(writer):
    report = import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    assert report.errors == []
    assert len(report.written) == 8


def test_import_legal_events_answers_like_the_scenario(writer, store, iris):
    import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    facts = load_facts(store, iris, None)
    answer = holder_on(
        facts, BASE + "competence/C2520", BASE + "commune/99002", date(2016, 12, 1)
    )
    assert [(h.body, h.scope) for h in answer.holdings] == [
        (BASE + "epci/200000001", "community-interest"),
        (BASE + "commune/99002", "outside-community-interest"),
    ]


def test_import_legal_events_membership_dates(writer, store, iris):
    import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    facts = load_facts(store, iris, None)
    (beta,) = [m for m in facts.memberships if m.commune.endswith("99002")]
    assert (beta.start, beta.end) == (date(2014, 1, 1), date(2019, 1, 1))
    assert beta.legal_bases == (BASE + "act/arrete-creation",)


def test_import_legal_events_twice_replaces(writer, store, iris):
    import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    report = import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    assert report.errors == []
    assert len(load_facts(store, iris, None).transfers) == 1


def test_import_legal_events_act_description(writer, store, iris):
    import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    acts = load_facts(store, iris, None).acts
    creation = acts[BASE + "act/arrete-creation"]
    transfer_order = acts[BASE + "act/arrete-transfert-action-sociale"]
    assert creation.description == "Crée la CA avec Alpha et Bêta au 1er janvier 2014."
    assert transfer_order.description is None


def test_import_legal_events_act_description_replaced(writer, store, iris, tmp_path):
    header = "row_type,key,title,date,description\n"
    row = "deliberation,d,Délibération,2016-01-01,"
    first = write_csv(tmp_path, header + row + "Avant\n")
    import_legal_events(writer, first, LEGAL_STAFF)
    before = load_facts(store, iris, None).acts[BASE + "act/d"]
    second = write_csv(tmp_path, header + row + "\n")
    report = import_legal_events(writer, second, LEGAL_STAFF)
    after = load_facts(store, iris, None).acts[BASE + "act/d"]
    assert before.description == "Avant"
    assert report.errors == []
    assert after.description is None


def test_import_legal_events_records_revisions(writer):
    import_legal_events(writer, DATA / "events.csv", LEGAL_STAFF)
    state = writer.state("transfer", "c2520-200000001-2015-01-01")
    assert state.status == "live"
    assert state.head == 1


def test_import_legal_events_reports_bad_rows(writer, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER
        + "transfer,,,,,,,C2520,99001,200000001,2015-01-01,2014-01-01,,,\n"
        + "deliberation,d,Délibération,2016-01-01,epci/200000001,1.5,C2520,,,,,,,,\n"
        + "membership-end,,,2014-01-01,,,,,,,,,,200000001,99009\n"
        + "arrete,,,,,,,,,,,,,,\n",
    )
    report = import_legal_events(writer, path, LEGAL_STAFF)
    reasons = {error.line: error.reason for error in report.errors}
    assert report.written == []
    assert reasons == {
        2: "legal_bases: must have at least 1 value",
        3: "vote_share: must be at most 1",
        4: "no item http://maillage.test/id/commune/99009 in the store",
        5: "unknown row_type 'arrete'; accepted: deliberation, prefectoral-order, "
        "transfer, membership-start, membership-end",
    }


def test_import_legal_events_dates_out_of_order(writer, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER
        + "prefectoral-order,a,Arrêté,2014-12-01,,,,,,,,,,,\n"
        + "transfer,,,,,,,C2520,99001,200000001,2015-01-01,2014-01-01,a,,\n",
    )
    (error,) = import_legal_events(writer, path, LEGAL_STAFF).errors
    assert error.reason == (
        "item: end_date 2014-01-01 must be after effective_date 2015-01-01"
    )


def test_import_legal_events_link_to_missing_act(writer, tmp_path):
    path = write_csv(
        tmp_path,
        HEADER + "transfer,,,,,,,C2520,99001,200000001,2015-01-01,,absent,,\n",
    )
    (error,) = import_legal_events(writer, path, LEGAL_STAFF).errors
    assert error.reason == (
        "legal_bases.0: links to http://maillage.test/id/act/absent, which does not "
        "exist or which you may not read"
    )


def test_import_legal_events_semicolons_and_decimal_comma(
    writer, store, iris, tmp_path
):
    path = write_csv(
        tmp_path,
        "row_type;key;title;date;passed_by;vote_share;defines_interest_for\n"
        "deliberation;d;Délibération;2016-01-01;epci/200000001;0,8;C2520\n",
    )
    assert import_legal_events(writer, path, LEGAL_STAFF).errors == []
    act = load_facts(store, iris, None).acts[BASE + "act/d"]
    assert str(act.vote_share) == "0.8"


def test_import_legal_events_unknown_column(writer, tmp_path):
    path = write_csv(tmp_path, "row_type,colour\ntransfer,red\n")
    with pytest.raises(MalformedRequestError) as raised:
        import_legal_events(writer, path, LEGAL_STAFF)
    assert raised.value.message.startswith(
        "events.csv: unknown columns colour; accepted columns: row_type, key,"
    )
