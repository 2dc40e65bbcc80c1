"""The SPARQL queries of docs/legal.md, run on the legal scenario.

Each query is read from the documentation, its example base IRI and the values of its
`VALUES` line are replaced, and its solutions are compared with the answers computed by
hand in test_scenario.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "legal.md"
DOC_BASE = "http://127.0.0.1:8000"
BASE = "http://maillage.test/id/"
_BLOCK = re.compile(
    r"<!-- query: (?P<name>[a-z]+) -->\n```sparql\n(?P<text>.*?)```", re.S
)
_VALUES = re.compile(r"VALUES \((?P<names>[^)]*)\) \{\s*\((?P<row>.*?)\)\s*\}", re.S)


def documented_query(name: str) -> str:
    queries = {m["name"]: m["text"] for m in _BLOCK.finditer(DOC.read_text("utf-8"))}
    return queries[name].replace(DOC_BASE, "http://maillage.test")


def with_values(query: str, **values: str) -> str:
    """Replace the row of the query's first VALUES block by `values`."""
    match = _VALUES.search(query)
    names = match["names"].split()
    row = " ".join(values[name.lstrip("?")] for name in names)
    values = f"VALUES ({' '.join(names)}) {{ ({row}) }}"
    return query[: match.start()] + values + query[match.end() :]


def item(path: str) -> str:
    return f"<{BASE}{path}>"


def day(value: str) -> str:
    return f'"{value}"^^xsd:date'


def run(store, query: str) -> list[dict[str, str]]:
    return [
        {name: term.value.replace(BASE, "") for name, term in row.items()}
        for row in store.select(query)
    ]


def words(value: str | None) -> set[str]:
    return set(value.split()) if value else set()


def test_documented_queries_all_present():
    names = [m["name"] for m in _BLOCK.finditer(DOC.read_text("utf-8"))]
    assert names == ["timeline", "holder", "competences", "basis", "report"], names


def timeline_alpha_action_sociale(store) -> list[dict[str, str]]:
    """Run the timeline query for action sociale (C2520) in Alpha (99001)."""
    query = with_values(
        documented_query("timeline"),
        competence=item("competence/C2520"),
        commune=item("commune/99001"),
    )
    return run(store, query)


def test_query_timeline(scenario_store):
    rows = [
        (r["date"], r["event"], r["item"])
        for r in timeline_alpha_action_sociale(scenario_store)
    ]
    assert rows == [
        ("2013-10-15", "act", "act/arrete-creation"),
        ("2014-01-01", "membership-start", "membership/200000001-99001"),
        ("2014-12-10", "act", "act/arrete-transfert-action-sociale"),
        ("2014-12-10", "transfer-decision", "transfer/action-sociale-2015"),
        ("2015-01-01", "transfer-effective", "transfer/action-sociale-2015"),
        ("2015-06-01", "interest-definition", "act/deliberation-interet-rejetee"),
        ("2016-09-29", "interest-definition", "act/deliberation-interet-social"),
        ("2017-01-01", "interest-deadline", "transfer/action-sociale-2015"),
    ]


def test_query_timeline_documents(scenario_store):
    rows = timeline_alpha_action_sociale(scenario_store)
    documents = {r["item"]: r["document"] for r in rows if "document" in r}
    assert documents == {
        "act/arrete-creation": "https://recueil.example/2013-10-15.pdf",
        "act/arrete-transfert-action-sociale": "https://recueil.example/2014-12-10.pdf",
    }


def test_query_timeline_descriptions(scenario_store):
    rows = timeline_alpha_action_sociale(scenario_store)
    descriptions = {r["item"]: r["description"] for r in rows if "description" in r}
    assert descriptions == {
        "act/arrete-creation": "Crée la CA avec Alpha et Bêta au 1er janvier 2014.",
        "act/arrete-transfert-action-sociale": (
            "Transfère l'action sociale d'Alpha et de Bêta à la CA."
        ),
    }


@pytest.mark.parametrize(
    ("competence", "commune", "on", "expected"),
    [
        ("C2520", "99001", "2014-06-01", []),
        ("C2520", "99001", "2015-06-01", [("member", "interest-undefined", set())]),
        (
            "C2520",
            "99001",
            "2016-12-01",
            [("member", "community-interest", {"act/deliberation-interet-social"})],
        ),
        ("C9901", "99001", "2017-06-01", [("member", "whole", set())]),
        ("C9901", "99001", "2017-03-01", [("member", "interest-undefined", set())]),
        ("C9902", "99002", "2020-06-01", []),
        ("C9902", "99004", "2018-06-01", [("unknown", "whole", set())]),
        ("C2520", "99002", "2019-06-01", []),
    ],
)
def test_query_holder(scenario_store, competence, commune, on, expected):
    query = with_values(
        documented_query("holder"),
        competence=item(f"competence/{competence}"),
        commune=item(f"commune/{commune}"),
        on=day(on),
    )
    rows = [
        (r["membership_status"], r["scope"], words(r.get("definitions")))
        for r in run(scenario_store, query)
    ]
    assert rows == expected


def test_query_holder_acts(scenario_store):
    query = with_values(
        documented_query("holder"),
        competence=item("competence/C9902"),
        commune=item("commune/99001"),
        on=day("2018-06-01"),
    )
    (row,) = run(scenario_store, query)
    assert row["holder"] == "epci/200000001"
    assert words(row["acts"]) == {
        "act/arrete-transfert-transport",
        "act/arrete-restitution-transport",
    }


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (
            "2016-06-01",
            [
                (
                    "transfer/action-sociale-2015",
                    "interest-undefined",
                    {"99001", "99002"},
                    set(),
                ),
                (
                    "transfer/jeunesse-2015",
                    "interest-undefined",
                    {"99001", "99002"},
                    set(),
                ),
            ],
        ),
        (
            "2018-06-01",
            [
                (
                    "transfer/action-sociale-2015",
                    "community-interest",
                    {"99001", "99002"},
                    set(),
                ),
                (
                    "transfer/action-sociale-gamma-2017",
                    "community-interest",
                    {"99003"},
                    set(),
                ),
                ("transfer/jeunesse-2015", "whole", {"99001", "99002"}, set()),
                (
                    "transfer/transport-2018",
                    "whole",
                    {"99001", "99002", "99003"},
                    {"99004"},
                ),
            ],
        ),
        (
            "2020-06-01",
            [
                (
                    "transfer/action-sociale-2015",
                    "community-interest",
                    {"99001"},
                    set(),
                ),
                (
                    "transfer/action-sociale-gamma-2017",
                    "community-interest",
                    {"99003"},
                    set(),
                ),
                ("transfer/jeunesse-2015", "whole", {"99001"}, set()),
            ],
        ),
    ],
)
def test_query_competences(scenario_store, on, expected):
    query = with_values(
        documented_query("competences"), epci=item("epci/200000001"), on=day(on)
    )
    rows = [
        (
            r["transfer"],
            r["scope"],
            {c.removeprefix("commune/") for c in words(r.get("members"))},
            {c.removeprefix("commune/") for c in words(r.get("unknown_members"))},
        )
        for r in run(scenario_store, query)
    ]
    assert rows == expected


@pytest.mark.parametrize(
    ("action", "on", "expected"),
    [
        (
            "fa-01",
            "2016-03-01",
            [("99001", "undetermined"), ("99003", "not_competent")],
        ),
        ("fa-01", "2017-06-30", [("99001", "competent"), ("99003", "competent")]),
        (
            "fa-02",
            "2016-06-01",
            [
                ("99001", "undetermined"),
                ("99002", "undetermined"),
                ("99004", "undetermined"),
            ],
        ),
        (
            "fa-02",
            "2018-01-01",
            [
                ("99001", "competent"),
                ("99002", "competent"),
                ("99003", "not_competent"),
                ("99004", "undetermined"),
            ],
        ),
        ("fa-03", "2018-06-01", [("99002", "competent")]),
        ("fa-03", "2020-06-01", [("99002", "not_competent")]),
        ("fa-04", "2014-06-01", [("99001", "competent")]),
        ("fa-04", "2015-06-01", [("99001", "undetermined")]),
        ("fa-04", "2016-12-01", [("99001", "competent")]),
        ("fa-05", "2018-06-01", [("99002", "not_competent")]),
        ("fa-05", "2020-06-01", [("99002", "competent")]),
    ],
)
def test_query_basis(scenario_store, action, on, expected):
    query = with_values(
        documented_query("basis"), action=item(f"action/{action}"), on=day(on)
    )
    rows = [
        (r["commune"].removeprefix("commune/"), r["status"])
        for r in run(scenario_store, query)
    ]
    assert rows == expected


def test_query_basis_acts(scenario_store):
    query = with_values(
        documented_query("basis"), action=item("action/fa-01"), on=day("2017-06-30")
    )
    acts = {r["commune"]: words(r.get("acts")) for r in run(scenario_store, query)}
    assert acts == {
        "commune/99001": {"act/arrete-transfert-action-sociale"},
        "commune/99003": {"act/arrete-extension-action-sociale"},
    }


def test_query_report(scenario_store):
    rows = [
        (r["action"], r["on"], r["status"])
        for r in run(scenario_store, documented_query("report"))
    ]
    assert rows == [
        ("action/fa-01", "2016-03-01", "not_competent"),
        ("action/fa-01", "2017-06-30", "competent"),
        ("action/fa-02", "2016-06-01", "undetermined"),
        ("action/fa-02", "2018-01-01", "not_competent"),
        ("action/fa-03", "2018-06-01", "competent"),
        ("action/fa-03", "2020-06-01", "not_competent"),
        ("action/fa-04", "2014-06-01", "competent"),
        ("action/fa-04", "2016-12-01", "competent"),
        ("action/fa-05", "2018-06-01", "not_competent"),
        ("action/fa-05", "2020-06-01", "competent"),
    ]
