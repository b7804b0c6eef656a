"""The corpus of hostile listings (tests/data/listings/): every row of every file placed where
it must be, or rejected for the reason it must be, whatever the file's format.

The same services are written as CSV (three encodings, delimiters and header styles),
GeoJSON, XLSX and ODS; each row's expected placement is in ``make_corpus.CASES``.
"""

from __future__ import annotations

import pytest

from ips_map.listing.read import read_listing
from ips_map.places import place_services
from ips_map.territory.data import load_communes, load_departements, load_old_codes
from tests.helpers import CORPUS, load_corpus_module

corpus = load_corpus_module()
CASES = corpus.CASES


@pytest.fixture(scope="module")
def real_data():
    return load_departements(), load_communes(), load_old_codes()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    return {
        "xlsx": corpus.write_xlsx(folder / "ars-classeur.xlsx"),
        "ods": corpus.write_ods(folder / "ars-classeur.ods"),
    }


#: Each file, how to find it, and the number of the first service (its line, row or index).
FILES = {
    "ars-cp1252-pointvirgule.csv": ("csv", 2),
    "reseau-utf8bom-virgule.csv": ("csv", 2),
    "export-utf8-tabulation.tsv": ("csv", 2),
    "points.geojson": ("geojson", 0),
    "xlsx": ("xlsx", corpus.WORKBOOK_FIRST_ROW),
    "ods": ("ods", corpus.WORKBOOK_FIRST_ROW),
}


@pytest.fixture(scope="module")
def outcomes(real_data, workbooks):
    """For each file: the listing, and each case's outcome by its line number."""
    results = {}
    for name in FILES:
        path = workbooks[name] if name in workbooks else CORPUS / name
        listing = read_listing(path)
        placement = place_services(listing, *real_data)
        results[name] = (listing, placement)
    return results


def test_committed_files_are_what_the_script_writes():
    for name, data in corpus.text_files().items():
        assert (CORPUS / name).read_bytes() == data, f"{name}: run make_corpus.py"


@pytest.mark.parametrize("name", list(FILES))
def test_file_is_read_as_its_format(outcomes, name):
    listing, _ = outcomes[name]
    fmt, _ = FILES[name]
    assert listing.format == fmt
    assert listing.rows_read == len(CASES)
    if name.startswith("ars-cp1252"):
        assert (listing.encoding, listing.delimiter) == ("cp1252", ";")
    if name.startswith("reseau"):
        assert (listing.encoding, listing.delimiter) == ("utf-8-sig", ",")
    if name.startswith("export"):
        assert listing.delimiter == "\t"
    if fmt in ("xlsx", "ods"):
        assert listing.sheet == "Liste 2024"
    if fmt == "geojson":
        assert listing.unit == "entité"
    # The one column no synonym covers is kept and reported, in every style.
    assert len(listing.unknown_columns) == 1


CASE_IDS = [f"{i}-{case.why[:40]}" for i, case in enumerate(CASES)]


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("index", range(len(CASES)), ids=CASE_IDS)
def test_every_row_ends_up_where_it_must(outcomes, name, index):
    listing, placement = outcomes[name]
    case = CASES[index]
    _, first = FILES[name]
    line = first + index
    services = placement.services.set_index("ligne")
    rejects = {r["ligne"]: r for r in listing.rejects + placement.rejects}
    duplicates = {r["ligne"]: r for r in listing.duplicates}
    kind = case.expect[0]
    if kind == "place":
        _, method, dep, commune = case.expect
        assert line in services.index, (case.why, rejects.get(line))
        service = services.loc[line]
        assert service["methode"] == method, case.why
        assert service["code_departement"] == dep, case.why
        assert service["code_commune_trouve"] == commune, case.why
        if case.desservis is not None:
            assert service["desservis"] == case.desservis
        if case.statut is not None:
            assert service["statut"] == case.statut
        if case.kind is not None:
            assert service["type"] == case.kind
        row_problems = [str(p) for p in listing.problems + placement.problems if p.ligne == line]
        for word in case.warns:
            assert any(word in text for text in row_problems), (word, row_problems)
    elif kind == "reject":
        assert line in rejects, case.why
        assert case.expect[1] in rejects[line]["raison"], rejects[line]
        assert line not in services.index
    else:
        assert line in duplicates, case.why
        assert f" {first + case.expect[1]} " in duplicates[line]["raison"]
        assert line not in services.index and line not in rejects


@pytest.mark.parametrize("name", list(FILES))
def test_counts_add_up(outcomes, name):
    listing, placement = outcomes[name]
    placed = sum(case.expect[0] == "place" for case in CASES)
    rejected = sum(case.expect[0] == "reject" for case in CASES)
    assert len(placement.services) == placed
    assert len(listing.rejects) + len(placement.rejects) == rejected
    assert len(listing.duplicates) == 1
    assert placed + rejected + 1 == listing.rows_read


def test_workbook_numbers_are_read_as_typed(outcomes):
    listing, _ = outcomes["xlsx"]
    first = corpus.WORKBOOK_FIRST_ROW
    rows = listing.rows.set_index("ligne")
    # "1" typed as a number in the département column, 1000 as a postcode.
    ain = next(i for i, c in enumerate(CASES) if c.values["departement"] == "1")
    assert rows.loc[first + ain, "departement_code"] == "01"
    bresse = next(i for i, c in enumerate(CASES) if c.values["code_postal"] == "1000")
    assert rows.loc[first + bresse, "code_postal_n"] == "01000"
    # The title above the header is reported, not read as a service.
    assert any("en-tête trouvé à la ligne 3" in p.message for p in listing.problems)


def test_geojson_coordinates_come_from_the_geometry(outcomes):
    listing, placement = outcomes["points.geojson"]
    services = placement.services.set_index("ligne")
    part_dieu = next(i for i, c in enumerate(CASES) if c.values["nom"] == "IPS Lyon Part-Dieu")
    point = services.loc[part_dieu, "geometry"]
    assert (round(point.x, 4), round(point.y, 4)) == (4.8357, 45.764)
    # Line numbers of a GeoJSON are feature indexes, and reports say "entité".
    assert all(p.unite == "entité" for p in listing.problems if p.ligne is not None)
