"""Reading an edition back from a build folder: its three files are there, the CSV tables
have the columns a build writes and are UTF-8, ``summary.json`` is a JSON object. Every error
names the file (and the line when there is one) and says to rebuild the edition.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ips_map.editions.edition import Edition, make_edition
from ips_map.errors import EditionError
from ips_map.outputs import INCOMPLETE, sniff_delimiter, unescape_formula
from ips_map.vocabulary import agreed

#: The files of a build that a comparison reads.
EDITION_FILES = ("coverage.csv", "services.csv", "summary.json")
#: Columns of ``coverage.csv`` that an edition reads.
COVERAGE_REQUIRED = (
    "code",
    "nom",
    "statut",
    "services_actifs",
    "services_en_projet",
    "services_pour_100k",
    "population",
    "annee_population",
)
#: Columns of ``services.csv`` that an edition needs.
SERVICE_REQUIRED = ("nom", "statut", "code_departement", "code_commune_trouve")
#: The rows a build could not use: read when there (a service now readable was rejected).
REJECTS_FILE = "rejects.csv"
REJECT_REQUIRED = ("nom", "raison")


def read_edition(folder: Path) -> Edition:
    """Read a build folder written by ips-map.

    Parameters
    ----------
    folder
        A folder holding ``coverage.csv``, ``services.csv`` and ``summary.json``.

    Raises
    ------
    EditionError
        The folder or one of its files is missing, or a file is not what a build writes
        (message naming the file, the line and the column).
    """
    folder = Path(folder)
    needed = ", ".join(EDITION_FILES)
    if not folder.is_dir():
        raise EditionError(
            f"{folder} : dossier d'édition introuvable ; indiquez le dossier d'une construction "
            f"d'ips-map (celui qui contient {needed})."
        )
    paths = {name: folder / name for name in EDITION_FILES}
    for path in paths.values():
        if not path.is_file():
            raise EditionError(
                f"{path} : fichier introuvable ; {folder} n'est pas le dossier d'une construction "
                f"complète d'ips-map (il faut {needed}) : reconstruisez cette édition."
            )
    _refuse_incomplete(paths["summary.json"])
    coverage = _read_csv(paths["coverage.csv"], COVERAGE_REQUIRED)
    services = _read_csv(paths["services.csv"], SERVICE_REQUIRED)
    summary = _read_summary(paths["summary.json"])
    rejects_path = folder / REJECTS_FILE
    rejects = _read_csv(rejects_path, REJECT_REQUIRED) if rejects_path.is_file() else []
    return make_edition(
        coverage,
        services,
        summary,
        folder=folder,
        where=(str(paths["coverage.csv"]), str(paths["services.csv"])),
        rejects=rejects,
    )


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The rows of a table, each with its line number; the columns ``required`` are there."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            # Either format of --csv-format: ";" and "0,298", or "," and "0.298".
            delimiter = sniff_delimiter(fh.readline())
            fh.seek(0)
            reader = csv.DictReader(fh, delimiter=delimiter)
            columns = reader.fieldnames or []
            missing = [name for name in required if name not in columns]
            if missing:
                what = agreed(len(missing), "colonne manquante", "colonnes manquantes")
                raise EditionError(
                    f"{path} : {what} : {', '.join(missing)} ; ce fichier ne "
                    "vient pas d'une construction d'ips-map (ou d'une version trop ancienne) : "
                    "reconstruisez cette édition."
                )
            # Text written as "'=…" (outputs.escape_formula) is read back as it was.
            return [(reader.line_num, {k: _unescape(v) for k, v in row.items()}) for row in reader]
    except UnicodeDecodeError as exc:
        raise EditionError(
            f"{path} : fichier illisible en UTF-8 (octet {exc.start}) ; une construction "
            "d'ips-map l'écrit en UTF-8 : reconstruisez cette édition."
        ) from exc
    except csv.Error as exc:
        raise EditionError(f"{path} : CSV illisible ({exc}).") from exc


def _unescape(value):
    # Cells beyond the header are gathered by DictReader in a list under the key None.
    return unescape_formula(value) if isinstance(value, str) else value


def _refuse_incomplete(path: Path) -> None:
    """Refuse a folder whose last build did not finish: its files may come from two builds
    (the summary says so, :class:`ips_map.outputs.OutputSet`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return  # said with its line by _read_summary
    if isinstance(data, dict) and INCOMPLETE in data:
        raise EditionError(
            f"{path} : {data[INCOMPLETE]} Ce dossier ne peut pas servir d'édition tant que la "
            "construction n'a pas été relancée jusqu'au bout."
        )


def _read_summary(path: Path) -> dict:
    try:
        # utf-8-sig: a summary re-saved by an editor that adds a BOM is still read.
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise EditionError(f"{path} : fichier illisible en UTF-8 (octet {exc.start}).") from exc
    except json.JSONDecodeError as exc:
        raise EditionError(
            f"{path}, ligne {exc.lineno} : JSON illisible ({exc.msg}) ; reconstruisez cette "
            "édition."
        ) from exc
    if not isinstance(data, dict):
        raise EditionError(f"{path} : un objet JSON est attendu (le résumé d'une construction).")
    return data
