"""Tests of the legal routes: the questions as JSON, the report as CSV and as a page."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from maillage.graph.demo import load_demo
from maillage.graph.legal.flags import FLAG_CODES
from maillage.graph.ontology import load_ontology
from maillage.graph.store import GraphStore
from maillage.server.app import create_app
from maillage.server.cli import app as cli_app
from tests.graph.legal.conftest import DATA, load_scenario, load_territory
from tests.graph.legal.test_facts import add_turtle

BASE = "http://maillage.test/id/"
EDITOR = {"authorization": "Bearer editor-secret"}
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ACTION = """
<id/action/fa-07> a mlg:Action ;
    <http://purl.org/dc/terms/title> "<img src=x onerror=alert(1)>"@fr ;
    mlg:number 7 ;
    mlg:territory <id/commune/99001> ;
    mlg:reliesOnCompetence <id/competence/C2520> ;
    mlg:involvement <id/action/fa-07#involvement-1> ;
    mlg:startDate "2016-12-01"^^xsd:date .
<id/action/fa-07#involvement-1> mlg:agent <id/epci/200000001> ;
    mlg:role <id/concept/role-lead> .
<id/act/deliberation-interet-social> <http://purl.org/dc/terms/source>
    "javascript:alert(1)" .
"""


@pytest.fixture
def client(settings, store, iris):
    load_scenario(store, iris)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_read_legal_rules(client):
    rules = client.get("/api/legal/rules").json()
    deadline = next(r for r in rules if r["code"] == "community-interest-deadline-ca")
    assert deadline["act_key"] == "cgct-l5216-5-2016-01-01", deadline
    assert deadline["paragraph"] == "III", deadline


def test_read_competence_holder(client):
    response = client.get(
        "/api/legal/holder",
        params={"competence": "C2520", "commune": "99001", "date": "2016-12-01"},
    )
    body = response.json()
    assert [(h["body"]["label"], h["scope"]) for h in body["holdings"]] == [
        ("CA du Plateau", "community-interest"),
        ("Alpha", "outside-community-interest"),
    ], response.text
    assert body["holdings"][0]["acts"][0]["source_url"] == (
        "https://recueil.example/2014-12-10.pdf"
    ), response.text


def test_read_competence_holder_by_iri(client):
    response = client.get(
        "/api/legal/holder",
        params={
            "competence": BASE + "competence/C9902",
            "commune": "commune/99002",
            "date": "2020-06-01",
        },
    )
    assert response.json()["holdings"][0]["scope"] == "own", response.text


def test_read_competence_holder_bad_date(client):
    response = client.get(
        "/api/legal/holder",
        params={"competence": "C2520", "commune": "99001", "date": "2016-13-01"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_parameter", response.text


def test_read_competence_holder_wrong_type(client):
    response = client.get(
        "/api/legal/holder",
        params={
            "competence": "C2520",
            "commune": "epci/200000001",
            "date": "2016-12-01",
        },
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "'epci/200000001' names an item of type epci; expected: commune",
        "code": "invalid_identifier",
    }


def test_read_competence_holder_unknown_commune(client):
    response = client.get(
        "/api/legal/holder",
        params={"competence": "C2520", "commune": "99999", "date": "2016-12-01"},
    )
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no commune 'http://maillage.test/id/commune/99999' is readable",
        "code": "not_found",
    }


def test_read_epci_competences(client):
    response = client.get(
        "/api/legal/competences", params={"epci": "200000001", "date": "2018-06-01"}
    )
    entries = response.json()["competences"]
    assert [(e["notation"], e["scope"]) for e in entries] == [
        ("C2520", "community-interest"),
        ("C2520", "community-interest"),
        ("C9901", "whole"),
        ("C9902", "whole"),
    ], response.text
    assert [c["label"] for c in entries[3]["communes_unknown"]] == ["Delta"]


def test_read_competence_timeline(client):
    response = client.get(
        "/api/legal/timeline",
        params={"competence": "C2520", "territory": "commune/99001"},
    )
    entries = response.json()["entries"]
    effective = next(e for e in entries if e["kind"] == "transfer-effective")
    assert (effective["decision_date"], effective["effective_date"]) == (
        "2014-12-10",
        "2015-01-01",
    ), effective
    assert effective["acts"][0]["url"] == "/id/act/arrete-transfert-action-sociale"


def test_read_competence_timeline_act_description(client):
    response = client.get(
        "/api/legal/timeline",
        params={"competence": "C2520", "territory": "commune/99001"},
    )
    entries = response.json()["entries"]
    creation = next(e for e in entries if e["label"].startswith("Arrêté de création"))
    assert creation["act"]["description"] == (
        "Crée la CA avec Alpha et Bêta au 1er janvier 2014."
    ), response.text


def order_body(key: str, description: str) -> dict[str, str]:
    """Return the JSON body of an arrêté préfectoral with a description."""
    return {
        "key": key,
        "kind": "prefectoral-order",
        "title": "Arrêté d'extension du périmètre à Delta",
        "date_document": "2020-03-02",
        "description": description,
    }


def test_act_description_round_trip(client, store, iris):
    load_ontology(store, iris)
    body = {
        **order_body(
            "arrete-extension-delta",
            "Étend le périmètre de la CA à Delta au 1er avril 2020.",
        ),
        "visibility": BASE + "concept/visibility-public",
        "workflow_state": BASE + "concept/workflow-state-published",
    }
    created = client.post("/api/act", json=body, headers=EDITOR)
    read = client.get("/api/act/arrete-extension-delta", headers=EDITOR)
    replaced = client.put(
        "/api/act/arrete-extension-delta",
        json={**body, "description": "Étend le périmètre à Delta."},
        headers={**EDITOR, "if-match": read.headers["etag"]},
    )
    again = client.get("/api/act/arrete-extension-delta", headers=EDITOR)
    assert created.status_code == 201, created.text
    assert read.json()["description"] == body["description"], read.text
    assert replaced.status_code == 200, replaced.text
    assert again.json()["description"] == "Étend le périmètre à Delta.", again.text


def test_act_empty_description_rejected(client, store, iris):
    load_ontology(store, iris)
    body = order_body("arrete-vide", "")
    response = client.post("/api/act", json=body, headers=EDITOR)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "description", "message": "must not be empty"}
    ], response.text


def test_read_competence_timeline_needs_type(client):
    response = client.get(
        "/api/legal/timeline", params={"competence": "C2520", "territory": "99001"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == (
        "'99001' names no item type; write it as commune/KEY or epci/KEY"
    )


def test_read_action_basis(client):
    body = client.get("/api/legal/actions/fa-03").json()
    assert [(d["date"], d["status"]) for d in body["dates"]] == [
        ("2018-06-01", "competent"),
        ("2020-06-01", "not_competent"),
    ], body
    assert body["status"] == "not_competent", body


def test_read_action_basis_on_date(client):
    body = client.get("/api/legal/actions/fa-05", params={"date": "2020-06-01"}).json()
    assert [(d["date"], d["status"]) for d in body["dates"]] == [
        ("2020-06-01", "competent")
    ], body


def test_read_action_basis_unknown_action(client):
    response = client.get("/api/legal/actions/fa-99")
    assert response.status_code == 404, response.text


def test_read_legal_report(client):
    body = client.get("/api/legal/report").json()
    assert [(a["number"], a["status"]) for a in body] == [
        (1, "not_competent"),
        (2, "not_competent"),
        (3, "not_competent"),
        (4, "competent"),
        (5, "not_competent"),
        (6, "undetermined"),
    ], body


def test_read_legal_report_csv(client):
    response = client.get("/api/legal/report.csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert [(r["number"], r["date"], r["status"]) for r in rows][-3:] == [
        ("5", "2018-06-01", "not_competent"),
        ("5", "2020-06-01", "competent"),
        ("6", "", "undetermined"),
    ], response.text
    assert rows[5]["flags"] == "commune-left | basis-ended", rows[5]


def test_read_legal_report_csv_neutralises_formulas(client, store, iris):
    add_turtle(
        store,
        iris,
        '<id/action/fa-08> a mlg:Action ; <http://purl.org/dc/terms/title> "=1+1"@fr .',
        iris.item_graph("action", "fa-08"),
    )
    rows = list(csv.DictReader(io.StringIO(client.get("/api/legal/report.csv").text)))
    assert rows[-1]["title"] == "'=1+1", rows[-1]


def test_read_legal_page(client):
    response = client.get("/juridique")
    assert response.status_code == 200, response.text
    assert "<h1>Base légale du plan d'actions</h1>" in response.text
    assert "Règles appliquées" in response.text


def test_read_legal_page_escapes_data(client, store, iris):
    add_turtle(store, iris, HOSTILE_ACTION, iris.item_graph("action", "fa-07"))
    page = client.get("/juridique").text
    assert HOSTILE not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="javascript:' not in page


def test_read_legal_page_explains_unknown_perimeter(client):
    # Delta's membership is only observed in 2026, and fa-02 covers it in 2016.
    page = client.get("/juridique").text
    text = " ".join(page.split())
    assert '<section class="legal-help" id="perimetre-inconnu">' in page
    assert (
        "enregistrez l'arrêté préfectoral de création ou d'extension de l'EPCI avec "
        "sa date, puis la date d'adhésion de chaque commune"
    ) in text


def test_read_legal_page_known_perimeter_no_explanation(client):
    # On 2026-06-01 every membership is known: Delta was seen a member in 2026.
    page = client.get("/juridique", params={"date": "2026-06-01"}).text
    assert "Aucune fiche action" not in page
    assert 'id="perimetre-inconnu"' not in page


def test_read_legal_page_on_date(client):
    page = client.get("/juridique", params={"date": "2018-01-01"}).text
    assert 'value="2018-01-01"' in page
    assert 'href="/api/legal/report.csv?date=2018-01-01"' in page


def test_import_legal_events_command(settings, iris, tmp_path, monkeypatch):
    store_path = tmp_path / "cli-store"
    cli_store = GraphStore(store_path)
    load_ontology(cli_store, iris)
    load_territory(cli_store, iris)
    cli_store.close()
    monkeypatch.setenv("MAILLAGE_BASE_IRI", settings.base_iri)
    bad = tmp_path / "bad.csv"
    bad.write_text("row_type,key\nloi,x\n", encoding="utf-8")
    options = ["--store", str(store_path), "--data", str(tmp_path / "cli-data")]
    command = ["import", "legal-events"]
    runner = CliRunner()
    good = runner.invoke(cli_app, [*command, str(DATA / "events.csv"), *options])
    failed = runner.invoke(cli_app, [*command, str(bad), *options])
    assert good.exit_code == 0, good.output
    assert "8 items written, 0 rows failed" in good.output
    assert failed.exit_code == 1, failed.output
    assert "unknown row_type 'loi'" in failed.output


def test_read_legal_page_empty_date(client):
    response = client.get("/juridique", params={"date": ""})
    assert response.status_code == 200, response.text


@pytest.mark.browser
def test_legal_page_in_browser_offline(store, iris, live_server, browser_page):
    load_scenario(store, iris)
    add_turtle(store, iris, HOSTILE_ACTION, iris.item_graph("action", "fa-07"))
    page = browser_page.page
    page.goto(f"{live_server}/juridique")
    page.wait_for_load_state("networkidle")
    live_markup = "img, script:not([src]), a[href^='javascript']"
    statuses = page.locator("td.status").all_text_contents()
    assert HOSTILE in page.locator("table.legal-report").inner_text()
    assert page.locator(live_markup).count() == 0, page.locator(live_markup).all()
    assert statuses[:2] == ["non compétent", "compétent"], statuses
    assert browser_page.outside_requests == [], browser_page.outside_requests
    assert browser_page.dialogs == [], browser_page.dialogs
    assert browser_page.errors == [], browser_page.errors


def test_create_transfer_decided_after_effect_rejected(client):
    body = {
        "key": "jeunesse-gamma",
        "competence": BASE + "competence/C9901",
        "from_communes": [BASE + "commune/99003"],
        "to_body": BASE + "epci/200000001",
        "decision_date": "2018-02-01",
        "effective_date": "2018-01-01",
        "legal_bases": [BASE + "act/arrete-extension-gamma"],
        "visibility": BASE + "concept/visibility-public",
    }
    response = client.post(
        "/api/transfer", json=body, headers={"authorization": "Bearer editor-secret"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "field": None,
            "message": "decision_date 2018-02-01 is after effective_date 2018-01-01: "
            "a transfer is decided before it takes effect",
        }
    ], response.text


def test_read_legal_page_demo_flags_and_explanation(settings, store, iris):
    # The flags that the demo's facts imply, as tests/graph/legal/test_demo_report.py
    # lists them, each shown with its French label.
    load_demo(store, iris)
    with TestClient(create_app(settings, store=store)) as demo_client:
        page = demo_client.get("/juridique").text
    implied = [
        "perimeter-unknown",
        "interest-defined",
        "interest-not-defined",
        "no-basis",
        "territory-not-traced",
    ]
    shown_codes = [
        code for code in implied if f"<strong>{FLAG_CODES[code][1]}</strong>" in page
    ]
    assert shown_codes == implied
    assert 'id="perimetre-inconnu"' in page
