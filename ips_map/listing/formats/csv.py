"""CSV listings as spreadsheets export them.

The encoding (UTF-8 with or without BOM, UTF-16 with a BOM, Windows-1252) and the delimiter
(``,`` ``;`` or tab, told by the header) are found, and the header is searched among the
first rows. A quote never closed is reported and ignored rather than swallowing the rows
below it; values spread over several lines by misplaced quotes are reported.

A file that cannot be a listing is refused before the work its size would cost (finding the
delimiter, repairing quotes): more lines than a spreadsheet holds (:data:`MAX_ROWS`), a line
of more than :data:`MAX_LINE_CHARS` characters, a row of more than :data:`MAX_COLUMNS`
values, a value of more than the csv module's limit (128 Ko).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ips_map.errors import ListingError, Problem
from ips_map.listing.formats._csv_quotes import DOUBLED_QUOTE, swallowed_rows
from ips_map.listing.formats.table import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    MAX_ROWS,
    RawTable,
    find_header,
    has_text,
)
from ips_map.progress import READ_BLOCK, SILENT, Advance, Progress, Tally, ignore
from ips_map.vocabulary import thousands

DELIMITERS = (",", ";", "\t")
#: Longest line (characters between two line breaks): a row of a listing takes a few
#: hundred; a value over several lines has line breaks.
MAX_LINE_CHARS = 1 << 20
#: Where ``str.splitlines`` cuts lines (all of them whitespace).
_SPLITLINES_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_NOT_SPACE = re.compile(r"\S")
#: A quote that opens a quoted value: at the start of the text, a line or a value.
_OPENING_QUOTE = r'(?:\A|(?<=[\r\n{}]))"'
#: The rest of a quoted value, up to its closing quote ("" is a quote inside the value).
_QUOTED_REST = re.compile(r'[^"]*(?:""[^"]*)*"')
_NEWLINE = re.compile(r"\r\n|\r|\n")


def read_csv(
    path: str, data: bytes, header_index: dict[str, str], progress: Progress = SILENT
) -> RawTable:
    """Read the bytes of a CSV listing (named ``path`` in messages) as a table of text cells.

    ``header_index`` maps header keys to canonical columns: it tells the delimiter and the
    row of the header. Each row is numbered by the physical line where it starts.
    ``progress`` is told the lines read.
    """
    text, encoding = _decode(data, path)
    if _NOT_SPACE.search(text) is None:
        raise ListingError(f"{path}: le fichier est vide. Il faut au moins une colonne « nom ».")
    _check_shape(path, text)
    delimiter = _sniff_delimiter(text, header_index)
    lines = _count_breaks(text) + (not text.endswith(("\n", "\r")))
    with progress.count("lignes du fichier", lines, "ligne", detail=True) as advance:
        tally = Tally(advance, lines)
        parsed, notes, text = _csv_records(path, text, delimiter, tally)
        tally.finish()
    records = parsed.records
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
                f"en-tête trouvé à la ligne {header_line} : "
                + (
                    "la ligne au-dessus (titre, notes) est ignorée"
                    if header_line == 2
                    else f"les {header_line - 1} lignes au-dessus (titre, notes) sont ignorées"
                ),
            )
        )
    rows = records[index + 1 :]
    if parsed.multiline:
        notes += swallowed_rows(text, rows, header, delimiter)
    return RawTable(
        header=header,
        header_line=header_line,
        rows=rows,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        title=[" ".join(cells) for _, cells in records[:index] if has_text(cells)],
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
    # Every other piece between quotes is outside them.
    return sum(piece.count(delimiter) for piece in line.split('"')[::2])


def _first_line(text: str) -> str:
    """Return the first line of ``text`` that is not blank, as ``str.splitlines`` cuts lines
    ("" when there is none), without cutting the whole text into lines."""
    found = _NOT_SPACE.search(text)
    if found is None:
        return ""
    start = max(text.rfind(char, 0, found.start()) for char in _SPLITLINES_BREAKS) + 1
    ends = (text.find(char, found.start()) for char in _SPLITLINES_BREAKS)
    return text[start : min((end for end in ends if end >= 0), default=len(text))]


def _sniff_delimiter(text: str, header_index: dict[str, str]) -> str:
    """Return the delimiter of a CSV text.

    The delimiter under which a header (a ``nom`` column) is found among the first rows,
    with the most known columns, then the most cells; when no header is found, the
    delimiter most frequent outside quotes on the first non-empty line ("," when none is):
    ``nom;"Adresse (rue, n°)";commune`` is a ``;`` file.
    """
    first = _first_line(text)
    scores = {}
    for delimiter in DELIMITERS:
        rows = _first_rows(text, delimiter)
        found = find_header(rows, header_index)
        if found is not None:
            index, known = found
            scores[delimiter] = (known, len(rows[index]))
    if scores:
        return max(scores, key=lambda d: (*scores[d], _count_outside_quotes(first, d)))
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_rows(text: str, delimiter: str) -> list[list[str]]:
    """Return the rows among which a header is searched, read with ``delimiter``.

    A value over the size limit, or a row over :data:`MAX_COLUMNS` values, stops the
    reading: the rows above it still tell, and the row itself is refused if this delimiter
    is the file's.
    """
    reader = csv.reader(_lines(text), delimiter=delimiter)
    rows: list[list[str]] = []
    with contextlib.suppress(csv.Error):
        for row in itertools.islice(reader, HEADER_SEARCH_ROWS):
            if len(row) > MAX_COLUMNS:
                break
            rows.append(row)
    return rows


def _lines(text: str) -> Iterator[str]:
    """Yield the lines of ``text`` with their line breaks, as ``io.StringIO(text,
    newline="")`` does, one at a time and without copying the text."""
    position, size = 0, len(text)
    # The next line feed and carriage return at or after ``position`` (-1: none left), each
    # searched again only once passed: every character is looked at once.
    lf, cr = text.find("\n"), text.find("\r")
    while position < size:
        if 0 <= lf < position:
            lf = text.find("\n", position)
        if 0 <= cr < position:
            cr = text.find("\r", position)
        ends = [i for i in (lf, cr) if i >= 0]
        if not ends:
            yield text[position:]
            return
        end = min(ends) + 1
        if text[end - 1] == "\r" and end == lf:
            end += 1
        yield text[position:end]
        position = end


# --- limits checked before reading --------------------------------------------------------


def _count_breaks(text: str, start: int = 0, end: int | None = None) -> int:
    """Return the number of line breaks (``\\r\\n``, ``\\r`` or ``\\n``, as the csv module
    reads them) in ``text[start:end]``, which must not cut a ``\\r\\n`` in two."""
    end = len(text) if end is None else end
    lf, cr = text.count("\n", start, end), text.count("\r", start, end)
    return lf + cr - (text.count("\r\n", start, end) if lf and cr else 0)


def _check_shape(path: str, text: str) -> None:
    """Refuse a text with more lines than :data:`MAX_ROWS`, or a line longer than
    :data:`MAX_LINE_CHARS`, before anything reads it line by line.

    Raises
    ------
    ListingError
        Saying the number of lines, or which line is too long.
    """
    lines = _count_breaks(text) + (not text.endswith(("\r", "\n")))
    if lines > MAX_ROWS:
        raise ListingError(
            f"{path}: {thousands(lines)} lignes, plus que les {thousands(MAX_ROWS)} d'une "
            "feuille de tableur : ce n'est sans doute pas une liste de services. Si la liste "
            "est bien là, supprimez les lignes vides sous elle (une mise en forme étendue à "
            "toute la feuille en ajoute) et exportez-la de nouveau."
        )
    if len(text) <= MAX_LINE_CHARS:
        return
    # When the text is longer than its lines could all be, a few lines are to be searched;
    # else all are measured (one at a time, never the whole text cut into lines).
    if (
        len(text) <= lines * MAX_LINE_CHARS
        and max(map(len, io.StringIO(text, newline=""))) <= MAX_LINE_CHARS
    ):
        return
    number = next(n for n, line in enumerate(_lines(text), 1) if len(line) > MAX_LINE_CHARS)
    raise ListingError(
        f"{path}, ligne {number} : plus de {thousands(MAX_LINE_CHARS)} caractères sans retour "
        "à la ligne : ce n'est pas une ligne de liste. Vérifiez que le fichier est bien la "
        "liste exportée en CSV (un fichier sans retours à la ligne, ou une seule ligne de "
        "séparateurs, n'en est pas une)."
    )


def _too_many_columns(path: str, line: int, count: int) -> ListingError:
    """Return the error for a row of ``count`` values, more than :data:`MAX_COLUMNS`."""
    return ListingError(
        f"{path}, ligne {line} : {thousands(count)} valeurs, plus que les "
        f"{thousands(MAX_COLUMNS)} colonnes qu'une liste peut avoir. Vérifiez le séparateur "
        "(un fichier de séparateurs n'est pas une liste) et supprimez les colonnes vides à "
        "droite de la liste dans le tableur avant de l'exporter."
    )


# --- records, and quotes never closed -----------------------------------------------------


@dataclass
class _Parsed:
    """The records of a CSV text, each with the physical line where it starts (blank ones
    only among the first rows, where the header is searched); where the last record starts
    in the text; whether a record spans several lines."""

    records: list[tuple[int, list[str]]]
    last_start: int
    multiline: bool


class _FieldTooLarge(Exception):
    """A value over the csv module's size limit, in the record starting on ``line`` (at
    position ``start`` of the text); the module had read the text up to ``stop``."""

    def __init__(self, line: int, start: int, stop: int):
        super().__init__(line)
        self.line, self.start, self.stop = line, start, stop


def _csv_records(
    path: str, text: str, delimiter: str, advance: Advance = ignore
) -> tuple[_Parsed, list[Problem], str]:
    """Return every record of a CSV text, the quotes that were never closed, and the text as
    read (those quotes doubled).

    A quote that opens a value and is never closed makes the csv module read everything
    after it as one value: the rows below would be lost (or the value exceed the module's
    size limit). Such a quote can only be in the last record read: it is reported, doubled
    (an empty quoted text followed by the rest of the value, as if it were absent) and the
    text read again.

    Raises
    ------
    ListingError
        For what the csv module cannot read (a value over its size limit), naming the line,
        and for a row over :data:`MAX_COLUMNS` values.
    """
    problems: list[Problem] = []
    while True:
        try:
            parsed = _parse_csv(path, text, delimiter, advance)
            too_large, start, stop = None, parsed.last_start, len(text)
        except _FieldTooLarge as exc:
            too_large, start, stop = exc, exc.start, exc.stop
        opened = _unclosed_quote(text, delimiter, start, stop)
        if opened is None:
            break
        problems.append(_unclosed_quote_problem(text, opened))
        text = text[:opened] + '"' + text[opened:]
    if too_large is not None:
        raise _too_large_error(path, text, too_large)
    return parsed, problems, text


def _parse_csv(path: str, text: str, delimiter: str, advance: Advance = ignore) -> _Parsed:
    """Read the records of a CSV text (see :class:`_Parsed`), telling ``advance`` the lines
    read as it goes."""
    if '"' not in text:
        unquoted = _parse_unquoted(path, text, delimiter, advance)
        if unquoted is not None:
            return unquoted
    source = io.StringIO(text, newline="")
    reader = csv.reader(source, delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = start = last_start = 0  # the line (from 0) and position where the next record starts
    told = 0  # the lines told to ``advance``
    multiline = False
    try:
        for raw in reader:
            if len(raw) > MAX_COLUMNS:
                raise _too_many_columns(path, line + 1, len(raw))
            # Blank rows are never read: kept only where the header is searched, so that
            # the search covers the same rows whatever follows.
            if any(raw) or len(records) < HEADER_SEARCH_ROWS:
                records.append((line + 1, raw))
            multiline = multiline or reader.line_num > line + 1
            last_start, line, start = start, reader.line_num, source.tell()
            if line - told >= READ_BLOCK:
                advance(line - told)
                told = line
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _FieldTooLarge(line + 1, start, source.tell()) from exc
        raise ListingError(
            f"{path}, ligne {line + 1} : CSV illisible ({exc}). Ouvrez le fichier dans un "
            "tableur et enregistrez-le de nouveau en « CSV UTF-8 »."
        ) from exc
    advance(line - told)
    return _Parsed(records, last_start, multiline)


def _parse_unquoted(
    path: str, text: str, delimiter: str, advance: Advance = ignore
) -> _Parsed | None:
    """:func:`_parse_csv` of a text without quotes, every record read at once.

    Without quotes no value spans lines: the record read from the n-th line (as the csv
    module splits them) starts on line n, and there is no quote left open (the last
    record's start is then not needed: the text's end is given). None when the csv module
    refuses the text: the line by line reading says where.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raws: list[list[str]] = []
    try:
        # Read by blocks of lines, so that the progress moves without a call per line.
        while block := list(itertools.islice(reader, READ_BLOCK)):
            raws += block
            advance(len(block))
    except csv.Error:
        return None
    widest = max(map(len, raws), default=0)
    if widest > MAX_COLUMNS:
        line = next(n for n, raw in enumerate(raws, 1) if len(raw) > MAX_COLUMNS)
        raise _too_many_columns(path, line, len(raws[line - 1]))
    # Blank rows are kept only where the header is searched, as _parse_csv does.
    head = HEADER_SEARCH_ROWS
    records = [(n, raw) for n, raw in enumerate(raws[:head], 1)]
    records += [(n, raw) for n, raw in enumerate(raws[head:], head + 1) if any(raw)]
    return _Parsed(records, len(text), False)


def _unclosed_quote(text: str, delimiter: str, start: int, stop: int) -> int | None:
    """Return the position of a quote that opens a value between ``start`` (a position
    where a record starts) and ``stop``, and is never closed; or None."""
    opening = re.compile(_OPENING_QUOTE.format(re.escape(delimiter)))
    position = start
    while (match := opening.search(text, position, stop)) is not None:
        closing = _QUOTED_REST.match(text, match.end())
        if closing is None:
            return match.start()
        position = closing.end()
    return None


def _unclosed_quote_problem(text: str, opened: int) -> Problem:
    """Return the problem of the quote at position ``opened``, never closed."""
    line = _count_breaks(text, 0, opened) + 1
    following = _count_breaks(text, opened) - text.endswith(("\r", "\n"))
    return Problem(
        line,
        "",
        text[opened : opened + 40].splitlines()[0],
        f'guillemet « " » ouvert et jamais refermé : il aurait réuni '
        f"{'la ligne suivante' if following < 2 else f'les {following} lignes suivantes'} "
        "en une seule valeur ; il est ignoré et la ligne lue "
        f"sans lui. Refermez-le après la valeur, ou retirez-le ({DOUBLED_QUOTE})",
    )


def _too_large_error(path: str, text: str, where: _FieldTooLarge) -> ListingError:
    """Return the error for a value over the csv module's size limit, in the record
    ``where`` says."""
    limit = csv.field_size_limit() // 1024
    end = _NEWLINE.search(text, where.start)
    quoted = '"' in text[where.start : len(text) if end is None else end.start()]
    return ListingError(
        f"{path}, ligne {where.line} : valeur de plus de {limit} Ko, illisible. "
        + (
            'Un guillemet (« " ») mal placé réunit sans doute les lignes suivantes en '
            f"une seule valeur : vérifiez les guillemets à partir de la ligne {where.line}."
            if quoted
            else "Ce n'est pas une liste de services : vérifiez que le fichier est bien "
            "la liste exportée en CSV."
        )
    )
