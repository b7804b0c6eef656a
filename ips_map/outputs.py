"""Write the build's outputs atomically: a temporary file in the target folder, then
``os.replace``, so that a reader never sees a half-written file and a failed build leaves
the previous outputs in place. A folder or file that cannot be written raises
:class:`OutputError` naming it, never a bare ``OSError``."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ips_map.errors import IpsMapError

#: A text cell that a spreadsheet would run as a formula: it starts with = + - @, a tab or a
#: line break (OWASP "CSV injection"), possibly behind apostrophes already there, so that
#: :func:`unescape_formula` can undo :func:`escape_formula` exactly.
_FORMULA = re.compile(r"^'*[=+\-@\t\r\n]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r\n]")
_LINE_BREAK = re.compile(r"\r\n?")
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
