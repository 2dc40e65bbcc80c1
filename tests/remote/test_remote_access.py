"""Read rights through the dataset of each query, on the embedded store and on Virtuoso.

A restricted item's graph must stay out of every answer to a user outside its group:
its triples, its name and even its existence, whatever the query form. The queries get
the graphs a user may read as a list, as the endpoint passes them; the tests of
`readable_graphs` itself check that it builds that list.
"""

import json

import pytest
from pyoxigraph import Literal, Triple

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.namespaces import DCTERMS, MLG
from maillage.graph.sparql import QueryRequest, run_query
from maillage.graph.sparql.formats import FORMATS_BY_FORM
from tests.remote.conftest import on_virtuoso

SECRET = "Compte rendu confidentiel"
ELECTED = User("elu", Role.READER, frozenset({"elus"}))


def document(iris, key: str, title: str, visibility: str, *groups: str) -> list[Triple]:
    subject = iris.item("document", key)
    triples = [
        Triple(subject, DCTERMS.title, Literal(title, language="fr")),
        Triple(subject, MLG.visibility, iris.concept("visibility", visibility)),
        Triple(subject, MLG.workflowState, iris.concept("workflow-state", "published")),
    ]
    triples += [Triple(subject, MLG.readableBy, Literal(group)) for group in groups]
    return triples


@pytest.fixture
def items(backend, iris):
    backend.replace_graph(
        iris.item_graph("document", "public"),
        document(iris, "public", "Diagnostic partagé", "public"),
    )
    backend.replace_graph(
        iris.item_graph("document", "secret"),
        document(iris, "secret", SECRET, "restricted", "elus"),
    )
    return backend


def run(store, graphs, text):
    """Run `text` as the endpoint does for a user who may read `graphs`."""

    def choose(form):
        return FORMATS_BY_FORM[form][0]

    request = QueryRequest(text)
    answer = run_query(
        store, request, choose_format=choose, readable=graphs, max_rows=100
    )
    return answer.body.decode()


def public_graphs(iris):
    return [iris.item_graph("document", "public")]


def group_graphs(iris):
    return [
        iris.item_graph("document", "public"),
        iris.item_graph("document", "secret"),
    ]


def test_readable_graphs_leave_out_restricted(items, iris, request):
    graphs = {graph.value for graph in readable_graphs(items, iris, ANONYMOUS)}
    assert iris.item_graph("document", "public").value in graphs
    assert iris.item_graph("document", "secret").value not in graphs


def test_readable_graphs_of_group_member(items, iris, request):
    graphs = {graph.value for graph in readable_graphs(items, iris, ELECTED)}
    assert iris.item_graph("document", "secret").value in graphs


QUERIES = {
    "select": "SELECT ?t WHERE { ?s dcterms:title ?t }",
    "graph": "SELECT ?g ?t WHERE { GRAPH ?g { ?s dcterms:title ?t } }",
    "graph-names": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    "from": "SELECT ?t FROM <http://maillage.test/graph/document/secret> "
    "WHERE { ?s ?p ?t }",
    "construct": "CONSTRUCT WHERE { ?s ?p ?o }",
    "describe": "DESCRIBE <http://maillage.test/id/document/secret>",
    "path": "SELECT ?s ?o WHERE { ?s mlg:visibility ?v . ?s dcterms:title+ ?o }",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_anonymous_never_reads_restricted(items, iris, name):
    body = run(items, public_graphs(iris), QUERIES[name])
    assert SECRET not in body, body
    assert "document/secret" not in body.replace(QUERIES[name], ""), body


def test_group_member_reads_restricted(items, iris):
    body = run(items, group_graphs(iris), QUERIES["select"])
    assert SECRET in body, body


@pytest.mark.parametrize(
    "query",
    [
        f'ASK {{ ?s dcterms:title "{SECRET}"@fr }}',
        f'ASK {{ GRAPH ?g {{ ?s dcterms:title "{SECRET}"@fr }} }}',
        f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s dcterms:title "{SECRET}"@fr }}',
    ],
)
def test_anonymous_cannot_detect_restricted(items, iris, query):
    """The answer is the same as on a store without the restricted item."""
    with_secret = run(items, public_graphs(iris), query)
    items.drop_graph(iris.item_graph("document", "secret"))
    without = run(items, public_graphs(iris), query)
    assert json.loads(with_secret) == json.loads(without)
