"""Options and helpers shared by the commands: the store options, the index, errors.

`maillage import documents` uses them. Any import command that writes through a
`ContentWriter` with the server stopped can take the same options. It should wrap its
writes in `indexed_writes`, so that the search index follows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from maillage.graph.errors import MaillageError
from maillage.graph.indexing import SearchService, mark_for_rebuild
from maillage.graph.settings import Settings, load_settings
from maillage.graph.writes import WORKFLOW_STATES, ContentWriter

VISIBILITIES = ("public", "partners", "restricted")

error_console = Console(stderr=True)

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Folder of the Oxigraph store [env: MAILLAGE_STORE_PATH]."
    ),
]
DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Folder of files and revisions [env: MAILLAGE_DATA_PATH]."
    ),
]
BaseIriOption = Annotated[
    str | None,
    typer.Option("--base-iri", help="Base of every item IRI [env: MAILLAGE_BASE_IRI]."),
]


def import_settings(
    store: Path | None,
    data: Path | None,
    base_iri: str | None,
    *,
    visibility: str,
    state: str,
) -> Settings:
    """Check the default visibility and state of an import, then load the settings.

    Exit with status 1 and a message on an unknown value or invalid settings.
    """
    if visibility not in VISIBILITIES:
        fail(f"unknown visibility {visibility!r}; accepted: {', '.join(VISIBILITIES)}")
    if state not in WORKFLOW_STATES:
        fail(f"unknown state {state!r}; accepted: {', '.join(WORKFLOW_STATES)}")
    try:
        return load_settings(store_path=store, data_path=data, base_iri=base_iri)
    except ValueError as exc:
        fail(f"invalid settings: {exc}")


@contextmanager
def indexed_writes(writer: ContentWriter, settings: Settings) -> Iterator[None]:
    """Keep the search index in step with the writer's writes inside the block.

    When the index cannot open, such as when another process has its writer lock, it
    is marked so that the next server start rebuilds it.
    """
    try:
        search = SearchService.open(writer.store, writer.iris, settings)
    except MaillageError as exc:
        error_console.print(
            f"[yellow]warning:[/yellow] the search index did not open "
            f"({exc.message}); the next server start rebuilds it",
            highlight=False,
        )
        mark_for_rebuild(settings)
        yield
        return
    writer.hooks.recording.append(search.recording)
    try:
        yield
    finally:
        writer.hooks.recording.remove(search.recording)
        search.close()


def fail(message: str) -> NoReturn:
    """Print an error message and exit with status 1."""
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)
