"""Import DREES and Insee département tables as RDF Data Cube observations.

A table is a CSV file with one row per territory and year (`Territoire`,
`TypeTerritoire`, `Annee`, `Code.departement`, `Code.region`) and one column per
indicator. A description file names each column. The layout is that of the `asdep` R
package, which gathers the DREES surveys on département social assistance and minimum
income schemes and Insee populations.

Each described column becomes an indicator (`{base}/id/indicator/drees-{column}`, an
`mlg:Indicator` and `qb:MeasureProperty`) with its data structure definition, and each
non-empty cell an observation (https://www.w3.org/TR/vocab-data-cube/). One table is
one dataset graph, with one cube per column (`maillage.graph.observatory.cube`); the
graph is written only when it passes the Data Cube integrity constraints. Columns that
measure an indicator of the observatory's catalogue are linked to it with
`mlg:sourceIndicator` (`CATALOGUE_COLUMNS`).

Facts about the source that the code relies on:

- Labels come from the description file, never from the column name. In `MINSOCsl` the
  column `RSAbenef` contains the population covered by the RSA and `RSApopcouv` the
  adult beneficiaries, the opposite of what the names suggest.
- Years are written as decimals (`2019.0`).
- Some territory and year pairs appear on several rows (a series break, a spelling
  variant of a France total); their cells are merged, and a cell given twice with
  different values keeps the first and is counted as a conflict in the report.
- France totals come in variants (France, France métropolitaine, TOTAL estimé France
  entière hors Mayotte, paying-agency totals, ...). Each is its own
  `mlg:StatisticalTerritory`, named from the `Territoire` text; spellings that differ
  only in case and punctuation share one.
- The overseas régions are coded `101`-`106`, where INSEE codes them `01`-`06`.
- Rows with an empty `Territoire` hold no territory and are skipped.
"""

from __future__ import annotations

import csv
import html
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from maillage.graph.importers.ntriples import (
    A,
    DatasetInfo,
    ImportReport,
    TripleWriter,
    check_counts,
    describe_dataset,
    iri,
    text,
)
from maillage.graph.iris import Iris, slugify
from maillage.graph.namespaces import (
    DCTERMS,
    IGEO,
    MLG,
    ORG,
    QB,
    RDFS,
    SKOS,
)
from maillage.graph.observatory.cube import CubeValue, CubeWriter, add_structure
from maillage.graph.observatory.publish import publish
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

ROW_COLUMNS = {
    "Code.region",
    "Code.departement",
    "Territoire",
    "TypeTerritoire",
    "Annee",
}
DESCRIPTION_SUFFIX = "_description.csv"
PUBLISHER = "DREES et Insee, tables réunies par le paquet R asdep"

Progress = Callable[[str, int, int], None]

# Columns that measure an indicator of the observatory's catalogue, by the key of that
# indicator. The meaning comes from the description files: `RSAbenef` contains the
# population covered by the RSA, whatever its name suggests, and `pop.20.64` and
# `pop.60.99` contain the age bands of their names.
CATALOGUE_COLUMNS = {
    "popTOT": "population-municipale",
    "pop.20.64": "population-20-64",
    "pop.60.99": "population-60-plus",
    "RSAalloc": "rsa-households",
    "RSAbenef": "rsa-covered-people",
    "AAH": "aah-beneficiaries",
    "MinV": "minimum-vieillesse",
    "NbBenefAPA": "apa-beneficiaries",
    "NbBenefAPADomicile": "apa-home-beneficiaries",
    "TotEnfAccueillisASE": "ase-children",
}


@dataclass(frozen=True)
class ColumnInfo:
    """Description of one value column, as the description file gives it."""

    column: str
    label: str
    unit: str
    kind: str | None
    short_label: str | None = None
    source: str | None = None

    @property
    def slug(self) -> str:
        return "drees-" + slugify(self.column)


@dataclass
class TableCells:
    """The cells of one table, merged by territory and year."""

    cells: dict[tuple[str, str, int], dict[str, str]] = field(default_factory=dict)
    labels: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # The région code of each département whose rows give one.
    regions: dict[str, str] = field(default_factory=dict)
    skipped_rows: int = 0
    conflicts: int = 0
    unreadable: int = 0


def read_descriptions(path: Path) -> dict[str, ColumnInfo]:
    """Read a description file, in the DREES layout or the short one of the demo data.

    The DREES layout has `Nom.var`, `Intitule.var`, `Intitulecourt.var`, `Unite.var`,
    `Type.var`, `Source.var` and `Note.var`; the short one has `column`, `label`,
    `unit`, `kind` and `source`.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    infos = {}
    for row in rows:
        info = _short_info(row) if "column" in row else _drees_info(row)
        infos[info.column] = info
    return infos


def _short_info(row: dict[str, str]) -> ColumnInfo:
    return ColumnInfo(
        column=row["column"],
        label=row["label"],
        unit=row["unit"],
        kind=row.get("kind") or None,
        source=row.get("source") or None,
    )


def _drees_info(row: dict[str, str]) -> ColumnInfo:
    full = _clean(row.get("Intitule.var", ""))
    short = _clean(row.get("Intitulecourt.var", ""))
    unit = _unit(row)
    return ColumnInfo(
        column=row["Nom.var"],
        label=full or short or row["Nom.var"],
        unit=unit,
        kind=_kind(row.get("Type.var", ""), unit),
        short_label=short if short and short != full else None,
        source=_producer(row.get("Source.var", "")),
    )


def _producer(source: str) -> str | None:
    """Return the first line of a `Source.var` cell, which names the producers."""
    lines = source.strip().splitlines()
    return _clean(lines[0]) or None if lines else None


def _clean(value: str) -> str:
    """Return a label without HTML entities, footnote stars or repeated spaces."""
    value = html.unescape(value).replace("*", " ")
    return re.sub(r"\s+", " ", value).strip()


def _unit(row: dict[str, str]) -> str:
    unit = row.get("Unite.var", "").strip()
    # The R package stored the euro sign in Windows-1252 (0x80). The notes state that
    # the amounts are in thousands of euros.
    if unit in {"\x80", "€"}:
        notes = row.get("Note.var", "") + row.get("Intitule.var", "")
        return "milliers d'euros" if "milliers d'euros" in notes else "euros"
    return unit


def _kind(type_text: str, unit: str) -> str | None:
    if unit == "%":
        return "rate"
    if "euros" in unit or type_text.startswith("Montant"):
        return "amount"
    if unit in {"personnes", "foyers"} or type_text.startswith("Nombre"):
        return "count"
    return None


def find_tables(folder: Path) -> list[tuple[str, Path, Path]]:
    """Return `(name, table file, description file)` for each table of `folder`."""
    tables = []
    for description in sorted(folder.glob(f"*{DESCRIPTION_SUFFIX}")):
        name = description.name.removesuffix(DESCRIPTION_SUFFIX)
        candidates = sorted(p for p in folder.glob(f"{name}_*.csv") if p != description)
        if candidates:
            tables.append((name, candidates[0], description))
    return tables


def import_indicator_folder(
    store: GraphStore, iris: Iris, folder: Path, *, progress: Progress | None = None
) -> list[ImportReport]:
    """Import each table of `folder` that has a description file, one graph each."""
    tables = find_tables(folder)
    departements = _departement_codes(table for _, table, _ in tables)
    # Tables share columns, and their description files word them slightly differently.
    # The first description of a column is used for every table, so that each indicator
    # has one label.
    descriptions: dict[str, ColumnInfo] = {}
    for _, _, description in tables:
        for column, info in read_descriptions(description).items():
            descriptions.setdefault(column, info)
    reports = []
    for index, (name, table, description) in enumerate(tables):
        if progress is not None:
            progress(name, index, len(tables))
        reports.append(
            import_indicator_table(
                store,
                iris,
                table,
                description,
                name=name,
                departements=departements,
                descriptions=descriptions,
            )
        )
    if progress is not None:
        progress("", len(tables), len(tables))
    return reports


def import_indicator_table(
    store: GraphStore,
    iris: Iris,
    table_path: Path,
    description_path: Path,
    *,
    name: str | None = None,
    departements: dict[str, str] | None = None,
    descriptions: dict[str, ColumnInfo] | None = None,
) -> ImportReport:
    """Import one table as a Data Cube dataset, replacing its graph.

    `departements` maps a département name to its code, for tables that have no
    `Code.departement` column. `descriptions` takes precedence over the table's own
    description file for the columns it describes.
    """
    name = name or table_path.name.split("_", 1)[0]
    slug = "drees-" + slugify(name)
    infos = read_descriptions(description_path) | (descriptions or {})
    with table_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = [c for c in reader.fieldnames or [] if c not in ROW_COLUMNS]
    used = [infos[c] for c in columns if c in infos]
    cells = _merge_rows(rows, used, departements or _departement_codes([table_path]))

    years = sorted({key[2] for key in cells.cells})
    info = DatasetInfo(
        slug=slug,
        title=f"Table {name} : statistiques sociales par département (DREES, Insee)",
        source=table_path.name,
        publisher=PUBLISHER,
        vintage=years[-1] if years else None,
    )
    writer = TripleWriter()
    dataset = describe_dataset(writer, iris, info)
    cubes = CubeWriter(iris, writer, slug, dataset)
    cubes.declare_components()
    for column in used:
        _add_indicator(writer, iris, column, table_path.name)
        indicator = iris.item("indicator", column.slug).value
        add_structure(writer, indicator)
        cubes.cube(indicator, column.slug, f"{column.label} (table {name})")
    _add_territories(writer, iris, cells)
    observations = _add_observations(cubes, iris, used, cells)

    report = publish(
        store, iris, slug, writer, source=table_path.name, origins=cubes.origins
    )
    _report_source_issues(report, columns, infos, used, cells)
    _check(store, report, observations, len(used))
    return report


def _merge_rows(
    rows: list[dict[str, str]], used: list[ColumnInfo], departements: dict[str, str]
) -> TableCells:
    table = TableCells()
    for row in rows:
        area = _area(row, departements)
        period = _year(row.get("Annee", ""))
        if area is None or period is None:
            table.skipped_rows += 1
            continue
        table.labels.setdefault(area, set()).add(row["Territoire"].strip())
        region = (row.get("Code.region") or "").strip()
        if area[0] == "departement" and region:
            table.regions.setdefault(area[1], _region_code(region))
        merged = table.cells.setdefault((*area, period), {})
        for column in used:
            value = row.get(column.column, "").strip()
            if not value:
                continue
            if _number(value) is None:
                table.unreadable += 1
                continue
            previous = merged.setdefault(column.column, value)
            if not _same_number(previous, value):
                table.conflicts += 1
    return table


def _area(row: dict[str, str], departements: dict[str, str]) -> tuple[str, str] | None:
    """Return the IRI type and key of the row's territory, or None for no territory."""
    name = row.get("Territoire", "").strip()
    kind = row.get("TypeTerritoire", "").strip()
    if not name:
        return None
    if kind == "Département":
        code = row.get("Code.departement", "").strip() or departements.get(name)
        return ("departement", code) if code else None
    if kind == "Région":
        code = _region_code(row.get("Code.region", ""))
        return ("region", code) if code else None
    if kind == "France":
        return ("territory", slugify(name))
    return None


def _region_code(value: str) -> str:
    """Return the INSEE code of a région: `01` to `06` overseas, not `101` to `106`."""
    code = value.strip()
    if len(code) == 3 and code.startswith("1"):
        code = code[1:]
    return code


def _departement_codes(tables) -> dict[str, str]:
    """Map each département name to its code, from the tables that give both."""
    codes: dict[str, str] = {}
    for table in tables:
        with Path(table).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = (row.get("Code.departement") or "").strip()
                if code and row.get("TypeTerritoire") == "Département":
                    codes.setdefault(row["Territoire"].strip(), code)
    return codes


def _year(value: str) -> int | None:
    number = _number(value.strip())
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _same_number(first: str, second: str) -> bool:
    """Return True when two cells agree, allowing for float rounding in the source."""
    a, b = Decimal(first), Decimal(second)
    return abs(a - b) <= Decimal("1e-9") * max(abs(a), abs(b), Decimal(1))


def _add_indicator(
    writer: TripleWriter, iris: Iris, column: ColumnInfo, table_name: str
) -> None:
    subject = iri(iris.item("indicator", column.slug))
    writer.add(subject, A, iri(MLG.Indicator))
    writer.add(subject, A, iri(QB.MeasureProperty))
    writer.add(subject, iri(RDFS.label), text(column.label, "fr"))
    writer.add(subject, iri(MLG.unit), text(column.unit, "fr"))
    writer.add(subject, iri(MLG.sourceColumn), text(column.column))
    if column.short_label:
        writer.add(subject, iri(SKOS.altLabel), text(column.short_label, "fr"))
    if column.kind:
        kind = iris.concept("indicator-kind", column.kind)
        writer.add(subject, iri(MLG.indicatorKind), iri(kind))
    if column.source:
        writer.add(subject, iri(DCTERMS.source), text(column.source, "fr"))
    target = CATALOGUE_COLUMNS.get(column.column)
    if target is not None:
        catalogue = iri(iris.item("indicator", target))
        writer.add(catalogue, iri(MLG.sourceIndicator), subject)


def _add_territories(writer: TripleWriter, iris: Iris, cells: TableCells) -> None:
    classes = {
        "departement": (MLG.Departement, IGEO.Departement, ORG.FormalOrganization),
        "region": (MLG.Region, IGEO.Region, ORG.FormalOrganization),
        "territory": (MLG.StatisticalTerritory,),
    }
    for (area_type, key), names in sorted(cells.labels.items()):
        subject = iri(iris.item(area_type, key))
        for cls in classes[area_type]:
            writer.add(subject, A, iri(cls))
        if area_type != "territory":
            writer.add(subject, iri(IGEO.codeINSEE), text(key))
        if area_type == "departement" and key in cells.regions:
            region = iris.item("region", cells.regions[key])
            writer.add(subject, iri(IGEO.subdivisionDirecteDe), iri(region))
        # One name per territory: the smallest spelling, so that every table picks the
        # same one; the others become alternative labels.
        spellings = sorted(names)
        writer.add(subject, iri(SKOS.prefLabel), text(spellings[0], "fr"))
        for other in spellings[1:]:
            writer.add(subject, iri(SKOS.altLabel), text(other, "fr"))


def _add_observations(
    cubes: CubeWriter, iris: Iris, used: list[ColumnInfo], cells: TableCells
) -> int:
    """Add one observation per non-empty cell; return their number."""
    by_column = {column.column: column for column in used}
    indicators = {c.column: iris.item("indicator", c.slug).value for c in used}
    total = 0
    for (area_type, key, period), values in sorted(cells.cells.items()):
        area = iris.item(area_type, key).value
        for column, value in values.items():
            info = by_column[column]
            cell = CubeValue(
                area=area,
                indicator=indicators[column],
                year=period,
                value=Decimal(value),
                origin=f"{area_type} {key}, year {period}, column {column}",
            )
            cubes.add(cell, info.slug, info.unit, info.kind)
            total += 1
    return total


def _report_source_issues(
    report: ImportReport,
    columns: list[str],
    infos: dict[str, ColumnInfo],
    used: list[ColumnInfo],
    cells: TableCells,
) -> None:
    undocumented = [c for c in columns if c not in infos]
    if undocumented:
        report.warnings.append(
            f"columns without a description skipped: {', '.join(undocumented)}"
        )
    no_kind = [c.column for c in used if c.kind is None]
    if no_kind:
        report.warnings.append(
            f"columns whose unit fits no indicator kind: {', '.join(no_kind)}"
        )
    if cells.skipped_rows:
        report.warnings.append(
            f"{cells.skipped_rows} rows without a known territory skipped"
        )
    if cells.conflicts:
        report.warnings.append(
            f"{cells.conflicts} cells given twice with different values; the first kept"
        )
    if cells.unreadable:
        report.warnings.append(f"{cells.unreadable} cells that are not numbers skipped")
    for warning in report.warnings:
        logger.info("dataset %s: %s", report.dataset, warning)


def _check(
    store: GraphStore, report: ImportReport, observations: int, indicators: int
) -> None:
    expected = {
        "observations": ("?o a qb:Observation", observations),
        "indicators": ("?i a mlg:Indicator", indicators),
        "territories": ("?t skos:prefLabel ?l", None),
    }
    must_be_zero = {
        "observations without a period": (
            "?o a qb:Observation . FILTER NOT EXISTS { ?o sdmx-dimension:refPeriod ?p }"
        ),
        "observations whose territory has no name": (
            "?o sdmx-dimension:refArea ?t . FILTER NOT EXISTS { ?t skos:prefLabel ?l }"
        ),
        "indicators without a unit": (
            "?i a mlg:Indicator . FILTER NOT EXISTS { ?i mlg:unit ?u }"
        ),
    }
    check_counts(store, report, expected, must_be_zero)
