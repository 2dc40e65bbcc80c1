"""The query page at /query and its example queries, run on the demo data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from maillage.graph.demo import load_demo
from maillage.graph.iris import Iris
from maillage.graph.namespaces import sparql_prefixes
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app
from maillage.server.example_queries import load_examples
from tests.browser import serve
from tests.conftest import BASE_IRI

EXAMPLES = load_examples()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Settings and a store with the demo loaded, shared by the tests of this module."""
    folder = tmp_path_factory.mktemp("query-page")
    settings = Settings(
        store_path=folder / "store", data_path=folder / "data", base_iri=BASE_IRI
    )
    store = GraphStore(settings.store_path)
    load_demo(store, Iris(BASE_IRI))
    yield settings, store
    store.close()


@pytest.fixture(scope="module")
def client(demo):
    settings, store = demo
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_examples_found():
    assert len(EXAMPLES) >= 7, [example.slug for example in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.slug)
def test_example_query_has_solutions(client, example):
    response = client.post(
        "/sparql",
        content=example.text.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"], example.text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.slug)
def test_example_query_has_title_and_description(example):
    assert example.title, example.slug
    assert example.description, example.slug


def test_query_page_prefilled_with_prefixes(client):
    response = client.get("/query")
    assert response.status_code == 200, response.text
    assert sparql_prefixes() in response.text.replace("&lt;", "<").replace("&gt;", ">")


def test_query_page_lists_examples(client):
    response = client.get("/query")
    for example in EXAMPLES:
        assert f'<option value="{example.slug}"' in response.text, example.slug


def test_query_page_allows_own_script_only(client):
    response = client.get("/query")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy


def test_query_page_in_french(client):
    response = client.get("/query")
    assert '<html lang="fr">' in response.text
    assert "Lancer la requête" in response.text


@pytest.mark.browser
def test_query_page_runs_example_in_browser(demo, browser_page):
    settings, store = demo
    with serve(create_app(settings, store=store)) as url:
        page = browser_page.page
        page.goto(f"{url}/query")
        page.select_option("#example", "communes-capca")
        page.click("#run")
        page.wait_for_selector("table.results tbody tr")
        rows = page.locator("table.results tbody tr").count()
        link = page.locator("table.results a").first.get_attribute("href")
        downloads = page.locator("#downloads a").all_text_contents()
        page.wait_for_load_state("networkidle")
    assert rows == 42, rows
    assert link.startswith("/id/commune/"), link
    assert downloads == ["JSON", "XML", "CSV", "TSV"], downloads
    assert browser_page.outside_requests == [], browser_page.outside_requests
    assert browser_page.errors == [], browser_page.errors


@pytest.mark.browser
def test_query_page_shows_error_in_french(demo, browser_page):
    settings, store = demo
    with serve(create_app(settings, store=store)) as url:
        page = browser_page.page
        page.goto(f"{url}/query")
        page.fill("#query", "SELECT * WHERE { ?s ?p }")
        page.click("#run")
        page.wait_for_selector("#status.error")
        message = page.locator("#status").text_content()
    assert message.startswith("La requête n'est pas valide (400) : "), message
