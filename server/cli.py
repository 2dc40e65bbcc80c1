"""The `maillage` command: serve, load, import, query, dump, and manage access.

Settings come from the options of each command or from `MAILLAGE_*` environment
variables (`maillage.graph.settings`). Logging is configured once, by the callback of
the app, and goes to standard error; results and progress go to standard output.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pyoxigraph import RdfFormat
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import Progress
from rich.table import Table

from maillage.graph.demo import load_demo
from maillage.graph.dump import dump_repository, restore_repository
from maillage.graph.errors import MaillageError, MalformedRequestError
from maillage.graph.importers.banatic import import_banatic
from maillage.graph.importers.communes import import_communes
from maillage.graph.importers.indicators import (
    import_indicator_folder,
    import_indicator_table,
)
from maillage.graph.importers.legal import import_legal_folder, import_legal_references
from maillage.graph.importers.ntriples import ImportReport
from maillage.graph.importers.rdf import load_rdf_file
from maillage.graph.indexing import SearchService, index_path, mark_for_rebuild
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings, load_settings
from maillage.graph.sparql.formats import GRAPH_FORMATS, JSON, find_format
from maillage.graph.sparql.query import QueryRequest, run_query
from maillage.graph.store import GraphStore, StoreInUseError
from maillage.server.accounts_cli import (
    DataOption,
    groups_app,
    tokens_app,
    users_app,
)
from maillage.server.cli_options import BaseIriOption, StoreOption, error_console
from maillage.server.documents_cli import import_documents_command
from maillage.server.legal_cli import import_legal_events_command
from maillage.server.observatory_cli import (
    import_insee_csv_command,
    observatory_app,
    refresh_observatory,
)

logger = logging.getLogger(__name__)

app = typer.Typer(
    help="maillage: a content repository on an RDF knowledge graph.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Import reference data into dataset graphs, or documents with their files.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
app.add_typer(users_app, name="users")
app.add_typer(groups_app, name="groups")
app.add_typer(tokens_app, name="tokens")
index_app = typer.Typer(help="Manage the full-text search index.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(observatory_app, name="observatory")

console = Console()
DUMP_FORMATS = {"trig": RdfFormat.TRIG, "nquads": RdfFormat.N_QUADS}


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log at INFO level, not WARNING.")
    ] = False,
) -> None:
    """Configure logging once for every command."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=error_console, show_path=False)],
        force=True,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind to.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port.")] = None,
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
    load_demo_if_empty: Annotated[
        bool, typer.Option(help="Load the demo data first when the store is empty.")
    ] = False,
    access_log: Annotated[
        bool, typer.Option(help="Print one line per request on standard output.")
    ] = True,
) -> None:
    """Serve the HTTP API, the SPARQL endpoint and the pages with uvicorn."""
    import uvicorn

    from maillage.server.app import ACCESS_LOGGER, create_app

    if access_log:
        _print_log_lines(ACCESS_LOGGER)

    settings = _settings(store, base_iri, host=host, port=port)
    with _open_store(settings) as graph_store:
        if load_demo_if_empty and graph_store.is_empty():
            _run_demo(graph_store, settings)
            mark_for_rebuild(settings)
        application = create_app(settings, store=graph_store)
        _print_addresses(settings)
        # The app logs each request itself, with its duration, at a fifth of the
        # cost of uvicorn's access log (measured here: 0.03 ms against 0.14 ms).
        uvicorn.run(
            application, host=settings.host, port=settings.port, access_log=False
        )


def _print_log_lines(name: str) -> None:
    """Print the INFO lines of logger `name` on standard output, plainly."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    access = logging.getLogger(name)
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


@app.command()
def load(
    files: Annotated[
        list[Path], typer.Argument(help="RDF files to load.", exists=True)
    ],
    graph: Annotated[
        str | None,
        typer.Option(
            help="Graph IRI for the triples of triple formats and the default graph of "
            "quad formats; by default a dataset graph named after each file."
        ),
    ] = None,
    rdf_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="turtle, n-triples, n-quads, trig, rdf-xml or json-ld; by default "
            "the file extension decides.",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Drop the target graph before loading.")
    ] = False,
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Load RDF files with Oxigraph's bulk loader, after the safety checks."""
    settings = _settings(store, base_iri)
    iris = Iris(settings.base_iri)
    with (
        _open_store(settings, writes=True) as graph_store,
        Progress(console=console) as progress,
    ):
        task = progress.add_task("Loading", total=len(files))
        for path in files:
            progress.update(task, description=f"Loading {path.name}")
            report = _guarded(
                load_rdf_file,
                graph_store,
                iris,
                path,
                graph=graph,
                rdf_format=rdf_format,
                replace=replace,
            )
            progress.console.print(
                f"{path.name}: {report.added} quads added to {report.graph} "
                f"({report.format}, {report.seconds:.2f} s)"
            )
            progress.advance(task)


@import_app.command("communes")
def import_communes_command(
    communes_file: Annotated[
        Path, typer.Argument(help="Commune records (JSON).", exists=True)
    ],
    epci_file: Annotated[
        Path, typer.Argument(help="EPCI records (JSON).", exists=True)
    ],
    territories_file: Annotated[
        Path | None,
        typer.Argument(
            help="Département, région and arrondissement records.", exists=True
        ),
    ] = None,
    epci: Annotated[
        list[str] | None,
        typer.Option("--epci", help="SIREN of an EPCI to import alone; repeatable."),
    ] = None,
    slug: Annotated[str | None, typer.Option(help="Key of the dataset.")] = None,
    vintage: Annotated[
        int | None, typer.Option(help="Year of the data, when the files do not say it.")
    ] = None,
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import communes, EPCI and territories in the decoupage-administratif layout."""
    settings = _settings(store, base_iri)
    with _open_store(settings, writes=True) as graph_store:
        report = _guarded(
            import_communes,
            graph_store,
            Iris(settings.base_iri),
            communes_file,
            epci_file,
            territories_file,
            epci_sirens=epci,
            slug=slug,
            vintage=vintage,
        )
    _print_reports([report])


@import_app.command("banatic")
def import_banatic_command(
    csv_file: Annotated[
        Path, typer.Argument(help="BANATIC competence codes (CSV).", exists=True)
    ],
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import the BANATIC competence codes as a SKOS concept scheme."""
    settings = _settings(store, base_iri)
    with _open_store(settings, writes=True) as graph_store:
        report = _guarded(
            import_banatic, graph_store, Iris(settings.base_iri), csv_file
        )
    _print_reports([report])


@import_app.command("legal")
def import_legal_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="Folder of legal texts, or a CSV of references "
            "(legal_code, article, version_date, source).",
            exists=True,
        ),
    ],
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import law article versions as acts that refer to their text, never copy it."""
    settings = _settings(store, base_iri)
    importer = import_legal_folder if path.is_dir() else import_legal_references
    with _open_store(settings, writes=True) as graph_store:
        report = _guarded(importer, graph_store, Iris(settings.base_iri), path)
    _print_reports([report])


@import_app.command("indicators")
def import_indicators_command(
    path: Annotated[
        Path,
        typer.Argument(help="Folder of tables, or one table (CSV).", exists=True),
    ],
    description: Annotated[
        Path | None,
        typer.Option(help="Description file of a single table.", exists=True),
    ] = None,
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import DREES and Insee tables as RDF Data Cube datasets, one graph per table."""
    settings = _settings(store, base_iri)
    iris = Iris(settings.base_iri)
    with _open_store(settings, writes=True) as graph_store:
        if path.is_dir():
            reports = _import_indicator_folder(graph_store, iris, path)
        else:
            if description is None:
                _fail("a single table needs --description FILE")
            reports = [
                _guarded(import_indicator_table, graph_store, iris, path, description)
            ]
    _print_reports(reports)


@import_app.command("demo")
def import_demo_command(
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Load the demo data: ontology, reference datasets and the mission's content."""
    settings = _settings(store, base_iri)
    with _open_store(settings, writes=True) as graph_store:
        reports = _run_demo(graph_store, settings)
    _print_reports(reports)


import_app.command("documents")(import_documents_command)
import_app.command("legal-events")(import_legal_events_command)
import_app.command("insee-csv")(import_insee_csv_command)


@app.command()
def query(
    sparql: Annotated[
        str, typer.Argument(help="SPARQL query text, or @FILE to read it.")
    ],
    result_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="table, or a result format: json, xml, csv, tsv (SELECT, ASK), "
            "ttl, nt, nq, rdfxml, jsonld (CONSTRUCT, DESCRIBE).",
        ),
    ] = "table",
    output: Annotated[
        Path | None, typer.Option(help="Write the result to this file.")
    ] = None,
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Run a SPARQL query over the union of every named graph."""
    settings = _settings(store, base_iri)
    text = _query_text(sparql)

    def choose(form: str):
        if result_format == "table":
            return GRAPH_FORMATS[0] if form in {"CONSTRUCT", "DESCRIBE"} else JSON
        chosen = find_format(form, result_format)
        if chosen is None:
            raise MalformedRequestError(
                f"format {result_format!r} does not apply to a {form} query"
            )
        return chosen

    with _open_store(settings) as graph_store:
        answer = _guarded(
            run_query,
            graph_store,
            QueryRequest(text),
            choose_format=choose,
            readable=None,
            max_rows=settings.max_result_rows,
            allowlist=settings.federation_allowlist,
        )
    if output is not None:
        output.write_bytes(answer.body)
        console.print(f"{answer.size} results written to {output}")
    elif result_format == "table" and answer.result_format is JSON:
        _print_json_results(json.loads(answer.body))
    else:
        typer.echo(answer.body.decode("utf-8"), nl=False)


@app.command()
def dump(
    output: Annotated[Path, typer.Argument(help="File to write.")],
    dump_format: Annotated[
        str, typer.Option("--format", help="trig or nquads.")
    ] = "trig",
    store: StoreOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Write every named graph of the store to a TriG or N-Quads file."""
    if dump_format not in DUMP_FORMATS:
        _fail(f"unknown dump format {dump_format!r}; accepted: trig, nquads")
    settings = _settings(store, base_iri)
    with _open_store(settings) as graph_store:
        graph_store.dump(output, DUMP_FORMATS[dump_format])
        quads = graph_store.count_quads()
    console.print(f"{quads} quads written to {output} ({dump_format})")


@app.command("dump-all")
def dump_all(
    output: Annotated[Path, typer.Argument(help="New or empty folder to write.")],
    dump_format: Annotated[
        str, typer.Option("--format", help="Graph format: trig or nquads.")
    ] = "trig",
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Dump the whole repository: graph, files, users and revisions.

    Stop the server first: the command opens the store and the data folder itself.
    """
    settings = _settings(store, base_iri, data_path=data)
    with _open_store(settings) as graph_store:
        report = _guarded(
            dump_repository, graph_store, settings, output, graph_format=dump_format
        )
    console.print(
        f"{report.quads} quads, {len(report.files)} files, "
        f"{'users' if report.users else 'no users'} and "
        f"{report.revision_quads or 0} revision quads written to {output}"
    )


@app.command()
def restore(
    source: Annotated[
        Path,
        typer.Argument(
            help="Folder written by dump-all.", exists=True, file_okay=False
        ),
    ],
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Restore a dump into an empty store and data folder, then rebuild the index."""
    settings = _settings(store, base_iri, data_path=data)
    with _open_store(settings) as graph_store:
        report = _guarded(restore_repository, graph_store, settings, source)
    console.print(
        f"{report.quads} quads, {len(report.files)} files and "
        f"{'users' if report.users else 'no users'} restored; "
        f"{report.indexed} items indexed"
    )


@index_app.command("rebuild")
def rebuild_index(
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Rebuild the search index from the graph and the files' texts.

    Stop the server first: only one process may write the index.
    """
    settings = _settings(store, base_iri, data_path=data)
    mark_for_rebuild(settings)
    with _open_store(settings) as graph_store:
        service = _guarded(
            SearchService.open, graph_store, Iris(settings.base_iri), settings
        )
        count = service.index.count()
        service.close()
    console.print(f"{count} items indexed in {index_path(settings)}")


def _settings(
    store: Path | None, base_iri: str | None, **overrides: object
) -> Settings:
    try:
        return load_settings(store_path=store, base_iri=base_iri, **overrides)
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")


@contextmanager
def _open_store(settings: Settings, *, writes: bool = False) -> Iterator[GraphStore]:
    """Open the store; with `writes`, mark the search index for rebuild afterwards.

    The mark is set even when the command fails, since it may have written part of
    its data, and makes the next start of the server rebuild the index.
    """
    try:
        graph_store = GraphStore(settings.store_path)
    except StoreInUseError as exc:
        _fail(str(exc))
    try:
        yield graph_store
    finally:
        graph_store.close()
        if writes:
            mark_for_rebuild(settings)


def _guarded(function, *args, **kwargs):
    """Call `function`; turn maillage's errors into a message and exit status 1."""
    try:
        return function(*args, **kwargs)
    except MaillageError as exc:
        _fail(exc.message)
    except FileNotFoundError as exc:
        _fail(f"file not found: {exc.filename}")


def _fail(message: str) -> NoReturn:
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


def _query_text(sparql: str) -> str:
    if not sparql.startswith("@"):
        return sparql
    path = Path(sparql[1:])
    if not path.is_file():
        _fail(f"query file {path} not found")
    return path.read_text(encoding="utf-8")


def _import_indicator_folder(
    graph_store: GraphStore, iris: Iris, folder: Path
) -> list[ImportReport]:
    with Progress(console=console) as progress:
        task = progress.add_task("Importing tables", total=None)

        def advance(name: str, index: int, total: int) -> None:
            label = f"Importing {name}" if name else "Tables imported"
            progress.update(task, description=label, completed=index, total=total)

        return _guarded(
            import_indicator_folder, graph_store, iris, folder, progress=advance
        )


def _run_demo(graph_store: GraphStore, settings: Settings) -> list[ImportReport]:
    iris = Iris(settings.base_iri)
    with Progress(console=console) as progress:
        task = progress.add_task("Loading the demo", total=None)

        def advance(label: str, index: int, total: int) -> None:
            text = f"Loading {label}" if label else "Demo loaded"
            progress.update(task, description=text, completed=index, total=total)

        reports = _guarded(
            load_demo,
            graph_store,
            iris,
            progress=advance,
            legal_texts=settings.legal_texts_path,
        )
    # The observatory's figures of the demo, ready before the first request.
    refresh_observatory(graph_store, settings)
    return reports


def _print_reports(reports: list[ImportReport]) -> None:
    table = Table("dataset", "triples", "seconds", "counts")
    for report in reports:
        counts = ", ".join(f"{name} {value}" for name, value in report.counts.items())
        table.add_row(
            report.dataset, str(report.triples), f"{report.seconds:.2f}", counts
        )
    console.print(table)
    for report in reports:
        for warning in report.warnings:
            console.print(
                f"[yellow]{report.dataset}:[/yellow] {warning}", highlight=False
            )
    problems = [f"{r.dataset}: {p}" for r in reports for p in r.problems]
    if problems:
        _fail("checks failed after the import: " + "; ".join(problems))


def _print_json_results(results: dict) -> None:
    """Print SPARQL 1.1 JSON results as a table, or `true`/`false` for ASK."""
    if "boolean" in results:
        console.print("true" if results["boolean"] else "false")
        return
    variables = results["head"]["vars"]
    table = Table(*variables)
    for binding in results["results"]["bindings"]:
        table.add_row(*(_term_text(binding.get(name)) for name in variables))
    console.print(table)
    console.print(f"{len(results['results']['bindings'])} solutions")


def _term_text(term: dict | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:" + term["value"]
    if "xml:lang" in term:
        return f"{term['value']}@{term['xml:lang']}"
    return term["value"]


def _print_addresses(settings: Settings) -> None:
    root = f"http://{settings.host}:{settings.port}"
    table = Table("address", "description", title="maillage")
    for path, description in (
        ("/", "home page"),
        ("/documents", "document finder"),
        ("/network", "network page"),
        ("/juridique", "legal report"),
        ("/observatoire", "social observatory"),
        ("/query", "SPARQL query page"),
        ("/sparql", "SPARQL endpoint"),
        ("/api", "REST API"),
        ("/docs", "API documentation"),
    ):
        table.add_row(root + path, description)
    table.add_row(f"{settings.base_iri}/id/{{type}}/{{key}}", "each item at its IRI")
    console.print(table)
