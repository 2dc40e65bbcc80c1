"""The search functions inside SPARQL, evaluated by pyoxigraph over a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from maillage.graph.access import ANONYMOUS, readable_graphs
from maillage.graph.errors import MalformedRequestError, ResultTooLargeError
from maillage.graph.namespaces import sparql_prefixes
from maillage.graph.search import GraphDocumentReader, SearchDocument, SearchIndex
from maillage.graph.sparql_search import (
    MAX_MATCHES,
    SEARCH,
    SEARCH_SCORE,
    search_functions,
)
from tests.conftest import BASE_IRI
from tests.sample_items import load_sample

DIAGNOSTIC = f"{BASE_IRI}/id/document/diagnostic-social"
RESTRICTED = f"{BASE_IRI}/id/document/note-juridique"

SELECT_SCORES = """
SELECT ?item ?score WHERE {
  GRAPH ?g { ?item a mlg:Document }
  BIND(mlg:searchScore(?item, ?words) AS ?score)
  FILTER(BOUND(?score))
} ORDER BY DESC(?score)
"""


@pytest.fixture
def index(store, iris, tmp_path: Path):
    load_sample(store, iris)
    search_index = SearchIndex(tmp_path / "index")
    search_index.rebuild(GraphDocumentReader(store, iris).documents())
    yield search_index
    search_index.close()


def query(store, text: str, functions, words: str) -> list[dict[str, object]]:
    sparql = sparql_prefixes() + text.replace("?words", Literal(words).__str__())
    solutions = store.oxigraph.query(
        sparql, use_default_graph_as_union=True, custom_functions=functions
    )
    names = [variable.value for variable in solutions.variables]
    return [{name: solution[name] for name in names} for solution in solutions]


def test_search_functions_keys():
    functions = search_functions(None, None)
    assert set(functions) == {SEARCH, SEARCH_SCORE}
    assert SEARCH == NamedNode("https://w3id.org/maillage/ns#search")


def test_search_score_finds_french_variants(store, index):
    functions = search_functions(index, None)
    rows = query(store, SELECT_SCORES, functions, "DIAGNOSTICS SOCIALES partages")
    assert [row["item"].value for row in rows] == [DIAGNOSTIC]
    assert rows[0]["score"].datatype.value.endswith("#double"), rows


def test_search_boolean_filters(store, index):
    functions = search_functions(index, None)
    rows = query(
        store,
        "SELECT ?item WHERE { GRAPH ?g { ?item a mlg:Document } "
        "FILTER(mlg:search(?item, ?words)) }",
        functions,
        "note juridique",
    )
    assert [row["item"].value for row in rows] == [RESTRICTED]


def test_search_respects_readable_graphs(store, iris, index):
    graphs = readable_graphs(store, iris, ANONYMOUS)
    functions = search_functions(index, graphs)
    rows = query(store, SELECT_SCORES, functions, "note juridique")
    assert rows == []
    # The same words find the restricted note for a user who may read every graph.
    assert query(store, SELECT_SCORES, search_functions(index, None), "note juridique")


def test_search_empty_readable_graphs_match_nothing(store, index):
    rows = query(store, SELECT_SCORES, search_functions(index, []), "diagnostic")
    assert rows == []


def test_search_non_literal_words_unbound(store, index):
    functions = search_functions(index, None)
    rows = query(
        store,
        "SELECT ?item ?score WHERE { GRAPH ?g { ?item a mlg:Document } "
        "BIND(mlg:searchScore(?item, ?item) AS ?score) FILTER(BOUND(?score)) }",
        functions,
        "",
    )
    assert rows == []
    assert functions.errors == []


def test_search_too_long_words_recorded(store, index):
    functions = search_functions(index, None)
    assert query(store, SELECT_SCORES, functions, "mot " * 400) == []
    with pytest.raises(MalformedRequestError):
        functions.check()


def test_search_too_many_matches_recorded(tmp_path):
    index = SearchIndex(tmp_path / "big")
    try:
        index.rebuild(
            SearchDocument(
                iri=f"{BASE_IRI}/id/document/d{n}",
                item_type="document",
                title="Compte rendu",
                graph=f"{BASE_IRI}/graph/document/d{n}",
            )
            for n in range(MAX_MATCHES + 1)
        )
        functions = search_functions(index, None)
        score = functions[SEARCH_SCORE](
            NamedNode(f"{BASE_IRI}/id/document/d1"), Literal("compte")
        )
    finally:
        index.close()
    assert score is None
    with pytest.raises(ResultTooLargeError) as raised:
        functions.check()
    assert f"matches {MAX_MATCHES + 1} items" in raised.value.message


def test_search_each_text_searched_once(store, index, monkeypatch):
    calls = []
    original = index.search

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(index, "search", counting)
    functions = search_functions(index, None)
    query(store, SELECT_SCORES, functions, "diagnostic")
    assert calls == ["diagnostic"]
