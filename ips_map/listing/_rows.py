"""The rows of a raw table read into records, whole columns at a time.

A listing's cells are put in columns once (:func:`_cells`); empty rows, values beyond the
header and exact copies of an earlier row are found by column operations. Each column is
then normalised by the functions of :mod:`~ips_map.listing.values`, called once per
distinct value (pandas' factorize) and mapped back to the rows: a million services share
a few statuts, types and communes. Python runs per row only for the rows that have a
problem, to write it with the row's line, column and value.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ips_map.errors import Problem
from ips_map.listing._normalise import Normalised
from ips_map.listing.columns import COLUMNS, Header
from ips_map.listing.formats import RawTable
from ips_map.progress import SILENT, Progress


@dataclass
class Rows:
    """The rows of a table read: the usable records, the rejected rows, the exact copies of
    an earlier row, the problems found, and how many rows were not empty."""

    records: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejects: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: int = 0


class _Cells:
    """The stripped cells of the rows that are not empty, by column index (None where a row
    is shorter), with each row's line and number of cells."""

    def __init__(self, table: RawTable):
        raws = [raw for _, raw in table.rows]
        lines = np.fromiter((start for start, _ in table.rows), np.int64, len(raws))
        lengths = np.fromiter(map(len, raws), np.int64, len(raws))
        width = max(len(table.header), int(lengths.max()) if len(raws) else 0)
        if len(raws) and (lengths != width).any():
            # Shorter rows padded with None (no cell), not "" (an empty one).
            raws = [raw + [None] * (width - len(raw)) if len(raw) < width else raw for raw in raws]
        grid = np.empty((len(raws), width), dtype=object)
        if len(raws) and width:
            grid[:, :] = raws
        columns, filled = [], np.zeros(len(raws), dtype=bool)
        for j in range(width):
            column = _stripped(grid[:, j])
            columns.append(column)
            filled |= _filled(column)
        kept = np.flatnonzero(filled)
        self.lines = lines[kept]
        self.lengths = lengths[kept]
        self.columns = [column[kept] for column in columns]
        self.size = len(kept)

    def row(self, position: int) -> list[str]:
        """The cells of one row, as it was written."""
        return [c[position] for c in self.columns[: self.lengths[position]]]


def _stripped(cells: np.ndarray) -> np.ndarray:
    """The cells of one column without their surrounding blanks (None where there is none)."""
    present = ~_none(cells)
    if present.all():
        with contextlib.suppress(TypeError):  # a cell that is not text: below
            return np.fromiter(map(str.strip, cells.tolist()), dtype=object, count=len(cells))
    out = cells.copy()
    out[present] = [str(cell).strip() for cell in cells[present].tolist()]
    return out


def _none(column: np.ndarray) -> np.ndarray:
    """True where a cell is missing (None)."""
    return np.equal(column, None)


def _filled(column: np.ndarray) -> np.ndarray:
    """True where a cell holds text (not missing, not "")."""
    return ~_none(column) & (column != "")


def read_rows(table: RawTable, header: Header, progress: Progress = SILENT) -> Rows:
    """Read each row of ``table`` that is not empty into a record, or a reject;
    ``progress`` is told the checks of the values, column by column."""
    cells = _Cells(table)
    rows = Rows(read=cells.size)
    width = len(table.header)
    overflow = _overflow_problems(table, cells)
    copies = _copies(cells, width)
    kept = np.flatnonzero(copies < 0)
    record = _record_columns(cells, table.header, header.columns, kept)
    normalised = Normalised(record, header.as_written, table.unit)
    checks = len(normalised.steps())
    with progress.count("contrôles des valeurs", checks, "contrôle", detail=True) as advance:
        normalised.run(advance)
    by_row: dict[int, list[Problem]] = {}
    for position, problem in overflow:
        by_row.setdefault(position, []).append(problem)
    unit = table.unit
    for position in np.flatnonzero(copies >= 0).tolist():
        line, first = int(cells.lines[position]), int(cells.lines[copies[position]])
        name = record_name(cells, header, position)
        message = (
            f"doublon exact de la {unit} {first} : compté une seule fois (supprimez l'une des deux)"
        )
        by_row.setdefault(position, []).append(Problem(line, "", name, message, unite=unit))
        rows.duplicates.append(
            {
                "ligne": line,
                "nom": name,
                "colonne": "",
                "valeur": "",
                "raison": f"{unit} {line} : {message}",
            }
        )
    for k, found in normalised.warnings.items():
        by_row.setdefault(int(kept[k]), []).extend(found)
    for position in sorted(by_row):
        rows.problems.extend(by_row[position])
    rejected = np.zeros(len(kept), dtype=bool)
    for k, fatal in sorted(normalised.fatal.items()):
        rejected[k] = True
        rows.rejects.append(
            reject_record({"ligne": int(record["ligne"][k]), "nom": record["nom"][k]}, fatal)
        )
    rows.records = normalised.frame(~rejected)
    return rows


def record_name(cells: _Cells, header: Header, position: int) -> str:
    """The ``nom`` of a row as its record has it ("" when the row has none)."""
    name = ""
    for index, column in sorted(header.columns.items()):
        if column == "nom" and index < len(cells.columns):
            cell = cells.columns[index][position]
            name = name if cell is None else cell
    return name


def _overflow_problems(table: RawTable, cells: _Cells) -> list[tuple[int, Problem]]:
    """The problem of the values of each row beyond the header, or under no header."""
    header = table.header
    beyond = [j for j in range(len(cells.columns)) if j >= len(header) or not header[j].strip()]
    if not beyond:
        return []
    flagged = np.zeros(cells.size, dtype=bool)
    for j in beyond:
        flagged |= _filled(cells.columns[j])
    found = []
    for position in np.flatnonzero(flagged).tolist():
        row = cells.row(position)
        texts = [row[j] for j in beyond if j < len(row) and row[j]]
        message = (
            f"{len(row)} valeurs pour {len(header)} colonnes : valeurs en trop ignorées "
            "(un séparateur dans une valeur doit être entre guillemets)"
            if table.format == "csv" and len(row) > len(header)
            else "valeurs dans des colonnes sans en-tête : ignorées"
        )
        line = int(cells.lines[position])
        text = (table.delimiter or " | ").join(texts)
        found.append((position, Problem(line, "", text, message, unite=table.unit)))
    return found


def _copies(cells: _Cells, width: int) -> np.ndarray:
    """For each row, the position of the earlier row it copies exactly, -1 for none.

    Two rows are copies when their cells under the header are the same (a shorter row is
    not a copy of a longer one) and so are their values beyond it, empty ones left out.
    """
    groups = np.zeros(cells.size, dtype=np.int64)
    for j in range(min(width, len(cells.columns))):
        groups = _combine(groups, cells.columns[j])
    extra = range(width, len(cells.columns))
    if len(extra):
        tails = np.empty(cells.size, dtype=object)
        tails[:] = [()] * cells.size
        flagged = np.zeros(cells.size, dtype=bool)
        for j in extra:
            flagged |= _filled(cells.columns[j])
        for position in np.flatnonzero(flagged).tolist():
            tails[position] = tuple(
                cells.columns[j][position] for j in extra if cells.columns[j][position]
            )
        groups = _combine(groups, tails)
    _, firsts = np.unique(groups, return_index=True)
    first = firsts[groups] if cells.size else np.zeros(0, dtype=np.int64)
    return np.where(first == np.arange(cells.size), -1, first)


def _combine(groups: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Refine the numbering ``groups`` by the values of ``column``."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    combined, _ = pd.factorize(groups * max(len(uniques), 1) + codes)
    return combined.astype(np.int64)


def _record_columns(
    cells: _Cells, header: list[str], columns: dict[int, str], kept: np.ndarray
) -> dict[str, np.ndarray]:
    """The records of the rows at ``kept``: the canonical columns ("" when absent), the
    columns not recognised in ``extra`` (by header name), and ``ligne``."""
    size = len(kept)
    record: dict[str, np.ndarray] = {}
    for name in COLUMNS:
        column = np.full(size, "", dtype=object)
        for index in sorted(i for i, c in columns.items() if c == name):
            if index < len(cells.columns):
                cell = cells.columns[index][kept]
                present = ~_none(cell)
                column[present] = cell[present]
        record[name] = column
    unknown = [
        (i, header[i].strip()) for i in range(len(header)) if i not in columns and header[i].strip()
    ]
    record["extra"] = _objects(_extras(cells, unknown, kept))
    record["ligne"] = cells.lines[kept]
    return record


def _extras(cells: _Cells, unknown: list[tuple[int, str]], kept: np.ndarray) -> list[dict]:
    """Each row's cells under the headers not recognised, by header name (a later column of
    the same name wins); a row shorter than the header has none of those it lacks."""
    parts = [(name, cells.columns[i][kept]) for i, name in unknown if i < len(cells.columns)]
    names = [name for name, _ in parts]
    columns = [column.tolist() for _, column in parts]
    if not any(None in column for column in columns):
        return (
            [dict(zip(names, values)) for values in zip(*columns)]
            if names
            else [{} for _ in range(len(kept))]
        )
    return [
        {name: value for name, value in zip(names, values) if value is not None}
        for values in zip(*columns)
    ]


def _objects(items: list) -> np.ndarray:
    """An object array of ``items`` (tuples and dicts kept whole)."""
    array = np.empty(len(items), dtype=object)
    for k, item in enumerate(items):
        array[k] = item
    return array


def reject_record(row: dict, fatal: list[Problem]) -> dict:
    """Return the ``rejects.csv`` record of a row rejected for the ``fatal`` problems."""
    first = fatal[0]
    return {
        "ligne": row["ligne"],
        "nom": row["nom"],
        "colonne": first.colonne,
        "valeur": first.valeur,
        "raison": "; ".join(str(p) for p in fatal),
    }
