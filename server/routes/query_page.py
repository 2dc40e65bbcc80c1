"""The query page at /query: a SPARQL editor in French, with example queries.

The page posts the query to /sparql with its own script, renders SELECT solutions as a
table whose item IRIs link to their pages, and offers the result in every format. The
script and the style come from this server; without the script, the form still sends
the query to /sparql by GET.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from maillage.graph.namespaces import sparql_prefixes
from maillage.server.deps import IrisDep
from maillage.server.example_queries import load_examples
from maillage.server.templating import render_page

router = APIRouter(tags=["pages"])

# The editor needs its script and its calls to /sparql, and nothing from elsewhere.
QUERY_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

# Result formats offered for download, by query form, as `format` parameter values.
DOWNLOAD_FORMATS = {
    "SELECT": [("JSON", "json"), ("XML", "xml"), ("CSV", "csv"), ("TSV", "tsv")],
    "ASK": [("JSON", "json"), ("XML", "xml")],
    "CONSTRUCT": [
        ("Turtle", "ttl"),
        ("N-Triples", "nt"),
        ("N-Quads", "nq"),
        ("RDF/XML", "rdfxml"),
        ("JSON-LD", "jsonld"),
    ],
}


@router.get("/query", response_class=HTMLResponse, summary="SPARQL query page")
def read_query_page(request: Request, iris: IrisDep) -> Response:
    """Return the editor, prefilled with the prefixes and the first example."""
    examples = load_examples()
    prefixes = sparql_prefixes()
    context = {
        "prefixes": prefixes,
        "initial_query": prefixes + "\n" + (examples[0].text if examples else ""),
        "examples": [asdict(example) for example in examples],
        "item_prefix": f"{iris.base}/id/",
        "download_formats": DOWNLOAD_FORMATS,
    }
    headers = {"Content-Security-Policy": QUERY_PAGE_POLICY}
    return render_page(request, "query.html", context, headers=headers)
