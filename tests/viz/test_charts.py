"""SVG charts: text alternatives, French numbers, escaping, secrecy, and Chromium."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import import_commune_values
from maillage.viz.charts import (
    BAR_COLOUR,
    ChartText,
    Point,
    format_number,
    render_bars,
    render_comparison,
    render_series,
)
from tests.graph.observatory.territory import (
    EPCI,
    TEST_DATASET,
    load_test_territory,
    table_values,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXT = ChartText(
    title="Foyers allocataires du RSA",
    unit="foyers",
    source="CAF",
    vintage="2019",
    x_axis="Année",
)
POINTS = [
    Point("2017", 1234.5),
    Point("2018", None, "Effectif inférieur à 5"),
    Point("2019", 1500),
]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def texts(svg: str) -> list[str]:
    return [element.text or "" for element in parse(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1\u202f234,5"),
        (1234567, 0, "1\u202f234\u202f567"),
        (-12.25, 1, "\u221212,2"),
        (-0.04, 1, "0,0"),
        (0.5, 2, "0,50"),
    ],
)
def test_format_number_french(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize("render", [render_series, render_bars, render_comparison])
def test_chart_has_title_and_desc(render):
    root = parse(render(POINTS, TEXT))
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.text == "Foyers allocataires du RSA"
    assert "2018 : secret statistique" in desc.text, desc.text
    assert root.get("aria-labelledby") == "chart-title chart-desc"


def test_series_chart_writes_axes_unit_source_vintage():
    found = texts(render_series(POINTS, TEXT))
    assert {"Année", "foyers", "Source : CAF, millésime 2019"} <= set(found), found


def test_series_chart_formats_ticks_in_french():
    found = texts(render_series([Point("2019", 12000)], TEXT))
    assert "10\u202f000" in found, found


def test_bar_chart_labels_hidden_value_not_zero():
    svg = render_bars([Point("Petitbourg", None, "secret"), Point("Privas", 40)], TEXT)
    bars = [r for r in parse(svg).iter(f"{SVG}rect") if r.get("fill") == BAR_COLOUR]
    assert "secret statistique" in texts(svg)
    # One bar, Privas's: the hidden value is a label, not a bar of length zero.
    assert len(bars) == 1


def test_bar_chart_sorts_largest_first():
    svg = render_bars([Point("a", 1), Point("b", 30), Point("c", 5)], TEXT)
    labels = [t for t in texts(svg) if t in {"a", "b", "c"}]
    assert labels == ["b", "c", "a"]


def test_chart_escapes_text():
    text = ChartText("<script>alert(1)</script> & co", "foyers", "A<B", "2019")
    svg = render_series([Point("<b>", 1)], text)
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert parse(svg).find(f"{SVG}title").text == "<script>alert(1)</script> & co"


def test_chart_says_data_are_generated():
    text = ChartText("RSA", "foyers", "maillage", "2022", generated=True)
    found = texts(render_series(POINTS, text))
    assert "Données générées (fictives), pas des valeurs observées" in found


def test_chart_ids_follow_chart_id():
    text = ChartText("RSA", "foyers", "CAF", "2019", chart_id="communes")
    root = parse(render_bars(POINTS, text))
    assert root.find(f"{SVG}title").get("id") == "communes-title"


def test_chart_without_points_is_valid_svg():
    assert parse(render_series([], TEXT)).tag == f"{SVG}svg"


@pytest.fixture
def chart_store(store, iris: Iris):
    load_test_territory(store, iris)
    import_commune_values(store, iris, table_values(iris), TEST_DATASET)
    return store


@pytest.mark.browser
def test_chart_renders_in_chromium(chart_store, live_server, browser_page):
    page = browser_page.page
    url = (
        f"{live_server}/observatoire/indicateurs/rsa-households?territoire=epci/{EPCI}"
    )
    page.goto(url)
    charts = page.locator("figure.chart svg")
    box = charts.nth(2).bounding_box()
    title = page.locator("#communes-title").text_content()
    desc = page.locator("#communes-desc").text_content()
    assert charts.count() == 3
    assert box["width"] > 300, box
    assert box["height"] > 100, box
    assert title == "Foyers allocataires du RSA par commune : CC d'essai, 2019"
    assert "Petitbourg : secret statistique" in desc, desc
    assert (browser_page.outside_requests, browser_page.errors) == ([], [])
