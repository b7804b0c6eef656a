"""Workbook listings: Excel (XLSX, XLSM, XLS) and OpenDocument (ODS), read with python-calamine.

The sheet read is the first whose header (found among its first rows) has a ``nom`` column
and another known one; other sheets that look like listings are reported, not read. Rows
are numbered as the spreadsheet shows them.

Whatever python-calamine raises on a damaged workbook (a truncated archive, broken XML, a
Rust panic) becomes a :class:`~ips_map.errors.ListingError`; a workbook too large for it to
read safely is refused before (:mod:`._workbook_size`), and a sheet of more than
:data:`~.table.MAX_COLUMNS` columns or :data:`~._workbook_size.MAX_SHEET_CELLS` cells
before its cells are turned into Python values.
"""

from __future__ import annotations

import io

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats._workbook_size import (
    MAX_SHEET_CELLS,
    check_workbook_size,
    damaged_workbook,
    sheet_too_large,
    sheets_too_large,
)
from ips_map.listing.formats.table import MAX_COLUMNS, RawTable, cell_text, find_header
from ips_map.progress import READ_BLOCK, SILENT, Advance, Progress, Tally
from ips_map.vocabulary import thousands

#: A sheet of a workbook: its name and its rows of text cells.
Sheet = tuple[str, list[list[str]]]


def read_workbook(
    path: str, data: bytes, fmt: str, header_index: dict[str, str], progress: Progress = SILENT
) -> RawTable:
    """Read the bytes of a workbook (named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys to canonical columns: it tells which sheet holds the
    listing and on which row its header is. ``progress`` is told the rows read.
    """
    sheets = _sheets(path, data, fmt, progress)
    listings = _listing_sheets(sheets, header_index)
    if listings:
        name, rows, (index, _) = listings[0]
    else:
        # No "nom" column anywhere: read the first sheet's first non-empty row, so that the
        # error names the columns that were found.
        name, rows = sheets[0]
        index = next((i for i, row in enumerate(rows) if any(row)), None)
        if index is None:
            raise ListingError(
                f"{path}: la feuille « {name} » est vide. Il faut au moins une colonne « nom »."
            )
    notes: list[Problem] = []
    # Other sheets with a "nom" column may hold services too (one sheet per département…):
    # say that they were not read. Sheets of notes or column descriptions are not listings.
    others = [other for other, _, (_, known) in listings[1:] if known > 1]
    if others:
        notes.append(_other_sheets_note(name, others))
    if index > 0 and any(any(row) for row in rows[:index]):
        notes.append(
            Problem(
                index + 1,
                "",
                "",
                f"en-tête trouvé à la ligne {index + 1} de la feuille « {name} » : "
                f"{'la ligne' if index < 2 else f'les {index} lignes'} au-dessus (titre, notes) "
                f"{'est ignorée' if index < 2 else 'sont ignorées'}",
            )
        )
    return RawTable(
        header=rows[index],
        header_line=index + 1,
        rows=[(i + 1, row) for i, row in enumerate(rows) if i > index and row],
        format=fmt,
        sheet=name,
        notes=notes,
        title=[" ".join(row) for row in rows[:index] if any(row)],
    )


def _sheets(path: str, data: bytes, fmt: str, progress: Progress) -> list[Sheet]:
    """Return the worksheets of a workbook (not its chart sheets), their cells as text.

    Raises
    ------
    ListingError
        When the workbook is damaged, too large, or has no worksheet.
    """
    if fmt in ("xlsx", "ods"):
        check_workbook_size(path, data, fmt)
    try:
        sheets = _read_sheets(path, data, progress)
    except ListingError:
        raise
    except Exception as exc:  # python-calamine raises its own error types, and ValueError…
        raise damaged_workbook(path, fmt, f"{type(exc).__name__}: {exc}") from exc
    except BaseException as exc:
        # …and a Rust panic is a BaseException (pyo3's PanicException): the workbook is
        # damaged; an interruption (Ctrl-C) is not.
        if type(exc).__name__ != "PanicException":
            raise
        raise damaged_workbook(path, fmt, f"{type(exc).__name__}: {exc}") from exc
    if not sheets:
        raise ListingError(f"{path}: le classeur n'a aucune feuille de calcul.")
    return sheets


def _read_sheets(path: str, data: bytes, progress: Progress) -> list[Sheet]:
    """Read the worksheets of a workbook with python-calamine (which may raise anything)."""
    # python-calamine is imported when a workbook is read, not when a CSV is.
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    found = []
    cells = 0
    for meta in workbook.sheets_metadata:
        if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        # The sheet's rectangle is known before its cells become Python values.
        height, width = sheet.height, sheet.width
        if width > MAX_COLUMNS:
            raise ListingError(
                f"{path}: la feuille « {meta.name} » a {thousands(width)} colonnes, plus que "
                f"les {thousands(MAX_COLUMNS)} qu'une liste peut avoir : une valeur isolée "
                "loin à droite de la liste étend la feuille jusqu'à elle. Supprimez les "
                "colonnes au-delà de la liste, ou exportez la liste en CSV."
            )
        if height * width > MAX_SHEET_CELLS:
            raise sheet_too_large(path, str(meta.name), height, width)
        cells += height * width
        if cells > MAX_SHEET_CELLS:
            raise sheets_too_large(path, cells)
        found.append((str(meta.name), sheet))
    total = sum(sheet.height for _, sheet in found)
    with progress.count("lignes du classeur", total, "ligne", detail=True) as advance:
        tally = Tally(advance, total)
        sheets = [(name, _sheet_rows(sheet, tally)) for name, sheet in found]
        tally.finish()
    return sheets


def _sheet_rows(sheet, advance: Advance) -> list[list[str]]:
    """The rows of a sheet as text, telling ``advance`` as they are read."""
    values = sheet.to_python(skip_empty_area=False)
    rows: list[list[str]] = []
    for start in range(0, len(values), READ_BLOCK):
        rows += [_row_text(row) for row in values[start : start + READ_BLOCK]]
        advance(min(READ_BLOCK, len(values) - start))
    return rows


def _row_text(values: list) -> list[str]:
    """Return a row's values as text; a blank row as an empty list (a stray value far down a
    sheet makes a million blank rows above it)."""
    if values.count("") == len(values):
        return []
    return [cell_text(value).strip() for value in values]


def _listing_sheets(
    sheets: list[Sheet], header_index: dict[str, str]
) -> list[tuple[str, list[list[str]], tuple[int, int]]]:
    """Return the sheets with a ``nom`` column, each with its header (row index, known
    columns): those whose header has several known columns first, then in the workbook's
    order."""
    found = [(name, rows, find_header(rows, header_index)) for name, rows in sheets]
    listings = [(name, rows, header) for name, rows, header in found if header is not None]
    return sorted(listings, key=lambda listing: listing[2][1] < 2)


def _other_sheets_note(name: str, others: list[str]) -> Problem:
    """Return the note saying that sheet ``name`` was read and the ``others`` were not."""
    return Problem(
        None,
        "",
        name,
        f"feuille « {name} » lue ; les feuilles "
        + ", ".join(f"« {n} »" for n in others)
        + " ont aussi une colonne « nom » mais ne sont pas lues : réunissez les "
        "services dans une seule feuille",
    )
