import pytest
from pyoxigraph import RdfFormat

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.errors import ForbiddenError, MalformedRequestError, NotFoundError
from maillage.graph.sparql.update import run_update

DATA = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<graph/document/note> {
  <id/document/note> dcterms:title "Note juridique"@fr ;
    mlg:visibility <id/concept/visibility-restricted> ; mlg:readableBy "juristes" .
}
<graph/document/public> {
  <id/document/public> dcterms:title "Diagnostic"@fr .
}
<graph/dataset/partner> { <id/dataset/partner> dcterms:title "Données CAF"@fr . }
<graph/dataset/secret> {
  <id/dataset/secret> mlg:visibility <id/concept/visibility-restricted> .
}
"""

EDITOR = User("chef-de-projet", Role.EDITOR)


@pytest.fixture
def loaded(store, iris):
    store.oxigraph.load(DATA.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base)
    return store


def update_as(store, iris, user, text):
    readable = readable_graphs(store, iris, user)
    return run_update(store, iris, text, readable=readable)


def test_update_copy_from_unreadable_dataset_not_found(loaded, iris):
    text = f"COPY {iris.dataset_graph('secret')} TO {iris.dataset_graph('leak')}"
    with pytest.raises(NotFoundError):
        update_as(loaded, iris, EDITOR, text)
    assert not loaded.has_graph(iris.dataset_graph("leak"))


def test_update_copy_from_item_graph_forbidden(loaded, iris):
    source = iris.item_graph("document", "public")
    text = f"ADD {source} TO {iris.dataset_graph('copy')}"
    with pytest.raises(ForbiddenError) as caught:
        update_as(loaded, iris, EDITOR, text)
    assert "/api/document" in caught.value.message


def test_update_graph_variable_needs_named_graphs(loaded, iris):
    text = (
        f"INSERT {{ GRAPH {iris.dataset_graph('copy')} {{ ?s ?p ?o }} }} "
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    with pytest.raises(MalformedRequestError) as caught:
        update_as(loaded, iris, EDITOR, text)
    assert "using-named-graph-uri" in caught.value.message


def test_update_readable_dataset_copy_allowed(loaded, iris):
    text = f"COPY {iris.dataset_graph('partner')} TO {iris.dataset_graph('copy')}"
    update_as(loaded, iris, EDITOR, text)
    assert len(loaded.graph_triples(iris.dataset_graph("copy"))) == 1


def test_update_administrator_reads_every_dataset(loaded, iris):
    text = f"COPY {iris.dataset_graph('secret')} TO {iris.dataset_graph('copy')}"
    run_update(loaded, iris, text, readable=None)
    assert len(loaded.graph_triples(iris.dataset_graph("copy"))) == 1


def test_update_anonymous_readable_list_excludes_secret(loaded, iris):
    graphs = {g.value for g in readable_graphs(loaded, iris, ANONYMOUS)}
    assert iris.dataset_graph("secret").value not in graphs
