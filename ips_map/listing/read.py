"""Read a listing of services: its rows turned into records, each value normalised.

:func:`read_listing` opens the listing (:mod:`~ips_map.listing.source`), reads its format
(:mod:`~ips_map.listing.formats`), maps its header (:mod:`~ips_map.listing.columns`) and
reads each row column group by column group (:mod:`~ips_map.listing.values`). Every problem
is collected with its line, column and value; a row is rejected only when it cannot be used
at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map.errors import ERREUR, ListingError, Problem
from ips_map.listing import values
from ips_map.listing.columns import COLUMNS, HEADER_INDEX, Header, map_header
from ips_map.listing.formats import FORMAT_NAMES, RawTable, detect_format, read_table
from ips_map.listing.source import open_source
from ips_map.sources.http import HttpSettings

#: Reasons quoted in the error raised when no row of a listing is usable.
QUOTED_REASONS = 5


@dataclass
class Listing:
    """A listing read and normalised.

    ``rows`` has one row per usable line: the canonical columns (strings, "" when absent),
    ``ligne`` (line, spreadsheet row or GeoJSON feature index: see ``unit``), ``lat``/``lon``
    (float or NaN), ``capacite_n`` (float or NaN), ``desservis`` (tuple of département
    codes), ``departement_code`` and ``departements_possibles`` (the codes the stated
    département may be: one, or "2A" and "2B" for the old Corsican "20").

    ``rejects`` are the rows not used and why, ``duplicates`` the exact copies of an earlier
    row (counted once); both are dicts ``ligne, nom, colonne, valeur, raison``.
    ``columns_as_written`` maps canonical columns to the file's header, for reports.
    """

    path: Path
    name: str
    date: str
    encoding: str
    delimiter: str
    rows: pd.DataFrame
    rejects: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    is_example: bool = False
    format: str = "csv"
    sheet: str = ""
    unit: str = "ligne"
    url: str = ""
    fetched: str = ""
    from_cache: bool = False
    duplicates: list[dict] = field(default_factory=list)
    columns_as_written: dict[str, str] = field(default_factory=dict)


def read_listing(
    source: Path | str,
    *,
    is_example: bool = False,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
    allow_empty: bool = False,
) -> Listing:
    """Read a listing of services and normalise each row.

    Parameters
    ----------
    source
        A file (CSV, XLSX/XLSM/XLS, ODS or GeoJSON; the format is told by the extension,
        else by the content) or an http(s) URL of one.
    is_example
        Mark the listing as the embedded example (the map then says so).
    cache_dir
        Download cache for a URL (default :func:`ips_map.settings.default_cache_dir`).
    http
        Timeout and retries for a URL.
    allow_empty
        Return a listing without rows instead of raising when no row is usable (to report
        every rejected row, as ``ips-map validate`` does).

    Raises
    ------
    ListingError
        When the file cannot be read, has no ``nom`` column or (unless ``allow_empty``) no
        usable row.
    """
    origin = open_source(source, cache_dir=cache_dir, http=http)
    label = origin.url or str(origin.path)
    fmt = detect_format(origin.path, origin.data, trust_extension=not origin.url, label=label)
    table = read_table(label, origin.data, fmt, HEADER_INDEX)
    table.notes[:0] = origin.notes
    header = map_header(table, label)
    rows = _read_rows(table, header)
    if not rows.records and not allow_empty:
        raise no_usable_row_error(label, rows.rejects, table.unit)
    return Listing(
        path=origin.path,
        name=origin.name,
        date=origin.date,
        encoding=table.encoding,
        delimiter=table.delimiter,
        rows=pd.DataFrame.from_records(rows.records),
        rejects=rows.rejects,
        problems=[*table.notes, *header.problems, *rows.problems],
        rows_read=rows.read,
        unknown_columns=header.unknown,
        is_example=is_example,
        format=table.format,
        sheet=table.sheet,
        unit=table.unit,
        url=origin.url,
        fetched=origin.fetched,
        from_cache=origin.from_cache,
        duplicates=rows.duplicates,
        columns_as_written=header.as_written,
    )


# --- rows to records ------------------------------------------------------------------------


@dataclass
class _Rows:
    """The rows of a table read: the usable records, the rejected rows, the exact copies of
    an earlier row, the problems found, and how many rows were not empty."""

    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read: int = 0


def _read_rows(table: RawTable, header: Header) -> _Rows:
    """Read each row of ``table`` that is not empty into a record, or a reject."""
    unit = table.unit
    rows = _Rows()
    seen: dict[tuple, int] = {}  # each row's cells, to the line where they were first seen
    for start, raw in table.rows:
        cells = [str(cell).strip() for cell in raw]
        if not any(cells):
            continue
        rows.read += 1
        record = _record(cells, table.header, header.columns)
        record["ligne"] = start
        overflow = _overflow(table, start, cells)
        if overflow is not None:
            rows.problems.append(overflow)
        key = tuple(cells[: len(table.header)]) + tuple(
            cell for cell in cells[len(table.header) :] if cell
        )
        if key in seen:
            message = (
                f"doublon exact de la {unit} {seen[key]} : compté une seule fois "
                "(supprimez l'une des deux)"
            )
            rows.problems.append(Problem(start, "", record["nom"], message, unite=unit))
            rows.duplicates.append(
                {
                    "ligne": start,
                    "nom": record["nom"],
                    "colonne": "",
                    "valeur": "",
                    "raison": f"{unit} {start} : {message}",
                }
            )
            continue
        seen[key] = start
        warnings, fatal = _normalize_row(record, header.as_written, unit)
        rows.problems.extend(warnings)
        if fatal:
            rows.rejects.append(reject_record(record, fatal))
        else:
            rows.records.append(record)
    return rows


def _record(cells: list[str], header: list[str], columns: dict[int, str]) -> dict:
    """Return a row's record: its canonical columns ("" when absent), and in ``extra`` the
    columns not recognised, by their header names."""
    record = {column: "" for column in COLUMNS}
    for index, cell in enumerate(cells):
        if index in columns:
            record[columns[index]] = cell
    record["extra"] = {
        header[i].strip(): cells[i]
        for i in range(min(len(header), len(cells)))
        if i not in columns and header[i].strip()
    }
    return record


def _overflow(table: RawTable, start: int, cells: list[str]) -> Problem | None:
    """Return the problem of the values of a row beyond the header, or under no header."""
    header = table.header
    beyond = [
        cell for i, cell in enumerate(cells) if (i >= len(header) or not header[i].strip()) and cell
    ]
    if not beyond:
        return None
    return Problem(
        start,
        "",
        (table.delimiter or " | ").join(beyond),
        f"{len(cells)} valeurs pour {len(header)} colonnes : valeurs en trop ignorées "
        "(un séparateur dans une valeur doit être entre guillemets)"
        if table.format == "csv" and len(cells) > len(header)
        else "valeurs dans des colonnes sans en-tête : ignorées",
        unite=table.unit,
    )


# --- a row's values, column group by column group -------------------------------------------


@dataclass
class _Row:
    """A record being normalised, and the problems found in it."""

    record: dict
    as_written: dict[str, str]  # canonical column → the file's header name
    unit: str
    warnings: list[Problem] = field(default_factory=list)
    fatal: list[Problem] = field(default_factory=list)

    def warn(self, column: str, message: str, value: str | None = None) -> None:
        """Record a warning about ``column`` (its value as it is now, unless ``value``)."""
        self.warnings.append(
            Problem(
                self.record["ligne"],
                self.as_written.get(column, column),
                self.record[column] if value is None else value,
                message,
                unite=self.unit,
            )
        )

    def fail(self, column: str, message: str) -> None:
        """Record a problem about ``column`` that makes the row unusable."""
        self.fatal.append(
            Problem(
                self.record["ligne"],
                self.as_written.get(column, column),
                self.record[column],
                message,
                ERREUR,
                self.unit,
            )
        )


def _normalize_row(
    record: dict, as_written: dict[str, str], unit: str = "ligne"
) -> tuple[list[Problem], list[Problem]]:
    """Normalise one row in place; return (warnings, fatal problems)."""
    row = _Row(record, as_written, unit)
    for step in _STEPS:
        step(row)
    return row.warnings, row.fatal


def _read_name(row: _Row) -> None:
    name = row.record["nom"]
    if not name:
        row.fail("nom", "nom manquant : chaque service doit avoir un nom")
    elif values.is_template_example(name):
        row.fail(
            "nom",
            "ligne d'exemple du modèle (ips-map template) : remplacez-la par un vrai service "
            "ou supprimez-la",
        )


def _read_type_and_status(row: _Row) -> None:
    record = row.record
    kind, note = values.read_type(record["type"])
    if note:
        row.warn("type", note)
    record["type"] = kind
    statut, note = values.read_status(record["statut"])
    if statut is None:
        row.fail("statut", note)
        return
    if note:
        row.warn("statut", note)
    record["statut"] = statut


def _read_coordinates(row: _Row) -> None:
    record = row.record
    coordinates = values.read_coordinates(record["latitude"], record["longitude"])
    if coordinates.note:
        row.warn(coordinates.column, coordinates.note)
    record["lat"], record["lon"] = coordinates.lat, coordinates.lon


def _read_capacity(row: _Row) -> None:
    row.record["capacite_n"], note = values.read_capacity(row.record["capacite"])
    if note:
        row.warn("capacite", note)


def _read_address(row: _Row) -> None:
    """The postcode, the INSEE code and the commune."""
    record = row.record
    record["code_postal_n"], note = values.read_postcode(record["code_postal"])
    if note:
        row.warn("code_postal", note)
    record["code_commune_n"], note = values.read_insee_code(record["code_commune"])
    if note:
        row.warn("code_commune", note)
    commune, note = values.read_commune(record["commune"])
    if note:
        row.warn("commune", note)
        record["commune"] = commune


def _refuse_overseas(row: _Row) -> None:
    """A collectivité d'outre-mer is not a département: the row is rejected."""
    record = row.record
    for column, value in (
        ("departement", record["departement"]),
        ("code_commune", record["code_commune_n"]),
        ("code_postal", record["code_postal_n"]),
    ):
        refusal = values.overseas_refusal(value, column)
        if refusal:
            row.fail(column, refusal)
            return


def _read_departement(row: _Row) -> None:
    record = row.record
    record["departement_code"], record["departements_possibles"] = "", ()
    if not record["departement"] or row.fatal:
        return
    code, possible, note = values.read_departement(record["departement"])
    record["departement_code"], record["departements_possibles"] = code, possible
    if note:
        row.warn("departement", note)


def _read_departements_served(row: _Row) -> None:
    codes, unreadable = values.read_departements_list(row.record["departements_desservis"])
    row.record["desservis"] = codes
    for part, note in unreadable:
        row.warn("departements_desservis", note, value=part)


def _read_website(row: _Row) -> None:
    written = row.record["site_web"]
    row.record["site_web"], note = values.read_website(written)
    if note:
        # The note quotes the address completed, or the one ignored.
        row.warn("site_web", note, value=row.record["site_web"] or written)


#: The steps of :func:`_normalize_row`, in order: a département is read only when no step
#: before it rejected the row.
_STEPS = (
    _read_name,
    _read_type_and_status,
    _read_coordinates,
    _read_capacity,
    _read_address,
    _refuse_overseas,
    _read_departement,
    _read_departements_served,
    _read_website,
)


# --- rejects --------------------------------------------------------------------------------


def no_usable_row_error(label: str, rejects: list[dict], unit: str = "ligne") -> ListingError:
    """Return the error for a listing none of whose rows can be used.

    The build stops before writing ``rejects.csv``: the message itself quotes the first
    :data:`QUOTED_REASONS` reasons (line and reason), in line order.
    """
    if not rejects:
        return ListingError(
            f"{label}: aucune {unit} utilisable : la liste n'a aucun service sous son en-tête."
        )
    ordered = sorted(rejects, key=lambda r: r["ligne"])
    lines = [f"  - {r['raison']}" for r in ordered[:QUOTED_REASONS]]
    if len(ordered) > QUOTED_REASONS:
        lines.append(f"  … et {len(ordered) - QUOTED_REASONS} autre(s).")
    return ListingError(
        f"{label}: aucune {unit} utilisable ({len(ordered)} {unit}(s) rejetée(s)) :\n"
        + "\n".join(lines)
        + f"\nCorrigez la liste ; « ips-map validate --services {label} » détaille chaque "
        "problème."
    )


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


def describe_reject(reject: dict, unit: str = "ligne") -> str:
    """Return a reject record as one sentence: "Entité 9 rejetée : colonne « nom » : …".

    The record's reason starts with its place ("entité 9, colonne …"): said once, with the
    listing's unit (ligne, or entité for GeoJSON).
    """
    reason = str(reject["raison"]).removeprefix(f"{unit} {reject['ligne']}").lstrip(" ,:")
    return f"{unit.capitalize()} {reject['ligne']} rejetée : {reason}"


def describe_format(listing: Listing) -> str:
    """Return how the listing was read, in a few French words (for reports)."""
    name = FORMAT_NAMES.get(listing.format, listing.format)
    if listing.format == "csv":
        delimiter = {"\t": "tabulation"}.get(listing.delimiter, f"« {listing.delimiter} »")
        return f"{name}, {listing.encoding}, séparateur {delimiter}"
    if listing.sheet:
        return f"{name}, feuille « {listing.sheet} »"
    if listing.format == "geojson":
        return f"{name} (numéros = indice de l'entité dans « features », à partir de 0)"
    return name
