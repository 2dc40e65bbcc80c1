"""Statistical secrecy: which values of a table may be published.

Rules are set per indicator (`mlg:secrecyThreshold` on a count): a value from 1 to the
threshold minus one is hidden, which is primary suppression. A zero is published, so a
hidden value reads as "between 1 and the threshold minus one".

Secondary suppression protects hidden values from subtraction. A published table is a
set of cells that add up to a published total, such as the communes of an EPCI and the
EPCI's figure. When exactly one cell of such a table is hidden, the total minus the
other cells would give it back, so the smallest published cell is hidden too. Hiding a
cell may leave another table with one hidden cell, so the rule runs again over every
table until nothing changes. A total that is itself hidden protects its cells, and a
table whose only cell is hidden hides its total.

A hidden value is reported as hidden with its reason, never as zero or as missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

PRIMARY = "primary"
SECONDARY = "secondary"
# A rate whose numerator is hidden is hidden too: numerator = rate × denominator.
NUMERATOR = "numerator"


@dataclass(frozen=True)
class Suppression:
    """Why a value is hidden: the rule that applies and its French explanation."""

    rule: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class Table:
    """Cells that add up to a total: `cells` and `total` are keys, `label` names it."""

    total: str
    cells: tuple[str, ...]
    label: str = ""


@dataclass
class SecrecyResult:
    """The hidden cells and the hidden totals of a set of tables."""

    cells: dict[str, Suppression] = field(default_factory=dict)
    totals: dict[str, Suppression] = field(default_factory=dict)


def primary(threshold: int) -> Suppression:
    return Suppression(
        PRIMARY,
        f"Effectif inférieur à {threshold} : valeur masquée par le secret statistique.",
    )


def secondary(table: Table) -> Suppression:
    where = f" de {table.label}" if table.label else ""
    return Suppression(
        SECONDARY,
        "Valeur masquée par secret secondaire : sans ce masque, une valeur cachée "
        f"se déduirait du total{where}.",
    )


NUMERATOR_HIDDEN = Suppression(
    NUMERATOR, "Numérateur masqué par le secret statistique : taux non publié."
)


def is_below(value: Decimal, threshold: int | None) -> bool:
    """Return True when `value` falls under the primary rule of `threshold`."""
    return threshold is not None and 0 < value < threshold


def apply_secrecy(
    values: Mapping[str, Decimal], tables: Iterable[Table], threshold: int | None
) -> SecrecyResult:
    """Return the cells and totals to hide among `values`, grouped in `tables`.

    `values` holds the cells that have a value; a cell of a table with no value is
    missing and neither hides nor reveals anything. A total is the sum of its table's
    cells that have a value.
    """
    result = SecrecyResult()
    if threshold is None:
        return result
    for key, value in values.items():
        if is_below(value, threshold):
            result.cells[key] = primary(threshold)
    tables = [_present(table, values) for table in tables]
    for table in tables:
        total = sum((values[cell] for cell in table.cells), Decimal(0))
        if table.cells and is_below(total, threshold):
            result.totals[table.total] = primary(threshold)
    _suppress_secondary(result, tables, values)
    return result


def _present(table: Table, values: Mapping[str, Decimal]) -> Table:
    cells = tuple(cell for cell in table.cells if cell in values)
    return Table(table.total, cells, table.label)


def _suppress_secondary(
    result: SecrecyResult, tables: list[Table], values: Mapping[str, Decimal]
) -> None:
    changed = True
    while changed:
        changed = False
        for table in tables:
            if table.total in result.totals:
                continue
            hidden = [cell for cell in table.cells if cell in result.cells]
            if len(hidden) != 1:
                continue
            shown = [cell for cell in table.cells if cell not in result.cells]
            if shown:
                smallest = min(shown, key=lambda cell: (values[cell], cell))
                result.cells[smallest] = secondary(table)
            else:
                result.totals[table.total] = secondary(table)
            changed = True
