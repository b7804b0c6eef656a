"""Fuzzed listings: whatever bytes a listing holds, reading and placing it raise nothing but
the package's own errors, and every row read is placed, rejected or a duplicate, once.

Inputs are arbitrary bytes (some behind a format's signature) and the real listings of
``tests/data/listings`` mutated: CSV in three encodings, GeoJSON, and the XLSX and ODS
workbooks ``make_corpus`` writes, with bytes flipped, cut, deleted or copied, delimiters,
quotes, NUL, line breaks and long runs inserted, a workbook's members corrupted inside the
archive (their XML numbers too: cell references, repeats), a GeoJSON's values replaced by
odd JSON (deep nesting, huge numbers, NaN, wrong types, unknown CRS).

The rectangle a workbook is measured to span before python-calamine reads it is checked
against the one python-calamine builds, for the same mutated workbooks.

``make test`` runs 280 inputs, derandomized so that every run tries the same ones; ``make
fuzz`` runs 100,000 (``IPS_MAP_FUZZ_EXAMPLES``, shared between the tests below), new ones
each time unless ``IPS_MAP_FUZZ_SEED`` is set. Placing a listing costs most of the time.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st

from ips_map.errors import IpsMapError
from ips_map.listing.formats._workbook_size import MAX_SHEET_CELLS, sheet_extents
from ips_map.listing.read import read_listing
from ips_map.places import place_services
from ips_map.territory.data import load_communes, load_departements, load_old_codes
from ips_map.territory.gazetteer import shared_gazetteer
from tests.helpers import CORPUS, load_corpus_module

#: A failing input is printed whole, however large (warnings are errors in this suite).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
)

#: Inputs of this run, shared between the tests (`make fuzz` sets the environment variable);
#: without it, each test runs the few inputs given to :func:`fuzz` (a `make test` run).
EXAMPLES = int(os.environ.get("IPS_MAP_FUZZ_EXAMPLES") or 0)
SEED = os.environ.get("IPS_MAP_FUZZ_SEED")


def fuzz(share: float, ci: int):
    """The settings of a fuzz test: ``share`` of the inputs of a fuzz run, ``ci`` inputs in
    a `make test` run (always the same ones: a test's examples derive from its name)."""

    def decorate(test):
        test = settings(
            max_examples=max(1, round(EXAMPLES * share)) if EXAMPLES else ci,
            deadline=None,
            database=None,
            derandomize=not EXAMPLES,
            suppress_health_check=list(HealthCheck),
        )(test)
        return seed(int(SEED))(test) if SEED else test

    return decorate


@pytest.fixture(scope="module")
def territory():
    """The real territory tables and their look-ups, loaded once."""
    communes, old_codes = load_communes(), load_old_codes()
    departements = load_departements()
    return departements, communes, old_codes, shared_gazetteer(communes, old_codes)


def _seeds() -> dict[str, bytes]:
    """The corpus as bytes, by file name: the text files and the two workbooks (written by
    ``make_corpus``, then read back)."""
    corpus = load_corpus_module()
    found = {path.name: path.read_bytes() for path in sorted(CORPUS.iterdir()) if path.is_file()}
    found.pop("make_corpus.py")
    with tempfile.TemporaryDirectory() as folder:
        for name, write in (
            ("ars-classeur.xlsx", corpus.write_xlsx),
            ("ars-classeur.ods", corpus.write_ods),
        ):
            found[name] = write(Path(folder) / name).read_bytes()
    return found


#: Strategies are built before the tests run: the seeds are read when the module is.
SEEDS = _seeds()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# --- the property -----------------------------------------------------------------------------


def check_listing(folder: Path, name: str, data: bytes, territory) -> None:
    """Read and place the listing ``data`` saved as ``name``: only the package's errors may
    be raised, and each row read must end up placed, rejected or a duplicate, once."""
    path = folder / name
    path.write_bytes(data)
    try:
        listing = read_listing(path, allow_empty=True)
    except IpsMapError as exc:
        event(f"refused: {_stem(exc)}")
        return
    departements, communes, old_codes, gazetteer = territory
    lines = [r["ligne"] for r in listing.rejects + listing.duplicates]
    if len(listing.rows):
        try:
            placement = place_services(
                listing, departements, communes, old_codes, gazetteer=gazetteer
            )
        except IpsMapError as exc:
            event(f"not placed: {_stem(exc)}")
            return
        lines += [r["ligne"] for r in placement.rejects] + list(placement.services["ligne"])
        assert set(placement.services["code_departement"]) <= set(departements["code"])
    event(f"read ({listing.format}), {'placed' if len(listing.rows) else 'no usable row'}")
    assert len(lines) == listing.rows_read, (len(lines), listing.rows_read)
    assert len(set(lines)) == len(lines), "a row counted twice"


def _stem(exc: Exception) -> str:
    """What an error says, without the file, numbers and values (for the statistics)."""
    message = str(exc).split(": ", 1)[-1]
    return re.sub(r"\d[\d\u202f]*", "N", re.sub(r"« [^»]*»", "«…»", message))[:45]


# --- inputs -----------------------------------------------------------------------------------

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".geojson", ".json", "")
#: What a listing's bytes may begin with: each format's signature, byte order marks, a header.
SIGNATURES = (
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b'{"type": "FeatureCollection", "features": [',
    b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": ',
    b"nom;commune;departement;latitude;longitude\n",
    b"nom,code_postal,statut\r\n",
    b"<html>",
)
#: Pieces inserted into a listing, alone or repeated.
PIECES = (
    b";",
    b",",
    b"\t",
    b'"',
    b'""',
    b"'",
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\xe9",
    b"=",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b">",
    b"&",
    b"\\",
    b"99999999999999999999",
    b"1e999",
    b"-0",
    b"NaN",
    b"Infinity",
    b"null",
    b"nom",
    b"latitude",
    b"2A",
    b"20",
    b"975",
    b"\xe2\x80\xae",
    b"\x1b]0;x\x07",
)
REPEATS = (1, 1, 1, 2, 3, 10, 200, 5_000, 150_000)


def _position(draw, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


@st.composite
def byte_mutation(draw, data: bytes) -> bytes:
    """``data`` with one mutation: a bit flipped, a byte set, cut, a range deleted or copied,
    a piece (repeated) inserted."""
    kind = draw(
        st.sampled_from(["flip", "set", "cut", "delete", "copy", "insert", "insert", "insert"])
    )
    if not data and kind != "insert":
        kind = "insert"
    if kind in ("flip", "set"):
        at = draw(st.integers(0, len(data) - 1))
        value = (
            data[at] ^ (1 << draw(st.integers(0, 7)))
            if kind == "flip"
            else draw(st.integers(0, 255))
        )
        return data[:at] + bytes([value]) + data[at + 1 :]
    if kind == "cut":
        return data[: _position(draw, data)]
    if kind in ("delete", "copy"):
        start = _position(draw, data)
        end = min(len(data), start + draw(st.integers(0, 400)))
        if kind == "delete":
            return data[:start] + data[end:]
        at = _position(draw, data)
        return data[:at] + data[start:end] + data[at:]
    piece = draw(st.sampled_from(PIECES) | st.binary(min_size=1, max_size=12))
    at = _position(draw, data)
    return data[:at] + piece * draw(st.sampled_from(REPEATS)) + data[at:]


@st.composite
def mutated(draw, data: bytes, most: int = 4) -> bytes:
    for _ in range(draw(st.integers(1, most))):
        data = draw(byte_mutation(data))
    return data


@st.composite
def number_mutation(draw, xml: bytes) -> bytes:
    """``xml`` with one of its numbers (a cell reference's row, a repeat) replaced."""
    numbers = [match.span() for match in re.finditer(rb"\d+", xml)]
    if not numbers:
        return xml
    start, end = draw(st.sampled_from(numbers))
    number = draw(
        st.sampled_from([0, 1, 2, 1023, 1024, 16384, 65536, 1_048_576, 1_048_577, 10**9, 10**30])
        | st.integers(0, 10**7)
    )
    return xml[:start] + str(number).encode() + xml[end:]


@st.composite
def workbook_mutation(draw, archive: bytes) -> bytes:
    """``archive`` (a workbook) with members mutated, dropped or added, then written again,
    each member stored or compressed; at times the archive's own bytes mutated after."""
    with zipfile.ZipFile(io.BytesIO(archive)) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(members) - 1))
        name, content = members[index]
        kind = draw(st.sampled_from(["bytes", "number", "number", "drop", "add"]))
        if kind == "bytes":
            members[index] = (name, draw(mutated(content, most=2)))
        elif kind == "number":
            members[index] = (name, draw(number_mutation(content)))
        elif kind == "drop":
            members.pop(index)
            if not members:
                break
        else:
            added = draw(st.sampled_from(["xl/worksheets/sheet9.xml", "content.xml", name]))
            members.append((added, draw(mutated(content, most=2))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a member's name twice is one of the corruptions
        for name, content in members:
            stored = name == "mimetype" or draw(st.booleans())
            compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    data = buffer.getvalue()
    return draw(mutated(data, most=2)) if draw(st.integers(0, 3)) == 0 else data


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "Lyon", "69", "2A", "EPSG:2154", "Point", "FeatureCollection"])
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "geometry", "coordinates", "properties", "nom", "crs", "name"])
            | st.text(max_size=6),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
#: Old-style ``crs`` members: known, unknown, odd.
CRS_NAMES = st.sampled_from(
    [
        "EPSG:2154",
        "urn:ogc:def:crs:EPSG::2154",
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "EPSG:4978",
        "EPSG:3857",
        "EPSG:99999",
        "+proj=longlat +datum=WGS84",
        "+proj=geos +h=35785831",
        "",
        "\x00",
    ]
) | st.text(max_size=20)


#: Where :func:`geojson_mutation` writes a value nested deeper than json.dumps goes.
_DEEP = "\x00deep\x00"
#: A point's coordinates, as odd as JSON allows.
COORDINATES = st.lists(
    st.sampled_from([4.8357, 45.764, 0, -0.0, 1e308, 10**400, "4,8", "x", True, None, [], {}])
    | st.floats(allow_nan=True, allow_infinity=True),
    max_size=3,
) | st.sampled_from([{"0": 4.8, "1": 45.7}, "45", 12, None])


def _nodes(value, path=()):
    """Yield the path of every value inside a JSON document."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


@st.composite
def geojson_mutation(draw, text: bytes) -> bytes:
    """A GeoJSON document with values replaced by odd JSON, a ``crs`` member added, or a
    value nested very deep."""
    document = json.loads(text)
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_nodes(document))
        path = draw(st.sampled_from(paths[1:]))
        kind = draw(st.sampled_from(["value", "value", "coordinates", "crs", "deep"]))
        if kind == "crs":
            document["crs"] = {"type": "name", "properties": {"name": draw(CRS_NAMES)}}
            continue
        if kind == "coordinates":
            features = document.get("features")
            choices = features if isinstance(features, list) and features else [{}]
            feature = draw(st.sampled_from(choices))
            if isinstance(feature, dict):
                feature["geometry"] = {"type": "Point", "coordinates": draw(COORDINATES)}
            continue
        value = _DEEP if kind == "deep" else draw(JSON_VALUES)
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    written = json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8")
    depth = draw(st.sampled_from([50, 900, 3000, 100_000]))
    return written.replace(json.dumps(_DEEP).encode(), b"[" * depth + b"1" + b"]" * depth)


@st.composite
def mutated_listing(draw) -> tuple[str, bytes]:
    """A file of the corpus mutated, saved under its extension or, at times, another."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = draw(mutated(SEEDS[name]))
    return f"liste{draw(st.sampled_from([Path(name).suffix] * 4 + list(EXTENSIONS)))}", data


@st.composite
def mutated_workbook(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(["ars-classeur.xlsx", "ars-classeur.ods"]))
    return f"liste{Path(name).suffix}", draw(workbook_mutation(SEEDS[name]))


@st.composite
def mutated_geojson(draw) -> tuple[str, bytes]:
    document = draw(geojson_mutation(SEEDS["points.geojson"]))
    if draw(st.booleans()):
        document = draw(mutated(document, most=2))
    return "liste.geojson", document


# --- the tests --------------------------------------------------------------------------------


@fuzz(share=0.4, ci=100)
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.tuples(st.sampled_from(SIGNATURES), st.binary(max_size=3000)).map(b"".join),
    ),
    extension=st.sampled_from(EXTENSIONS),
)
def test_arbitrary_bytes(folder, territory, data, extension):
    check_listing(folder, f"liste{extension}", data, territory)


@fuzz(share=0.3, ci=80)
@given(listing=mutated_listing())
def test_mutated_listings(folder, territory, listing):
    check_listing(folder, *listing, territory)


@fuzz(share=0.15, ci=40)
@given(workbook=mutated_workbook())
def test_mutated_workbooks(folder, territory, workbook):
    check_listing(folder, *workbook, territory)


@fuzz(share=0.1, ci=30)
@given(document=mutated_geojson())
def test_mutated_geojson(folder, territory, document):
    check_listing(folder, *document, territory)


@fuzz(share=0.05, ci=30)
@given(workbook=mutated_workbook())
def test_workbook_measure_covers_what_calamine_reads(workbook):
    """The rectangle measured before python-calamine reads a workbook is never smaller than
    the one it builds (or a value far away would pass unmeasured and end the process)."""
    from python_calamine import CalamineWorkbook

    name, data = workbook
    fmt = Path(name).suffix[1:]
    try:
        measured = sum(e.rows * e.columns for e in sheet_extents(name, data, fmt))
    except IpsMapError:
        return
    if measured > MAX_SHEET_CELLS:
        return  # refused: python-calamine never reads it
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [book.get_sheet_by_name(meta.name) for meta in book.sheets_metadata]
        built = sum(sheet.height * sheet.width for sheet in sheets)
    except Exception:  # damaged: the reader says so (test_mutated_workbooks)
        return
    event(f"measured {'exactly' if measured == built else 'more'}")
    assert built <= measured, (built, measured)
