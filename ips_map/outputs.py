"""Write the build's outputs atomically: a temporary file in the target folder, then
``os.replace``, so that a reader never sees a half-written file and a failed build leaves
the previous outputs in place. :class:`OutputSet` writes the files of one build as a set:
``summary.json`` first says the set is being replaced, and is written last with the sha256
of every file, so that a build killed half-way leaves a folder that says it is incomplete.
A folder or file that cannot be written raises :class:`OutputError` naming it, never a bare
``OSError``."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ips_map.errors import IpsMapError

#: A text cell that a spreadsheet would run as a formula: it starts with = + - @, a tab or a
#: line break (OWASP "CSV injection"), possibly behind apostrophes already there, so that
#: :func:`unescape_formula` can undo :func:`escape_formula` exactly.
_STARTS = r"[=+\-@\t\r\n]"
_FORMULA = re.compile(rf"^'*{_STARTS}")
_ESCAPED = re.compile(rf"^'+{_STARTS}")
_LINE_BREAK = re.compile(r"\r\n?")
#: Rows of a table of columns encoded at a time.
_CHUNK = 50_000
#: The texts :func:`_cell` may change: those :data:`_FORMULA` matches, or with a "\r".
_MAY_CHANGE = rf"^'*{_STARTS}|\r"
#: The same after a NUL, for a column's texts joined by NUL characters (see
#: :func:`_any_may_change`): a pattern that starts with a character is searched for that
#: character first, 20 times faster than one starting with ``(?:^|\0)``.
_FORMULA_AFTER_NUL = re.compile(rf"\0'*{_STARTS}")
#: A plain number ("-1.55", "-1,55", "-3", "1e-05"): a longitude stays a number.
_PLAIN_NUMBER = re.compile(r"^-?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")
_OS_REASONS = {
    errno.ENOENT: "un dossier du chemin n'existe pas ou ne peut pas être créé",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EISDIR: "un dossier porte ce nom",
    errno.EEXIST: "un fichier porte ce nom",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque atteint",
}


class OutputError(IpsMapError):
    """An output folder or file cannot be created or written."""


@dataclass(frozen=True)
class CsvFormat:
    """How the CSV files a build writes separate their cells and write decimals.

    Attributes
    ----------
    name
        The name given to ``--csv-format``.
    delimiter
        Between two cells: ``;`` for a French spreadsheet, ``,`` otherwise.
    decimal
        In a decimal number: ``,`` (``0,298``) or ``.`` (``0.298``).
    """

    name: str
    delimiter: str
    decimal: str


#: The default: what a French Excel or LibreOffice opens by a double click, in columns.
FRENCH = CsvFormat("francais", ";", ",")
#: ``--csv-format international``: commas between cells, decimal points.
INTERNATIONAL = CsvFormat("international", ",", ".")
CSV_FORMATS = {fmt.name: fmt for fmt in (FRENCH, INTERNATIONAL)}


def csv_format(name: str | CsvFormat | None) -> CsvFormat:
    """The format of that name (:data:`CSV_FORMATS`), :data:`FRENCH` for None."""
    if name is None:
        return FRENCH
    if isinstance(name, CsvFormat):
        return name
    try:
        return CSV_FORMATS[name]
    except KeyError:
        raise OutputError(
            f"format de CSV « {name} » inconnu ; formats possibles : {', '.join(CSV_FORMATS)}."
        ) from None


def sniff_delimiter(header: str) -> str:
    """The delimiter of a CSV that ips-map wrote in either format, from its header line:
    its column names hold neither ``;`` nor ``,``, so the one that separates them wins."""
    return ";" if header.count(";") > header.count(",") else ","


def read_number(text: str) -> float:
    """A number as either format writes it (``0,298`` or ``0.298``, ``20``); raises
    ``ValueError`` for anything else."""
    return float(text.strip().replace(",", ".", 1) if text.count(",") == 1 else text)


def describe_os_error(exc: OSError) -> str:
    """Return the reason of a file-system error in French (the system's text otherwise)."""
    return _OS_REASONS.get(exc.errno, exc.strerror or type(exc).__name__)


def prepare_folder(folder: Path) -> Path:
    """Create ``folder`` (and its parents) if needed and check that it can be written.

    Called at the start of a build, so that a wrong ``--out`` fails at once rather than
    after the long steps.

    Raises
    ------
    OutputError
        When the folder cannot be created or a file cannot be written into it.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(prefix=".ips-map-", dir=folder):
            pass
    except OSError as exc:
        raise OutputError(
            f"{folder} : dossier des résultats impossible à créer ou à écrire "
            f"({describe_os_error(exc)}) ; indiquez un autre dossier (--out)."
        ) from exc
    return folder


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes to ``path`` atomically and return the path.

    Raises
    ------
    OutputError
        When the file cannot be written (its folder cannot be created, disk full…); the
        previous file, if any, is left as it was.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path} : écriture impossible ({describe_os_error(exc)}).") from exc
        raise
    return path


def escape_formula(text: str) -> str:
    """Return ``text`` safe to open in a spreadsheet: prefixed with ``'`` when it would be
    read as a formula (``=HYPERLINK(…)``, ``+1``, ``@SUM(1)``), unless it is a plain number.
    """
    if _FORMULA.match(text) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def unescape_formula(text: str) -> str:
    """Undo :func:`escape_formula` (for a build's CSV read back, as ``--previous``)."""
    return text[1:] if _ESCAPED.match(text) else text


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_atomic(path, text.encode("utf-8"))


def json_bytes(data) -> bytes:
    """Pretty JSON (UTF-8, sorted keys), as every JSON output is written."""
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_json(path: Path, data) -> Path:
    """Write pretty JSON (UTF-8, sorted keys) atomically."""
    return write_atomic(path, json_bytes(data))


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[dict], fmt: CsvFormat | str | None = None
) -> Path:
    """Write :func:`csv_bytes` atomically."""
    return write_atomic(path, csv_bytes(columns, rows, fmt))


def csv_bytes(
    columns: Sequence[str], rows: Iterable[dict], fmt: CsvFormat | str | None = None
) -> bytes:
    """A CSV file (UTF-8 with BOM, so spreadsheets read the accents), in the format ``fmt``
    (:data:`FRENCH` by default: ``;`` between cells, ``0,298``; :data:`INTERNATIONAL`:
    ``,`` and ``0.298``).

    Text cells that a spreadsheet would run as a formula are prefixed with ``'``
    (:func:`escape_formula`): these files hold text from listings and are opened in
    spreadsheets. Numbers are written with the format's decimal mark, a whole number without
    decimals (a capacity ``20``, never ``20.0``); text that is a plain number ("-1.55") is
    written as it is. Line breaks inside a cell are written as ``\n`` (quoted).
    """
    rows = list(rows)
    table = {k: [row.get(k) for row in rows] for k in columns}
    return csv_columns_bytes(columns, table, len(rows), fmt)


def csv_columns_bytes(
    columns: Sequence[str],
    table: dict[str, list],
    size: int,
    fmt: CsvFormat | str | None = None,
) -> bytes:
    """:func:`csv_bytes` of a table given by whole columns (``table``: name → ``size``
    values; a missing column is written empty), each column escaped at once."""
    fmt = csv_format(fmt)
    empty = [""] * size
    cells = [_column_cells(table[k], fmt.decimal) if k in table else empty for k in columns]
    out = io.BytesIO()
    out.write("\ufeff".encode("utf-8"))
    header = [escape_formula(str(k)) for k in columns]
    out.write(_csv_text([header], fmt.delimiter).encode("utf-8"))
    if len(columns) < 2:  # one cell a row: the csv module's own rules (an empty one quoted)
        rows = zip(*cells)
        # By chunks of rows: the text of the whole file is never held beside its bytes.
        for chunk in iter(lambda: list(itertools.islice(rows, _CHUNK)), []):
            out.write(_csv_text(chunk, fmt.delimiter).encode("utf-8"))
        return out.getvalue()
    # Each cell made a field once, as the csv module writes it, and each chunk of rows
    # written by one "%s" format: three times faster than csv.writer's rows.
    fields = [_csv_fields(column, fmt.delimiter) for column in cells]
    width = len(fields)
    line = fmt.delimiter.join(["%s"] * width) + "\n"
    for start in range(0, size, _CHUNK):
        stop = min(size, start + _CHUNK)
        flat: list = [None] * ((stop - start) * width)
        for j, column in enumerate(fields):
            flat[j::width] = column[start:stop]
        out.write((line * (stop - start) % tuple(flat)).encode("utf-8"))
    return out.getvalue()


def _csv_text(rows: list, delimiter: str) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _csv_fields(cells: list, delimiter: str) -> list[str]:
    """Cells as the csv module writes them in a row of several (QUOTE_MINIMAL): None
    empty, a float by its repr, another value by its str; quoted, its quotes doubled, when
    it holds the delimiter, a quote or a line break. The column is scanned once for them."""
    special = delimiter + '"\n\r'
    try:  # the usual column of texts: joined as it is
        joined, texts = "\0".join(cells), cells
    except TypeError:
        texts = [_field_text(cell) for cell in cells]
        joined = "\0".join(texts)
    if not any(ch in joined for ch in special):
        return texts
    return [_quoted(text, special) for text in texts]


def _quoted(text: str, special: str) -> str:
    """``text`` quoted as the csv module quotes it, when it holds one of ``special`` (the
    delimiter, a quote, a line break): between quotes, its own quotes doubled."""
    if any(ch in text for ch in special):
        return '"' + text.replace('"', '""') + '"'
    return text


def text_field(text: str, delimiter: str = ",") -> str:
    """A text cell as :func:`csv_columns_bytes` writes it in a row of several cells:
    escaped for spreadsheets, line breaks as ``\n``, quoted as the csv module quotes."""
    return _quoted(_cell(text), delimiter + '"\n\r')


def _field_text(cell) -> str:
    if type(cell) is str:
        return cell
    if cell is None:
        return ""
    return repr(cell) if isinstance(cell, float) else str(cell)


def _column_cells(values: list, decimal: str = ".") -> list:
    """:func:`_cell` of every value of a column. A column of texts is escaped once per
    distinct text (pandas' factorize); numbers are written by :func:`_number_cell`; None,
    NaN and pd.NA empty."""
    cells = np.fromiter(values, dtype=object, count=len(values))
    try:
        missing = np.equal(cells, None) | (cells != cells)  # None, or NaN: faster than isna
    except TypeError:  # a value that cannot say whether it equals itself (pd.NA)
        missing = pd.isna(cells)
    # Empty, whatever the column: a NaN among texts was written "nan" by the csv module.
    cells[missing] = ""
    kind = pd.api.types.infer_dtype(cells[~missing], skipna=False)
    if kind == "string":
        texts = ~missing
        if not _any_may_change("\0".join(cells[texts].tolist())):
            return cells.tolist()  # the usual column: no text to escape (one scan)
        codes, uniques = pd.factorize(cells[texts])
        escaped = np.asarray(uniques, dtype=object).copy()
        # Only the texts that a spreadsheet would run, or that hold a "\r", can change.
        flagged = pd.Series(escaped, dtype=object).str.contains(_MAY_CHANGE, regex=True)
        for k in np.flatnonzero(flagged.to_numpy(dtype=bool)).tolist():
            escaped[k] = _cell(escaped[k])
        cells[texts] = escaped[codes]
    elif kind == "floating":
        present = ~missing
        cells[present] = _float_cells(cells[present].astype(float), decimal)
    elif kind == "mixed-integer-float":
        present = ~missing
        cells[present] = [_number_cell(value, decimal) for value in cells[present].tolist()]
    elif kind not in ("integer", "boolean", "empty"):
        cells[:] = [_cell(value, decimal) for value in cells.tolist()]
    return cells.tolist()


def _any_may_change(joined: str) -> bool:
    """Whether a text of ``joined`` (texts joined by NUL characters) may change in
    :func:`_cell`: one holds a "\r", or one starts as a formula (the first, or one after a
    NUL)."""
    return (
        "\r" in joined
        or _FORMULA.match(joined) is not None
        or _FORMULA_AFTER_NUL.search(joined) is not None
    )


def _float_cells(values: np.ndarray, decimal: str) -> np.ndarray:
    """:func:`_number_cell` of a column of floats (none NaN), at once: the whole ones as
    ints, the others by their shortest digits (``repr`` of each, as Python floats). Each
    distinct value is written once (services at a commune's centre share its position)."""
    codes, uniques = pd.factorize(values)
    uniques = np.asarray(uniques, dtype=float)
    out = np.empty(len(uniques), dtype=object)
    whole = (np.floor(uniques) == uniques) & (np.abs(uniques) < 1e15)
    out[whole] = uniques[whole].astype(np.int64).tolist()
    texts = list(map(repr, uniques[~whole].tolist()))
    out[~whole] = texts if decimal == "." else [text.replace(".", decimal) for text in texts]
    return out[codes]


def _number_cell(value, decimal: str):
    """A float as the format writes it: a whole number without decimals (``20``, not
    ``20.0``), else Python's shortest digits with the format's decimal mark."""
    if not isinstance(value, float):
        return value
    if value.is_integer() and abs(value) < 1e15:
        return int(value)
    text = repr(value)
    return text.replace(".", decimal) if decimal != "." else text


def _cell(value, decimal: str = "."):
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if value != value else _number_cell(value, decimal)
    if not isinstance(value, str):
        return value
    # The csv module quotes a field holding "\n" but not one holding a lone "\r", which
    # readers take for the end of the row: line breaks inside a cell become "\n".
    return _LINE_BREAK.sub("\n", escape_formula(value))


#: The key of a ``summary.json`` that says its folder's files are being replaced: written
#: before the other outputs of a build, replaced by the full summary once they are all written.
INCOMPLETE = "construction_incomplete"
SUMMARY_NAME = "summary.json"
#: Temporary files that :func:`write_atomic` leaves behind when the process is killed.
_STRAY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


class OutputSet:
    """The files of one build, written into ``folder`` as a set.

    :meth:`begin` removes the temporary files a killed build left and replaces
    ``summary.json`` by a marker that says the set is incomplete; :meth:`write` writes each
    file atomically and keeps its sha256; :meth:`finish` writes ``summary.json`` last, with
    the sha256 of every file (``fichiers``) and an identifier of the set made from them
    (``id_construction``: the same inputs give the same identifier). A kill leaves either the
    whole previous set, or the whole new one, or a folder whose ``summary.json`` says it is
    incomplete.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.hashes: dict[str, str] = {}

    def begin(self, what: str) -> None:
        """Start replacing the set; ``what`` says in French what was being built."""
        remove_stray_files(self.folder)
        marker = {
            INCOMPLETE: f"{what} : construction interrompue ou en cours, les fichiers de ce "
            "dossier peuvent venir de deux constructions différentes ; relancez-la."
        }
        write_atomic(self.folder / SUMMARY_NAME, json_bytes(marker))

    def write(self, name: str, data: bytes) -> Path:
        """Write one file of the set."""
        self.hashes[name] = hashlib.sha256(data).hexdigest()
        return write_atomic(self.folder / name, data)

    def finish(self, summary: dict) -> Path:
        """Write ``summary.json``, the last file of the set, with the hashes of the others."""
        files = dict(sorted(self.hashes.items()))
        identifier = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
        summary = {**summary, "fichiers": files, "id_construction": identifier[:16]}
        return write_atomic(self.folder / SUMMARY_NAME, json_bytes(summary))


def remove_stray_files(folder: Path) -> list[Path]:
    """Remove the temporary files (``.name.XXXXXXXX.tmp``) that a killed write left in
    ``folder``; return them."""
    removed = []
    for path in Path(folder).glob(".*.tmp"):
        if _STRAY.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def refuse_overwriting_inputs(outputs: Iterable[Path], inputs: Iterable[Path], fix: str) -> None:
    """Refuse to write any of ``outputs`` over one of ``inputs`` (links resolved).

    Raises
    ------
    OutputError
        Naming the file that would be overwritten, and ``fix`` (what to do instead).
    """
    read = {}
    for path in inputs:
        try:
            read[Path(path).resolve()] = Path(path)
        except (OSError, RuntimeError):
            continue
    for path in outputs:
        try:
            target = Path(path).resolve()
        except (OSError, RuntimeError):
            continue
        if target in read:
            raise OutputError(
                f"{path} : ce fichier est lu par cette commande ({read[target]}) et serait "
                f"écrasé par un résultat ; {fix}"
            )
