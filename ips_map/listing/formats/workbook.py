"""Workbook listings: Excel (XLSX, XLSM, XLS) and OpenDocument (ODS), read with python-calamine.

The sheet read is the first whose header (found among its first rows) has a ``nom`` column
and another known one; other sheets that look like listings are reported, not read. Rows
are numbered as the spreadsheet shows them.
"""

from __future__ import annotations

import io

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats.table import FORMAT_NAMES, RawTable, cell_text, find_header

#: A sheet of a workbook: its name and its rows of text cells.
Sheet = tuple[str, list[list[str]]]


def read_workbook(path: str, data: bytes, fmt: str, header_index: dict[str, str]) -> RawTable:
    """Read the bytes of a workbook (named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys to canonical columns: it tells which sheet holds the
    listing and on which row its header is.
    """
    sheets = _sheets(path, data, fmt)
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
                f"les {index} ligne(s) au-dessus (titre, notes) sont ignorées",
            )
        )
    return RawTable(
        header=rows[index],
        header_line=index + 1,
        rows=[(i + 1, row) for i, row in enumerate(rows) if i > index],
        format=fmt,
        sheet=name,
        notes=notes,
    )


def _sheets(path: str, data: bytes, fmt: str) -> list[Sheet]:
    """Return the worksheets of a workbook (not its chart sheets), their cells as text."""
    # python-calamine is imported when a workbook is read, not when a CSV is.
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types, and ValueError
        raise ListingError(
            f"{path}: classeur {FORMAT_NAMES[fmt]} illisible ({type(exc).__name__}: {exc}). "
            "Ouvrez-le dans un tableur et enregistrez-le de nouveau, ou exportez-le en CSV."
        ) from exc
    sheets: list[Sheet] = []
    for meta in workbook.sheets_metadata:
        if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        rows = [
            [cell_text(v).strip() for v in row] for row in sheet.to_python(skip_empty_area=False)
        ]
        sheets.append((meta.name, rows))
    if not sheets:
        raise ListingError(f"{path}: le classeur n'a aucune feuille de calcul.")
    return sheets


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
