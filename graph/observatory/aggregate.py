"""Figures of a group of communes: sums of counts, quotients of sums for rates.

A count or an amount of an EPCI, a département or any set of communes is the sum of
its communes' values. A rate is never the mean of the communes' rates: it is the sum
of the numerators over the sum of the denominators, taken over the communes that have
both, times the rate's multiplier. A commune of 80 inhabitants and a town of 8,000 then
weigh what their populations weigh. Every answer lists the communes that had no value,
so that a partial sum is never taken for a complete one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Aggregate:
    """The figure of a group of communes and how complete it is."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    expected: int = 0
    present: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def sum_values(values: Mapping[str, float], communes: Sequence[str]) -> Aggregate:
    """Return the sum of the values of `communes`, listing those without a value."""
    present = [commune for commune in communes if commune in values]
    missing = [commune for commune in communes if commune not in values]
    total = sum(values[commune] for commune in present) if present else None
    return Aggregate(
        value=total,
        expected=len(communes),
        present=len(present),
        missing=missing,
    )


def quotient_of_sums(
    numerators: Mapping[str, float],
    denominators: Mapping[str, float],
    communes: Sequence[str],
    multiplier: float,
) -> Aggregate:
    """Return sum(numerators) / sum(denominators) × `multiplier` over `communes`.

    Only the communes with both a numerator and a denominator count; the others are
    listed as missing. The value is None when no commune counts or the denominators
    sum to zero.
    """
    present = [c for c in communes if c in numerators and c in denominators]
    missing = [c for c in communes if c not in numerators or c not in denominators]
    numerator = sum(numerators[c] for c in present) if present else None
    denominator = sum(denominators[c] for c in present) if present else None
    return Aggregate(
        value=quotient(numerator, denominator, multiplier),
        numerator=numerator,
        denominator=denominator,
        expected=len(communes),
        present=len(present),
        missing=missing,
    )


def quotient(
    numerator: float | None, denominator: float | None, multiplier: float
) -> float | None:
    """Return numerator / denominator × multiplier, or None without a usable pair."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator * multiplier


@dataclass(frozen=True)
class Change:
    """The change of a figure over `years`: from `start` to `end`."""

    years: int
    start: float
    end: float

    @property
    def difference(self) -> float:
        return self.end - self.start

    @property
    def relative(self) -> float | None:
        """Return the change as a share of the start value, or None from zero."""
        return self.difference / self.start if self.start else None


def change(by_year: Mapping[int, float], year: int, years: int) -> Change | None:
    """Return the change from `year - years` to `year`, or None if a value lacks."""
    if year not in by_year or year - years not in by_year:
        return None
    return Change(years, by_year[year - years], by_year[year])
