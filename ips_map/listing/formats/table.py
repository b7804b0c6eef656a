"""The raw table every format is read into, and what the readers of the formats share.

A :class:`RawTable` holds a listing's cells as text, each row with the number a user sees;
:func:`cell_text` writes a typed value (a workbook's number, a JSON list) as a user would
type it, and :func:`find_header` finds the header among the first rows.

The limits every format shares (:data:`MAX_COLUMNS`, :data:`MAX_ROWS`) are checked by each
reader before the work they bound, so that a file that is not a listing is refused at once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from ips_map.errors import Problem
from ips_map.territory.names import text_key

#: The formats read, as reports name them.
FORMAT_NAMES = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "xls": "Excel 97-2003 (XLS)",
    "ods": "OpenDocument (ODS)",
    "geojson": "GeoJSON",
}
#: Rows searched for the header of a CSV file or a spreadsheet (a title and blank rows often
#: come first).
HEADER_SEARCH_ROWS = 20
#: Most columns of a listing (a row with more values is refused): a listing has a dozen, and
#: thousands mean a wrong delimiter or a file that is not a listing.
MAX_COLUMNS = 1_000
#: Most rows of a listing (lines of a CSV file, rows of a sheet, features of a GeoJSON): as
#: many as a spreadsheet holds.
MAX_ROWS = 1_048_576


@dataclass
class RawTable:
    """A listing's cells as text, before any interpretation.

    ``rows`` holds ``(number, cells)`` pairs; ``number`` is what reports call the row's line
    (``unit`` says what it counts: "ligne" for CSV and spreadsheets, "entité" for GeoJSON).
    ``forced`` maps column indexes to canonical columns whatever their header says (the
    coordinates of a GeoJSON geometry).
    """

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    format: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    unit: str = "ligne"
    forced: dict[int, str] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)
    #: The text of the rows above the header (a title, notes), one line per row.
    title: list[str] = field(default_factory=list)


def cell_text(value) -> str:
    """Return a spreadsheet or JSON value as the text a user would type.

    Whole numbers lose their ".0" (a postcode typed as a number, 1000.0, reads "1000"),
    dates are ISO, booleans "oui"/"non", lists their items separated by "; ", empty
    values "".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, (list, tuple)):
        # A list property (["13", "83"], [13, 83]) is a list of values, as a user would type
        # it: "13; 83". Its JSON text ("[13, 83]") would be read as "[13" and "83]".
        parts = (
            json.dumps(item, ensure_ascii=False)
            if isinstance(item, (dict, list))
            else cell_text(item)
            for item in value
        )
        return "; ".join(part for part in parts if part)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def find_header(rows: list[list[str]], header_index: dict[str, str]) -> tuple[int, int] | None:
    """Return (row index, recognised columns) of the first row that looks like a header.

    ``header_index`` maps header keys (``text_key``) to canonical columns. A header has a
    ``nom`` column; the first row with another known column too is preferred (a sheet
    describing the columns has "nom" in a cell, alone on its row).
    """
    found = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {header_index.get(text_key(cell.replace("_", " "))) for cell in row} - {None}
        if "nom" in known:
            if len(known) > 1:
                return index, len(known)
            found = found or (index, 1)
    return found


def has_text(cells: list[str]) -> bool:
    """Return True when a row has a cell that is not blank."""
    return any(map(str.strip, cells))
