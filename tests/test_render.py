"""Rendering without a browser: encodings, simplification, insets and the built page."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from ips_map.listing.columns import COLUMNS
from ips_map.pipeline import build
from ips_map.render._elements import json_for_script
from ips_map.render._encode import decode_ring, encode_ring
from ips_map.render._insets import (
    FRAME_GAP,
    FRAME_SIDE,
    FRAME_TOP,
    INSETS,
    make_insets,
)
from ips_map.render.boundaries import simplify_boundaries
from ips_map.render.map import rate_breaks
from ips_map.render.page_data import (
    column_rows,
    departement_shapes,
    read_page_data,
    service_rows,
)
from ips_map.settings import BuildSettings
from ips_map.territory.data import DROM_CRS, METRO_CRS, load_departements
from tests.helpers import write_listing

BUILD_DATE = "2026-01-01"

# --- A hostile listing: template syntax, HTML and script injection, javascript: URLs. -----

HOSTILE_FILE_NAME = "liste {{ 7*7 }}.csv"
HOSTILE_ROWS = [
    {
        "nom": "Service {{ 7*7 }}",
        "structure": "Structure {% raw %} ouverte",
        "type": "ips",
        "statut": "actif",
        "adresse": "<img src=x onerror=alert(1)>",
        "commune": "Marseille",
        "code_commune": "13055",
        "site_web": "javascript:alert(3)",
        "source": "javascript:alert(3)",
    },
    {
        "nom": "</script><script>alert(2)</script>",
        "structure": "{{ config }}",
        "type": "ips",
        "statut": "actif",
        "adresse": "{{ 7*7 }}",
        "commune": "Lyon",
        "code_commune": "69123",
        "site_web": "https://example.org/",
        "source": "</script><script>alert(2)</script>",
    },
    {
        "nom": "<img src=x onerror=alert(1)>",
        "structure": "{% raw %}",
        "type": "emploi_accompagne",
        # A statut it cannot read: drawn and listed as written (as text), not counted.
        "statut": "<b>suspendu</b> {{ 7*7 }}",
        "adresse": "{% raw %}",
        "commune": "Paris",
        "code_commune": "75056",
        "source": "{{ 7*7 }}",
    },
    {
        "nom": "Service de La Réunion {{ config }}",
        "structure": "{{ config.items() }}",
        "type": "ips",
        "statut": "actif",
        "commune": "Saint-Denis",
        "code_commune": "97411",
        "source": "https://example.org/reunion",
    },
]
LISTING_COLUMNS = list(COLUMNS)


def write_hostile_listing(folder: Path) -> Path:
    """Write the hostile listing into ``folder`` and return its path."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LISTING_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in HOSTILE_ROWS:
        writer.writerow(row)
    return write_listing(folder / HOSTILE_FILE_NAME, buffer.getvalue())


def build_hostile(folder: Path):
    """Build the map of the hostile listing into ``folder / "out"``; return the BuildResult."""
    listing = write_hostile_listing(folder)
    return build(BuildSettings(services=listing, out=folder / "out", build_date=BUILD_DATE))


def page_data(html: str) -> dict:
    """Return the JSON data embedded in a built page."""
    return read_page_data(html)


class _Tags(HTMLParser):
    """Collect the start tags of a page with their attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def start_tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


# --- Polyline encoding ----------------------------------------------------------------------

lons = st.floats(min_value=-180, max_value=180, allow_nan=False, allow_infinity=False)
lats = st.floats(min_value=-90, max_value=90, allow_nan=False, allow_infinity=False)
rings = st.lists(st.tuples(lons, lats), min_size=1, max_size=60)


@settings(database=None, max_examples=300, deadline=None)
@given(rings)
def test_polyline_round_trip(ring):
    coords = np.array(ring, dtype=float)
    text = encode_ring(coords)
    assert all(63 <= ord(char) <= 126 for char in text)
    decoded = decode_ring(text)
    assert decoded.shape == coords.shape
    np.testing.assert_array_equal(decoded, np.round(coords * 1e4) / 1e4)
    assert np.abs(decoded - coords).max() <= 0.5e-4 + 1e-9


# --- JSON inside <script> -------------------------------------------------------------------

tricky_text = st.text(
    alphabet=st.sampled_from(list("<>&/\\\"'{}%! aé\u2028\u2029")) | st.characters(),
    max_size=30,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | tricky_text,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(tricky_text, children, max_size=5)
    ),
    max_leaves=25,
)


@settings(database=None, max_examples=300, deadline=None)
@given(json_values)
def test_json_for_script_is_inert_and_round_trips(data):
    text = json_for_script(data)
    for char in "<>&\u2028\u2029":
        assert char not in text
    assert json.loads(text) == data


def test_json_for_script_escapes_a_closing_script_tag():
    text = json_for_script({"nom": "</script><script>alert(2)</script> & <!--"})
    assert text == (
        '{"nom":"\\u003c/script\\u003e\\u003cscript\\u003ealert(2)\\u003c/script\\u003e'
        ' \\u0026 \\u003c!--"}'
    )


# --- Simplified boundaries and insets (real départements) ------------------------------------


@pytest.fixture(scope="module")
def departements():
    return load_departements()


@pytest.fixture(scope="module")
def simplified(departements):
    return simplify_boundaries(departements)


def _metro(departements) -> np.ndarray:
    return ~departements["code"].isin(list(DROM_CRS)).to_numpy()


#: Départements whose simplified shapes are compared with the full-resolution ones in the
#: tests (the whole comparison, every département, is bench/fidelity.py's): Paris and its
#: ring, a Breton coast, Corsica's two halves, the Alps and the Lyon area, sharing borders.
SAMPLE = [
    "75",
    "77",
    "78",
    "91",
    "92",
    "93",
    "94",
    "95",
    "22",
    "29",
    "35",
    "56",
    "2A",
    "2B",
    "73",
    "74",
    "38",
    "05",
    "04",
    "06",
    "01",
    "69",
    "42",
    "26",
    "07",
]


def _sample(departements) -> np.ndarray:
    return departements["code"].isin(SAMPLE).to_numpy()


def test_simplify_keeps_101_valid_lighter_geometries(departements, simplified):
    assert len(simplified) == 101
    assert simplified.crs.to_epsg() == 4326
    assert list(simplified.index) == list(departements.index)
    assert simplified.is_valid.all()
    assert not simplified.is_empty.any()
    assert set(simplified.geom_type) <= {"Polygon", "MultiPolygon"}
    before = shapely.get_num_coordinates(departements.geometry.values).sum()
    after = shapely.get_num_coordinates(simplified.values).sum()
    assert after < 0.75 * before
    # Each simplified shape stays close to its true shape.
    chosen = _sample(departements)
    metric = departements.geometry[chosen].to_crs(METRO_CRS)
    simple_metric = simplified[chosen].to_crs(METRO_CRS)
    distances = [
        shapely.hausdorff_distance(a, b)
        for a, b in zip(metric.values, simple_metric.values, strict=True)
    ]
    assert len(distances) == len(SAMPLE)
    assert max(distances) < 2_000


def test_simplify_keeps_shared_borders_shared(departements, simplified):
    metro = _sample(departements)
    true_parts = departements.geometry[metro].to_crs(METRO_CRS).values
    parts = gpd.GeoSeries(simplified[metro].values, crs=4326).to_crs(METRO_CRS).values
    union = shapely.union_all(parts)
    true_union = shapely.union_all(true_parts)
    # No overlaps: the union's area is the sum of the parts.
    assert math.isclose(union.area, shapely.area(parts).sum(), rel_tol=1e-9)
    # No gaps: as many holes as the true union, nearly the same area.
    holes = sum(len(polygon.interiors) for polygon in getattr(union, "geoms", [union]))
    true_holes = sum(len(p.interiors) for p in getattr(true_union, "geoms", [true_union]))
    assert holes == true_holes
    assert math.isclose(union.area, true_union.area, rel_tol=1e-3)
    # Neighbours stay neighbours along a line, never overlapping.
    tree = shapely.STRtree(parts)
    true_pairs = {
        (int(i), int(j))
        for i, j in shapely.STRtree(true_parts).query(true_parts, predicate="intersects").T
        if i < j
    }
    pairs = {(int(i), int(j)) for i, j in tree.query(parts, predicate="intersects").T if i < j}
    assert pairs == true_pairs
    assert len(pairs) > 40
    for i, j in pairs:
        assert shapely.intersection(parts[i], parts[j]).area < 1.0  # m²
    shared = [shapely.intersection(parts[i].boundary, parts[j].boundary).length for i, j in pairs]
    true_shared = [
        shapely.intersection(true_parts[i].boundary, true_parts[j].boundary).length
        for i, j in pairs
    ]
    for length, true_length in zip(shared, true_shared):
        if true_length > 5_000:
            assert length > 0.8 * true_length


def test_insets_hold_their_drom_in_separate_frames(departements, simplified):
    true_drom = {
        code: geometry
        for code, geometry in zip(departements["code"], simplified)
        if code in DROM_CRS
    }
    insets = make_insets(true_drom)
    assert list(insets) == [code for code, _ in INSETS]
    to_4326 = Transformer.from_crs(3857, 4326, always_xy=True)
    frames, bands = {}, {}
    for rank, (code, label) in enumerate(INSETS):
        inset = insets[code]
        assert inset.label == label
        west, south, east, north = inset.frame
        assert west < east and south < north
        frame = shapely.box(west, south, east, north)
        frames[code] = frame
        moved = inset.move(true_drom[code])
        assert moved.is_valid
        assert frame.contains(moved), code
        # Its label's band sits above the frame, below the frame above it.
        top = FRAME_TOP - rank * (FRAME_SIDE + FRAME_GAP)
        _, band_top = to_4326.transform(0, top + FRAME_GAP)
        assert inset.label_north == pytest.approx(band_top) and band_top > north, code
        bands[code] = shapely.box(west, north, east, band_top)
        # A marker moves with its département; unmove() takes both back.
        point = true_drom[code].representative_point()
        assert frame.contains(inset.move(point))
        back = inset.unmove(moved)
        assert shapely.get_num_coordinates(back) == shapely.get_num_coordinates(true_drom[code])
        np.testing.assert_allclose(
            shapely.get_coordinates(back), shapely.get_coordinates(true_drom[code]), atol=1e-9
        )
    for a, b in combinations(frames, 2):
        assert not frames[a].intersects(frames[b]), (a, b)
        # (a band touches the frame above it, never enters it)
        assert bands[a].intersection(frames[b]).area == bands[b].intersection(frames[a]).area == 0
    metro_bounds = shapely.box(*simplified[_metro(departements)].total_bounds)
    for code, frame in frames.items():
        assert not frame.intersects(metro_bounds), code


def test_rate_breaks_increase_and_skip_zero_and_missing():
    assert rate_breaks(pd.Series([0.0, float("nan")])) == []
    breaks = rate_breaks(pd.Series([0.0, 0.12, 0.3, 0.31, 0.9, 2.5, float("nan")]))
    assert breaks == sorted(set(breaks))
    assert breaks[0] > 0 and breaks[-1] >= 2.5


# --- The built page ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_html(example_build) -> str:
    return Path(example_build.outputs["map"]).read_text(encoding="utf-8")


def test_page_loads_nothing_from_the_network(example_html):
    for tag, attrs in start_tags(example_html):
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            if tag == "a" and name == "href":
                # A link loads nothing until followed; an external one never sends a referrer.
                if value.startswith(("http://", "https://", "//")):
                    assert attrs.get("rel") == "noopener noreferrer", attrs
                continue
            assert not value.startswith(("http://", "https://", "//")), (tag, attrs)
            if tag in ("script", "link", "img", "iframe"):
                # The only file: the search's communes, beside the page (search_index.py).
                beside = tag == "script" and value == "communes-recherche.js"
                assert not value or value.startswith("data:") or beside, (tag, attrs)
    # The one link is the inline icon (a data: URL, checked above).
    assert [attrs.get("rel") for tag, attrs in start_tags(example_html) if tag == "link"] == [
        "icon"
    ]
    # Leave out the map data (encoded polylines are random letters) and inlined images.
    text = re.sub(r'<script type="application/json" id="ips-data">.*?</script>', "", example_html)
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text).lower()
    for word in ("cdn", "jquery", "bootstrap", "font-awesome", "fontawesome", "googleapis"):
        assert word not in text, word


def test_page_is_valid_french_and_zoomable(example_html):
    assert example_html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in example_html
    viewports = [
        attrs for tag, attrs in start_tags(example_html) if attrs.get("name") == "viewport"
    ]
    assert len(viewports) == 1
    content = viewports[0]["content"].replace(" ", "").lower()
    assert "width=device-width" in content
    assert "user-scalable=no" not in content and "user-scalable=0" not in content
    assert "maximum-scale=1" not in content.replace("maximum-scale=10", "")
    # The map's script is inside <body>, and nothing follows </body> but </html>.
    assert example_html.count("<body>") == 1 and example_html.count("</body>") == 1
    assert example_html.rindex("<script") > example_html.index("<body>")
    assert example_html.rindex("<script") < example_html.rindex("</body>")
    assert example_html[example_html.rindex("</body>") :].split() == ["</body>", "</html>"]
    assert example_html.count("<script") == example_html.count("</script>")


def test_page_data_describes_the_build(example_build, example_html):
    data = page_data(example_html)
    departements = column_rows(data["departements"])
    assert len(departements) == 101
    assert len({d["code"] for d in departements}) == 101
    assert [f["label"] for f in data["frames"]] == [f"{label} ({code})" for code, label in INSETS]
    placed = example_build.placement.services
    shown = int((placed["statut"] != "ferme").sum())
    assert data["services"]["count"] == len(service_rows(data["services"])) == shown
    assert 'class="ips-example"' in example_html


def test_two_builds_are_identical(tmp_path, example_build):
    first = build(BuildSettings(out=tmp_path / "a", build_date=BUILD_DATE))
    second = build(BuildSettings(out=tmp_path / "b", build_date=BUILD_DATE))
    assert set(first.outputs) == set(second.outputs)
    for key, path in first.outputs.items():
        assert Path(path).read_bytes() == Path(second.outputs[key]).read_bytes(), key
    same_as_session = Path(example_build.outputs["map"]).read_bytes()
    assert Path(first.outputs["map"]).read_bytes() == same_as_session


# --- A hostile listing -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_html(hostile_build) -> str:
    return Path(hostile_build.outputs["map"]).read_text(encoding="utf-8")


def test_hostile_listing_builds_and_places_every_row(hostile_build):
    assert len(hostile_build.placement.services) == len(HOSTILE_ROWS)
    assert not hostile_build.placement.rejects
    # Its statut it cannot read is kept, and counted apart, on the page too (plurals right).
    assert hostile_build.summary["services_statut_non_reconnu"] == 1
    text = " ".join(Path(hostile_build.outputs["map"]).read_text(encoding="utf-8").split())
    assert "Liste : 4 lignes lues ; 4 services placés" in text
    assert "0 laissée de côté" in text and "(s)" not in text.split("Liste : ")[1][:400]
    assert "3 actifs, 0 en projet et 1 de statut non reconnu (non compté)." in text


def test_hostile_text_never_runs_as_a_template(hostile_html):
    data = page_data(hostile_html)
    services = {r["name"]: r for r in service_rows(data["services"])}
    assert services["Service {{ 7*7 }}"]["structure"] == "Structure {% raw %} ouverte"
    assert "{{ 7*7 }}" in services["</script><script>alert(2)</script>"]["address"]
    assert services["<img src=x onerror=alert(1)>"]["source"] == "{{ 7*7 }}"
    assert services["</script><script>alert(2)</script>"]["structure"] == "{{ config }}"
    assert "Service 49" not in hostile_html
    assert "{{ 7*7 }}" in hostile_html
    assert "<Config" not in hostile_html and "SECRET_KEY" not in hostile_html
    # The page names no local file: not the listing's either.
    assert "liste {{ 7*7 }}.csv" not in hostile_html
    # The services' table writes the listing's text escaped, once.
    tables = re.search(r'<section class="ips-tables".*?</section>', hostile_html, re.S).group(0)
    assert '<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th>' in tables
    assert "Service {{ 7*7 }}" in tables and "Service 49" not in tables


def test_hostile_html_stays_text(hostile_html):
    assert "<img src=x" not in hostile_html
    assert "</script><script>alert" not in hostile_html
    assert "alert(2)</script>" not in hostile_html
    assert hostile_html.count("<script") == hostile_html.count("</script>")
    assert not any(tag == "img" for tag, _ in start_tags(hostile_html))
    for _, attrs in start_tags(hostile_html):
        for value in attrs.values():
            assert "javascript:" not in (value or "").lower()
    names = {r["name"] for r in service_rows(page_data(hostile_html)["services"])}
    assert "</script><script>alert(2)</script>" in names
    assert "<img src=x onerror=alert(1)>" in names


def test_drom_service_is_drawn_in_its_frame(hostile_html):
    data = page_data(hostile_html)
    service = next(r for r in service_rows(data["services"]) if r["served"] == "974")
    frame = next(f["bounds"] for f in data["frames"] if f["code"] == "974")
    west, south, east, north = frame
    assert west < service["lon"] < east
    assert south < service["lat"] < north


def test_drawn_boundaries_are_valid_polygons(example_html):
    """What the page draws (its arcs decoded, its rings rebuilt) is valid everywhere."""
    shapes = departement_shapes(page_data(example_html))
    assert len(shapes) == 101
    for code, geometry in shapes.items():
        assert geometry.is_valid, (code, shapely.is_valid_reason(geometry))


# --- Folium through its public API -------------------------------------------------------------

RENDER = Path(__file__).resolve().parent.parent / "ips_map" / "render"


def test_render_reaches_no_private_attribute_of_folium():
    """Folium's and branca's private attributes change without notice between versions."""
    private = re.compile(r"\._(id|children|parent|name|template_str|template_name)\b")
    sources = [*RENDER.glob("*.py"), *RENDER.glob("templates/*.html")]
    assert len(sources) > 5
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sources
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if private.search(line)
    ]
    assert found == []


def test_page_names_are_fixed_and_its_charset_declared_once(example_html):
    # branca's random names are 32 hex digits (urandom); none reaches the page.
    assert not re.search(r"_[0-9a-f]{32}\b", example_html)
    assert 'id="coverage_map"' in example_html
    assert 'http-equiv="content-type"' not in example_html.lower()  # the one http-equiv is the CSP
    assert example_html.count("<meta charset") == 1
    assert example_html.index("<meta charset") < example_html.index("<title>")


def test_compiled_templates_are_a_cache_that_may_be_damaged_or_missing(tmp_path, monkeypatch):
    """The templates compiled in the user's cache: written by a build, read by the next
    one in a new process (here: Jinja's memory emptied), and a damaged or unwritable cache
    is a cache missed, never another page."""
    from ips_map.render import _elements

    monkeypatch.setenv("IPS_MAP_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "templates"

    def page(name: str) -> bytes:
        _elements._ENV.cache.clear()  # as a new process would start
        out = build(BuildSettings(out=tmp_path / name, build_date=BUILD_DATE))
        return Path(out.outputs["map"]).read_bytes()

    first = page("a")
    written = sorted(folder.iterdir())
    assert len(written) >= 5 and all(p.name.endswith(".cache") for p in written)
    for path in written:  # damaged: not Jinja's magic, then Jinja's magic and garbage
        path.write_bytes(b"not a cache" if path.name < written[2].name else b"j2" + b"\x80" * 40)
    assert page("b") == first
    assert all(p.read_bytes() != b"not a cache" for p in folder.iterdir())  # written anew
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    folder.write_text("un fichier à la place du dossier")  # the cache cannot be written
    assert page("c") == first


def test_templates_without_their_indentation_render_the_same_text(example_build, tmp_path):
    """The templates are read without the indentation of their lines (render/_elements.py,
    _IndentLoader): the page is the page their full text makes but for the length of its
    runs of spaces, none of them gone (a word would be glued to the next)."""
    import jinja2

    from ips_map.render import _elements

    env = _elements._ENV
    loader = env.loader
    env.loader = jinja2.PackageLoader("ips_map.render", "templates")
    env.cache.clear()
    try:
        build(BuildSettings(out=tmp_path, build_date="2026-01-01"))
    finally:
        env.loader = loader
        env.cache.clear()
    full = (tmp_path / "index.html").read_text(encoding="utf-8")
    compact = Path(example_build.outputs["map"]).read_text(encoding="utf-8")
    assert len(compact) < len(full) - 1000
    assert re.sub(r"\s+", " ", compact) == re.sub(r"\s+", " ", full)
