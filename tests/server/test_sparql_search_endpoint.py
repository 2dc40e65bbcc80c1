"""mlg:search and mlg:searchScore at /sparql, on the demo data, for each user."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from tests.conftest import BASE_IRI, DEMO_ADMIN_TOKEN, demo_instance

ADMIN = {"authorization": f"Bearer {DEMO_ADMIN_TOKEN}"}
RESTRICTED = f"{BASE_IRI}/id/document/questionnaire-habitants-reponses"
SCORES = """
SELECT ?item ?score WHERE {
  ?item a ?type .
  BIND(mlg:searchScore(?item, "questionnaire") AS ?score)
  FILTER(BOUND(?score))
} ORDER BY DESC(?score)
"""
MATCHES = """
SELECT DISTINCT ?item WHERE { ?item a ?type FILTER(mlg:search(?item, "questionnaire")) }
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with demo_instance(tmp_path_factory.mktemp("sparql-search")) as (settings, store):
        with TestClient(create_app(settings, store=store)) as test_client:
            yield test_client


def sparql_items(client, text, headers=None) -> list[str]:
    response = client.post(
        "/sparql",
        data={"query": text},
        headers={"Accept": "application/sparql-results+json", **(headers or {})},
    )
    assert response.status_code == 200, response.text
    return [row["item"]["value"] for row in response.json()["results"]["bindings"]]


def api_items(client, headers=None) -> set[str]:
    response = client.get(
        "/api/search", params={"q": "questionnaire", "limit": 100}, headers=headers
    )
    assert response.status_code == 200, response.text
    return {hit["iri"] for hit in response.json()["hits"]}


@pytest.mark.parametrize("headers", [None, ADMIN], ids=["anonymous", "administrator"])
def test_sparql_search_matches_search_api(client, headers):
    expected = api_items(client, headers)
    assert expected, "the demo has items about questionnaires"
    assert set(sparql_items(client, SCORES, headers)) == expected
    assert set(sparql_items(client, MATCHES, headers)) == expected


def test_sparql_search_hides_restricted_item(client):
    assert RESTRICTED in sparql_items(client, MATCHES, ADMIN)
    assert RESTRICTED not in sparql_items(client, MATCHES)


def test_sparql_search_scores_descend(client):
    response = client.post(
        "/sparql",
        data={"query": SCORES},
        headers={"Accept": "application/sparql-results+json"},
    )
    scores = [
        float(row["score"]["value"]) for row in response.json()["results"]["bindings"]
    ]
    assert scores and scores == sorted(scores, reverse=True)


def test_sparql_search_text_must_be_literal(client):
    text = 'SELECT * WHERE { ?item ?p ?words FILTER(mlg:search(?item, ?words)) }'
    response = client.get("/sparql", params={"query": text})
    assert response.status_code == 400, response.text
    assert "string literal" in response.json()["detail"]
