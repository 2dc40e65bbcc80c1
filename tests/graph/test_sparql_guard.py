"""The safety check reads queries and updates with rdflib's parser before Oxigraph."""

import pytest
from maillage.graph.sparql.errors import (
    LoadNotAllowedError,
    MalformedQueryError,
    ServiceNotAllowedError,
)
from maillage.graph.sparql.guard import check_query, check_update
from maillage.graph.sparql.syntax import expand_escapes, prepare_text

ENDPOINT = "http://127.0.0.1:9/sparql"


def test_check_query_reads_form_and_dataset():
    info = check_query(
        "PREFIX ex: <http://example.org/> "
        "CONSTRUCT { ?s ?p ?o } FROM ex:a FROM <urn:b> FROM NAMED mlg:c "
        "WHERE { ?s ?p ?o }"
    )
    assert info.form == "CONSTRUCT"
    assert info.from_graphs == ("http://example.org/a", "urn:b")
    assert info.from_named_graphs == ("https://w3id.org/maillage/ns#c",)


def test_check_query_resolves_base():
    info = check_query(
        "BASE <http://maillage.test/graph/> ASK FROM <dataset/x> { ?s ?p ?o }"
    )
    assert info.form == "ASK"
    assert info.from_graphs == ("http://maillage.test/graph/dataset/x",)


def test_check_query_rejects_service():
    with pytest.raises(ServiceNotAllowedError) as raised:
        check_query(f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}")
    assert raised.value.message == (
        f"SERVICE <{ENDPOINT}> is not allowed: this endpoint is not in the federation "
        "allowlist"
    )


@pytest.mark.parametrize(
    "where",
    [
        "OPTIONAL { SERVICE SILENT <%s> { ?s ?p ?o } }",
        "{ SELECT * WHERE { SERVICE <%s> { ?s ?p ?o } } }",
        "FILTER NOT EXISTS { SERVICE <%s> { ?s ?p ?o } }",
        "BIND(EXISTS { SERVICE <%s> { ?s ?p ?o } } AS ?b)",
        "{ ?s ?p ?o } UNION { GRAPH ?g { MINUS { SERVICE <%s> { ?s ?p ?o } } } }",
    ],
)
def test_check_query_rejects_nested_service(where):
    query = "SELECT * WHERE { ?s ?p ?o . " + where % ENDPOINT + " }"
    with pytest.raises(ServiceNotAllowedError):
        check_query(query)


def test_check_query_rejects_service_variable():
    with pytest.raises(ServiceNotAllowedError) as raised:
        check_query(
            "SELECT * WHERE { ?e a <urn:endpoint> SERVICE ?e { ?s ?p ?o } }", [ENDPOINT]
        )
    assert raised.value.message.startswith("SERVICE ?e is not allowed")


def test_check_query_resolves_prefixed_service():
    with pytest.raises(ServiceNotAllowedError) as raised:
        check_query(
            "PREFIX ex: <http://127.0.0.1:9/> ASK { SERVICE ex:sparql { ?s ?p ?o } }"
        )
    assert f"<{ENDPOINT}>" in raised.value.message


def test_check_query_allows_listed_service():
    info = check_query(
        f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}", [ENDPOINT]
    )
    assert info.services == (ENDPOINT,)


def test_check_query_service_word_in_literal_passes():
    info = check_query('SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }')
    assert info.services == ()


def test_check_query_malformed_gives_position():
    with pytest.raises(MalformedQueryError) as raised:
        check_query("SELECT * WHERE { ?s ?p }")
    error = raised.value
    assert (error.code, error.line, error.column) == ("malformed_query", 1, 18)
    assert error.message == (
        "invalid SPARQL request at line 1, column 18: the text from there does not "
        "parse; "
        "the parser stopped at line 1, column 25 (expected one of LATERAL, SERVICE)"
    )


def test_check_query_malformed_at_end():
    with pytest.raises(MalformedQueryError) as raised:
        check_query("SELECT * WHERE { ?s ?p ?o")
    assert raised.value.message.startswith(
        "invalid SPARQL request at line 1, column 26: expected one of"
    )


def test_check_query_malformed_on_later_line():
    with pytest.raises(MalformedQueryError) as raised:
        check_query("SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(?o = )\n}")
    assert raised.value.line == 4


def test_check_query_malformed_with_service_word():
    # Oxigraph must not evaluate a query that names SERVICE, even to report its error.
    with pytest.raises(MalformedQueryError) as raised:
        check_query(f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p }} }}")
    assert raised.value.line == 1


def test_check_query_unknown_prefix():
    with pytest.raises(MalformedQueryError) as raised:
        check_query("SELECT * FROM nope:g WHERE { ?s ?p ?o }")
    assert "nope" in raised.value.message


def test_check_update_rejects_load():
    with pytest.raises(LoadNotAllowedError) as raised:
        check_update("LOAD <file:///etc/passwd> INTO GRAPH <urn:g>")
    assert raised.value.message.startswith("LOAD <file:///etc/passwd> is not allowed")


def test_check_update_rejects_load_after_insert():
    update = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } } ; LOAD <urn:x>"
    with pytest.raises(LoadNotAllowedError):
        check_update(update)


def test_check_update_rejects_service_in_where():
    update = (
        "INSERT { GRAPH <urn:g> { ?s ?p ?o } } "
        f"WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}"
    )
    with pytest.raises(ServiceNotAllowedError):
        check_update(update)


def test_expand_escapes_keeps_letters():
    assert expand_escapes(r'SELECT * WHERE { ?s ?p "\u00e9t\u00E9" }') == (
        'SELECT * WHERE { ?s ?p "été" }'
    )


@pytest.mark.parametrize(
    "escape", [r"\u0022", r"\u005C", r"\u003E", r"\u0023", r"\u000A"]
)
def test_expand_escapes_rejects_syntax_characters(escape):
    with pytest.raises(MalformedQueryError) as raised:
        expand_escapes('SELECT * WHERE { ?s ?p "a' + escape + '" }')
    assert (raised.value.line, raised.value.column) == (1, 26)


def test_expand_escapes_rejects_surrogate():
    with pytest.raises(MalformedQueryError):
        expand_escapes(r'ASK { ?s ?p "\uD800" }')


def test_check_query_carriage_return_ends_comment():
    # Oxigraph ends a comment at a lone CR; the check must see the SERVICE after it.
    with pytest.raises(ServiceNotAllowedError):
        check_query(
            f"SELECT * WHERE {{ ?s ?p ?o # note\r SERVICE <{ENDPOINT}> {{ }}\n}}"
        )


def test_check_query_returns_prepared_text():
    info = check_query('ASK {\r\n ?s ?p "caf\\u00e9" }')
    assert info.text == 'ASK {\n ?s ?p "café" }'


def test_prepare_text_keeps_line_count():
    assert prepare_text("a\r\nb\rc\nd").split("\n") == ["a", "b", "c", "d"]


def test_expand_escapes_rejects_short_capital_escape():
    # rdflib would read \U0022 as a quote, Oxigraph as an invalid escape.
    with pytest.raises(MalformedQueryError) as raised:
        expand_escapes('ASK { ?s ?p "a\\U0022 b" }')
    assert raised.value.column == 15


@pytest.mark.parametrize(
    "call", ["NOW()", "RAND()", "UUID()", "STRUUID()", "BNODE()", 'BNODE("x")']
)
def test_check_query_volatile_function(call):
    info = check_query(f"SELECT ?s WHERE {{ ?s ?p ?o FILTER (STR({call}) != '') }}")
    assert info.volatile is True


def test_check_query_plain_query_not_volatile():
    info = check_query("SELECT (STRLEN('a') AS ?n) WHERE { ?s ?p ?o }")
    assert info.volatile is False
