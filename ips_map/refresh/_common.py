"""What every refresh shares: downloading into a private temporary folder, refusing a file
with every reason at once, writing a table as CSV, the provenance record, and storing the
checked files with their records, each atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ips_map._version import __version__
from ips_map.outputs import write_atomic, write_json
from ips_map.settings import data_dir
from ips_map.sources.http import Download, FetchError, HttpSettings, download
from ips_map.sources.registry import active_source, fetched_dir, file_sha256, provenance_path
from ips_map.vocabulary import plural

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("ips_map")

#: Bytes between two progress messages of a download.
PROGRESS_STEP = 2_000_000
#: Most reasons quoted in a refusal; the others are counted.
MAX_REASONS = 15
#: Said at the end of every message of a failed or refused fetch.
KEPT = "Les données actuelles sont conservées."


@dataclass
class FetchResult:
    """What a fetch stored: the files (each with its provenance record) and a summary."""

    files: list[Path] = field(default_factory=list)
    records: list[Path] = field(default_factory=list)
    summary: str = ""


# --- downloading ------------------------------------------------------------------------------


def progress_log(label: str) -> Callable[[int, int | None], None]:
    """Return a download callback that logs progress every :data:`PROGRESS_STEP` bytes."""
    next_report = PROGRESS_STEP

    def report(size: int, total: int | None) -> None:
        nonlocal next_report
        if size < next_report:
            return
        next_report = size + PROGRESS_STEP
        if total:
            share = 100 * size // total
            log.info("… %s : %.1f / %.1f Mo (%d %%)", label, size / 1e6, total / 1e6, share)
        else:
            log.info("… %s : %.1f Mo reçus", label, size / 1e6)

    return report


def temporary_folder() -> tempfile.TemporaryDirectory:
    """Return a private folder for the downloads of one fetch, removed when it ends."""
    # Inside data/fetched/, so that nothing is written outside the data folder and a crash
    # leaves at most a hidden ".fetch-*" folder, never a half-written data file.
    root = fetched_dir()
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=".fetch-", dir=root)


def fetch_to_temp(
    url: str,
    folder: Path,
    name: str,
    *,
    settings: HttpSettings | None,
    params: dict | None = None,
) -> tuple[Download, Path]:
    """Download ``url`` into ``folder/name`` (a :func:`temporary_folder`); return the
    download's record and the file.

    Raises
    ------
    FetchError
        The download's error, saying that the current data are kept.
    """
    log.info("Téléchargement de %s", url)
    try:
        record = download(
            url, folder / name, params=params, settings=settings, progress=progress_log(name)
        )
    except FetchError as exc:
        raise FetchError(f"{exc} {KEPT}", status=exc.status) from None
    log.info("Reçu %s (%.1f Mo, sha256 %s…)", name, record.size / 1e6, record.sha256[:12])
    return record, folder / name


# --- checking and writing ---------------------------------------------------------------------


def refusal(what: str, problems: list[str]) -> FetchError:
    """Return the error that refuses ``what``, quoting its first problems."""
    shown = problems[:MAX_REASONS]
    rest = len(problems) - len(shown)
    more = f" … et {plural(rest, 'autre')}" if rest > 0 else ""
    return FetchError(f"{what} refusé : " + " ; ".join(shown) + more + f". {KEPT}")


def csv_bytes(table: pd.DataFrame, columns: Sequence[str] | None = None) -> bytes:
    """Return ``table`` (its ``columns``, all by default) as the UTF-8 CSV bytes of a data
    file (``\\n`` line ends). Rows are made from whole columns (``tolist``): iterating a
    frame row by row costs a Python call per cell of pandas' string columns."""
    columns = list(table.columns if columns is None else columns)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*(table[c].tolist() for c in columns)))
    return buffer.getvalue().encode("utf-8")


# --- provenance -------------------------------------------------------------------------------


def active_path(key: str) -> Path:
    """Return the file loaded for ``key`` now (fetched or embedded), read as an input."""
    return data_dir() / active_source(key).path


def input_record(key: str) -> dict:
    """Return how a provenance record cites the file loaded for ``key``, used as an input."""
    source = active_source(key)
    return {"path": source.path, "sha256": file_sha256(active_path(key)), "title": source.title}


def provenance(
    *,
    key: str,
    path: Path,
    data: bytes,
    title: str,
    producer: str,
    licence: str,
    attribution: str,
    vintage: str,
    url: str,
    fetched: Download | None,
    recipe: str,
    checks: dict,
    inputs: Iterable[dict] = (),
) -> dict:
    """Return the provenance record of a file about to be stored at ``path``.

    It holds the fields of :class:`ips_map.sources.registry.Source` (the file's manifest
    entry), how the file was made from the download (``recipe``), the figures checked, the
    download itself and the files read besides it (``inputs``).
    """
    record = {
        "key": key,
        "path": path.relative_to(data_dir()).as_posix(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "title": title,
        "producer": producer,
        "licence": licence,
        "attribution": attribution,
        "vintage": vintage,
        "url": url,
        "recipe": recipe,
        "checks": checks,
        "ips_map_version": __version__,
    }
    if fetched is not None:
        record["fetched"] = fetched.date
        record["download"] = {"url": fetched.url, "sha256": fetched.sha256, "size": fetched.size}
    inputs = list(inputs)
    if inputs:
        record["inputs"] = inputs
    return record


def store(entries: list[tuple[Path, bytes, dict]]) -> FetchResult:
    """Write each checked file, then its provenance record, each atomically."""
    result = FetchResult()
    for path, data, record in entries:
        write_atomic(path, data)
        write_json(provenance_path(path), record)
        result.files.append(path)
        result.records.append(provenance_path(path))
    return result
