import pytest
from pyoxigraph import NamedNode

from maillage.graph import repository
from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.errors import (
    InvalidIdentifierError,
    NotFoundError,
    ValidationFailedError,
)
from maillage.graph.iris import ITEM_TYPES
from maillage.graph.models import MODELS
from maillage.graph.namespaces import MLG
from tests.sample_items import COMMUNE_COUNT, SAMPLE_KEYS, load_sample


@pytest.fixture
def sample(store, iris):
    return load_sample(store, iris)


@pytest.fixture
def public(sample, iris):
    return readable_graphs(sample, iris, ANONYMOUS)


def keys(page):
    return [item.key for item in page.items]


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_read_item_every_type(sample, iris, public, item_type):
    key = SAMPLE_KEYS[item_type]
    item = repository.read_item(sample, iris, item_type, key, graphs=public)
    assert (item.type, item.key) == (item_type, key)


def test_list_items_orders_by_iri_and_counts(sample, iris, public):
    page = repository.list_items(
        sample, iris, "commune", graphs=public, offset=2, limit=3
    )
    assert page.total == COMMUNE_COUNT
    assert keys(page) == ["07066", "07070", "07186"]


def test_list_items_offset_past_end(sample, iris, public):
    page = repository.list_items(sample, iris, "commune", graphs=public, offset=50)
    assert (page.total, page.items) == (COMMUNE_COUNT, [])


def test_list_items_limit_over_maximum(sample, iris, public):
    with pytest.raises(ValidationFailedError, match="between 0 and 500"):
        repository.list_items(sample, iris, "commune", graphs=public, limit=501)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chomerac", ["07066"]),
        ("CHOMÉRAC", ["07066"]),
        ("saint-", ["07324", "07331"]),
        ("privas", ["07186"]),
        ("bordeaux", []),
    ],
)
def test_list_items_title_filter_folds_case_and_accents(
    sample, iris, public, text, expected
):
    page = repository.list_items(
        sample, iris, "commune", graphs=public, title_contains=text
    )
    assert keys(page) == expected


def test_list_items_title_filter_typographic_apostrophe(sample, iris, public):
    page = repository.list_items(
        sample, iris, "actor", graphs=public, title_contains="d’allocations"
    )
    assert keys(page) == ["caf-ardeche"]


def test_list_items_class_filter(sample, iris, public):
    page = repository.list_items(
        sample, iris, "actor", graphs=public, rdf_class=MLG.CCAS
    )
    assert keys(page) == ["ccas-privas"]


def test_list_items_subclass_only_typed_item(sample, iris, public):
    page = repository.list_items(sample, iris, "act", graphs=public)
    assert keys(page) == ["cgct-l5216-5-2016-01-01", "deliberation-2014-12"]


def test_list_items_hides_unreadable_graphs(sample, iris, public):
    page = repository.list_items(sample, iris, "document", graphs=public)
    assert keys(page) == ["compte-rendu-hostile", "diagnostic-social"]


def test_list_items_all_graphs_when_none(sample, iris):
    page = repository.list_items(sample, iris, "document", graphs=None)
    assert page.total == 4


def test_list_items_reader_of_group(sample, iris):
    lawyer = User("juriste", Role.READER, frozenset({"juristes"}))
    graphs = readable_graphs(sample, iris, lawyer)
    page = repository.list_items(sample, iris, "document", graphs=graphs)
    assert "note-juridique" in keys(page)


def test_list_items_empty_graph_list_reads_nothing(sample, iris):
    page = repository.list_items(sample, iris, "document", graphs=[])
    assert page.total == 0


def test_list_items_unknown_type(sample, iris):
    with pytest.raises(InvalidIdentifierError, match="unknown item type 'thing'"):
        repository.list_items(sample, iris, "thing", graphs=None)


def test_read_item_restricted_is_not_found(sample, iris, public):
    with pytest.raises(NotFoundError) as caught:
        repository.read_item(sample, iris, "document", "note-juridique", graphs=public)
    assert caught.value.message == "no document with key 'note-juridique'"


def test_read_item_wrong_class_is_not_found(sample, iris, public):
    # The IRI exists but carries no class of the type `document`.
    sample.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/document/untyped> { "
        "<http://maillage.test/id/document/untyped> "
        '<http://purl.org/dc/terms/title> "Sans type" } }'
    )
    with pytest.raises(NotFoundError):
        repository.read_item(sample, iris, "document", "untyped", graphs=None)


def test_read_item_includes_fragment_nodes(sample, iris, public):
    item = repository.read_item(sample, iris, "action", "fa-01", graphs=public)
    subjects = {t.subject.value for t in item.triples}
    assert "http://maillage.test/id/action/fa-01#involvement-1" in subjects


def test_read_item_label_prefers_title(sample, iris, public):
    item = repository.read_item(sample, iris, "commune", "07066", graphs=public)
    assert item.label == "Chomérac"


def test_describe_item_accepts_any_class(sample, iris):
    sample.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/dataset/autre> { "
        "<http://maillage.test/id/dataset/autre> a <http://example.org/Other> } }"
    )
    item = repository.describe_item(sample, iris, "dataset", "autre", graphs=None)
    assert item.classes == (NamedNode("http://example.org/Other"),)


def test_read_labels_prefers_french(sample, iris):
    sample.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/ontology> { "
        "<https://w3id.org/maillage/ns#agent> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "agent"@en, "acteur"@fr } }'
    )
    labels = repository.read_labels(sample, [MLG.agent], graphs=None)
    assert labels == {MLG.agent.value: "acteur"}


def test_read_incoming_counts_and_lists(sample, iris, public):
    total, links = repository.read_incoming(
        sample, iris.item("action", "fa-01"), graphs=public
    )
    assert total == 1
    assert links[0].subject == iris.item("document", "diagnostic-social")


def test_read_incoming_respects_limit(sample, iris):
    total, links = repository.read_incoming(
        sample, iris.item("epci", "200071413"), graphs=None, limit=1
    )
    assert (total, len(links)) == (4, 1)


def test_item_json_model_form(sample, iris, public):
    item = repository.read_item(sample, iris, "commune", "07186", graphs=public)
    body = repository.item_json(iris, item)
    assert body["@id"] == body["iri"] == "http://maillage.test/id/commune/07186"
    assert body["insee_code"] == "07186", body


def test_item_json_nests_fragments(sample, iris, public):
    item = repository.read_item(sample, iris, "action", "fa-01", graphs=public)
    involvements = repository.item_json(iris, item)["involvements"]
    assert involvements == [
        {
            "agent": "http://maillage.test/id/actor/caf-ardeche",
            "role": "http://maillage.test/id/concept/role-lead",
        }
    ]


def test_item_json_generic_when_model_invalid(sample, iris):
    # A commune without its INSEE code does not make a valid model.
    sample.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/dataset/incomplet> { "
        "<http://maillage.test/id/commune/07999> "
        "a <https://w3id.org/maillage/ns#Commune> ;"
        ' <http://www.w3.org/2004/02/skos/core#prefLabel> "Sans code"@fr } }'
    )
    item = repository.read_item(sample, iris, "commune", "07999", graphs=None)
    body = repository.item_json(iris, item)
    assert body["properties"]["skos:prefLabel"] == [
        {"@value": "Sans code", "@language": "fr"}
    ]


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_item_classes_cover_models(item_type):
    model = MODELS[item_type]
    assert set(model.rdf_types) & set(repository.ITEM_CLASSES[item_type]), item_type


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mlg:Deliberation", "https://w3id.org/maillage/ns#Deliberation"),
        ("http://example.org/C", "http://example.org/C"),
    ],
)
def test_expand_curie_accepts(text, expected):
    assert repository.expand_curie(text).value == expected


@pytest.mark.parametrize("text", ["foo:Bar", "Deliberation", "http://exa mple.org/"])
def test_expand_curie_rejects(text):
    with pytest.raises(InvalidIdentifierError):
        repository.expand_curie(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Œuvre ÉLÉMENTAIRE", "oeuvre elementaire"),
        ("L’Ardèche", "l'ardeche"),
        ("Straße", "strasse"),
        ("Ærø", "aero"),
    ],
)
def test_fold_text_cases(text, expected):
    assert repository.fold_text(text) == expected


def test_list_items_title_filter_ligature(sample, iris):
    sample.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/dataset/pli> { "
        "<http://maillage.test/id/commune/99999> "
        "a <https://w3id.org/maillage/ns#Commune> ;"
        ' <http://www.w3.org/2004/02/skos/core#prefLabel> "Sainte-Œuvre"@fr } }'
    )
    page = repository.list_items(
        sample, iris, "commune", graphs=None, title_contains="OEUVRE"
    )
    assert keys(page) == ["99999"]


def _add_to_dataset(store, iris, predicate: str, value: str) -> None:
    store.oxigraph.update(
        f"INSERT DATA {{ GRAPH {iris.dataset_graph('partner-data')} {{ "
        f"{iris.item('document', 'note-juridique')} {predicate} {value} }} }}"
    )


def test_read_item_ignores_dataset_triples_about_hidden_item(sample, iris):
    _add_to_dataset(sample, iris, "<http://purl.org/dc/terms/title>", '"injected"@fr')
    graphs = readable_graphs(sample, iris, ANONYMOUS)
    with pytest.raises(NotFoundError):
        repository.describe_item(sample, iris, "document", "note-juridique", graphs=graphs)


def test_read_item_fields_come_from_item_graph(sample, iris):
    public = f"<{iris.concept('visibility', 'public').value}>"
    _add_to_dataset(sample, iris, f"<{MLG}visibility>", public)
    lawyer = User("juriste", Role.READER, frozenset({"juristes"}))
    graphs = readable_graphs(sample, iris, lawyer)
    item = repository.describe_item(
        sample, iris, "document", "note-juridique", graphs=graphs
    )
    values = {t.object.value for t in item.triples if t.predicate.value.endswith("visibility")}
    assert values == {iris.concept("visibility", "restricted").value}
