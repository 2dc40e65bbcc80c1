"""The `maillage import documents` command: a folder of files and a CSV of metadata.

It writes through the same checks and revisions as the REST API, as the user named
by `--user` with the editor role. Rows that fail are listed with their reason at the
end, and the command then exits with status 1; the other rows are imported. The
search index follows each row as the server's writes do. When the index cannot open,
it is marked so that the next server start rebuilds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from maillage.graph.access import Role, User
from maillage.graph.bulk_import import (
    COLUMNS,
    DocumentImportReport,
    import_documents,
)
from maillage.graph.errors import MaillageError
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.writes import (
    WORKFLOW_STATES,
    ContentWriter,
    open_content_writer,
)
from maillage.server.cli_options import (
    VISIBILITIES,
    BaseIriOption,
    DataOption,
    StoreOption,
    fail,
    import_settings,
    indexed_writes,
)

console = Console()


def import_documents_command(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder of the documents' files.", exists=True, file_okay=False
        ),
    ],
    metadata: Annotated[
        Path,
        typer.Option(
            "--metadata",
            help="CSV file with one row per document; columns: "
            + ", ".join(COLUMNS)
            + " (see docs/writing.md).",
            exists=True,
            dir_okay=False,
        ),
    ],
    visibility: Annotated[
        str,
        typer.Option(
            help="Visibility of rows that leave the column empty: "
            + ", ".join(VISIBILITIES)
            + "."
        ),
    ] = "partners",
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="Workflow state of rows that leave the column empty: "
            + ", ".join(WORKFLOW_STATES)
            + ".",
        ),
    ] = "draft",
    user: Annotated[
        str, typer.Option(help="Name recorded as the author of each revision.")
    ] = "import",
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import documents from a folder, described by a CSV file; report failed rows."""
    settings = import_settings(
        store, data, base_iri, visibility=visibility, state=state
    )
    author = User(user, Role.EDITOR)

    graph_store = GraphStore(settings.store_path)
    try:
        writer = open_content_writer(graph_store, Iris(settings.base_iri), settings)
        with indexed_writes(writer, settings):
            report = _run(writer, folder, metadata, author, visibility, state, settings)
    finally:
        graph_store.close()
    _print_report(report)
    if report.failures:
        raise typer.Exit(code=1)


def _run(
    writer: ContentWriter,
    folder: Path,
    metadata: Path,
    author: User,
    visibility: str,
    state: str,
    settings: Settings,
) -> DocumentImportReport:
    with Progress(console=console) as progress:
        task = progress.add_task("Importing documents", total=None)

        def advance(index: int, total: int, name: str) -> None:
            progress.update(
                task, description=f"Importing {name}", completed=index - 1, total=total
            )

        try:
            report = import_documents(
                writer,
                folder,
                metadata,
                author,
                visibility=visibility,
                workflow_state=state,
                max_file_bytes=settings.max_body_bytes,
                progress=advance,
            )
        except MaillageError as exc:
            fail(exc.message)
        progress.update(task, description="Documents imported", completed=1, total=1)
    return report


def _print_report(report: DocumentImportReport) -> None:
    console.print(
        f"{len(report.created)} documents imported, {len(report.failures)} rows failed"
    )
    if report.failures:
        table = Table("line", "file", "reason", title="Rows not imported")
        for failure in report.failures:
            table.add_row(str(failure.line), failure.file, failure.reason)
        console.print(table)
    if report.unlisted:
        console.print(
            "files of the folder without a row: " + ", ".join(report.unlisted),
            highlight=False,
        )
