"""The `maillage import legal-events` command: acts, transfers and membership changes.

It reads the CSV layout of `docs/legal.md` and writes acts and transfers through the
same checks and revisions as the REST API, as the user named by `--user` with the
editor role. Rows that fail are listed with their line and reason, and the command
then exits with status 1; the other rows are imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from maillage.graph.access import Role, User
from maillage.graph.errors import MaillageError
from maillage.graph.iris import Iris
from maillage.graph.legal.csv_import import (
    COLUMNS,
    LegalImportReport,
    import_legal_events,
)
from maillage.graph.settings import Settings, load_settings
from maillage.graph.store import GraphStore
from maillage.graph.writes import WORKFLOW_STATES, open_content_writer
from maillage.server.cli_options import indexed_writes

console = Console()
error_console = Console(stderr=True)

VISIBILITIES = ("public", "partners", "restricted")


def import_legal_events_command(
    csv_file: Annotated[
        Path,
        typer.Argument(
            help="CSV file, one row per act, transfer or membership change; columns: "
            + ", ".join(COLUMNS)
            + " (see docs/legal.md).",
            exists=True,
            dir_okay=False,
        ),
    ],
    visibility: Annotated[
        str,
        typer.Option(
            help="Visibility of new acts and transfers whose row leaves it empty: "
            + ", ".join(VISIBILITIES)
            + "."
        ),
    ] = "public",
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="Workflow state of new acts and transfers whose row leaves it empty: "
            + ", ".join(WORKFLOW_STATES)
            + ".",
        ),
    ] = "published",
    user: Annotated[
        str, typer.Option(help="Name recorded as the author of each revision.")
    ] = "import",
    store: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Folder of the Oxigraph store [env: MAILLAGE_STORE_PATH]."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Folder of files and revisions [env: MAILLAGE_DATA_PATH]."
        ),
    ] = None,
    base_iri: Annotated[
        str | None,
        typer.Option(
            "--base-iri", help="Base of every item IRI [env: MAILLAGE_BASE_IRI]."
        ),
    ] = None,
) -> None:
    """Import legal acts, competence transfers and membership changes from CSV."""
    if visibility not in VISIBILITIES:
        _fail(f"unknown visibility {visibility!r}; accepted: {', '.join(VISIBILITIES)}")
    if state not in WORKFLOW_STATES:
        _fail(f"unknown state {state!r}; accepted: {', '.join(WORKFLOW_STATES)}")
    settings = _settings(store, data, base_iri)
    author = User(user, Role.EDITOR)

    graph_store = GraphStore(settings.store_path)
    try:
        writer = open_content_writer(graph_store, Iris(settings.base_iri), settings)
        with indexed_writes(writer, settings):
            report = import_legal_events(
                writer, csv_file, author, visibility=visibility, workflow_state=state
            )
    except MaillageError as exc:
        _fail(exc.message)
    finally:
        graph_store.close()
    _print_report(report)
    if report.errors:
        raise typer.Exit(code=1)


def _print_report(report: LegalImportReport) -> None:
    console.print(
        f"{len(report.written)} items written, {len(report.errors)} rows failed"
    )
    if report.errors:
        table = Table("line", "row_type", "reason", title="Rows not imported")
        for error in report.errors:
            table.add_row(str(error.line), error.row_type, error.reason)
        console.print(table)


def _settings(store: Path | None, data: Path | None, base_iri: str | None) -> Settings:
    try:
        return load_settings(store_path=store, data_path=data, base_iri=base_iri)
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")


def _fail(message: str) -> NoReturn:
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)
