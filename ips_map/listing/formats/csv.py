"""CSV listings as spreadsheets export them.

The encoding (UTF-8 with or without BOM, UTF-16 with a BOM, Windows-1252) and the delimiter
(``,`` ``;`` or tab, told by the header) are found, and the header is searched among the
first rows. A quote never closed is reported and ignored rather than swallowing the rows
below it; values spread over several lines by misplaced quotes are reported.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats.table import HEADER_SEARCH_ROWS, RawTable, find_header, has_text

DELIMITERS = (",", ";", "\t")
#: A quote that opens a quoted value: at the start of the text, a line or a value.
_OPENING_QUOTE = r'(?:\A|(?<=[\r\n{}]))"'
#: The rest of a quoted value, up to its closing quote ("" is a quote inside the value).
_QUOTED_REST = re.compile(r'[^"]*(?:""[^"]*)*"')
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Said of a quote that is part of a value, in every message about quotes.
_DOUBLED_QUOTE = 'un guillemet qui fait partie du texte s\'écrit doublé : « "" »'


def read_csv(path: str, data: bytes, header_index: dict[str, str]) -> RawTable:
    """Read the bytes of a CSV listing (named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys to canonical columns: it tells the delimiter and the
    row of the header. Each row is numbered by the physical line where it starts.
    """
    text, encoding = _decode(data, path)
    if not text.strip():
        raise ListingError(f"{path}: le fichier est vide. Il faut au moins une colonne « nom ».")
    delimiter = _sniff_delimiter(text, header_index)
    records, notes, text = _csv_records(path, text, delimiter)
    found = find_header([cells for _, cells in records], header_index)
    if found is not None:
        index = found[0]
    else:
        # No "nom" column: the first non-empty record is taken as the header, so that the
        # error names the columns that were found.
        index = next((i for i, (_, cells) in enumerate(records) if has_text(cells)), 0)
    header_line, header = records[index]
    if any(has_text(cells) for _, cells in records[:index]):
        notes.append(
            Problem(
                header_line,
                "",
                "",
                f"en-tête trouvé à la ligne {header_line} : les {header_line - 1} ligne(s) "
                "au-dessus (titre, notes) sont ignorées",
            )
        )
    rows = records[index + 1 :]
    notes += _swallowed_rows(text, rows, header, delimiter)
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


# --- encoding and delimiter ---------------------------------------------------------------


def _decode(data: bytes, path: str) -> tuple[str, str]:
    """Return the text of a CSV file and the name of its encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise ListingError(
                f"{path}: le fichier s'annonce en UTF-8 (BOM) mais contient un octet invalide "
                f"(octet {exc.start + 3}). Enregistrez-le de nouveau en « CSV UTF-8 »."
            ) from exc
    # Excel's « Texte Unicode » export is UTF-16 with a BOM.
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), "utf-16"
            except UnicodeDecodeError as exc:
                raise ListingError(
                    f"{path}: le fichier s'annonce en UTF-16 (BOM) mais est illisible "
                    f"(octet {exc.start + len(bom)}). Enregistrez-le en « CSV UTF-8 »."
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


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, inside = 0, False
    for char in line:
        if char == '"':
            inside = not inside
        elif char == delimiter and not inside:
            count += 1
    return count


def _sniff_delimiter(text: str, header_index: dict[str, str]) -> str:
    """Return the delimiter of a CSV text.

    The delimiter under which a header (a ``nom`` column) is found among the first rows,
    with the most known columns, then the most cells; when no header is found, the
    delimiter most frequent outside quotes on the first non-empty line ("," when none is):
    ``nom;"Adresse (rue, n°)";commune`` is a ``;`` file.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    scores = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[list[str]] = []
        # A value over the size limit stops the reading: the rows above it still tell.
        with contextlib.suppress(csv.Error):
            rows.extend(itertools.islice(reader, HEADER_SEARCH_ROWS))
        found = find_header(rows, header_index)
        if found is not None:
            index, known = found
            scores[delimiter] = (known, len(rows[index]))
    if scores:
        return max(scores, key=lambda d: (*scores[d], _count_outside_quotes(first, d)))
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# --- records, and quotes never closed -----------------------------------------------------


class _FieldTooLarge(Exception):
    """A value over the csv module's size limit, in the record starting on ``line``."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _csv_records(
    path: str, text: str, delimiter: str
) -> tuple[list[tuple[int, list[str]]], list[Problem], str]:
    """Return every record of a CSV text with the physical line where it starts, the
    quotes that were never closed, and the text as read (those quotes doubled).

    A quote that opens a value and is never closed makes the csv module read everything
    after it as one value: the rows below would be lost (or the value exceed the module's
    size limit). Such a quote can only be in the last record read: it is reported, doubled
    (an empty quoted text followed by the rest of the value, as if it were absent) and the
    text read again.

    Raises
    ------
    ListingError
        For what the csv module cannot read (a value over its size limit), naming the line.
    """
    problems: list[Problem] = []
    while True:
        try:
            records = _parse_csv(path, text, delimiter)
            too_large, last = None, records[-1][0] if records else 1
        except _FieldTooLarge as exc:
            too_large, last = exc.line, exc.line
        opened = _unclosed_quote(text, delimiter, _offset_of_line(text, last))
        if opened is None:
            break
        problems.append(_unclosed_quote_problem(text, opened))
        text = text[:opened] + '"' + text[opened:]
    if too_large is not None:
        raise _too_large_error(path, text, too_large)
    return records, problems, text


def _parse_csv(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Return the records of a CSV text, each with the physical line where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for raw in reader:
            records.append((line + 1, raw))
            line = reader.line_num
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _FieldTooLarge(line + 1) from exc
        raise ListingError(
            f"{path}, ligne {line + 1} : CSV illisible ({exc}). Ouvrez le fichier dans un "
            "tableur et enregistrez-le de nouveau en « CSV UTF-8 »."
        ) from exc
    return records


def _offset_of_line(text: str, line: int) -> int:
    """Return the position in ``text`` where physical line ``line`` (from 1) starts."""
    position = 0
    for _ in range(line - 1):
        match = _NEWLINE.search(text, position)
        if match is None:
            break
        position = match.end()
    return position


def _unclosed_quote(text: str, delimiter: str, start: int) -> int | None:
    """Return the position of a quote that opens a value after ``start`` (a position where
    a record starts) and is never closed, or None."""
    opening = re.compile(_OPENING_QUOTE.format(re.escape(delimiter)))
    position = start
    while (match := opening.search(text, position)) is not None:
        closing = _QUOTED_REST.match(text, match.end())
        if closing is None:
            return match.start()
        position = closing.end()
    return None


def _unclosed_quote_problem(text: str, opened: int) -> Problem:
    """Return the problem of the quote at position ``opened``, never closed."""
    line = len(_NEWLINE.findall(text, 0, opened)) + 1
    following = len(io.StringIO(text[opened:], newline="").readlines()) - 1
    return Problem(
        line,
        "",
        text[opened : opened + 40].splitlines()[0],
        f'guillemet « " » ouvert et jamais refermé : il aurait réuni les {following} '
        "ligne(s) suivante(s) en une seule valeur ; il est ignoré et la ligne lue "
        f"sans lui. Refermez-le après la valeur, ou retirez-le ({_DOUBLED_QUOTE})",
    )


def _too_large_error(path: str, text: str, line: int) -> ListingError:
    """Return the error for a value over the csv module's size limit, on ``line``."""
    limit = csv.field_size_limit() // 1024
    quoted = '"' in io.StringIO(text, newline="").readlines()[line - 1]
    return ListingError(
        f"{path}, ligne {line} : valeur de plus de {limit} Ko, illisible. "
        + (
            'Un guillemet (« " ») mal placé réunit sans doute les lignes suivantes en '
            f"une seule valeur : vérifiez les guillemets à partir de la ligne {line}."
            if quoted
            else "Ce n'est pas une liste de services : vérifiez que le fichier est bien "
            "la liste exportée en CSV."
        )
    )


# --- values over several lines --------------------------------------------------------------


def _swallowed_rows(
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
        f"mal placé : refermez la valeur au bon endroit ({_DOUBLED_QUOTE})",
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
