"""Check a listing without building a map: read it, place every row, report each problem.

:func:`validate_listing` runs the first half of the build (:func:`ips_map.pipeline.
read_and_place`: reading and placement) and returns every problem with its line, column,
value and what was done or what to fix; ``ips-map validate`` prints it and exits 0 only when
every row is usable and at least one is placed (as a build needs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ips_map.errors import ERREUR, ListingError, Problem
from ips_map.listing.read import Listing
from ips_map.outputs import refuse_overwriting_inputs, write_csv
from ips_map.pipeline.prepare import count_rows, read_and_place
from ips_map.pipeline.verdict import Verdict
from ips_map.places import Placement
from ips_map.progress import SILENT
from ips_map.settings import is_url
from ips_map.sources.http import HttpSettings
from ips_map.vocabulary import RowCounts

REPORT_COLUMNS = ["unite", "ligne", "colonne", "valeur", "gravite", "message"]


@dataclass
class Validation:
    """What reading and placing a listing found.

    ``error`` is set when the listing could not be read at all (no ``nom`` column, an
    unreadable file); ``rejects`` are the rows that cannot be used, ``duplicates`` the exact
    copies counted once.
    """

    source: str
    listing: Listing | None = None
    placement: Placement | None = None
    problems: list[Problem] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when every row is usable and at least one is placed (duplicates and
        warnings allowed): what a build needs."""
        return not self.error and not self.rejects and self.counts.placed > 0

    @property
    def verdict(self) -> Verdict:
        """The verdict on the listing, in the words ``ips-map build`` uses too."""
        services = self.placement.services if self.placement is not None else pd.DataFrame()
        return Verdict(self.listing, self.counts, services, self.rejects, self.problems)

    @property
    def counts(self) -> RowCounts:
        """What became of the rows (:class:`~ips_map.vocabulary.RowCounts`)."""
        services = self.placement.services if self.placement is not None else pd.DataFrame()
        return count_rows(self.listing, services, len(self.rejects))


def validate_listing(
    source: Path | str,
    *,
    cache_dir: Path | None = None,
    http: HttpSettings | None = None,
    progress=None,
) -> Validation:
    """Read and place a listing as a build does; collect every problem (never raises for a
    bad listing).

    Parameters
    ----------
    source
        File or http(s) URL, as for :func:`ips_map.listing.read.read_listing`.
    progress
        Told each step (:class:`ips_map.progress.Progress`, or a function of its name);
        silent when None.
    """
    result = Validation(source=str(source))
    step = progress if progress is not None else SILENT
    try:
        prepared = read_and_place(
            source, cache_dir=cache_dir, http=http, allow_empty=True, step=step
        )
    except ListingError as exc:
        result.error = str(exc)
        return result
    result.listing = prepared.listing
    result.placement = prepared.placement
    result.problems = sorted(prepared.problems, key=lambda p: (p.ligne is not None, p.ligne or 0))
    result.rejects = sorted(prepared.rejects, key=lambda r: r["ligne"])
    return result


def format_report(result: Validation) -> Iterable[str]:
    """Yield the lines of a validation report, in French, for a terminal: the verdict that
    ``ips-map build`` says too (:class:`~ips_map.pipeline.verdict.Verdict`)."""
    if result.error:
        yield f"Liste illisible : {result.error}"
        return
    yield from result.verdict.lines()


def write_report(path: Path, result: Validation, fmt: str | None = None) -> Path:
    """Write every problem as CSV: ``unite, ligne, colonne, valeur, gravite, message``, in
    the format ``fmt`` (:data:`ips_map.outputs.CSV_FORMATS`, French by default).

    Raises
    ------
    OutputError
        When ``path`` is the listing itself (links resolved): it is never overwritten.
    """
    if not is_url(result.source):
        refuse_overwriting_inputs(
            [path], [Path(result.source)], "indiquez un autre fichier pour le rapport (--report)."
        )
    # A rejected row's reasons are in its problems (placement) or only in its reject record
    # (reading): write each once.
    # One row per fix: a left-out row's warnings that its reason quotes are not repeated.
    rows = [p.as_dict() for p in result.verdict.warnings()] if not result.error else []
    rows += [
        {
            "unite": result.listing.unit,
            "ligne": r["ligne"],
            "colonne": r["colonne"],
            "valeur": r["valeur"],
            "gravite": ERREUR,
            "message": r["raison"],
        }
        for r in result.rejects
    ]
    rows.sort(key=lambda r: (r["ligne"] is not None, r["ligne"] or 0))
    if result.error:
        rows = [
            {
                "unite": "fichier",
                "ligne": "",
                "colonne": "",
                "valeur": result.source,
                "gravite": ERREUR,
                "message": result.error,
            }
        ]
    return write_csv(path, REPORT_COLUMNS, rows, fmt)
