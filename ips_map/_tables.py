"""Read a listing file into a plain table of text cells, whatever its format.

Formats: CSV (as spreadsheets export it), XLSX / XLSM / XLS and ODS (read with
python-calamine), GeoJSON points. Each row keeps the number a user sees: the physical line
of a CSV file, the row of a spreadsheet, the index of a GeoJSON feature in ``features``.
Nothing is normalised here: :mod:`ips_map.listing` maps the header and reads the values.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .errors import ListingError
from .report import Problem

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
#: Rows searched for the header of a spreadsheet (a title and blank rows often come first).
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
    """Return the format of a listing from its extension, or else from its first bytes.

    ``label`` names the listing in messages (its URL); ``path`` by default.
    """
    label = label or str(path)
    if trust_extension and path.suffix.lower() in EXTENSIONS:
        return EXTENSIONS[path.suffix.lower()]
    if data.startswith(b"PK\x03\x04"):
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
        raise ListingError(
            f"{label}: archive ZIP qui n'est ni un classeur Excel (XLSX) ni un classeur "
            "OpenDocument (ODS)."
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
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


def read_table(path: str, data: bytes, fmt: str, header_index: dict[str, str]) -> RawTable:
    """Read ``data`` (the bytes of the listing named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys (``text_key``) to canonical columns: a spreadsheet's
    header is found among its first rows by the columns it names.
    """
    if fmt == "csv":
        return _read_csv(path, data)
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


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Return every record of a CSV text with the physical line where it starts.

    Raises
    ------
    ListingError
        For what the csv module cannot read (a value over its size limit, a NUL byte),
        naming the line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for raw in reader:
            records.append((line + 1, raw))
            line = reader.line_num
    except csv.Error as exc:
        start = line + 1
        if "field larger than field limit" in str(exc):
            limit = csv.field_size_limit() // 1024
            raise ListingError(
                f"{path}, ligne {start} : valeur de plus de {limit} Ko, illisible. C'est "
                'presque toujours un guillemet (« " ») ouvert et jamais refermé, qui réunit '
                f"les lignes suivantes en une seule valeur : vérifiez les guillemets de la "
                f"ligne {start}."
            ) from exc
        raise ListingError(
            f"{path}, ligne {start} : CSV illisible ({exc}). Ouvrez le fichier dans un "
            "tableur et enregistrez-le de nouveau en « CSV UTF-8 »."
        ) from exc
    return records


def _read_csv(path: str, data: bytes) -> RawTable:
    text, encoding = _decode(data, path)
    if not text.strip():
        raise ListingError(f"{path}: le fichier est vide. Il faut au moins une colonne « nom ».")
    delimiter = _sniff_delimiter(text)
    records = _csv_records(path, text, delimiter)
    (_, header), rows = records[0], records[1:]
    return RawTable(
        header=header,
        header_line=1,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
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
    from .territory import text_key

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
