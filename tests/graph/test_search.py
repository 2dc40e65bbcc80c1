"""Tests of the French full-text search: analysis, facets, access, crash repair."""

from __future__ import annotations

import multiprocessing
import os
import re
from datetime import date
from pathlib import Path

import pytest

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    ValidationFailedError,
)
from maillage.graph.iris import Iris
from maillage.graph.models import Document
from maillage.graph.search import (
    GraphDocumentReader,
    IndexJournal,
    SearchDocument,
    SearchIndex,
    analyse,
    article_text_reader,
    open_search_index,
)
from maillage.graph.store import GraphStore
from tests.conftest import BASE_IRI
from tests.sample_items import load_sample

ITEM = f"{BASE_IRI}/id/document/"
GRAPH = f"{BASE_IRI}/graph/document/"
CRASH_EXIT_CODE = 3


def make_document(key: str, **fields: object) -> SearchDocument:
    values: dict[str, object] = {
        "iri": ITEM + key,
        "item_type": "document",
        "title": key,
        "graph": GRAPH + key,
    }
    values.update(fields)
    return SearchDocument(**values)


def found(result) -> list[str]:
    return sorted(hit.iri.removeprefix(ITEM) for hit in result.hits)


@pytest.fixture
def index(tmp_path: Path):
    search_index = SearchIndex(tmp_path / "index")
    yield search_index
    search_index.close()


@pytest.fixture
def french_index(index: SearchIndex) -> SearchIndex:
    index.rebuild(
        [
            make_document(
                "singulier", text="Une politique sociale pour le territoire."
            ),
            make_document("pluriel", text="Les politiques sociales des communes."),
            make_document("ligature", text="La mise en œuvre du plan."),
            make_document("sans-ligature", text="Le plan et sa mise en oeuvre."),
            make_document("accent", text="Le conseil de l'agglomération a voté."),
            make_document("sans-accent", text="Une agglomeration de communes rurales."),
            make_document("nfc", text="La sécurité des personnes âgées."),
            make_document("nfd", text="Une se\u0301curite\u0301 renforce\u0301e."),
            make_document("autre", text="Le transport solidaire en milieu rural."),
        ]
    )
    return index


# French analysis


def test_analyse_folds_case_accents_and_plurals():
    expected = analyse("politique sociale")
    for variant in ("Politique Sociale", "POLITIQUE SOCIALE", "politiques sociales"):
        assert analyse(variant) == expected, variant


def test_analyse_removes_elisions_with_both_apostrophes():
    for text in ("l'agglomération", "l’agglomération", "lʼagglomération"):
        assert analyse(text) == analyse("agglomeration"), text


def test_analyse_treats_nfd_as_nfc():
    assert analyse("se\u0301curite\u0301") == analyse("sécurité")


@pytest.mark.parametrize(
    "query",
    [
        "politique sociale",
        "Politique Sociale",
        "politiques sociales",
        "POLITIQUE SOCIALE",
    ],
)
def test_search_politique_sociale_variants_match_alike(french_index, query):
    result = french_index.search(query)
    assert found(result) == ["pluriel", "singulier"], result


@pytest.mark.parametrize("query", ["oeuvre", "œuvre", "Œuvre"])
def test_search_ligature_matches_both_spellings(french_index, query):
    result = french_index.search(query)
    assert found(result) == ["ligature", "sans-ligature"], result


@pytest.mark.parametrize(
    "query", ["l'agglomération", "l’agglomération", "agglomeration"]
)
def test_search_elision_matches_accented_and_plain(french_index, query):
    result = french_index.search(query)
    assert found(result) == ["accent", "sans-accent"], result


@pytest.mark.parametrize("query", ["se\u0301curite\u0301", "sécurité", "securite"])
def test_search_nfd_and_nfc_match_alike(french_index, query):
    result = french_index.search(query)
    assert found(result) == ["nfc", "nfd"], result


def test_search_stop_words_alone_match_nothing(french_index):
    result = french_index.search("le la les de")
    assert result.total == 0, result


def test_search_blank_query_matches_everything(french_index):
    result = french_index.search("   ", limit=100)
    assert result.total == 9, result


# Query syntax


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND",
        "title:",
        "OR",
        "(politique",
        "[a TO",
        "politique^",
        "+-",
        "\\",
    ],
)
def test_search_malformed_query_returns_a_result(french_index, query):
    result = french_index.search(query)
    assert result.total >= 0, result


def test_search_malformed_query_is_flagged_partial(french_index):
    result = french_index.search("title:")
    assert result.partial_query, result


def test_search_unclosed_quote_searches_the_words(french_index):
    result = french_index.search('"politique sociale')
    assert found(result) == ["pluriel", "singulier"], result
    assert result.partial_query, result


def test_search_phrase_and_field_syntax(french_index):
    phrase = french_index.search('"politiques sociales"')
    in_title = french_index.search("title:pluriel")
    assert found(phrase) == ["pluriel", "singulier"], phrase
    assert found(in_title) == ["pluriel"], in_title


def test_search_too_long_query_is_rejected(french_index):
    with pytest.raises(MalformedRequestError) as caught:
        french_index.search("mot " * 400)
    assert caught.value.message == (
        "search query of 1599 characters is too long; the maximum is 1000"
    )


def test_search_unknown_filter_is_rejected(french_index):
    with pytest.raises(MalformedRequestError) as caught:
        french_index.search("", filters={"colour": ["blue"]})
    assert caught.value.message == (
        "unknown search filter 'colour'; accepted: item_type, doc_type, phase, actors, "
        "actions, competences, workflow_state, year"
    )


def test_search_unknown_sort_is_rejected(french_index):
    with pytest.raises(MalformedRequestError) as caught:
        french_index.search("", sort="title")
    assert caught.value.message == "unknown sort 'title'; accepted: relevance, date"


@pytest.mark.parametrize(
    ("offset", "limit"), [(-1, 10), (0, -1), (0, 101), (10_001, 10)]
)
def test_search_page_out_of_range_is_rejected(french_index, offset, limit):
    with pytest.raises(ValidationFailedError):
        french_index.search("", offset=offset, limit=limit)


# Filters, facets, sorting, pages


@pytest.fixture
def faceted_index(index: SearchIndex) -> SearchIndex:
    index.rebuild(
        [
            make_document(
                "d1",
                text="diagnostic social",
                phase="diagnostic",
                actors=["caf", "ccas"],
                date=date(2014, 5, 1),
            ),
            make_document(
                "d2",
                text="diagnostic partagé",
                phase="diagnostic",
                actors=["caf"],
                date=date(2016, 2, 1),
            ),
            make_document(
                "d3",
                text="plan d'action sociale",
                phase="plan",
                actors=["ccas"],
                actions=["fa-01"],
            ),
            make_document(
                "d4",
                item_type="action",
                text="action sociale de proximité",
                phase="plan",
                date=date(2015, 9, 1),
            ),
        ]
    )
    return index


def test_search_filter_keeps_one_facet_value(faceted_index):
    result = faceted_index.search("", filters={"phase": ["plan"]})
    assert found(result) == ["d3", "d4"], result


def test_search_filter_values_of_one_facet_are_alternatives(faceted_index):
    result = faceted_index.search("", filters={"actors": ["caf", "ccas"]})
    assert found(result) == ["d1", "d2", "d3"], result


def test_search_filters_of_several_facets_all_apply(faceted_index):
    filters = {"phase": ["diagnostic"], "actors": ["ccas"], "item_type": ["document"]}
    result = faceted_index.search("", filters=filters)
    assert found(result) == ["d1"], result


def test_search_empty_filter_list_is_ignored(faceted_index):
    result = faceted_index.search("", filters={"phase": []})
    assert result.total == 4, result


def test_search_facets_count_the_matching_documents(faceted_index):
    result = faceted_index.search("sociale")
    assert result.facets["phase"] == {"plan": 2, "diagnostic": 1}, result
    assert result.facets["actors"] == {"ccas": 2, "caf": 1}, result
    assert result.facets["year"] == {"2014": 1, "2015": 1}, result


def test_search_facets_follow_the_filters(faceted_index):
    result = faceted_index.search("", filters={"phase": ["diagnostic"]})
    assert result.facets["phase"] == {"diagnostic": 2}, result
    assert result.facets["item_type"] == {"document": 2}, result


def test_search_sort_by_date_recent_first(faceted_index):
    result = faceted_index.search("", sort="date")
    assert [hit.iri.removeprefix(ITEM) for hit in result.hits] == [
        "d2",
        "d4",
        "d1",
        "d3",
    ], result
    assert [hit.score for hit in result.hits] == [None] * 4, result


def test_search_hit_carries_title_type_and_date(faceted_index):
    result = faceted_index.search("proximité")
    assert result.hits[0].item_type == "action", result
    assert result.hits[0].date == date(2015, 9, 1), result
    assert result.hits[0].score > 0, result


def test_search_pages_cover_every_match(index):
    index.rebuild(
        make_document(f"page-{number:02d}", text="rapport annuel")
        for number in range(25)
    )
    pages = [index.search("rapport", offset=offset, limit=10) for offset in (0, 10, 20)]
    assert [page.total for page in pages] == [25, 25, 25], pages
    assert [len(page.hits) for page in pages] == [10, 10, 5], pages
    assert len({hit.iri for page in pages for hit in page.hits}) == 25, pages


def test_search_limit_zero_returns_total_and_facets_only(faceted_index):
    result = faceted_index.search("", limit=0)
    assert result.hits == [], result
    assert result.total == 4, result
    assert result.facets["phase"] == {"diagnostic": 2, "plan": 2}, result


# Snippets


def test_search_snippet_marks_matches_in_text(french_index):
    result = french_index.search("politiques sociales")
    snippets = {hit.iri.removeprefix(ITEM): hit.snippet for hit in result.hits}
    assert snippets["singulier"] == (
        "Une <mark>politique</mark> <mark>sociale</mark> pour le territoire"
    ), snippets


def test_search_snippet_escapes_markup_of_the_title(index):
    title = "<script>alert('maillage')</script> Compte rendu"
    index.rebuild([make_document("hostile", title=title)])
    hit = index.search("compte rendu").hits[0]
    assert hit.snippet == (
        "&lt;script&gt;alert(&#x27;maillage&#x27;)&lt;/script&gt; "
        "<mark>Compte</mark> <mark>rendu</mark>"
    ), hit
    assert re.sub(r"</?mark>", "", hit.snippet).count("<") == 0, hit
    assert hit.title == title, hit


def test_search_snippet_deep_in_long_text(index):
    filler = "Le comité de pilotage examine le calendrier des travaux. " * 120
    text = filler + "Les financements généraux de la CAF restent stables. " + filler
    index.rebuild([make_document("long", text=text)])
    hit = index.search("financement général").hits[0]
    assert "<mark>financements</mark> <mark>généraux</mark>" in hit.snippet, hit


def test_search_snippet_prefers_later_window_with_every_word(index):
    opening = "Le financement des crèches. " + "Texte sans rapport. " * 200
    text = opening + "Les financements généraux de l'action sociale. " + "Fin. " * 50
    index.index_documents([make_document("long", text=text)])
    index.commit()
    hit = index.search("financements généraux").hits[0]
    assert "<mark>financements</mark> <mark>généraux</mark>" in hit.snippet, hit


def test_search_snippet_shows_line_breaks_as_spaces(index):
    index.rebuild([make_document("lignes", text="Petite\n\nenfance  et jeunesse")])
    hit = index.search("enfance jeunesse").hits[0]
    assert hit.snippet == "Petite <mark>enfance</mark> et <mark>jeunesse</mark>", hit


def test_search_snippet_without_match_is_the_escaped_start(index):
    index.rebuild([make_document("court", description="Étude <b>préalable</b>.")])
    hit = index.search("").hits[0]
    assert hit.snippet == "Étude &lt;b&gt;préalable&lt;/b&gt;.", hit


# Access rights


@pytest.fixture
def restricted_index(index: SearchIndex) -> SearchIndex:
    index.rebuild(
        [
            make_document("public", text="note sociale", phase="diagnostic"),
            make_document("secret", text="note sociale confidentielle", phase="plan"),
        ]
    )
    return index


def test_search_readable_graphs_exclude_hits_and_total(restricted_index):
    result = restricted_index.search("note", readable_graphs=[GRAPH + "public"])
    assert found(result) == ["public"], result
    assert result.total == 1, result


def test_search_readable_graphs_exclude_facet_counts(restricted_index):
    result = restricted_index.search("note", readable_graphs=[GRAPH + "public"])
    assert result.facets["phase"] == {"diagnostic": 1}, result
    assert result.facets["item_type"] == {"document": 1}, result


def test_search_readable_graphs_exclude_restricted_words(restricted_index):
    result = restricted_index.search(
        "confidentielle", readable_graphs=[GRAPH + "public"]
    )
    assert result.total == 0, result
    assert result.facets["phase"] == {}, result


def test_search_no_readable_graph_matches_nothing(restricted_index):
    result = restricted_index.search("", readable_graphs=[])
    assert result.total == 0, result


def test_search_all_graphs_readable_when_none(restricted_index):
    result = restricted_index.search("note", readable_graphs=None)
    assert found(result) == ["public", "secret"], result


def test_search_with_access_module_hides_restricted_and_draft(store, iris):
    load_sample(store, iris)
    index_path = store.path.parent / "index"
    index = open_search_index(index_path, GraphDocumentReader(store, iris))
    try:
        anonymous = index.search(
            "", readable_graphs=readable_graphs(store, iris, ANONYMOUS)
        )
        lawyer = User("juriste", Role.READER, frozenset({"juristes"}))
        as_lawyer = index.search(
            "note juridique", readable_graphs=readable_graphs(store, iris, lawyer)
        )
    finally:
        index.close()
    hidden = {ITEM + "note-juridique", ITEM + "brouillon"}
    assert not hidden & {hit.iri for hit in anonymous.hits}, anonymous
    assert anonymous.facets["item_type"]["document"] == 2, anonymous
    assert [hit.iri for hit in as_lawyer.hits] == [ITEM + "note-juridique"], as_lawyer


# Writing


def test_index_documents_replaces_by_iri(index):
    index.index_documents([make_document("revu", title="Première version")])
    index.index_documents([make_document("revu", title="Seconde version")])
    index.commit()
    result = index.search("version")
    assert [hit.title for hit in result.hits] == ["Seconde version"], result


def test_index_changes_are_visible_after_commit_only(index):
    index.index_documents([make_document("attente", text="rapport d'étape")])
    before = index.search("rapport").total
    index.commit()
    assert before == 0
    assert index.search("rapport").total == 1


def test_delete_removes_the_document(index):
    index.rebuild([make_document("retire", text="ancien rapport")])
    index.delete(ITEM + "retire")
    index.commit()
    assert index.search("rapport").total == 0


def test_rebuild_replaces_every_document(index):
    index.rebuild([make_document("ancien", text="rapport")])
    index.rebuild([make_document("nouveau", text="rapport")])
    assert found(index.search("rapport")) == ["nouveau"]


def test_rebuild_failure_keeps_the_index_and_asks_again(tmp_path):
    path = tmp_path / "index"
    index = SearchIndex(path)
    index.rebuild([make_document("garde", text="rapport")])

    def failing():
        yield make_document("perdu", text="rapport")
        raise OSError("disk read failed")

    with pytest.raises(OSError):
        index.rebuild(failing())
    remaining = found(index.search("rapport"))
    index.close()
    reopened = SearchIndex(path)
    assert remaining == ["garde"]
    assert reopened.needs_rebuild
    reopened.close()


def test_index_new_folder_needs_rebuild_until_rebuilt(tmp_path):
    first = SearchIndex(tmp_path / "index")
    needed = first.needs_rebuild
    first.rebuild([])
    first.close()
    assert needed
    assert not SearchIndex(tmp_path / "index").needs_rebuild


def test_index_other_schema_version_is_deleted(tmp_path):
    path = tmp_path / "index"
    index = SearchIndex(path)
    index.rebuild([make_document("vieux", text="rapport")])
    index.close()
    (path / "VERSION").write_text("0\n")
    reopened = SearchIndex(path)
    assert reopened.needs_rebuild
    assert reopened.count() == 0


def test_index_second_writer_is_rejected(tmp_path):
    first = SearchIndex(tmp_path / "index")
    first.rebuild([])
    second = SearchIndex(tmp_path / "index")
    with pytest.raises(MaillageError, match="another process holds its lock"):
        second.delete(ITEM + "x")
    first.close()


# Reading documents from the graph


@pytest.fixture
def sample_reader(store, iris) -> GraphDocumentReader:
    load_sample(store, iris)
    return GraphDocumentReader(store, iris)


def test_reader_collects_facets_of_an_action(sample_reader, iris):
    document = sample_reader(iris.item("action", "fa-01").value)
    assert document.actors == [iris.item("actor", "caf-ardeche").value], document
    assert document.competences == [iris.item("competence", "C4505").value], document
    assert document.actions == [iris.item("action", "fa-01").value], document
    assert "Partager les chiffres du territoire" in document.text, document


def test_reader_imported_item_in_dataset_graph(sample_reader, iris):
    document = sample_reader(iris.item("commune", "07186").value)
    assert document.title == "Privas", document
    assert document.graph == iris.dataset_graph("communes-07").value, document


def test_reader_takes_the_date_and_default_state(sample_reader, iris):
    document = sample_reader(iris.item("transfer", "action-sociale-2014").value)
    assert document.date == date(2014, 1, 1), document
    assert document.year == 2014, document
    published = iris.concept("workflow-state", "published").value
    assert document.workflow_state == published, document


def test_reader_adds_the_text_of_a_law_article(store, iris, tmp_path):
    load_sample(store, iris)
    folder = tmp_path / "legal"
    folder.mkdir()
    (folder / "CGCT_L5216-5__etalab_2016-01-01.md").write_text(
        "<!--\nsource_repo: exemple\n-->\nTexte d'essai sur les compétences.\n",
        encoding="utf-8",
    )
    reader = GraphDocumentReader(
        store, iris, extra_text=article_text_reader(iris, folder)
    )
    article = reader(iris.item("act", "cgct-l5216-5-2016-01-01").value)
    action = reader(iris.item("action", "fa-01").value)
    assert "Texte d'essai sur les compétences." in article.text, article
    assert "Texte d'essai" not in action.text, action


def test_reader_skips_unsearchable_and_missing_items(sample_reader, iris):
    observation = iris.item("observation", "minima-sociaux-07-foyers-rsa-2014")
    assert sample_reader(observation.value) is None
    assert sample_reader(iris.item("document", "absent").value) is None
    assert sample_reader("http://elsewhere.test/id/document/x") is None


def test_reader_documents_lists_searchable_items_once(sample_reader):
    types = [document.item_type for document in sample_reader.documents()]
    assert types.count("commune") == 7, types
    assert types.count("document") == 4, types
    assert not {"observation", "membership", "scheme", "concept"} & set(types), types


# Journal and crash repair


def test_journal_recording_clears_on_success(tmp_path):
    journal = IndexJournal(tmp_path / "journal")
    with journal.recording(ITEM + "ok"):
        pass
    assert journal.entries() == []


def test_journal_recording_keeps_the_entry_on_error(tmp_path):
    journal = IndexJournal(tmp_path / "journal")
    with pytest.raises(RuntimeError), journal.recording(ITEM + "echec"):
        raise RuntimeError("graph write failed")
    assert [iri for _, iri in journal.entries()] == [ITEM + "echec"]


def test_journal_entries_of_one_iri_are_independent(tmp_path):
    journal = IndexJournal(tmp_path / "journal")
    first = journal.pending(ITEM + "double")
    journal.pending(ITEM + "double")
    journal.clear(first)
    assert [iri for _, iri in journal.entries()] == [ITEM + "double"]


def document_triples(iris: Iris, key: str, title: str):
    model = Document(
        key=key,
        title=title,
        document_type=iris.concept("document-type", "report").value,
        visibility=iris.concept("visibility", "public").value,
        workflow_state=iris.concept("workflow-state", "published").value,
    )
    return model.to_triples(iris)


def write_then_crash(store_path: str, index_path: str, key: str, title: str) -> None:
    """Record the IRI as pending, write or drop its graph, and die before indexing."""
    iris = Iris(BASE_IRI)
    store = GraphStore(Path(store_path))
    journal = IndexJournal(Path(index_path) / "journal")
    journal.pending(iris.item("document", key).value)
    graph = iris.item_graph("document", key)
    if title:
        store.replace_graph(graph, document_triples(iris, key, title))
    else:
        store.drop_graph(graph)
    os._exit(CRASH_EXIT_CODE)


def run_crashing_writer(
    store_path: Path, index_path: Path, key: str, title: str
) -> int:
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=write_then_crash, args=(str(store_path), str(index_path), key, title)
    )
    child.start()
    child.join(timeout=120)
    return child.exitcode


@pytest.fixture
def crash_paths(tmp_path: Path, iris: Iris) -> tuple[Path, Path]:
    """Return the store and index folders, with one document written and indexed."""
    store_path, index_path = tmp_path / "store", tmp_path / "index"
    store = GraphStore(store_path)
    graph = iris.item_graph("document", "ancien")
    store.replace_graph(graph, document_triples(iris, "ancien", "Rapport ancien"))
    open_search_index(index_path, GraphDocumentReader(store, iris)).close()
    store.close()
    return store_path, index_path


def test_repair_indexes_a_write_interrupted_by_a_crash(crash_paths, iris):
    store_path, index_path = crash_paths
    exit_code = run_crashing_writer(
        store_path, index_path, "nouveau", "Rapport nouveau"
    )

    store = GraphStore(store_path)
    stale = SearchIndex(index_path)
    before = found(stale.search("rapport"))
    stale.close()
    repaired = open_search_index(index_path, GraphDocumentReader(store, iris))
    after = found(repaired.search("rapport"))
    pending = repaired.journal.entries()
    repaired.close()
    store.close()

    assert exit_code == CRASH_EXIT_CODE
    assert before == ["ancien"]
    assert after == ["ancien", "nouveau"]
    assert pending == []


def test_repair_removes_an_item_dropped_before_a_crash(crash_paths, iris):
    store_path, index_path = crash_paths
    exit_code = run_crashing_writer(store_path, index_path, "ancien", "")

    store = GraphStore(store_path)
    repaired = open_search_index(index_path, GraphDocumentReader(store, iris))
    after = repaired.search("rapport").total
    repaired.close()
    store.close()

    assert exit_code == CRASH_EXIT_CODE
    assert after == 0
