"""Read a listing file into a plain table of text cells, whatever its format.

:func:`detect_format` tells the format from the first bytes, the extension or the content;
:func:`read_table` reads the file with the reader of its format (:mod:`.csv`,
:mod:`.workbook`, :mod:`.geojson`) into a :class:`~.table.RawTable`. Nothing is normalised
here: :mod:`ips_map.listing.read` maps the header and reads the values.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ips_map.errors import ListingError
from ips_map.listing.formats._workbook_size import DAMAGED_ARCHIVE
from ips_map.listing.formats.csv import read_csv
from ips_map.listing.formats.geojson import read_geojson
from ips_map.listing.formats.table import FORMAT_NAMES, RawTable
from ips_map.listing.formats.workbook import read_workbook
from ips_map.progress import SILENT, Progress

__all__ = ["EXTENSIONS", "FORMAT_NAMES", "RawTable", "detect_format", "read_table"]

_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
#: Formats read, by file extension.
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".ods": "ods",
    ".geojson": "geojson",
    ".json": "geojson",
}


def detect_format(
    path: Path, data: bytes, *, trust_extension: bool = True, label: str | None = None
) -> str:
    """Return the format of a listing from its first bytes, its extension or its content.

    A workbook's signature (a ZIP holding an XLSX or ODS, an OLE2 file for XLS) wins over
    the extension: a workbook renamed or saved as ``.csv`` is still a workbook. Otherwise a
    ``.csv`` or ``.geojson`` extension is trusted (when ``trust_extension``), and else the
    content tells (JSON, HTML, or CSV). ``label`` names the listing in messages (its URL);
    ``path`` by default.
    """
    label = label or str(path)
    stated = EXTENSIONS.get(path.suffix.lower()) if trust_extension else None
    if data.startswith(b"PK\x03\x04"):
        found = _zip_format(data)
        if found:
            return found
        if stated in ("xlsx", "ods"):
            return stated  # a damaged workbook: its reader says it is unreadable
        raise ListingError(
            f"{label}: archive ZIP qui n'est ni un classeur Excel (XLSX) ni un classeur "
            "OpenDocument (ODS). Si elle contient la liste, décompressez-la et donnez le "
            "fichier qu'elle contient."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if stated in ("csv", "geojson"):
        return stated
    # No workbook signature, whatever the extension says (a CSV or a web page saved as
    # ".xls"): the content tells.
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<")):
        raise ListingError(
            f"{label}: c'est une page web (HTML), pas une liste. Pour une feuille en ligne, "
            "donnez l'adresse de son export CSV publié (Google Sheets : Fichier › Partager › "
            "Publier sur le Web › CSV ; framacalc : adresse terminée par .csv)."
        )
    if head.startswith((b"{", b"[")):
        return "geojson"
    return "csv"


def _zip_format(data: bytes) -> str | None:
    """Return "xlsx" or "ods" for a ZIP holding that workbook, else None (a damaged one
    included: its reader says what is wrong)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    if member.read(64).startswith(_ODS_MIMETYPE):
                        return "ods"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except DAMAGED_ARCHIVE:
        pass
    return None


def read_table(
    path: str, data: bytes, fmt: str, header_index: dict[str, str], progress: Progress = SILENT
) -> RawTable:
    """Read ``data`` (the bytes of the listing named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys (``text_key``) to canonical columns: the header of a
    CSV file or a spreadsheet is found among its first rows by the columns it names.
    ``progress`` is told the rows read (a detail of the reading step).
    """
    if fmt == "csv":
        return read_csv(path, data, header_index, progress)
    if fmt in ("xlsx", "xls", "ods"):
        return read_workbook(path, data, fmt, header_index, progress)
    if fmt == "geojson":
        return read_geojson(path, data, progress)
    raise ListingError(f"{path}: format « {fmt} » non pris en charge.")  # pragma: no cover
