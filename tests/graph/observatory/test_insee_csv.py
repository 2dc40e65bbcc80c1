"""Reading commune tables in the INSEE layout."""

from __future__ import annotations

from decimal import Decimal

from maillage.graph.observatory.insee_csv import parse_number, read_commune_table


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "table.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_read_commune_table_semicolon_and_decimal_comma(tmp_path):
    path = write(
        tmp_path, "CODGEO;LIBGEO;P21_POP\n07186;Privas;8210,5\n07019;Alissas;1421\n"
    )
    table = read_commune_table(path, ["P21_POP"])
    assert table.values == {
        "07186": {"P21_POP": Decimal("8210.5")},
        "07019": {"P21_POP": Decimal("1421")},
    }
    assert table.delimiter == ";"


def test_read_commune_table_comma_and_decimal_point(tmp_path):
    path = write(tmp_path, "CODGEO,P21_POP\n07186,8210.5\n2A004,\n")
    table = read_commune_table(path, ["P21_POP"])
    assert table.values == {"07186": {"P21_POP": Decimal("8210.5")}, "2A004": {}}


def test_read_commune_table_quoted_decimal_comma(tmp_path):
    path = write(tmp_path, 'CODGEO,P21_POP\n07186,"8210,5"\n')
    table = read_commune_table(path, ["P21_POP"])
    assert table.values["07186"]["P21_POP"] == Decimal("8210.5")


def test_read_commune_table_windows_1252(tmp_path):
    path = write(tmp_path, "CODGEO;LIBGEO;P21_POP\n07186;Privas é;8\n", "cp1252")
    assert read_commune_table(path, ["P21_POP"]).values["07186"] == {
        "P21_POP": Decimal(8)
    }


def test_read_commune_table_utf8_bom(tmp_path):
    path = write(tmp_path, "\ufeffCODGEO;P21_POP\n07186;8\n")
    assert read_commune_table(path, ["P21_POP"]).problems == []


def test_read_commune_table_lists_each_bad_row(tmp_path):
    text = "CODGEO;P21_POP\n07186;12\n7186;12\n07019;douze\n07186;13\n07020;-4\n"
    table = read_commune_table(
        write(tmp_path, text), ["P21_POP"], non_negative={"P21_POP"}
    )
    found = [(p.origin, p.reason.split(":")[0]) for p in table.problems]
    assert found == [
        ("row 3", "invalid CODGEO '7186'"),
        ("row 4, column P21_POP", "invalid number 'douze'"),
        ("row 5", "CODGEO 07186 already given on row 2"),
        ("row 6, column P21_POP", "negative count -4"),
    ]


def test_read_commune_table_missing_column(tmp_path):
    table = read_commune_table(
        write(tmp_path, "CODGEO;P19_POP\n07186;1\n"), ["P21_POP"]
    )
    assert [p.origin for p in table.problems] == ["header"]
    assert "missing columns P21_POP" in table.problems[0].reason


def test_read_commune_table_unquoted_decimal_comma(tmp_path):
    table = read_commune_table(
        write(tmp_path, "CODGEO,P21_POP\n07186,8210,5\n"), ["P21_POP"]
    )
    assert "more fields than the header" in table.problems[0].reason


def test_parse_number_forms():
    found = [
        parse_number(text) for text in ("1 234,5", "1234.5", "-3", ",5", "1e3", "x")
    ]
    assert found == [
        Decimal("1234.5"),
        Decimal("1234.5"),
        Decimal(-3),
        Decimal("0.5"),
        Decimal("1E+3"),
        None,
    ]
