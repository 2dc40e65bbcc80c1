"""Browser tests of the network page, in a Chromium kept off every outside network."""

from __future__ import annotations

import time

import pytest

from tests.viz.conftest import load_turtle, territory_turtle

pytestmark = pytest.mark.browser

BASE = "http://maillage.test/id/"
HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = '<a href="javascript:alert(1)">x</a>'
HOSTILE_ACTOR = """
<id/actor/hostile> a mlg:Association ;
    skos:prefLabel "<img src=x onerror=alert(1)>"@fr ;
    dcterms:description "<a href=\\"javascript:alert(1)\\">x</a>"@fr .
<id/action/fa-01> mlg:involvement <id/action/fa-01#involvement-7> .
<id/action/fa-01#involvement-7> mlg:agent <id/actor/hostile> ;
    mlg:role <id/concept/role-partner> .
"""
# Markup that data could turn into live elements if it were ever parsed as HTML.
LIVE_MARKUP = (
    "img, iframe, object, embed, a[href^='javascript'], "
    "script:not([src]):not([type='application/json'])"
)


def open_network(browser_page, url: str) -> object:
    page = browser_page.page
    page.goto(f"{url}/network")
    page.wait_for_selector("#network-canvas[data-drawn='true']")
    return page


def node_count(page) -> int:
    return page.evaluate("window.maillageNetwork.body.data.nodes.length")


def visible_node_ids(page) -> set[str]:
    return set(
        page.evaluate(
            "window.maillageNetwork.body.data.nodes"
            ".get({filter: (node) => !node.hidden}).map((node) => node.id)"
        )
    )


def screen_point(page, node_id: str) -> tuple[float, float]:
    """Return the page coordinates at which the node is drawn."""
    point = page.evaluate(
        """(id) => {
            const network = window.maillageNetwork;
            const spot = network.canvasToDOM(network.getPosition(id));
            const canvas = document.getElementById("network-canvas");
            const box = canvas.getBoundingClientRect();
            return [box.left + spot.x, box.top + spot.y];
        }""",
        node_id,
    )
    return point[0], point[1]


def node_background(page, node_id: str) -> str:
    colour = page.evaluate(
        "(id) => window.maillageNetwork.body.data.nodes.get(id).color", node_id
    )
    return colour["background"] if isinstance(colour, dict) else colour


def test_network_page_draws_every_node(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    assert node_count(page) == 10
    assert browser_page.errors == [], browser_page.errors


def test_network_page_requests_only_loopback(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.wait_for_load_state("networkidle")
    assert browser_page.outside_requests == [], browser_page.outside_requests


def test_network_page_legend_and_menu_from_data(
    network_store, live_server, browser_page
):
    page = open_network(browser_page, live_server)
    options = page.locator("#network-kind option").all_text_contents()
    assert "Caisse d'allocations familiales" in options, options
    legend = page.locator("#network-legend li").all_text_contents()
    assert "Fiche action" in legend, legend


def test_network_page_markup_label_shown_as_text(
    network_store, iris, live_server, browser_page
):
    load_turtle(network_store, iris, HOSTILE_ACTOR, iris.item_graph("actor", "hostile"))
    page = open_network(browser_page, live_server)
    page.mouse.move(*screen_point(page, BASE + "actor/hostile"))
    tooltip = page.wait_for_selector("div.vis-tooltip .network-tooltip")
    assert HOSTILE_LABEL in tooltip.text_content()
    assert HOSTILE_TITLE in tooltip.text_content()
    assert page.locator(LIVE_MARKUP).count() == 0, page.locator(LIVE_MARKUP).all()
    assert browser_page.dialogs == [], browser_page.dialogs


def test_network_page_markup_in_menus_and_search(
    network_store, iris, live_server, browser_page
):
    load_turtle(network_store, iris, HOSTILE_ACTOR, iris.item_graph("actor", "hostile"))
    page = open_network(browser_page, live_server)
    page.fill("#network-search-input", HOSTILE_LABEL)
    page.press("#network-search-input", "Enter")
    selected = page.evaluate("window.maillageNetwork.getSelectedNodes()")
    assert selected == [BASE + "actor/hostile"], selected
    page.fill("#network-search-input", HOSTILE_TITLE)
    page.press("#network-search-input", "Enter")
    status = page.locator("#network-search-status").text_content()
    assert HOSTILE_TITLE in status, status
    assert page.locator(LIVE_MARKUP).count() == 0, page.locator(LIVE_MARKUP).all()
    assert browser_page.dialogs == [], browser_page.dialogs


def test_network_page_search_focuses_node(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.fill("#network-search-input", "chomerac")
    page.click("#network-search button")
    selected = page.evaluate("window.maillageNetwork.getSelectedNodes()")
    assert selected == [BASE + "commune/07066"], selected


def test_network_page_search_without_match(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.fill("#network-search-input", "Lyon")
    page.press("#network-search-input", "Enter")
    status = page.locator("#network-search-status").text_content()
    assert status == "Aucun nœud ne correspond à « Lyon ».", status


def test_network_page_kind_filter(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.select_option("#network-kind", "caf")
    assert visible_node_ids(page) == {
        BASE + "actor/caf-07",
        BASE + "action/fa-01",
        BASE + "action/fa-02",
        BASE + "competence/C2520",
    }


def test_network_page_click_highlights_neighbours(
    network_store, live_server, browser_page
):
    page = open_network(browser_page, live_server)
    page.mouse.click(*screen_point(page, BASE + "actor/caf-07"))
    assert node_background(page, BASE + "action/fa-01") == "#f2b701"
    assert node_background(page, BASE + "commune/07349") == "#eceff1"


def labelled_node_count(page) -> int:
    return page.evaluate(
        "window.maillageNetwork.body.data.nodes"
        ".get({filter: (node) => node.label !== undefined}).length"
    )


def test_network_page_small_network_drawn_with_labels(
    network_store, live_server, browser_page
):
    page = open_network(browser_page, live_server)
    assert labelled_node_count(page) == 10


def test_network_page_draws_large_network(store, iris, live_server, browser_page):
    turtle = territory_turtle(epcis=20, communes=1800, actions=60)
    load_turtle(store, iris, turtle, iris.dataset_graph("made-up-territory"))
    started = time.monotonic()
    page = open_network(browser_page, live_server)
    elapsed = time.monotonic() - started
    # At the scale that shows 1,950 nodes, no label is large enough to be drawn.
    labelled_at_first = labelled_node_count(page)
    page.evaluate(
        "window.maillageNetwork.focus("
        "window.maillageNetwork.body.data.nodes.getIds()[0],"
        " {scale: 1, animation: {duration: 50}})"
    )
    # The page's policy forbids the eval that wait_for_function needs, so poll.
    deadline = time.monotonic() + 10
    while labelled_node_count(page) < 1950 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert node_count(page) == 1950
    assert labelled_node_count(page) == 1950
    assert labelled_at_first == 0
    # The limit is generous: the whole test takes about 2 s on 2 cores.
    assert elapsed < 20, elapsed
    assert browser_page.errors == [], browser_page.errors


HOSTILE_ACT = """
<id/act/arrete-2016-capca> dcterms:title "<script>alert(1)</script>"@fr ;
    dcterms:source "javascript:alert(1)" .
"""


def edge_point(page, relation: str) -> tuple[float, float]:
    """Return page coordinates on an edge of `relation` where no node lies."""
    point = page.evaluate(
        """(relation) => {
            const network = window.maillageNetwork;
            const edge = network.body.data.edges.get(
                {filter: (e) => e.relation === relation})[0];
            const a = network.getPosition(edge.from);
            const b = network.getPosition(edge.to);
            const canvas = document.getElementById("network-canvas");
            const box = canvas.getBoundingClientRect();
            for (const share of [0.5, 0.35, 0.65, 0.2, 0.8]) {
                const spot = network.canvasToDOM(
                    {x: a.x + (b.x - a.x) * share, y: a.y + (b.y - a.y) * share});
                if (network.getNodeAt(spot) === undefined
                        && network.getEdgeAt(spot) === edge.id) {
                    return [box.left + spot.x, box.top + spot.y];
                }
            }
            return null;
        }""",
        relation,
    )
    assert point is not None, f"no free point on a {relation} edge"
    return point[0], point[1]


def test_network_page_edge_click_shows_basis(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.mouse.click(*edge_point(page, "holds"))
    panel = page.locator("#network-edge")
    link = panel.locator("a", has_text="Arrêté préfectoral de fusion")
    assert panel.is_visible()
    assert link.get_attribute("href") == "/id/act/arrete-2016-capca"
    assert "depuis le 2017-01-01" in panel.inner_text()


def test_network_page_edge_click_hostile_basis(
    network_store, iris, live_server, browser_page
):
    act = iris.item("act", "arrete-2016-capca")
    # The hostile title replaces the fixture's, so the page has only that one to show.
    network_store.update(
        f"DELETE WHERE {{ GRAPH ?g {{ {act} <http://purl.org/dc/terms/title> ?t }} }}"
    )
    load_turtle(network_store, iris, HOSTILE_ACT, iris.dataset_graph("hostile-act"))
    page = open_network(browser_page, live_server)
    page.mouse.click(*edge_point(page, "holds"))
    panel = page.locator("#network-edge")
    assert "<script>alert(1)</script>" in panel.inner_text()
    assert page.locator("#network-edge a[href^='javascript']").count() == 0
    assert page.locator(LIVE_MARKUP).count() == 0, page.locator(LIVE_MARKUP).all()
    assert browser_page.dialogs == [], browser_page.dialogs


def test_network_page_click_empty_hides_edge(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.mouse.click(*edge_point(page, "holds"))
    box = page.locator("#network-canvas").bounding_box()
    page.mouse.click(box["x"] + 5, box["y"] + 5)
    assert page.locator("#network-edge").is_hidden()


def test_network_page_date_filter(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.fill("#network-date", "2016-06-01")
    page.click("#network-filters button[type=submit]")
    page.wait_for_selector("#network-canvas[data-drawn='true']")
    relations = page.evaluate(
        "window.maillageNetwork.body.data.edges.get().map((e) => e.relation)"
    )
    assert "holds" not in relations, relations
    assert page.input_value("#network-date") == "2016-06-01"
    assert "date=2016-06-01" in page.url


def test_network_page_territory_menu(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.select_option("#network-territory", "commune/07186")
    page.click("#network-filters button[type=submit]")
    page.wait_for_selector("#network-canvas[data-drawn='true']")
    selected = page.eval_on_selector("#network-territory", "(s) => s.value")
    assert selected == "commune/07186"
    assert node_count(page) < 10


def test_network_page_hostile_menu_entry(
    network_store, iris, live_server, browser_page
):
    load_turtle(
        network_store,
        iris,
        "<id/action/fa-01> mlg:reliesOnCompetence <id/competence/C9999> . "
        '<id/competence/C9999> skos:prefLabel "<img src=x onerror=alert(1)>"@fr .',
        iris.dataset_graph("hostile-competence"),
    )
    page = open_network(browser_page, live_server)
    options = page.locator("#network-competence option").all_text_contents()
    assert HOSTILE_LABEL in options, options
    assert page.locator(LIVE_MARKUP).count() == 0, page.locator(LIVE_MARKUP).all()


def test_network_page_analytics_panel(network_store, live_server, browser_page):
    page = open_network(browser_page, live_server)
    page.wait_for_selector("#network-central tbody tr")
    isolated = page.locator("#network-isolated li").all_text_contents()
    assert isolated == [
        "Chomérac (Commune)",
        "La Voulte-sur-Rhône (Commune)",
    ], isolated
    assert browser_page.outside_requests == [], browser_page.outside_requests


def test_network_page_export_links_keep_filters(
    network_store, live_server, browser_page
):
    page = browser_page.page
    page.goto(f"{live_server}/network?date=2017-06-01")
    page.wait_for_selector("#network-canvas[data-drawn='true']")
    href = page.get_attribute("#network-export-graphml", "href")
    assert href == "/network.graphml?date=2017-06-01", href
