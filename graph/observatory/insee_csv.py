"""Read commune tables in the layout of INSEE's CSV files.

INSEE publishes commune data with one row per commune, the commune's code in a `CODGEO`
column and one column per variable, such as `P21_POP`. Files come separated by `;` or
by `,`, with a decimal comma or a decimal point, in UTF-8 or in Windows-1252. Empty
cells are missing values. This module reads such a file into values per commune and
lists every row it cannot read, with the reason, instead of stopping at the first.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from maillage.graph.observatory.publish import Problem

CODE_COLUMN = "CODGEO"
# A commune code: two digits (or 2A, 2B for Corsica) and three digits.
COMMUNE_CODE = re.compile(r"^(\d{2}|2[AB])\d{3}$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass
class CommuneTable:
    """Values read from a file: `values[code][column]`, and the problems found."""

    columns: list[str]
    values: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    delimiter: str = ";"


def read_commune_table(
    path: Path, columns: list[str], *, non_negative: set[str] | None = None
) -> CommuneTable:
    """Read the `columns` of a commune table; list the problems of each row.

    `non_negative` names the columns whose values cannot be negative, such as counts.
    A file without a `CODGEO` column or without one of `columns` gets one problem for
    the whole file and no values.
    """
    text = _decode(path.read_bytes())
    delimiter = _delimiter(text)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    table = CommuneTable(columns=list(columns), delimiter=delimiter)
    missing = [name for name in [CODE_COLUMN, *columns] if name not in header]
    if missing:
        table.problems.append(
            Problem(
                "header",
                f"missing columns {', '.join(missing)}; the header has "
                f"{', '.join(header[:20]) or 'no column'}",
            )
        )
        return table
    for number, row in enumerate(reader, start=2):
        _read_row(table, number, row, non_negative or set())
    return table


def _read_row(
    table: CommuneTable, number: int, row: dict[str, str], non_negative: set[str]
) -> None:
    if None in row:
        reason = "more fields than the header: quote a number with a decimal comma "
        reason += "in a file separated by commas"
        table.problems.append(Problem(f"row {number}", reason))
        return
    code = (row.get(CODE_COLUMN) or "").strip()
    if not COMMUNE_CODE.match(code):
        reason = f"invalid CODGEO {code[:20]!r}: expected a commune code like 07186"
        table.problems.append(Problem(f"row {number}", reason))
        return
    if code in table.values:
        reason = f"CODGEO {code} already given on row {table.rows[code]}"
        table.problems.append(Problem(f"row {number}", reason))
        return
    values: dict[str, Decimal] = {}
    for column in table.columns:
        cell = (row.get(column) or "").strip()
        if not cell:
            continue
        value = parse_number(cell)
        origin = f"row {number}, column {column}"
        if value is None:
            reason = f"invalid number {cell[:20]!r}: write digits with a decimal "
            reason += "comma or point, or leave the cell empty"
            table.problems.append(Problem(origin, reason))
        elif value < 0 and column in non_negative:
            table.problems.append(Problem(origin, f"negative count {cell}"))
        else:
            values[column] = value
    table.values[code] = values
    table.rows[code] = number


def parse_number(cell: str) -> Decimal | None:
    """Return the number in a cell with a decimal comma or point, or None."""
    compact = cell.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(compact):
        return None
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _decode(data: bytes) -> str:
    """Return the text of a file in UTF-8, with or without BOM, or in Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """Return `;` or `,`, whichever separates more fields of the header line."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") >= header.count(",") else ","
