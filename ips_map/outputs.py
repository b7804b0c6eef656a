"""Write the build's outputs atomically: a temporary file in the target folder, then
``os.replace``, so that a reader never sees a half-written file and a failed build leaves
the previous outputs in place."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

#: A text cell that a spreadsheet would run as a formula: it starts with = + - @, a tab or a
#: line break (OWASP "CSV injection"), possibly behind apostrophes already there, so that
#: :func:`unescape_formula` can undo :func:`escape_formula` exactly.
_FORMULA = re.compile(r"^'*[=+\-@\t\r\n]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r\n]")
_LINE_BREAK = re.compile(r"\r\n?")
#: A plain number ("-1.55", "-1,55", "-3", "1e-05"): a longitude stays a number.
_PLAIN_NUMBER = re.compile(r"^-?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?$")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes to ``path`` atomically and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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


def write_json(path: Path, data) -> Path:
    """Write pretty JSON (UTF-8, sorted keys) atomically."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict]) -> Path:
    """Write a CSV file (UTF-8 with BOM, so spreadsheets read the accents) atomically.

    Text cells that a spreadsheet would run as a formula are prefixed with ``'``
    (:func:`escape_formula`): these files hold text from listings and are opened in
    spreadsheets. Numbers, and text that is a plain number ("-1.55"), are written as they are.
    Line breaks inside a cell are written as ``\n`` (quoted).
    """
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writerow({k: escape_formula(str(k)) for k in columns})  # a listing's own columns
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return write_atomic(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def _cell(value):
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    # The csv module quotes a field holding "\n" but not one holding a lone "\r", which
    # readers take for the end of the row: line breaks inside a cell become "\n".
    return _LINE_BREAK.sub("\n", escape_formula(value))
