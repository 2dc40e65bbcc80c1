"""The protocol's update dataset, written into the update as USING clauses."""

import pytest

from maillage.graph.errors import MalformedRequestError
from maillage.graph.sparql.dataset import DatasetRequest
from maillage.graph.sparql.errors import DatasetConflictError
from maillage.graph.sparql.guard import check_update
from maillage.graph.sparql.update_dataset import apply_update_dataset

DEFAULT = DatasetRequest(default_graph_uris=("urn:g1",))
BOTH = DatasetRequest(default_graph_uris=("urn:g1",), named_graph_uris=("urn:g2",))


def test_update_dataset_none_leaves_text():
    text = "INSERT { GRAPH <urn:t> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    assert apply_update_dataset(text, DatasetRequest()) == text


def test_update_dataset_before_where():
    text = "INSERT { GRAPH <urn:t> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    assert apply_update_dataset(text, BOTH) == (
        "INSERT { GRAPH <urn:t> { ?s ?p ?o } } USING <urn:g1> USING NAMED <urn:g2> "
        "WHERE { ?s ?p ?o }"
    )


def test_update_dataset_delete_where_long_form():
    text = "DELETE WHERE { GRAPH <urn:t> { ?s ?p ?o } }"
    rewritten = apply_update_dataset(text, DEFAULT)
    assert rewritten == (
        "DELETE { GRAPH <urn:t> { ?s ?p ?o } } USING <urn:g1> WHERE "
        " { GRAPH <urn:t> { ?s ?p ?o } }"
    )
    assert check_update(rewritten).operations == ("Modify",)


def test_update_dataset_every_operation():
    text = (
        "INSERT DATA { GRAPH <urn:t> { <urn:a> <urn:b> 1 } } ;\n"
        "DELETE { GRAPH <urn:t> { ?s ?p ?o } } WHERE { ?s ?p ?o } ;\n"
        "INSERT { GRAPH <urn:t> { ?s ?p 2 } } WHERE { ?s ?p 1 }"
    )
    rewritten = apply_update_dataset(text, DEFAULT)
    assert rewritten.count("USING <urn:g1>") == 2, rewritten
    assert check_update(rewritten).operations == ("InsertData", "Modify", "Modify")


def test_update_dataset_ignores_keywords_in_strings_and_comments():
    text = (
        "PREFIX where: <urn:w#>\n"
        "INSERT { GRAPH <urn:t> { ?s where:x 'WITH' } } # USING here\n"
        'WHERE { ?s ?p "WHERE { USING" }'
    )
    rewritten = apply_update_dataset(text, DEFAULT)
    assert rewritten.count("USING <urn:g1>") == 1, rewritten
    assert check_update(rewritten).operations == ("Modify",)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("WITH <urn:w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        (
            "DELETE { GRAPH <urn:t> { ?s ?p ?o } } USING <urn:u> WHERE { ?s ?p ?o }",
            "USING",
        ),
    ],
)
def test_update_dataset_conflict(text, keyword):
    with pytest.raises(DatasetConflictError) as raised:
        apply_update_dataset(text, DEFAULT)
    assert raised.value.message.startswith(f"the update has a {keyword} clause")


def test_update_dataset_relative_iri():
    with pytest.raises(MalformedRequestError) as raised:
        apply_update_dataset("CLEAR ALL", DatasetRequest(default_graph_uris=("g1",)))
    assert "in using-graph-uri" in raised.value.message
