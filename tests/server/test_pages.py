import html
import re

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

from maillage.graph.demo import load_demo
from maillage.graph.iris import ITEM_TYPES, Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app
from tests.browser import serve
from tests.sample_items import SAMPLE_KEYS, load_sample

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def client(settings, store, iris):
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def item_graph(store, iris, item_type, key):
    data = store.oxigraph.dump(
        format=RdfFormat.N_QUADS, from_graph=iris.item_graph(item_type, key)
    )
    return Graph().parse(data=data.decode(), format="nt")


def page_text(response):
    return html.unescape(response.text)


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_read_page_html_every_type(client, item_type):
    key = SAMPLE_KEYS[item_type]
    response = client.get(f"/id/{item_type}/{key}", headers=HTML)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f"http://maillage.test/id/{item_type}/{key}" in response.text


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_read_page_turtle_every_type(client, item_type):
    key = SAMPLE_KEYS[item_type]
    response = client.get(f"/id/{item_type}/{key}", headers={"accept": "text/turtle"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    subjects = {t.subject.value for t in parse(response.content, RdfFormat.TURTLE)}
    assert f"http://maillage.test/id/{item_type}/{key}" in subjects, response.text


def test_read_page_default_is_html(client):
    response = client.get("/id/commune/07186", headers={"accept": "*/*"})
    assert response.headers["content-type"].startswith("text/html"), response.text


def test_read_page_turtle_matches_store(client, store, iris):
    response = client.get("/id/action/fa-01?format=ttl")
    served = Graph().parse(data=response.text, format="turtle")
    assert isomorphic(served, item_graph(store, iris, "action", "fa-01")), response.text


def test_read_page_jsonld_parses_back(client, store, iris):
    response = client.get("/id/action/fa-01", headers={"accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json", response.text
    served = Graph().parse(data=response.text, format="json-ld")
    assert isomorphic(served, item_graph(store, iris, "action", "fa-01")), response.text


def test_read_page_ntriples(client):
    response = client.get("/id/actor/caf-ardeche?format=nt")
    assert response.headers["content-type"] == "application/n-triples", response.text
    assert len(list(parse(response.content, RdfFormat.N_TRIPLES))) == 5, response.text


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.4, application/ld+json;q=0.8", "application/ld+json"),
        ("text/html;q=0, */*;q=0.5", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("text/*;q=0.3, application/n-triples;q=0.9", "application/n-triples"),
    ],
)
def test_read_page_negotiates_quality(client, accept, expected):
    response = client.get("/id/commune/07186", headers={"accept": accept})
    assert response.headers["content-type"].split(";")[0] == expected, response.text


def test_read_page_format_overrides_accept(client):
    response = client.get("/id/commune/07186?format=ttl", headers=HTML)
    assert response.headers["content-type"].startswith("text/turtle"), response.text


def test_read_page_not_acceptable(client):
    response = client.get("/id/commune/07186", headers={"accept": "application/json"})
    assert response.status_code == 406, response.text
    assert response.json() == {
        "detail": "none of the requested media types is available; offered: text/html, "
        "text/turtle, application/ld+json, application/n-triples",
        "code": "not_acceptable",
    }


def test_read_page_invalid_format(client):
    response = client.get("/id/commune/07186?format=xml")
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "invalid query parameter format='xml': "
        "accepted values: 'html', 'ttl', 'jsonld' or 'nt'",
        "code": "invalid_parameter",
    }


def test_read_page_missing(client):
    response = client.get("/id/commune/00000", headers={"accept": "text/turtle"})
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no commune with key '00000'",
        "code": "not_found",
    }


def test_read_page_missing_french_page(client):
    response = client.get("/id/commune/00000", headers=HTML)
    assert response.status_code == 404, response.text
    assert "Cette ressource n'existe pas" in page_text(response), response.text


def test_read_page_unknown_type(client):
    response = client.get("/id/things/a", headers={"accept": "text/turtle"})
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "unknown_type", response.text


def test_read_page_restricted_is_missing(client):
    response = client.get("/id/document/note-juridique?format=ttl")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no document with key 'note-juridique'",
        "code": "not_found",
    }


def test_read_page_restricted_absent_from_links(client):
    text = page_text(client.get("/id/action/fa-01", headers=HTML))
    assert "Diagnostic social partagé" in text
    assert "note-juridique" not in text
    assert "Note juridique" not in text


def test_read_page_escapes_markup(client):
    response = client.get("/id/document/compte-rendu-hostile", headers=HTML)
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#39;maillage&#39;)&lt;/script&gt;" in response.text


def test_read_page_links_labelled_items(client):
    text = page_text(client.get("/id/action/fa-01", headers=HTML))
    expected = '<a href="/id/actor/caf-ardeche">Caisse d\'allocations familiales'
    assert expected in text, text


def test_read_page_labels_properties(client):
    text = page_text(client.get("/id/action/fa-01", headers=HTML))
    assert '>implication</a> <small class="note">mlg:involvement</small>' in text, text


def test_read_page_shows_fragment_nodes(client):
    text = page_text(client.get("/id/action/fa-01", headers=HTML))
    assert '<section class="fragment" id="involvement-1">' in text, text
    assert '<a href="#involvement-1">' in text, text


def test_read_page_lists_incoming_links(client):
    text = page_text(client.get("/id/epci/200071413", headers=HTML))
    for href in ("/id/action/fa-01", "/id/membership/200071413-07186"):
        assert f'<a href="{href}">' in text, text


def test_read_page_links_other_formats(client):
    text = client.get("/id/commune/07186", headers=HTML).text
    for name in ("ttl", "jsonld", "nt"):
        assert f'href="?format={name}"' in text, text


def test_read_page_base_with_path(tmp_path):
    settings = Settings(
        store_path=tmp_path / "store",
        data_path=tmp_path / "data",
        base_iri="https://example.org/maillage",
    )
    store = load_sample(GraphStore(settings.store_path), Iris(settings.base_iri))
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/id/commune/07186?format=nt")
    store.close()
    assert response.status_code == 200, response.text
    assert "<https://example.org/maillage/id/commune/07186>" in response.text


def test_read_home_links_and_counts(client):
    response = client.get("/", headers=HTML)
    text = page_text(response)
    for href in ("/api", "/docs", "/sparql", "/query", "/network"):
        assert f'<a href="{href}">' in text, text
    assert re.search(r'<a href="/api/commune">Commune</a></td>\s*<td[^>]*>7<', text), (
        text
    )


def test_pages_load_no_outside_asset(client):
    for path in ("/", "/id/action/fa-01", "/id/commune/00000"):
        text = client.get(path, headers=HTML).text
        addresses = re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"([^\"]+)\"", text)
        outside = [a for a in addresses if re.match(r"(?:[a-z]+:)?//", a)]
        assert outside == [], (path, outside)


def test_demo_item_of_every_type(settings, store, iris):
    load_demo(store, iris)
    with TestClient(create_app(settings, store=store)) as client:
        for item_type in ITEM_TYPES:
            listing = client.get(f"/api/{item_type}?limit=1").json()
            item = listing["items"][0]
            # A generic body, with "properties", means the stored item fits no model.
            assert "properties" not in item, item
            page = client.get(f"/id/{item_type}/{item['key']}", headers=HTML)
            assert page.status_code == 200, (item_type, item["key"], page.text)


@pytest.fixture
def sample_server(settings, store, iris):
    """Serve the sample on a free port of 127.0.0.1 and yield its URL."""
    load_sample(store, iris)
    with serve(create_app(settings, store=store)) as url:
        yield url


@pytest.mark.browser
def test_item_page_in_chromium(sample_server, browser_page):
    page = browser_page.page
    page.goto(f"{sample_server}/id/document/compte-rendu-hostile")
    display = page.evaluate(
        "getComputedStyle(document.querySelector('header.site')).display"
    )
    assert page.inner_text("h1") == "<script>alert('maillage')</script> Compte rendu"
    assert browser_page.outside_requests == []
    assert browser_page.dialogs == []
    assert browser_page.errors == []
    assert display == "flex", "the stylesheet was not applied"


@pytest.mark.browser
def test_docs_page_in_chromium(sample_server, browser_page):
    page = browser_page.page
    page.goto(f"{sample_server}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    # Swagger UI puts zero-width spaces in long paths so that they can wrap.
    assert "/api/{item_type}" in [path.replace("\u200b", "") for path in paths], paths
    assert browser_page.outside_requests == []
