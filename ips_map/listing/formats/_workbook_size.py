"""How much an XLSX or ODS workbook holds, measured before python-calamine reads it.

python-calamine makes each sheet a dense rectangle, from its first to its last cell, and
ends the process (no exception: a failed allocation) when that rectangle does not fit in
memory: a 5 Ko XLSX with one value in XFD1048576, or an ODS whose cells and rows say they
are repeated millions of times, would take the build down. The archive's members are
therefore unpacked here first (at most :data:`MAX_UNPACKED` bytes in all), and each sheet's
extent is read from its XML (positions of the cells that hold something, repeats counted)
to refuse a workbook larger than :data:`MAX_SHEET_CELLS` cells. The extent measured is never
smaller than the one python-calamine would build: a cell counts as soon as it may hold a
value.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ips_map.errors import ListingError
from ips_map.listing.formats.table import FORMAT_NAMES
from ips_map.vocabulary import thousands

#: Bytes a workbook's archive may unpack to: a listing of a million rows takes a few hundred
#: megabytes of XML.
MAX_UNPACKED = 512 << 20
#: Cells a workbook's sheets may span together (empty cells inside each sheet's rectangle
#: included): a million rows of ten columns.
MAX_SHEET_CELLS = 10_000_000

#: Attributes of a tag, quoted values read whole (a ">" inside one does not end the tag).
_ATTRIBUTES = rb"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+"""
#: What an XML reader reads as one piece from a "<": a comment, a CDATA section, a
#: processing instruction, a declaration, or a tag (its name and attributes).
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!" + _ATTRIBUTES + rb">"
    rb"|<(?P<closing>/?)(?P<name>[^\s/>!?]+)(?P<attributes>" + _ATTRIBUTES + rb")>",
    re.S,
)
#: The XML declaration that may open a member.
_DECLARATION = re.compile(rb"\s*<\?xml[^<>]*\?>")
#: What makes a tag impossible to tell by its brackets alone: a "<" or ">" inside a quoted
#: value, or an "=" spaced from its value.
_UNPLAIN = (
    re.compile(rb'="[^"<>]*[<>]'),
    re.compile(rb"='[^'<>]*[<>]"),
    re.compile(rb"=\s+[\"']"),
)
#: In plain XML (:func:`_plain`): a cell that may hold a value (not written ``<c …/>``),
#: and one that says where it is (``r`` first, as spreadsheets write it, or anywhere).
_XLSX_CELL = re.compile(rb"<c[\s>][^>]*(?<!/)>")
_XLSX_CELL_REFS = (
    re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>'),
    re.compile(rb"<c\s[^>]*?(?<=\s)r=[\"']([A-Z]{1,3})([0-9]{1,7})[\"'][^>]*(?<!/)>"),
)
_XLSX_TAGS = (b"row", b"c")
_ODS_TAGS = (b"table", b"table-row", b"table-cell", b"covered-table-cell")


#: What unpacking a damaged archive raises (NotImplementedError: a compression method no
#: spreadsheet writes; RuntimeError: an encrypted member).
DAMAGED_ARCHIVE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    ValueError,
    NotImplementedError,
)


class _Malformed(Exception):
    """A "<" that starts nothing an XML reader reads (python-calamine stops there too)."""


@dataclass
class _Extent:
    """The rectangle of a sheet's cells that hold something (0-based, inclusive)."""

    name: str = ""
    top: int | None = None
    bottom: int = 0
    left: int | None = None
    right: int = 0

    def add(self, row: int, column: int) -> None:
        """Stretch the rectangle over the cell at ``row``, ``column``."""
        self.top = row if self.top is None else min(self.top, row)
        self.left = column if self.left is None else min(self.left, column)
        self.bottom, self.right = max(self.bottom, row), max(self.right, column)

    @property
    def rows(self) -> int:
        return 0 if self.top is None else self.bottom - self.top + 1

    @property
    def columns(self) -> int:
        return 0 if self.left is None else self.right - self.left + 1


def check_workbook_size(path: str, data: bytes, fmt: str) -> None:
    """Refuse an XLSX or ODS workbook that unpacks to more than :data:`MAX_UNPACKED` bytes,
    or whose sheets span more than :data:`MAX_SHEET_CELLS` cells, before python-calamine
    reads it.

    Every member that python-calamine could read as a sheet is measured, whatever ``fmt``
    says (an archive may hold both an ODS's content and an XLSX's worksheets).

    Raises
    ------
    ListingError
        Saying what is too large and what to do, or that the archive is damaged.
    """
    extents = sheet_extents(path, data, fmt)
    for extent in extents:
        if extent.rows * extent.columns > MAX_SHEET_CELLS:
            raise sheet_too_large(path, extent.name, extent.rows, extent.columns)
    if sum(extent.rows * extent.columns for extent in extents) > MAX_SHEET_CELLS:
        raise sheets_too_large(path, sum(extent.rows * extent.columns for extent in extents))


def sheet_extents(path: str, data: bytes, fmt: str) -> list[_Extent]:
    """Return the rectangle of each sheet of an XLSX or ODS workbook, never smaller than the
    one python-calamine would build.

    Raises
    ------
    ListingError
        When the archive is damaged or unpacks to more than :data:`MAX_UNPACKED` bytes.
    """
    try:
        members = _unpack(path, data)
    except DAMAGED_ARCHIVE as exc:
        raise damaged_workbook(path, fmt, f"{type(exc).__name__}: {exc}") from exc
    extents: list[_Extent] = []
    try:
        for name, xml in members:
            extents += _ods_extents(xml) if name == "content.xml" else [_xlsx_extent(xml)]
    except _Malformed as exc:
        raise damaged_workbook(path, fmt, str(exc)) from exc
    return extents


def damaged_workbook(path: str, fmt: str, reason: str) -> ListingError:
    """Return the error for a workbook that cannot be read, for ``reason``."""
    return ListingError(
        f"{path}: classeur {FORMAT_NAMES[fmt]} illisible ({reason}). "
        "Ouvrez-le dans un tableur et enregistrez-le de nouveau, ou exportez-le en CSV."
    )


def sheet_too_large(path: str, sheet: str, rows: int, columns: int) -> ListingError:
    """Return the error for a sheet of ``rows`` × ``columns`` cells, too many to read."""
    where = f"la feuille « {sheet} »" if sheet else "une feuille du classeur"
    return ListingError(
        f"{path}: {where} s'étend sur {thousands(rows)} lignes × {thousands(columns)} "
        f"colonnes, plus que les {thousands(MAX_SHEET_CELLS)} cellules qu'un classeur de "
        "liste peut avoir : une valeur isolée loin en bas ou à droite de la liste étend la "
        "feuille jusqu'à elle. Supprimez les lignes et les colonnes au-delà de la liste, ou "
        "exportez la liste en CSV."
    )


def _unpack(path: str, data: bytes) -> list[tuple[str, bytes]]:
    """Return the members of a workbook that may hold sheets (name as python-calamine may
    look it up, content), every member having been unpacked (and its checksum checked)
    within :data:`MAX_UNPACKED` bytes in all; a name twice is two members."""
    sheets: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        declared = sum(info.file_size for info in infos)
        if declared > MAX_UNPACKED:
            raise _unpacks_too_large(path, declared)
        for info in infos:
            # A member is never larger than its declared size (zipfile stops there and
            # checks the checksum): the sum above bounds what is unpacked.
            with archive.open(info) as member:
                content = member.read()
            name = info.filename.replace("\\", "/").lower().lstrip("/")
            if name.startswith("xl/worksheets/") and name.endswith(".bin"):
                raise ListingError(
                    f"{path}: classeur Excel binaire (XLSB), non pris en charge : "
                    "enregistrez-le en « Classeur Excel (.xlsx) » ou exportez-le en CSV."
                )
            if name == "content.xml" or name.startswith("xl/worksheets/"):
                sheets.append((name, content))
    return sheets


def sheets_too_large(path: str, cells: int) -> ListingError:
    """Return the error for sheets that span ``cells`` cells together, too many to read."""
    return ListingError(
        f"{path}: les feuilles du classeur s'étendent ensemble sur {thousands(cells)} "
        f"cellules, plus que les {thousands(MAX_SHEET_CELLS)} qu'un classeur de liste peut "
        "avoir : une valeur isolée loin en bas ou à droite d'une liste étend sa feuille "
        "jusqu'à elle. Supprimez les feuilles qui ne sont pas la liste, ou exportez la liste "
        "en CSV."
    )


def _unpacks_too_large(path: str, size: int) -> ListingError:
    return ListingError(
        f"{path}: le classeur se décompresse en {thousands(size // (1 << 20))} Mio, plus "
        f"que les {MAX_UNPACKED >> 20} Mio qu'un classeur de liste peut occuper : ce n'est "
        "sans doute pas une liste de services. Exportez la liste en CSV."
    )


# --- XLSX: cells at their reference, or counted along their row -----------------------------


def _xlsx_extent(xml: bytes) -> _Extent:
    """Return the rectangle of a worksheet's cells that may hold a value."""
    extent = _Extent()
    plain = _plain(xml)
    refs = _cell_references(xml) if plain else None
    if refs is not None:
        if refs:
            rows = list(map(int, [digits for _, digits in refs]))
            columns = [_column_number(letters) for letters in {letters for letters, _ in refs}]
            extent.add(min(rows) - 1, min(columns))
            extent.add(max(rows) - 1, max(columns))
        return extent
    # Some cells say no place: they follow the one before on the row, as python-calamine
    # places them (a row without a number follows the row before).
    row = column = 0
    for closing, tag, attributes in _tags(xml, _XLSX_TAGS, plain):
        empty = attributes.endswith(b"/")
        if tag == b"row":
            if closing:
                row, column = row + 1, 0
            elif not empty and (number := _attribute(attributes, b"r")) is not None:
                row = _digits(number) - 1
        elif not (closing or empty):
            reference = _attribute(attributes, b"r")
            if reference is not None:
                letters = bytes(c for c in reference if chr(c).isalpha())
                row, column = _digits(reference) - 1, _column_number(letters)
            extent.add(row, column)
            column += 1
    return extent


def _cell_references(xml: bytes) -> list[tuple[bytes, bytes]] | None:
    """Return the (column letters, row digits) of every cell of a plain worksheet that may
    hold a value, when each says where it is (as spreadsheets write them); else None."""
    if xml.find(b":c") >= 0 and re.search(rb"<[\w.-]+:c[\s/>]", xml):
        return None  # cells with a namespace prefix: read tag by tag
    cells = len(_XLSX_CELL.findall(xml))
    for pattern in _XLSX_CELL_REFS:
        refs = pattern.findall(xml)
        if len(refs) == cells:
            return refs
    return None


def _plain(xml: bytes) -> bool:
    """Return True for XML whose tags are told by their brackets alone: no comment, CDATA
    section or processing instruction (but the declaration), no bracket in a quoted value.

    In plain XML a search for a tag finds it, and only it: every "<" starts a tag and the
    first ">" after it ends the tag.
    """
    declaration = _DECLARATION.match(xml)
    start = declaration.end() if declaration else 0
    return (
        xml.find(b"<!", start) < 0
        and xml.find(b"<?", start) < 0
        and not any(pattern.search(xml, start) for pattern in _UNPLAIN)
    )


def _tags(xml: bytes, names: tuple[bytes, ...], plain: bool) -> Iterator[tuple[bool, bytes, bytes]]:
    """Yield (closing, local name, attributes) of each tag of an XML text named one of
    ``names``, read as an XML reader reads it: in plain XML (:func:`_plain`) found by their
    brackets; else read piece by piece, comments and CDATA sections skipped whole.

    Raises
    ------
    _Malformed
        At a "<" that starts nothing readable (a tag never closed…).
    """
    if plain:
        found = re.compile(rb"<(/?)(?:[\w.-]+:)?(" + b"|".join(names) + rb")(?=[\s/>])([^>]*)>")
        for match in found.finditer(xml):
            closing, name, attributes = match.groups()
            yield bool(closing), name, attributes
        return
    position = 0
    while (start := xml.find(b"<", position)) >= 0:
        token = _TOKEN.match(xml, start)
        if token is None:
            raise _Malformed(f"XML illisible à l'octet {start}")
        position = token.end()
        if token.group("name") is not None:
            name = token.group("name").rpartition(b":")[2]
            if name in names:
                yield bool(token.group("closing")), name, token.group("attributes")


def _attribute(attributes: bytes, name: bytes, *, any_prefix: bool = False) -> bytes | None:
    """Return the value of attribute ``name``, or None; with ``any_prefix``, whatever the
    namespace prefix before the name."""
    prefix = rb"(?:[\w.-]+:)?" if any_prefix else b""
    found = re.search(
        rb"(?:^|\s)" + prefix + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')""", attributes
    )
    if found is None:
        return None
    return found.group(1) if found.group(1) is not None else found.group(2)


#: More than any sheet holds, rows or columns: what a longer number is read as.
_HUGE = 10**12


def _digits(value: bytes) -> int:
    """Return the number written by the digits of ``value`` (at least 1)."""
    digits = bytes(c for c in value if 48 <= c <= 57).lstrip(b"0")
    return 1 if not digits else _HUGE if len(digits) > 12 else int(digits)


def _column_number(letters: bytes) -> int:
    """Return the index (from 0) of a column named by letters ("A" is 0, "AA" 26)."""
    if len(letters) > 8:
        return _HUGE
    number = 0
    for letter in letters.upper():
        number = number * 26 + (letter - 64)
    return max(number - 1, 0)


# --- ODS: rows and cells repeated -----------------------------------------------------------


@dataclass
class _Table:
    """An ODS table being read: its extent, the rows before the current one, the cells
    before the current one on it, and how many times the current row repeats."""

    extent: _Extent
    rows: int = 0
    cells: int = 0
    repeats: int = 1


def _ods_extents(xml: bytes) -> list[_Extent]:
    """Return the rectangle of each table's cells that may hold a value, repeats counted."""
    plain = _plain(xml)
    if plain and (extents := _plain_ods_extents(xml)) is not None:
        return extents
    extents = []
    tables: list[_Table] = []  # the tables open (a table may hold another in a cell)
    for closing, tag, attributes in _tags(xml, _ODS_TAGS, plain):
        empty = attributes.endswith(b"/")
        if tag == b"table":
            if closing and tables:
                tables.pop()
            elif not (closing or empty):
                name = _attribute(attributes, b"name", any_prefix=True) or b""
                extents.append(_Extent(name.decode("utf-8", "replace")))
                tables.append(_Table(extents[-1]))
        elif tables and tag == b"table-row":
            table = tables[-1]
            if closing:
                table.rows, table.cells = table.rows + table.repeats, 0
            else:
                table.repeats = _repeats(attributes, b"number-rows-repeated")
                table.rows += table.repeats if empty else 0
        elif tables and not closing:  # a cell
            table = tables[-1]
            repeats = _repeats(attributes, b"number-columns-repeated")
            if not empty or b"value-type" in attributes:
                table.extent.add(table.rows, table.cells)
                table.extent.add(table.rows + table.repeats - 1, table.cells + repeats - 1)
            table.cells += repeats
    return extents


def _repeats(attributes: bytes, name: bytes) -> int:
    """Return how many times a row or cell is repeated (1 when not said)."""
    value = _attribute(attributes, name, any_prefix=True) if name in attributes else None
    return 1 if value is None else _digits(value)


_ODS_TABLE = re.compile(rb"<table:table(?=[\s>])([^>]*)>")
_ODS_ROW = re.compile(rb"<table:table-row(?=[\s/>])([^>]*)>")
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell(?=[\s/>])([^>]*)>")
_ODS_ROW_END = b"</table:table-row>"
_ODS_TABLE_END = b"</table:table>"


def _plain_ods_extents(xml: bytes) -> list[_Extent] | None:
    """The extents of :func:`_ods_extents` for plain XML (:func:`_plain`) whose tables,
    rows and cells are all written with the ``table:`` prefix and no table holds another,
    as spreadsheets write them: read row by row. None for any other XML."""
    # Every ":table…" and ":covered-table-cell" is a tag with the "table:" prefix (or the
    # prefix's declaration): no table, row or cell is written with another prefix.
    tags = xml.count(b"<table:table") + xml.count(b"</table:table") + xml.count(b"xmlns:table")
    covered = xml.count(b"<table:covered-table-cell") + xml.count(b"</table:covered-table-cell")
    if xml.count(b":table") != tags or xml.count(b":covered-table-cell") != covered:
        return None
    extents = []
    position = 0
    while (table := _ODS_TABLE.search(xml, position)) is not None:
        end = xml.find(_ODS_TABLE_END, table.end())
        if end < 0 or _ODS_TABLE.search(xml, table.end(), end) is not None:
            return None  # a table never closed, or holding another
        name = _attribute(table.group(1), b"name", any_prefix=True) or b""
        extent = _plain_ods_table(xml, table.end(), end, name.decode("utf-8", "replace"))
        if extent is None:
            return None
        extents.append(extent)
        position = end
    return extents


def _plain_ods_table(xml: bytes, start: int, end: int, name: str) -> _Extent | None:
    """Return the extent of the table written in ``xml[start:end]``, row by row (None when
    a row is never closed)."""
    extent = _Extent(name)
    rows = 0
    position = start
    while (row := _ODS_ROW.search(xml, position, end)) is not None:
        attributes = row.group(1)
        repeats = _repeats(attributes, b"number-rows-repeated")
        if attributes.endswith(b"/"):
            position = row.end()
        else:
            position = xml.find(_ODS_ROW_END, row.end(), end)
            if position < 0 or _ODS_ROW.search(xml, row.end(), position) is not None:
                return None  # a row never closed, or holding another
            cells = _ODS_CELL.findall(xml, row.end(), position)
            repeated = xml.find(b"number-columns-repeated", row.end(), position) >= 0
            first, last = _row_extent(cells, repeated)
            if last:
                extent.add(rows, first)
                extent.add(rows + repeats - 1, last - 1)
        rows += repeats
    return extent


def _row_extent(cells: list[bytes], repeated: bool) -> tuple[int, int]:
    """Return (first, last + 1) of the positions that a row's cells that may hold a value
    take ((0, 0) for none), given each cell's attributes and whether any is repeated."""
    if not repeated:  # a cell is a position: the first and last that may hold a value tell
        held = [i for i in (0, len(cells) - 1) if cells and _holds(cells[i])]
        if len(held) == 2:
            return 0, len(cells)
    first, last, position = 0, 0, 0
    for attributes in cells:
        repeats = _repeats(attributes, b"number-columns-repeated") if repeated else 1
        if _holds(attributes):
            first = first if last else position
            last = position + repeats
        position += repeats
    return first, last


def _holds(attributes: bytes) -> bool:
    """Return True for an ODS cell that may hold a value (written with content or a value)."""
    return not attributes.endswith(b"/") or b"value-type" in attributes
