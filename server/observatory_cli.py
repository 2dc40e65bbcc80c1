"""The observatory's commands: `maillage import insee-csv` and `maillage observatory`.

`maillage.server.cli` registers them on its apps.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from maillage.graph.errors import MaillageError
from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import import_insee_csv
from maillage.graph.observatory.index import ObservatoryIndex
from maillage.graph.observatory.publish import ImportRejectedError
from maillage.graph.observatory.refresh import RefreshReport, refresh_index
from maillage.graph.settings import Settings, load_settings
from maillage.graph.store import GraphStore
from maillage.server.cli_options import BaseIriOption, StoreOption, error_console

logger = logging.getLogger(__name__)

console = Console()

observatory_app = typer.Typer(
    help="Keep the observatory's precomputed figures up to date.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder of data files and of the figures index [env: MAILLAGE_DATA_PATH].",
    ),
]


def import_insee_csv_command(
    csv_file: Annotated[
        Path, typer.Argument(help="Commune table with a CODGEO column.", exists=True)
    ],
    indicator_map: Annotated[
        list[str],
        typer.Option(
            "--indicator-map",
            help="COLUMN=indicator-key, such as P21_POP=population-municipale; "
            "repeat it, or separate pairs with commas.",
        ),
    ],
    year: Annotated[int, typer.Option(help="Year of the values.")],
    producer: Annotated[str, typer.Option(help="Who published the file: INSEE, CAF…")],
    vintage: Annotated[
        int | None, typer.Option(help="Vintage of the file; the year by default.")
    ] = None,
    slug: Annotated[
        str | None,
        typer.Option(help="Key of the dataset; from the file name by default."),
    ] = None,
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Import commune values in the INSEE layout as Data Cube, after its checks."""
    settings = _settings(store, data, base_iri)
    mapping = _column_map(indicator_map)
    iris = Iris(settings.base_iri)
    graph_store = GraphStore(settings.store_path)
    try:
        reports = import_insee_csv(
            graph_store,
            iris,
            csv_file,
            mapping,
            period=year,
            publisher=producer,
            vintage=vintage,
            slug=slug,
        )
        refresh = refresh_observatory(graph_store, settings)
    except ImportRejectedError as exc:
        _print_problems(exc)
        raise typer.Exit(code=1) from exc
    except MaillageError as exc:
        error_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(code=1) from exc
    finally:
        graph_store.close()
    for report in reports:
        console.print(
            f"{report.dataset}: {report.triples} triples, "
            f"{report.counts.get('observations', 0)} values, "
            f"{report.counts.get('hidden', 0)} hidden by secrecy in the published copy"
        )
    _print_refresh(refresh)


@observatory_app.command("refresh")
def refresh_command(
    full: Annotated[bool, typer.Option(help="Rebuild every figure.")] = False,
    store: StoreOption = None,
    data: DataOption = None,
    base_iri: BaseIriOption = None,
) -> None:
    """Recompute the figures of the datasets that changed since the last refresh."""
    settings = _settings(store, data, base_iri)
    graph_store = GraphStore(settings.store_path)
    try:
        report = refresh_observatory(graph_store, settings, force=full)
    finally:
        graph_store.close()
    _print_refresh(report)


def refresh_observatory(
    graph_store: GraphStore, settings: Settings, *, force: bool = False
) -> RefreshReport:
    """Refresh the figures index of `settings.data_path` from `graph_store`."""
    index = ObservatoryIndex.in_folder(settings.data_path)
    try:
        return refresh_index(index, graph_store, Iris(settings.base_iri), force=force)
    finally:
        index.close()


def _column_map(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in ",".join(pairs).split(","):
        if not pair.strip():
            continue
        column, equals, key = pair.partition("=")
        if not equals or not column.strip() or not key.strip():
            error_console.print(
                f"[red]error:[/red] invalid --indicator-map {pair.strip()!r}: write "
                "COLUMN=indicator-key",
                highlight=False,
            )
            raise typer.Exit(code=1)
        mapping[column.strip()] = key.strip()
    return mapping


def _settings(store: Path | None, data: Path | None, base_iri: str | None) -> Settings:
    try:
        return load_settings(store_path=store, data_path=data, base_iri=base_iri)
    except ValueError as exc:
        error_console.print(f"[red]error:[/red] invalid settings: {exc}")
        raise typer.Exit(code=1) from exc


def _print_problems(exc: ImportRejectedError) -> None:
    error_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
    table = Table("where", "reason", "constraint", title="Problems")
    for problem in exc.problems:
        table.add_row(problem.origin, problem.reason, problem.constraint or "")
    error_console.print(table)


def _print_refresh(report: RefreshReport) -> None:
    kind = "rebuilt" if report.rebuilt else "updated"
    if not report.changed:
        console.print("observatory figures already up to date")
        return
    console.print(
        f"observatory figures {kind}: {len(report.republished)} published copies "
        f"written again, {len(report.datasets)} datasets read, "
        f"{report.rows} figures in {report.seconds:.2f} s"
    )
