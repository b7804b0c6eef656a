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

from ips_map.errors import ListingError, Problem
from ips_map.listing._dates import title_date
from ips_map.listing._rows import read_rows
from ips_map.listing._rows import reject_record as reject_record  # for placement
from ips_map.listing.columns import HEADER_INDEX, map_header
from ips_map.listing.formats import FORMAT_NAMES, detect_format, read_table
from ips_map.listing.source import open_source
from ips_map.progress import SILENT, Progress
from ips_map.sources.http import HttpSettings
from ips_map.vocabulary import plural

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
    #: The date written in the listing's title rows (ISO), "" when they give none.
    title_date: str = ""
    #: Where ``date`` comes from once the build has chosen it (see pipeline.stages).
    dated: str = "file"


def read_listing(
    source: Path | str,
    *,
    is_example: bool = False,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
    allow_empty: bool = False,
    progress: Progress = SILENT,
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
    progress
        Told the rows read and the checks of their values, as details of the reading step
        (bars on a terminal, :mod:`ips_map.progress`).

    Raises
    ------
    ListingError
        When the file cannot be read, has no ``nom`` column or (unless ``allow_empty``) no
        usable row.
    """
    origin = open_source(source, cache_dir=cache_dir, http=http)
    label = origin.url or str(origin.path)
    fmt = detect_format(origin.path, origin.data, trust_extension=not origin.url, label=label)
    table = read_table(label, origin.data, fmt, HEADER_INDEX, progress)
    table.notes[:0] = origin.notes
    header = map_header(table, label)
    rows = read_rows(table, header, progress)
    if not len(rows.records) and not allow_empty:
        raise no_usable_row_error(label, rows.rejects, table.unit)
    return Listing(
        path=origin.path,
        name=origin.name,
        date=origin.date,
        encoding=table.encoding,
        delimiter=table.delimiter,
        rows=rows.records,
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
        title_date=title_date(table.title),
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
        lines.append(f"  … et {plural(len(ordered) - QUOTED_REASONS, 'autre')}.")
    left_out = plural(len(ordered), f"{unit} laissée", f"{unit}s laissées")
    return ListingError(
        f"{label}: aucune {unit} utilisable ({left_out} de côté) :\n"
        + "\n".join(lines)
        + f"\nCorrigez la liste ; « ips-map validate --services {label} » détaille chaque "
        "problème."
    )


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
