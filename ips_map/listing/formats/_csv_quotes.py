"""Values of a CSV listing spread over several lines by misplaced quotes: found after the
records are read (:func:`swallowed_rows`), so that the rows they hide are reported."""

from __future__ import annotations

import csv
import io
import re

from ips_map.errors import Problem

_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Said of a quote that is part of a value, in every message about quotes.
DOUBLED_QUOTE = 'un guillemet qui fait partie du texte s\'écrit doublé : « "" »'


def swallowed_rows(
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
                problems.append(_swallowed_problem(line, column, lines, rowlike))
                break
            line += len(lines) - 1
    return problems


def _swallowed_problem(line: int, column: str, lines: list[str], rowlike: list[str]) -> Problem:
    """Return the problem of a value over ``lines`` (from ``line``), some of them ``rowlike``."""
    what = (
        f"dont {len(rowlike)} ressemble(nt) à des lignes de la liste"
        if rowlike
        else "avec du texte après son guillemet fermant"
    )
    return Problem(
        line,
        column,
        (rowlike or lines[1:])[0][:80],
        f"valeur entre guillemets sur {len(lines)} lignes ({line} à "
        f"{line + len(lines) - 1}), {what} : des lignes de la liste sont sans "
        'doute lues comme une partie de cette valeur. Un guillemet « " » est '
        f"mal placé : refermez la valeur au bon endroit ({DOUBLED_QUOTE})",
    )


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
