"""The legal status of every action of the action plan, as rows and as CSV.

One row per action and date checked: the action's start and end dates, or the one date
asked for. An action with no date gets one row without a date, whose status is
undetermined. `docs/legal.md` lists the columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from maillage.graph.legal.basis import ActionBasis, action_basis
from maillage.graph.legal.facts import LegalFacts
from maillage.graph.legal.flags import STATUS_LABELS, Flag, Status, unique, worst

REPORT_COLUMNS: tuple[str, ...] = (
    "number",
    "action",
    "title",
    "date",
    "status",
    "status_label",
    "leads",
    "competences",
    "territories",
    "flags",
    "flag_labels",
    "acts",
    "messages",
)

# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReportRow:
    """The legal status of one action on one date (None: the action has no date)."""

    basis: ActionBasis
    on: date | None
    status: Status
    flags: tuple[Flag, ...]
    acts: tuple[str, ...]


def build_report(facts: LegalFacts, on: date | None = None) -> list[ActionBasis]:
    """Check every action readable in `facts`, by number then IRI."""
    actions = sorted(
        facts.actions.values(),
        key=lambda action: (action.number is None, action.number or 0, action.iri),
    )
    return [action_basis(facts, action.iri, on) for action in actions]


def any_flag(bases: list[ActionBasis], code: str) -> bool:
    """Return True when an action, on any of its dates, carries the flag `code`."""
    for basis in bases:
        flags = [*basis.flags]
        for verdict in basis.verdicts:
            flags.extend(verdict.flags)
        if any(flag.code == code for flag in flags):
            return True
    return False


def report_rows(bases: list[ActionBasis]) -> list[ReportRow]:
    """Flatten the bases into one row per action and date."""
    rows = []
    for basis in bases:
        if not basis.verdicts:
            rows.append(ReportRow(basis, None, basis.status, tuple(basis.flags), ()))
            continue
        for verdict in basis.verdicts:
            acts = tuple(dict.fromkeys(act for f in verdict.findings for act in f.acts))
            flags = tuple(unique([*basis.flags, *verdict.flags]))
            extra = [Status.UNDETERMINED] if basis.flags else []
            status = worst([verdict.status, *extra])
            rows.append(ReportRow(basis, verdict.on, status, flags, acts))
    return rows


def serialize_report_csv(facts: LegalFacts, rows: list[ReportRow]) -> str:
    """Write the rows as CSV (RFC 4180), with the columns of `REPORT_COLUMNS`.

    Lists inside a cell are joined by ` | `. A text cell that a spreadsheet would run
    as a formula gets a leading apostrophe.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in _values(facts, row)])
    return buffer.getvalue()


def _values(facts: LegalFacts, row: ReportRow) -> list[str]:
    action = row.basis.action
    return [
        str(action.number) if action.number is not None else "",
        action.iri,
        action.title,
        row.on.isoformat() if row.on is not None else "",
        row.status.value,
        STATUS_LABELS[row.status],
        _join(facts.label(lead) for lead in action.leads),
        _join(facts.label(c) for c in action.competences),
        _join(facts.label(t) for t in action.territories),
        _join(flag.code for flag in row.flags),
        _join(dict.fromkeys(flag.label for flag in row.flags)),
        _join(row.acts),
        _join(flag.message for flag in row.flags),
    ]


def _join(values) -> str:
    return " | ".join(values)


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
