"""Read a listing file into a plain table of text cells, whatever its format.

Formats: CSV (as spreadsheets export it), XLSX / XLSM / XLS and ODS (read with
python-calamine), GeoJSON points. Each row keeps the number a user sees: the physical line
of a CSV file, the row of a spreadsheet, the index of a GeoJSON feature in ``features``.
Nothing is normalised here: :mod:`ips_map.listing` maps the header and reads the values.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from ips_map.errors import ListingError, Problem
from ips_map.territory.names import text_key

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
#: Canonical columns filled from a GeoJSON point's geometry.
GEOMETRY_COLUMNS = ("longitude", "latitude")


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
    """Return "xlsx" or "ods" for a ZIP holding that workbook, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument.spreadsheet"
            ):
                return "ods"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        pass
    return None


def read_table(path: str, data: bytes, fmt: str, header_index: dict[str, str]) -> RawTable:
    """Read ``data`` (the bytes of the listing named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys (``text_key``) to canonical columns: the header of a
    CSV file or a spreadsheet is found among its first rows by the columns it names.
    """
    if fmt == "csv":
        return _read_csv(path, data, header_index)
    if fmt in ("xlsx", "xls", "ods"):
        return _read_workbook(path, data, fmt, header_index)
    if fmt == "geojson":
        return _read_geojson(path, data)
    raise ListingError(f"{path}: format « {fmt} » non pris en charge.")  # pragma: no cover


# --- CSV ----------------------------------------------------------------------------------


def _decode(data: bytes, path: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ListingError(
                f"{path}: le fichier s'annonce en UTF-8 (BOM) mais contient un octet invalide "
                f"(octet {exc.start + 3}). Enregistrez-le de nouveau en « CSV UTF-8 »."
            ) from exc
    # Excel's « Texte Unicode » export is UTF-16 with a BOM.
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), "utf-16"
            except UnicodeDecodeError as exc:
                raise ListingError(
                    f"{path}: le fichier s'annonce en UTF-16 (BOM) mais est illisible "
                    f"(octet {exc.start + len(bom)}). Enregistrez-le en « CSV UTF-8 »."
                ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise ListingError(
            f"{path}: encodage illisible (ni UTF-8 ni Windows-1252, octet {exc.start}). "
            "Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur."
        ) from exc


DELIMITERS = (",", ";", "\t")
#: A quote that opens a quoted value: at the start of the text, a line or a value.
_OPENING_QUOTE = r'(?:\A|(?<=[\r\n{}]))"'
#: The rest of a quoted value, up to its closing quote ("" is a quote inside the value).
_QUOTED_REST = re.compile(r'[^"]*(?:""[^"]*)*"')
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, inside = 0, False
    for char in line:
        if char == '"':
            inside = not inside
        elif char == delimiter and not inside:
            count += 1
    return count


def _sniff_delimiter(text: str, header_index: dict[str, str]) -> str:
    """Return the delimiter of a CSV text.

    The delimiter under which a header (a ``nom`` column) is found among the first rows,
    with the most known columns, then the most cells; when no header is found, the
    delimiter most frequent outside quotes on the first non-empty line ("," when none is):
    ``nom;"Adresse (rue, n°)";commune`` is a ``;`` file.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    scores = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[list[str]] = []
        # A value over the size limit stops the reading: the rows above it still tell.
        with contextlib.suppress(csv.Error):
            rows.extend(itertools.islice(reader, HEADER_SEARCH_ROWS))
        found = _header_row(rows, header_index)
        if found is not None:
            index, known = found
            scores[delimiter] = (known, len(rows[index]))
    if scores:
        return max(scores, key=lambda d: (*scores[d], _count_outside_quotes(first, d)))
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _offset_of_line(text: str, line: int) -> int:
    """Return the position in ``text`` where physical line ``line`` (from 1) starts."""
    position = 0
    for _ in range(line - 1):
        match = _NEWLINE.search(text, position)
        if match is None:
            break
        position = match.end()
    return position


def _unclosed_quote(text: str, delimiter: str, start: int) -> int | None:
    """Return the position of a quote that opens a value after ``start`` (a position where
    a record starts) and is never closed, or None."""
    opening = re.compile(_OPENING_QUOTE.format(re.escape(delimiter)))
    position = start
    while (match := opening.search(text, position)) is not None:
        closing = _QUOTED_REST.match(text, match.end())
        if closing is None:
            return match.start()
        position = closing.end()
    return None


class _FieldTooLarge(Exception):
    """A value over the csv module's size limit, in the record starting on ``line``."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _parse_csv(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for raw in reader:
            records.append((line + 1, raw))
            line = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _FieldTooLarge(line + 1) from exc
        raise ListingError(
            f"{path}, ligne {line + 1} : CSV illisible ({exc}). Ouvrez le fichier dans un "
            "tableur et enregistrez-le de nouveau en « CSV UTF-8 »."
        ) from exc
    return records


def _csv_records(
    path: str, text: str, delimiter: str
) -> tuple[list[tuple[int, list[str]]], list[Problem], str]:
    """Return every record of a CSV text with the physical line where it starts, the
    quotes that were never closed, and the text as read (those quotes doubled).

    A quote that opens a value and is never closed makes the csv module read everything
    after it as one value: the rows below would be lost (or the value exceed the module's
    size limit). Such a quote can only be in the last record read: it is reported, doubled
    (an empty quoted text followed by the rest of the value, as if it were absent) and the
    text read again.

    Raises
    ------
    ListingError
        For what the csv module cannot read (a value over its size limit), naming the line.
    """
    problems: list[Problem] = []
    while True:
        try:
            records = _parse_csv(path, text, delimiter)
            too_large, last = None, records[-1][0] if records else 1
        except _FieldTooLarge as exc:
            too_large, last = exc.line, exc.line
        opened = _unclosed_quote(text, delimiter, _offset_of_line(text, last))
        if opened is None:
            break
        line = len(_NEWLINE.findall(text, 0, opened)) + 1
        following = len(io.StringIO(text[opened:], newline="").readlines()) - 1
        problems.append(
            Problem(
                line,
                "",
                text[opened : opened + 40].splitlines()[0],
                f'guillemet « " » ouvert et jamais refermé : il aurait réuni les {following} '
                "ligne(s) suivante(s) en une seule valeur ; il est ignoré et la ligne lue "
                "sans lui. Refermez-le après la valeur, ou retirez-le (un guillemet qui fait "
                'partie du texte s\'écrit doublé : « "" »)',
            )
        )
        text = text[:opened] + '"' + text[opened:]
    if too_large is not None:
        limit = csv.field_size_limit() // 1024
        quoted = '"' in io.StringIO(text, newline="").readlines()[too_large - 1]
        raise ListingError(
            f"{path}, ligne {too_large} : valeur de plus de {limit} Ko, illisible. "
            + (
                'Un guillemet (« " ») mal placé réunit sans doute les lignes suivantes en '
                f"une seule valeur : vérifiez les guillemets à partir de la ligne {too_large}."
                if quoted
                else "Ce n'est pas une liste de services : vérifiez que le fichier est bien "
                "la liste exportée en CSV."
            )
        )
    return records, problems, text


def _looks_like_a_row(line: str, delimiter: str, width: int) -> bool:
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return width >= 2 and len(cells) >= width and sum(bool(c.strip()) for c in cells) >= 2


def _misquoted(record: str, delimiter: str) -> bool:
    """Return True when a record's text breaks the quoting rules (text after a closing
    quote), which the csv module forgives by reading on."""
    try:
        for _ in csv.reader(io.StringIO(record, newline=""), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _swallowed_rows(
    text: str, rows: list[tuple[int, list[str]]], header: list[str], delimiter: str
) -> list[Problem]:
    """Warn about values spread over several lines by misplaced quotes.

    Two misplaced quotes (one opening a value, a later one closing it) make every line
    between them part of one value: those rows are not read. Such a value has lines that
    look like rows of the listing, or text after its closing quote.
    """
    problems: list[Problem] = []
    physical: list[str] | None = None
    ends = [start for start, _ in rows[1:]] + [None]
    for (start, cells), end in zip(rows, ends):
        if not any("\n" in cell or "\r" in cell for cell in cells):
            continue
        if physical is None:
            physical = io.StringIO(text, newline="").readlines()
        record = "".join(physical[start - 1 : None if end is None else end - 1])
        line = start
        for index, cell in enumerate(cells):
            lines = _NEWLINE.split(cell)
            if len(lines) < 2:
                continue
            rowlike = [row for row in lines[1:] if _looks_like_a_row(row, delimiter, len(header))]
            if rowlike or _misquoted(record, delimiter):
                column = header[index].strip() if index < len(header) else ""
                what = (
                    f"dont {len(rowlike)} ressemble(nt) à des lignes de la liste"
                    if rowlike
                    else "avec du texte après son guillemet fermant"
                )
                problems.append(
                    Problem(
                        line,
                        column,
                        (rowlike or lines[1:])[0][:80],
                        f"valeur entre guillemets sur {len(lines)} lignes ({line} à "
                        f"{line + len(lines) - 1}), {what} : des lignes de la liste sont sans "
                        'doute lues comme une partie de cette valeur. Un guillemet « " » est '
                        "mal placé : refermez la valeur au bon endroit (un guillemet qui fait "
                        'partie du texte s\'écrit doublé : « "" »)',
                    )
                )
                break
            line += len(lines) - 1
    return problems


def _read_csv(path: str, data: bytes, header_index: dict[str, str]) -> RawTable:
    text, encoding = _decode(data, path)
    if not text.strip():
        raise ListingError(f"{path}: le fichier est vide. Il faut au moins une colonne « nom ».")
    delimiter = _sniff_delimiter(text, header_index)
    records, notes, text = _csv_records(path, text, delimiter)
    found = _header_row([cells for _, cells in records], header_index)
    if found is not None:
        index = found[0]
    else:
        # No "nom" column: the first non-empty record is taken as the header, so that the
        # error names the columns that were found.
        index = next((i for i, (_, cells) in enumerate(records) if any(map(str.strip, cells))), 0)
    header_line, header = records[index]
    if any(any(map(str.strip, cells)) for _, cells in records[:index]):
        notes.append(
            Problem(
                header_line,
                "",
                "",
                f"en-tête trouvé à la ligne {header_line} : les {header_line - 1} ligne(s) "
                "au-dessus (titre, notes) sont ignorées",
            )
        )
    rows = records[index + 1 :]
    notes += _swallowed_rows(text, rows, header, delimiter)
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


# --- spreadsheets ---------------------------------------------------------------------------


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


def _header_row(rows: list[list[str]], header_index: dict[str, str]) -> tuple[int, int] | None:
    """Return (row index, recognised columns) of the first row that looks like a header.

    A header has a ``nom`` column; the first row with another known column too is
    preferred (a sheet describing the columns has "nom" in a cell, alone on its row).
    """
    found = None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        known = {header_index.get(text_key(cell.replace("_", " "))) for cell in row} - {None}
        if "nom" in known:
            if len(known) > 1:
                return index, len(known)
            found = found or (index, 1)
    return found


def _read_workbook(path: str, data: bytes, fmt: str, header_index: dict[str, str]) -> RawTable:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises its own error types, and ValueError
        raise ListingError(
            f"{path}: classeur {FORMAT_NAMES[fmt]} illisible ({type(exc).__name__}: {exc}). "
            "Ouvrez-le dans un tableur et enregistrez-le de nouveau, ou exportez-le en CSV."
        ) from exc
    sheets: list[tuple[str, list[list[str]]]] = []
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

    candidates = [(name, rows, _header_row(rows, header_index)) for name, rows in sheets]
    candidates = [(name, rows, found) for name, rows, found in candidates if found is not None]
    # Sheets whose header has several known columns first, then in the workbook's order.
    listings = sorted(candidates, key=lambda c: c[2][1] < 2)
    chosen = (listings[0][0], listings[0][1], listings[0][2][0]) if listings else None
    notes: list[Problem] = []
    if chosen is None:
        # No "nom" column anywhere: read the first sheet's first non-empty row, so that the
        # error names the columns that were found.
        name, rows = sheets[0]
        first = next((i for i, row in enumerate(rows) if any(row)), None)
        if first is None:
            raise ListingError(
                f"{path}: la feuille « {name} » est vide. Il faut au moins une colonne « nom »."
            )
        chosen = (name, rows, first)
    name, rows, index = chosen
    # Other sheets with a "nom" column may hold services too (one sheet per département…):
    # say that they were not read. Sheets of notes or column descriptions are not listings.
    others = [n for n, _, (_, known) in listings[1:] if known > 1]
    if others:
        notes.append(
            Problem(
                None,
                "",
                name,
                f"feuille « {name} » lue ; les feuilles "
                + ", ".join(f"« {n} »" for n in others)
                + " ont aussi une colonne « nom » mais ne sont pas lues : réunissez les "
                "services dans une seule feuille",
            )
        )
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
    header = rows[index]
    # Trailing columns without a header and empty everywhere are the sheet's used range.
    body = [(i + 1, row) for i, row in enumerate(rows) if i > index]
    return RawTable(
        header=header,
        header_line=index + 1,
        rows=body,
        format=fmt,
        sheet=name,
        notes=notes,
    )


# --- GeoJSON ----------------------------------------------------------------------------------


def _read_geojson(path: str, data: bytes) -> RawTable:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ListingError(f"{path}: GeoJSON illisible ({exc}).") from exc
    if isinstance(document, dict) and document.get("type") == "Feature":
        features = [document]
    elif isinstance(document, dict) and document.get("type") == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ListingError(
                f"{path}: le membre « features » de la FeatureCollection "
                + (
                    "manque"
                    if features is None
                    else f"n'est pas une liste ({_json_kind(features)})"
                )
                + " : il doit être la liste des entités (une par service)."
            )
        if not features:
            raise ListingError(
                f"{path}: FeatureCollection sans aucune entité (« features » est vide) : "
                "il faut une entité par service, ses propriétés étant les colonnes."
            )
    else:
        raise ListingError(
            f"{path}: ni FeatureCollection ni Feature GeoJSON : une liste GeoJSON est une "
            "FeatureCollection de points dont les propriétés sont les colonnes."
        )
    transform = _crs_transform(path, document)

    columns: list[str] = []
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        for key in properties if isinstance(properties, dict) else ():
            if key not in columns:
                columns.append(key)
    if not columns:
        odd = [
            (index, feature["properties"])
            for index, feature in enumerate(features)
            if isinstance(feature, dict) and feature.get("properties") is not None
        ]
        if odd:
            index, properties = odd[0]
            raise ListingError(
                f"{path}: aucune entité n'a ses « properties » en objet (entité {index} : "
                f"{_json_kind(properties)}, {json.dumps(properties, ensure_ascii=False)[:60]}) "
                ": les propriétés sont les colonnes, écrites "
                '{"nom": "…", "commune": "…"}.'
            )
    header = ["longitude (géométrie)", "latitude (géométrie)", *columns]
    forced = {0: GEOMETRY_COLUMNS[0], 1: GEOMETRY_COLUMNS[1]}
    notes: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            notes.append(
                Problem(index, "", "", "entité qui n'est pas un objet : ignorée", unite="entité")
            )
            continue
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        elif not isinstance(properties, dict):
            notes.append(
                Problem(
                    index,
                    "properties",
                    json.dumps(properties, ensure_ascii=False)[:80],
                    f"« properties » n'est pas un objet ({_json_kind(properties)}) : aucune "
                    "colonne lue pour cette entité ; écrivez-les « nom »: valeur",
                    unite="entité",
                )
            )
            properties = {}
        lon, lat = _point(feature.get("geometry"), index, notes, transform)
        cells = [lon, lat] + [cell_text(properties.get(key)).strip() for key in columns]
        rows.append((index, cells))
    return RawTable(
        header=header,
        header_line=0,
        rows=rows,
        format="geojson",
        encoding="utf-8",
        unit="entité",
        forced=forced,
        notes=notes,
    )


def _json_kind(value) -> str:
    """Name a JSON value's type in French, for messages."""
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, dict):
        return "un objet"
    if isinstance(value, str):
        return "un texte"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, (int, float)):
        return "un nombre"
    return "null"


def _crs_transform(path: str, document: dict):
    """A transformer to WGS84 when an old-style ``crs`` member names another CRS."""
    crs = document.get("crs") if isinstance(document, dict) else None
    name = ((crs or {}).get("properties") or {}).get("name", "") if isinstance(crs, dict) else ""
    if not name or name.upper().endswith(("CRS84", "EPSG::4326", "EPSG:4326")):
        return None
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(name)
    except CRSError as exc:
        raise ListingError(
            f"{path}: système de coordonnées « {name} » inconnu : exportez en WGS84 (EPSG:4326)."
        ) from exc
    return Transformer.from_crs(source, 4326, always_xy=True)


def _point(geometry, index: int, notes: list[Problem], transform) -> tuple[str, str]:
    if geometry is None:
        return "", ""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "MultiPoint" and isinstance(coordinates, list) and len(coordinates) == 1:
        kind, coordinates = "Point", coordinates[0]
    if kind != "Point":
        notes.append(
            Problem(
                index,
                "geometry",
                str(kind),
                "géométrie qui n'est pas un point : ignorée (le service est placé par ses "
                "autres colonnes)",
                unite="entité",
            )
        )
        return "", ""
    try:
        x, y = float(coordinates[0]), float(coordinates[1])
    except (TypeError, ValueError, IndexError):
        notes.append(
            Problem(
                index,
                "geometry",
                json.dumps(coordinates),
                "point illisible : ignoré",
                unite="entité",
            )
        )
        return "", ""
    if transform is not None:
        x, y = transform.transform(x, y)
    return cell_text(x), cell_text(y)
