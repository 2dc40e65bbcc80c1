"""Statistical secrecy: primary suppression under a threshold, secondary in tables."""

from __future__ import annotations

from decimal import Decimal

from maillage.graph.observatory.secrecy import (
    PRIMARY,
    SECONDARY,
    Table,
    apply_secrecy,
)


def cells(**values: int) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in values.items()}


def test_apply_secrecy_hides_count_under_threshold():
    found = apply_secrecy(cells(a=4, b=5, c=120, d=200), [], 5)
    assert {key: s.rule for key, s in found.cells.items()} == {"a": PRIMARY}


def test_apply_secrecy_publishes_zero():
    found = apply_secrecy(cells(a=0, b=50), [], 5)
    assert found.cells == {}


def test_apply_secrecy_reason_names_threshold():
    found = apply_secrecy(cells(a=2), [], 5)
    assert found.cells["a"].reason.startswith("Effectif inférieur à 5"), found.cells


def test_apply_secrecy_hides_next_smallest_when_one_hidden():
    values = cells(a=3, b=40, c=12, d=90)
    found = apply_secrecy(values, [Table("epci", ("a", "b", "c", "d"))], 5)
    # Without c, the total 145 minus 40 and 90 would give a = 3 back.
    assert {key: s.rule for key, s in found.cells.items()} == {
        "a": PRIMARY,
        "c": SECONDARY,
    }


def test_apply_secrecy_two_hidden_need_no_secondary():
    values = cells(a=3, b=2, c=12, d=90)
    found = apply_secrecy(values, [Table("epci", ("a", "b", "c", "d"))], 5)
    assert sorted(found.cells) == ["a", "b"]


def test_apply_secrecy_secondary_cascades_to_other_tables():
    values = cells(a=3, b=40, c=12, d=90, e=7, f=300)
    tables = [
        Table("epci-1", ("a", "b", "c")),
        Table("epci-2", ("d", "e", "f")),
        # c and e share the département table of both EPCI.
        Table("departement", ("c", "e")),
    ]
    found = apply_secrecy(values, tables, 5)
    # c is hidden to protect a in epci-1. Then c is alone hidden in the département
    # table, so e is hidden, and e alone in epci-2, so d, the smallest left, is too.
    assert {key: s.rule for key, s in found.cells.items()} == {
        "a": PRIMARY,
        "c": SECONDARY,
        "e": SECONDARY,
        "d": SECONDARY,
    }


def test_apply_secrecy_hides_total_under_threshold():
    values = cells(a=1, b=2)
    found = apply_secrecy(values, [Table("epci", ("a", "b"))], 5)
    assert found.totals["epci"].rule == PRIMARY


def test_apply_secrecy_hides_total_of_single_hidden_cell():
    values = cells(a=3, b=0)
    # The total 3 is under the threshold, so a is safe: the total is hidden instead.
    found = apply_secrecy(values, [Table("epci", ("a", "missing"))], 5)
    assert list(found.totals) == ["epci"]


def test_apply_secrecy_missing_cells_are_ignored():
    values = cells(a=3, b=40, c=12)
    found = apply_secrecy(values, [Table("epci", ("a", "b", "c", "x"))], 5)
    assert sorted(found.cells) == ["a", "c"]


def test_apply_secrecy_without_threshold_hides_nothing():
    found = apply_secrecy(cells(a=1), [Table("t", ("a",))], None)
    assert (found.cells, found.totals) == ({}, {})
