"""The search API on the demo data: French matching, facets, order, pages, access."""

from __future__ import annotations

import re
import unicodedata

import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from tests.conftest import BASE_IRI, demo_instance

ADMIN = {"authorization": "Bearer admin-secret"}
RESTRICTED = f"{BASE_IRI}/id/document/questionnaire-habitants-reponses"
DRAFT = f"{BASE_IRI}/id/document/compte-rendu-comite-pilotage-validation"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of the app over the demo data, shared by the read-only tests here."""
    with demo_instance(tmp_path_factory.mktemp("search-api")) as (settings, store):
        with TestClient(create_app(settings, store=store)) as test_client:
            yield test_client


def search(client, headers=None, **parameters):
    response = client.get("/api/search", params=parameters, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def found(client, query: str, **parameters) -> set[str]:
    body = search(client, q=query, limit=100, **parameters)
    assert body["total"] <= 100, body["total"]
    return {hit["iri"] for hit in body["hits"]}


# French analysis, through the API.


@pytest.mark.parametrize(
    "variant", ["Politique Sociale", "politique sociale", "POLITIQUE SOCIALE"]
)
def test_search_plural_case_variants_match(client, variant):
    expected = found(client, "politiques sociales")
    assert expected, "the demo has items about politiques sociales"
    assert found(client, variant) == expected


def test_search_ligature_matches_spelled_out(client):
    ligature = found(client, "œuvre")
    assert ligature, "the demo has items with œuvre"
    assert found(client, "oeuvre") == ligature


def test_search_elision_removed(client):
    plain = found(client, "agglomeration", type="document")
    assert plain, "the demo has documents about the agglomération"
    assert found(client, "l'agglomération", type="document") == plain


def test_search_nfd_query_matches_nfc(client):
    composed = unicodedata.normalize("NFC", "sécurité")
    decomposed = unicodedata.normalize("NFD", "sécurité")
    assert composed != decomposed
    expected = found(client, composed)
    assert expected, "the demo has items about sécurité"
    assert found(client, decomposed) == expected


# Hits, snippets, order and pages.


def test_search_hit_fields(client):
    hit = search(client, q="observatoire social", type="document")["hits"][0]
    assert set(hit) == {"iri", "type", "title", "snippet", "date", "score", "link"}
    assert hit["type"] == "document", hit
    assert hit["link"] == hit["iri"].removeprefix(BASE_IRI), hit


def test_search_hit_link_resolves(client):
    hit = search(client, q="observatoire social")["hits"][0]
    response = client.get(hit["link"], headers={"accept": "text/html"})
    assert response.status_code == 200, response.text


def test_search_snippet_marks_only_matches(client):
    hits = search(client, q="habitants", type="document")["hits"]
    snippets = [hit["snippet"] for hit in hits]
    assert any("<mark>" in snippet for snippet in snippets), snippets
    markup = {tag for snippet in snippets for tag in re.findall(r"<[^>]*>", snippet)}
    assert markup <= {"<mark>", "</mark>"}, markup


def test_search_sort_by_date_newest_first(client):
    hits = search(client, type="document", sort="date", limit=50)["hits"]
    dates = [hit["date"] for hit in hits if hit["date"] is not None]
    assert dates == sorted(dates, reverse=True), dates
    assert all(hit["score"] is None for hit in hits), hits[0]


def test_search_pages_cover_total(client):
    first = search(client, type="document", limit=10)
    second = search(client, type="document", limit=10, offset=10)
    assert first["total"] == second["total"] > 10, first["total"]
    overlap = {h["iri"] for h in first["hits"]} & {h["iri"] for h in second["hits"]}
    assert overlap == set(), overlap


def test_search_limit_over_maximum_rejected(client):
    response = client.get("/api/search", params={"limit": 101})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_parameter", response.text


# Filters and facets.


def test_search_filter_by_slug_and_iri_agree(client):
    phase = f"{BASE_IRI}/id/concept/phase-diagnostic"
    by_slug = found(client, "", type="document", phase="diagnostic")
    assert by_slug, "the demo has documents of the diagnostic phase"
    assert found(client, "", type="document", phase=phase) == by_slug


def test_search_filters_combine(client):
    body = search(client, type="document", phase="diagnostic", doc_type="questionnaire")
    facets = body["facets"]
    assert body["total"] == sum(v["count"] for v in facets["type"] if v["selected"])
    selected = [v["value"] for v in facets["doc_type"] if v["selected"]]
    assert selected == [f"{BASE_IRI}/id/concept/document-type-questionnaire"], facets


def test_search_facet_counts_leave_own_filter_out(client):
    body = search(client, type="document", phase="diagnostic")
    phases = {value["label"]: value for value in body["facets"]["phase"]}
    assert phases["Diagnostic"]["selected"] is True, phases
    # The other phases stay listed, so that a reader can add one of them.
    assert len(phases) > 1, phases
    assert phases["Diagnostic"]["count"] == body["total"], phases


def test_search_facet_labels_in_french(client):
    facets = search(client, type="document")["facets"]
    types = {value["value"]: value["label"] for value in facets["type"]}
    actors = {value["label"] for value in facets["actor"]}
    assert types["document"] == "Document", types
    assert types["competence"] == "Compétence", types
    assert "CA Privas Centre Ardèche" in actors, actors


def test_search_selected_value_without_match_listed(client):
    body = search(client, q="observatoire", year="1999")
    years = {value["value"]: value for value in body["facets"]["year"]}
    assert body["total"] == 0, body
    assert years["1999"]["count"] == 0, years
    assert years["1999"]["selected"] is True, years


def test_search_invalid_filter_rejected(client):
    response = client.get("/api/search", params={"phase": "pas une phase"})
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "invalid phase filter 'pas une phase': give a full IRI or the slug "
        "of a concept of the scheme phase",
        "code": "invalid_parameter",
    }


def test_search_unknown_type_rejected(client):
    response = client.get("/api/search", params={"type": "membership"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("invalid type filter 'membership'")


# Access rights.


def test_search_hides_restricted_document(client):
    anonymous = found(client, "réponses brutes questionnaire habitants")
    administrator = found(
        client, "réponses brutes questionnaire habitants", headers=ADMIN
    )
    assert RESTRICTED in administrator, administrator
    assert RESTRICTED not in anonymous, anonymous


def test_search_hides_draft(client):
    title = "comité de pilotage de validation"
    assert DRAFT in found(client, title, headers=ADMIN)
    assert DRAFT not in found(client, title)


def test_search_totals_and_facets_count_readable_only(client):
    anonymous = search(client, type="document")
    administrator = search(client, type="document", headers=ADMIN)
    draft = f"{BASE_IRI}/id/concept/workflow-state-draft"
    states = {v["value"]: v["count"] for v in administrator["facets"]["state"]}
    anonymous_states = {v["value"] for v in anonymous["facets"]["state"]}
    assert administrator["total"] > anonymous["total"], anonymous["total"]
    assert states[draft] >= 1, states
    assert draft not in anonymous_states, anonymous_states


def test_search_snippets_never_show_restricted_text(client):
    hits = search(client, q="données brutes", limit=100)["hits"]
    assert RESTRICTED not in {hit["iri"] for hit in hits}, hits
    assert all("brutes au questionnaire" not in hit["title"] for hit in hits), hits


def test_search_invalid_token_rejected(client):
    response = client.get("/api/search", headers={"authorization": "Bearer nope"})
    assert response.status_code == 401, response.text
