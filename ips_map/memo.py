"""Results kept between builds: the tables a build derives from the data files alone.

Every build derives the same tables from the same 34,875 communes: the tables read from the
CSV files, the names' keys, the metric coordinates, the cells of ``communes.csv`` that come
from the data files, the search sidecar. Made anew, they took about half a second of each
build. :func:`remembered` keeps each one in the user's cache
(:func:`~ips_map.settings.default_memo_dir`: ``calculs/`` of the cache folder, or
``$IPS_MAP_MEMO_DIR``), as numpy arrays (``.npz``, read without pickle: a file of the cache
can never run code).

A result is named after the sha256 of everything it is made from: its inputs' content
(the columns themselves, not a file's name or date), the source of the ``ips_map`` package
and the versions of the libraries that compute it (numpy, pandas, pyproj, whose PROJ
projects the coordinates). An edited data file, an edited module or an upgraded library
makes another name, so a result kept is always the one the code would make now. A file
that cannot be read (damaged, truncated, from another numpy) is made again; one that
cannot be written is only a result not kept: the build's outputs are the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

import numpy as np

from ips_map.outputs import OutputError, write_atomic
from ips_map.settings import default_memo_dir

#: The layout of a kept result; raised when it changes.
FORMAT = 1
#: Results of one name kept for the code of today, at most (other inputs: a fetched table,
#: the names of the départements that a fuzzy match reads); those of other code go.
KEEP = 32

Arrays = dict[str, np.ndarray]
T = TypeVar("T")


@cache
def code_fingerprint() -> str:
    """The sha256 of the package's source (every ``.py`` file, by its relative path) and of
    the versions of the libraries that compute the kept results."""
    import pandas
    import pyproj

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("numpy", np.__version__, "pandas", pandas.__version__):
        digest.update(name.encode() + b"\0")
    digest.update(f"pyproj {pyproj.__version__} PROJ {pyproj.proj_version_str}\0".encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _update(digest, part) -> None:
    """Feed one input to ``digest``, tagged with its kind so that two inputs never feed
    the same bytes (the text "1" and the number 1, two lists of other splits)."""
    if isinstance(part, str):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"s%d:" % len(data) + data)
    elif isinstance(part, bytes):
        digest.update(b"b%d:" % len(part) + part)
    elif isinstance(part, np.ndarray) and part.dtype != object:
        array = np.ascontiguousarray(part)
        digest.update(f"a{array.dtype.str}{array.shape}:".encode())
        digest.update(array.tobytes())
    elif isinstance(part, (list, tuple, np.ndarray)):
        values = part.tolist() if isinstance(part, np.ndarray) else part
        try:  # texts, as they are kept (text_arrays: one join for tens of thousands)
            kept = text_arrays("t", values)
        except TypeError:  # not all texts: each one fed, tagged
            digest.update(b"r%d:" % len(values))
            for value in values:
                _update(digest, value)
            return
        for key in sorted(kept):  # each array's length first: no two streams alike
            digest.update(b"%s%d:" % (key.encode(), kept[key].nbytes) + kept[key].tobytes())
    else:  # a number, None…: its repr, tagged apart from a text
        data = repr(part).encode("utf-8", "surrogatepass")
        digest.update(b"o%d:" % len(data) + data)


def column_inputs(frame, names: Iterable[str]) -> list:
    """The columns ``names`` of a table as inputs of :func:`remembered`: each one's name,
    then its values."""
    return [part for name in names for part in (name, frame[name].to_numpy())]


def digest_of(name: str, inputs: Iterable) -> str:
    """The sha256 a result of ``name`` made from ``inputs`` is kept under."""
    digest = hashlib.sha256(f"ips-map memo {FORMAT}\0{name}\0{code_fingerprint()}\0".encode())
    for part in inputs:
        _update(digest, part)
    return digest.hexdigest()


def _read(path: Path) -> Arrays | None:
    try:
        data = path.read_bytes()
    except OSError:  # none yet, or unreadable
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return {key: arrays[key] for key in arrays.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        # Damaged, truncated or not ours: made again (and written over).
        return None


def _write(folder: Path, name: str, path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with contextlib.suppress(OutputError, OSError):
        write_atomic(path, buffer.getvalue())
        code = _code_part()
        others = [old for old in folder.glob(f"{name}-*.npz") if old != path]
        stale = [old for old in others if old.name.split("-")[1] != code]
        current = sorted(set(others) - set(stale), key=_age, reverse=True)
        for old in stale + current[KEEP - 1 :]:
            old.unlink(missing_ok=True)


def _code_part() -> str:
    """The part of a kept result's name that says which code made it."""
    return code_fingerprint()[:12]


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def remembered(
    name: str,
    inputs: Iterable,
    make: Callable[[], Mapping[str, np.ndarray]],
    read: Callable[[Arrays], T],
) -> T:
    """Return ``read(make())``, with ``make()`` kept in the cache under ``name`` and the
    digest of ``inputs``: a build that finds it only reads it.

    Parameters
    ----------
    name
        What the result is (a word of the file's name: ``[a-z_]+``).
    inputs
        Everything the result is made from, besides the code: texts, bytes, numpy arrays,
        lists of texts (a column of names).
    make
        Makes the result: numpy arrays by name, none of dtype object (they are read back
        without pickle).
    read
        Turns the arrays into the result. Made or found, the arrays go through it, so the
        two give the same result; a ``ValueError``, ``KeyError`` or ``IndexError`` of a
        found one (a file of other arrays) means it is made again.
    """
    folder = default_memo_dir()
    path = folder / f"{name}-{_code_part()}-{digest_of(name, inputs)[:40]}.npz"
    found = _read(path)
    if found is not None:
        with contextlib.suppress(ValueError, KeyError, IndexError):
            return read(found)
    arrays = {key: np.asarray(value) for key, value in make().items()}
    objects = [key for key, value in arrays.items() if value.dtype == object]
    if objects:
        raise TypeError(f"{name} : tableaux d'objets impossibles à garder {objects}")
    _write(folder, name, path, arrays)
    return read(arrays)


def text_arrays(key: str, values: list[str]) -> Arrays:
    """Texts as arrays kept without pickle, read back by :func:`read_texts`: ``key``
    holds them in UTF-8, separated by NUL characters (one split reads them back); when a
    text holds one, ``key + "_lengths"`` gives each text's length instead."""
    joined = "\0".join(values)
    arrays = {f"{key}_count": np.array(len(values), dtype=np.int64)}
    if joined.count("\0") != max(len(values) - 1, 0):
        joined = "".join(values)
        arrays[f"{key}_lengths"] = np.fromiter(map(len, values), np.int64, count=len(values))
    arrays[key] = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    return arrays


def read_texts(arrays: Mapping[str, np.ndarray], key: str) -> list[str]:
    """The texts :func:`text_arrays` kept under ``key``."""
    count = int(arrays[f"{key}_count"])
    text = arrays[key].tobytes().decode("utf-8", "surrogatepass")
    if f"{key}_lengths" not in arrays:
        values = text.split("\0") if count else []
        if len(values) != count or (not count and text):
            raise ValueError(f"{key} : {count} textes attendus, {len(values)} lus")
        return values
    lengths = arrays[f"{key}_lengths"]
    ends = np.cumsum(lengths).tolist()
    if len(lengths) != count or (ends[-1] if ends else 0) != len(text):
        raise ValueError(f"{key} : longueurs des textes gardés incohérentes")
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def frame_arrays(frame) -> Arrays:
    """A table of text, integer and float columns as arrays kept without pickle, read
    back by :func:`read_frame` with the same columns, values and dtypes (texts as pandas'
    ``str`` or as objects)."""
    import pandas as pd

    names = [str(name) for name in frame.columns]
    arrays = text_arrays("columns", names)
    kinds = []
    for i, name in enumerate(names):
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype) or column.dtype == object:
            texts = column.tolist()
            if not all(type(value) is str for value in texts):
                raise TypeError(f"colonne {name} : des textes seulement")
            arrays.update(text_arrays(f"c{i}", texts))
            string = isinstance(column.dtype, pd.StringDtype)
            kinds.append(f"str:{column.dtype.storage}" if string else "object")
        else:
            arrays[f"c{i}"] = column.to_numpy()
            kinds.append("number")
    arrays.update(text_arrays("kinds", kinds))
    return arrays


def read_frame(arrays: Mapping[str, np.ndarray]):
    """The table :func:`frame_arrays` kept."""
    import pandas as pd

    names = read_texts(arrays, "columns")
    kinds = read_texts(arrays, "kinds")
    columns = {}
    for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        if kind == "number":
            columns[name] = arrays[f"c{i}"]
            continue
        texts = np.array(read_texts(arrays, f"c{i}"), dtype=object)
        if kind == "object":
            columns[name] = texts
        else:
            storage = kind.removeprefix("str:")
            columns[name] = pd.array(texts, dtype=pd.StringDtype(storage, na_value=np.nan))
    if len({len(values) for values in columns.values()}) > 1:
        raise ValueError("colonnes de longueurs différentes")
    return pd.DataFrame(columns, columns=names)
