from unittest import mock

import pytest

from maillage.graph import rdfio
from maillage.graph.errors import (
    MalformedRequestError,
    UnsafeRequestError,
    UnsupportedMediaTypeError,
)

BASE = "http://maillage.test/"

ENTITY_EXPANSION = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dct="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="http://maillage.test/id/document/x">
    <dct:title>&b;</dct:title>
  </rdf:Description>
</rdf:RDF>
"""


def test_parse_rdf_resolves_relative_iris_against_base():
    data = b'<id/action/fa-03> <http://purl.org/dc/terms/title> "Acc\xc3\xa8s aux droits" .'
    info = rdfio.format_by_name("turtle")
    quads = rdfio.parse_rdf(data, info, base_iri=BASE)
    assert quads[0].subject.value == "http://maillage.test/id/action/fa-03"


def test_parse_rdf_never_uses_file_base():
    data = b'<fiche-action-3> <http://purl.org/dc/terms/title> "x" .'
    quads = rdfio.parse_rdf(data, rdfio.format_by_name("turtle"), base_iri=BASE)
    assert not quads[0].subject.value.startswith("file:")


def test_parse_rdf_rejects_entity_declarations_before_parsing():
    info = rdfio.format_by_name("rdf-xml")
    with mock.patch.object(rdfio, "parse") as parser:
        with pytest.raises(UnsafeRequestError) as caught:
            rdfio.parse_rdf(ENTITY_EXPANSION, info, base_iri=BASE)
    parser.assert_not_called()
    assert "DOCTYPE" in caught.value.message


def test_parse_rdf_rejects_remote_jsonld_context():
    data = b'{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://e/a", "nom": "x"}'
    with pytest.raises(UnsafeRequestError) as caught:
        rdfio.parse_rdf(data, rdfio.format_by_name("json-ld"), base_iri=BASE)
    assert "http://127.0.0.1:9/ctx.jsonld" in caught.value.message


def test_parse_rdf_rejects_file_context_nested_in_list():
    data = b'{"@context": [{"x": "http://e/x"}, "file:///etc/passwd"], "@id": "http://e/a"}'
    with pytest.raises(UnsafeRequestError):
        rdfio.parse_rdf(data, rdfio.format_by_name("json-ld"), base_iri=BASE)


def test_parse_rdf_inlines_known_context():
    context_iri = "http://maillage.test/ns/context.jsonld"
    context = b'{"@context": {"title": {"@id": "http://purl.org/dc/terms/title"}}}'
    data = b'{"@context": "' + context_iri.encode() + b'", "@id": "http://e/a", "title": "T"}'
    quads = rdfio.parse_rdf(
        data,
        rdfio.format_by_name("json-ld"),
        base_iri=BASE,
        inline_contexts={context_iri: context},
    )
    assert [q.predicate.value for q in quads] == ["http://purl.org/dc/terms/title"]


def test_parse_rdf_reports_line_and_column():
    data = b'<http://e/a> <http://e/p> "x" .\n<http://e/a> <http://e/p> .\n'
    with pytest.raises(MalformedRequestError) as caught:
        rdfio.parse_rdf(data, rdfio.format_by_name("turtle"), base_iri=BASE)
    assert caught.value.line == 2


def test_parse_rdf_syntax_message_names_source():
    data = b'<http://e/a> <http://e/p> "x" .\n<http://e/a> <http://e/p> .\n'
    with pytest.raises(MalformedRequestError) as caught:
        rdfio.parse_rdf(
            data, rdfio.format_by_name("turtle"), base_iri=BASE, source="the upload"
        )
    assert caught.value.message.startswith("the upload is not valid Turtle at line 2")


def test_format_for_media_type_ignores_parameters():
    info = rdfio.format_for_media_type("text/turtle; charset=utf-8")
    assert info.name == "turtle"


def test_format_for_media_type_rejects_unknown():
    with pytest.raises(UnsupportedMediaTypeError) as caught:
        rdfio.format_for_media_type("image/png")
    assert "image/png" in caught.value.message
