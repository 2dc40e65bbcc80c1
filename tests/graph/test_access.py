import pytest
from pyoxigraph import RdfFormat

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs

ITEMS = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
<graph/document/public> {
  <id/document/public> mlg:visibility <id/concept/visibility-public> ;
    mlg:workflowState <id/concept/workflow-state-published> .
}
<graph/document/partners> {
  <id/document/partners> mlg:visibility <id/concept/visibility-partners> ;
    mlg:workflowState <id/concept/workflow-state-published> .
}
<graph/document/legal-note> {
  <id/document/legal-note> mlg:visibility <id/concept/visibility-restricted> ;
    mlg:readableBy "juristes" ;
    mlg:workflowState <id/concept/workflow-state-published> .
}
<graph/document/draft> {
  <id/document/draft> mlg:visibility <id/concept/visibility-public> ;
    mlg:workflowState <id/concept/workflow-state-draft> .
}
<graph/dataset/communes-07> {
  <id/commune/07186> <http://www.w3.org/2004/02/skos/core#prefLabel> "Privas"@fr .
}
"""

READER = User("caf", Role.READER)
LAWYER = User("juriste", Role.READER, frozenset({"juristes"}))
EDITOR = User("chef-de-projet", Role.EDITOR)
ADMIN = User("admin", Role.ADMINISTRATOR)


@pytest.fixture
def loaded(store, iris):
    store.oxigraph.load(ITEMS.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base)
    return store


def keys(graphs):
    return sorted(g.value.rsplit("/", 1)[1] for g in graphs)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (ANONYMOUS, ["communes-07", "public"]),
        (READER, ["communes-07", "partners", "public"]),
        (LAWYER, ["communes-07", "legal-note", "partners", "public"]),
        (EDITOR, ["communes-07", "draft", "partners", "public"]),
    ],
)
def test_readable_graphs_by_role(loaded, iris, user, expected):
    assert keys(readable_graphs(loaded, iris, user)) == expected


def test_readable_graphs_administrator_reads_all(loaded, iris):
    assert readable_graphs(loaded, iris, ADMIN) is None


def test_readable_graphs_strictest_subject_wins(loaded, iris):
    loaded.oxigraph.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/document/public> { "
        "<http://maillage.test/id/document/public#annex> "
        "<https://w3id.org/maillage/ns#visibility> "
        "<http://maillage.test/id/concept/visibility-restricted> } }"
    )
    assert "public" not in keys(readable_graphs(loaded, iris, ANONYMOUS))
