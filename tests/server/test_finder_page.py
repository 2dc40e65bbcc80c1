"""The page to find documents and the page of a document, in HTML and in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from maillage.server.routes.finder import trusted_snippet
from tests.browser import serve
from tests.conftest import BASE_IRI, demo_instance
from tests.sample_items import load_sample

ADMIN = {"authorization": "Bearer admin-secret"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Settings and a store with the demo loaded, shared by the tests of this module."""
    with demo_instance(tmp_path_factory.mktemp("finder-page")) as instance:
        yield instance


@pytest.fixture(scope="module")
def client(demo):
    settings, store = demo
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


class PageParts(HTMLParser):
    """Collects the form fields, labels, scripts and resource addresses of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.scripts = 0
        self.resources: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if tag in ("input", "select", "textarea") and values.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(values)
        if tag == "label" and values.get("for"):
            self.label_targets.add(values["for"])
        if tag == "script":
            self.scripts += 1
        if tag in ("link", "img") and values.get("href", values.get("src")):
            self.resources.append(values.get("href") or values.get("src"))
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])


def parts_of(html: str) -> PageParts:
    parser = PageParts()
    parser.feed(html)
    return parser


def finder(client, headers=None, **parameters):
    response = client.get("/documents", params=parameters, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


# The search page in HTML.


def test_finder_page_lists_results(client):
    response = finder(client, q="observatoire social", type="document")
    assert "Tableau de bord de l&#39;observatoire social" in response.text
    assert re.search(r"\d+ résultats\.", response.text), response.text


def test_finder_page_fields_labelled(client):
    parts = parts_of(finder(client, q="habitants").text)
    unlabelled = [f for f in parts.fields if f.get("id") not in parts.label_targets]
    assert parts.fields, "the page has form fields"
    assert unlabelled == [], unlabelled


def test_finder_page_form_works_without_script(client):
    html = finder(client).text
    parts = parts_of(html)
    assert parts.scripts == 0
    assert '<form id="recherche" class="finder" method="get" action="/documents"' in html


def test_finder_page_loads_nothing_from_outside(client):
    response = finder(client, q="habitants")
    resources = parts_of(response.text).resources
    assert resources and all(r.startswith("/") for r in resources), resources
    assert "script-src" not in response.headers["content-security-policy"]


def test_finder_page_facet_ticked_kept(client):
    response = finder(client, type="document", phase="diagnostic")
    phase = f"{BASE_IRI}/id/concept/phase-diagnostic"
    checked = re.search(
        r'<input type="checkbox" id="[^"]+" form="recherche" name="phase"\s+'
        rf'value="{re.escape(phase)}" checked>',
        response.text,
    )
    assert checked, response.text


def test_finder_page_links_documents_to_their_page(client):
    links = parts_of(finder(client, q="observatoire social", type="document").text)
    assert "/documents/observatoire-social-tableau-de-bord" in links.links


def test_finder_page_paginates(client):
    first = finder(client, type="document")
    second = finder(client, type="document", page=2)
    assert 'aria-current="page">1</a>' in first.text, first.text
    assert "page=2" in first.text
    assert 'aria-current="page">2</a>' in second.text, second.text


def test_finder_page_hides_restricted_document(client):
    anonymous = finder(client, q="réponses brutes")
    administrator = finder(client, headers=ADMIN, q="réponses brutes")
    title = "Réponses brutes au questionnaire des habitants"
    assert title in administrator.text
    assert title not in anonymous.text


def test_finder_page_invalid_filter_in_french(client):
    response = client.get("/documents", params={"phase": "pas une phase"})
    assert response.status_code == 422, response.text
    assert "un critère n&#39;est pas valide" in response.text, response.text


def test_finder_page_escapes_hostile_title(settings, store, iris):
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as client:
        response = finder(client, q="compte rendu")
    assert "&lt;script&gt;alert(&#39;maillage&#39;)&lt;/script&gt;" in response.text
    assert "<script>" not in response.text


def test_trusted_snippet_keeps_only_mark():
    snippet = 'a <mark>b</mark> <img src=x onerror="y"> &amp; <b>c</b>'
    assert str(trusted_snippet(snippet)) == (
        "a <mark>b</mark> &lt;img src=x onerror=&quot;y&quot;&gt; &amp; "
        "&lt;b&gt;c&lt;/b&gt;"
    )


# The page of a document.


def test_document_page_sections(client):
    response = client.get("/documents/diagnostic-partage")
    text = response.text
    assert response.status_code == 200, text
    for heading in ("Métadonnées", "Acteurs concernés", "Fiches action", "Fichiers"):
        assert f">{heading}</h2>" in text, heading
    assert 'href="/api/document/diagnostic-partage/history"' in text


def test_document_page_links_actions(client):
    links = parts_of(client.get("/documents/plan-actions").text).links
    assert "/id/action/fa-01" in links, links


def test_document_page_restricted_not_found(client):
    response = client.get("/documents/questionnaire-habitants-reponses")
    assert response.status_code == 404, response.text
    assert "vous n&#39;avez pas le droit de le lire" in response.text


def test_document_page_lists_uploaded_file(settings, store, iris):
    settings = settings.model_copy(update={"admin_token": "admin-secret"})
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as client:
        etag = client.get("/api/document/diagnostic-social").headers["etag"]
        uploaded = client.post(
            "/api/document/diagnostic-social/files",
            params={"filename": "compte rendu.txt"},
            content=b"Compte rendu.",
            headers={**ADMIN, "if-match": etag},
        )
        page = client.get("/documents/diagnostic-social")
    download = uploaded.json()["file"]["download"] if uploaded.is_success else None
    assert uploaded.status_code == 201, uploaded.text
    assert f'<a href="{download}" download>compte rendu.txt</a>' in page.text


# In Chromium.


@pytest.mark.browser
def test_finder_page_search_and_facet_in_browser(demo, browser_page):
    settings, store = demo
    with serve(create_app(settings, store=store)) as url:
        page = browser_page.page
        page.goto(f"{url}/documents")
        page.fill("#q", "politiques sociales")
        page.press("#q", "Enter")
        page.wait_for_url("**/documents?q=*")
        before = page.locator("ol.hits > li").count()
        page.get_by_label(re.compile(r"^Compétence \(\d+\)$")).check()
        page.get_by_role("button", name="Appliquer les filtres").click()
        page.wait_for_url("**type=competence*")
        kinds = page.locator("ol.hits .kind").all_text_contents()
    assert before > len(kinds) > 0, (before, kinds)
    assert set(kinds) == {"Compétence"}, kinds
    assert browser_page.outside_requests == [], browser_page.outside_requests
    assert browser_page.errors == [], browser_page.errors


@pytest.mark.browser
def test_finder_page_keyboard_only(demo, browser_page):
    settings, store = demo
    with serve(create_app(settings, store=store)) as url:
        page = browser_page.page
        page.goto(f"{url}/documents")
        _tab_to(page, "#q")
        page.keyboard.type("observatoire social")
        page.keyboard.press("Enter")
        page.wait_for_url("**q=observatoire*")
        _tab_to(page, 'input[name="type"][value="document"]')
        page.keyboard.press("Space")
        _tab_to(page, "aside.facets > button")
        page.keyboard.press("Enter")
        page.wait_for_url("**type=document*")
        _tab_to(page, "ol.hits a")
        page.keyboard.press("Enter")
        page.wait_for_url("**/documents/*")
        heading = page.locator("h1").text_content()
    assert "observatoire social" in heading, heading
    assert browser_page.errors == [], browser_page.errors


@pytest.mark.browser
def test_finder_page_without_javascript(demo, chromium):
    settings, store = demo
    context = chromium.new_context(java_script_enabled=False)
    try:
        with serve(create_app(settings, store=store)) as url:
            page = context.new_page()
            page.goto(f"{url}/documents")
            page.fill("#q", "observatoire")
            page.click("form.finder .query button")
            page.wait_for_url("**q=observatoire*")
            hits = page.locator("ol.hits > li").count()
    finally:
        context.close()
    assert hits > 0


def _tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element that `selector` matches first has the focus."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} never received the focus with Tab")
