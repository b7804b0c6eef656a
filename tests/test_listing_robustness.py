"""Broken and unusual listings: each gives a clear message (file, line, how to fix) or is read
right, never a traceback and never rows lost without a word."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import warnings
import zipfile

import pytest

from ips_map.errors import ListingError
from ips_map.listing.read import read_listing
from tests.helpers import write_listing
from tests.test_listing_formats import xlsx as xlsx_rows

#: The first worksheet of an XLSX, and a value in its last cell (XFD1048576).
SHEET = "xl/worksheets/sheet1.xml"
FAR_CELL = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def geojson_text(document) -> str:
    return json.dumps(document, ensure_ascii=False)


# --- CSV the csv module cannot read -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [('"' + "x" * 200_000 + '"', "guillemet"), ("x" * 200_000, "CSV")]
)
def test_a_value_over_the_csv_field_limit_is_a_listing_error_with_its_line(
    tmp_path, value, expected
):
    text = f"nom,commune\nA,Lyon\nB,{value}\nC,Caen\n"
    path = write_listing(tmp_path / "l.csv", text)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert str(path) in message
    assert "ligne 3" in message and "128 Ko" in message
    assert expected in message


# --- GeoJSON that is not quite GeoJSON --------------------------------------------------------


def test_geojson_properties_that_are_not_an_object_are_a_problem_of_that_feature(tmp_path):
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": None, "properties": ["IPS Lyon", "Lyon"]},
            {"type": "Feature", "geometry": None, "properties": {"nom": "B", "commune": "Brest"}},
        ],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    listing = read_listing(path)
    assert list(listing.rows["nom"]) == ["B"]
    noted = [p for p in listing.problems if p.ligne == 0 and p.colonne == "properties"]
    assert len(noted) == 1
    assert "n'est pas un objet" in noted[0].message
    assert str(noted[0]).startswith("entité 0")


def test_geojson_whose_properties_are_never_an_object_says_so(tmp_path):
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": None, "properties": ["IPS Lyon", "Lyon"]}],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert "entité 0 : une liste" in message and "IPS Lyon" in message
    assert "colonne « nom »" not in message


@pytest.mark.parametrize(
    ("features", "expected"),
    [([], "aucune entité"), ({}, "pas une liste"), ("x", "pas une liste"), (None, "manque")],
)
def test_geojson_without_a_list_of_features_is_a_clear_error(tmp_path, features, expected):
    document = {"type": "FeatureCollection"}
    if features is not None:
        document["features"] = features
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert expected in str(info.value)
    assert "colonne « nom »" not in str(info.value)


def test_geojson_list_properties_are_read_as_lists_of_values(tmp_path):
    properties = {"nom": "A", "departement": "13", "departements_desservis": [13, "83", 84]}
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": None, "properties": properties}],
    }
    listing = read_listing(write_listing(tmp_path / "l.geojson", geojson_text(document)))
    row = listing.rows.iloc[0]
    assert row["departements_desservis"] == "13; 83; 84"
    assert row["desservis"] == ("13", "83", "84")
    assert not [p for p in listing.problems if p.colonne == "departements_desservis"]


# --- quotes -----------------------------------------------------------------------------------


def test_a_quote_never_closed_loses_no_row_and_is_reported_where_it_opens(tmp_path):
    text = 'nom,commune\n"unterminated,Lyon\nB,Paris\nC,Caen\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["unterminated", "B", "C"]
    assert list(listing.rows["commune"]) == ["Lyon", "Paris", "Caen"]
    assert list(listing.rows["ligne"]) == [2, 3, 4]
    [problem] = [p for p in listing.problems if "guillemet" in p.message]
    assert problem.ligne == 2
    assert "jamais refermé" in problem.message and "les 2 lignes suivantes" in problem.message
    assert "retirez-le" in problem.message


def test_a_quote_never_closed_in_a_later_value_loses_no_row(tmp_path):
    text = 'nom;structure;commune\nA;Assoc;Lyon\nB;"Assoc;Paris\r\nC;Assoc;Caen\r\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "B", "C"]
    assert list(listing.rows["commune"]) == ["Lyon", "Paris", "Caen"]
    assert [p.ligne for p in listing.problems if "jamais refermé" in p.message] == [3]


def test_quoted_values_over_lines_that_look_like_rows_are_reported(tmp_path):
    # Two misplaced quotes: the rows between them become part of one value.
    text = (
        "nom,structure,commune\n"
        'A,"Assoc x,Lyon\n'
        "B,Assoc,Paris\n"
        "C,Assoc y,Caen\n"
        'D,"Le 12" bis,Brest\n'
        "E,z,Rennes\n"
    )
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"]) == ["A", "E"]
    [problem] = [p for p in listing.problems if "ressemble" in p.message]
    assert problem.ligne == 2 and problem.colonne == "structure"
    assert problem.valeur == "B,Assoc,Paris"
    assert "2 à 5" in problem.message


def test_a_stray_quote_in_a_quoted_file_is_reported_with_the_row_it_swallows(tmp_path):
    # Every value quoted, as some exports do: a stray quote is closed by the next row's
    # opening quote, and that row becomes part of the value.
    text = '"nom";"commune"\n"A";"Lyon"\n"B;Paris\n"C";"Caen"\n"D";"Brest"\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert list(listing.rows["nom"])[0] == "A" and list(listing.rows["nom"])[-1] == "D"
    [problem] = [p for p in listing.problems if "mal placé" in p.message]
    assert problem.ligne == 3 and problem.colonne == "nom"
    assert "3 à 4" in problem.message


def test_quoted_values_over_several_lines_of_text_are_not_reported(tmp_path):
    text = 'nom,structure,commune\nA,"Horaires :\nlundi, mardi",Lyon\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.rows.iloc[0]["structure"] == "Horaires :\nlundi, mardi"
    assert listing.problems == []


# --- delimiter, title rows, files that are not what their name says ---------------------------


def test_delimiters_inside_quoted_header_names_do_not_count(tmp_path):
    text = 'nom;"Adresse (rue, n°, bât., étage)";commune\nA;1 rue X, bât. B;Lyon\n'
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.delimiter == ";"
    row = listing.rows.iloc[0]
    assert (row["nom"], row["adresse"], row["commune"]) == ("A", "1 rue X, bât. B", "Lyon")


def test_a_title_above_the_csv_header_is_skipped_and_reported(tmp_path):
    text = "Liste des services IPS;;\nMise à jour : mars;;\n\nnom;commune;dept\nA;Lyon;69\n"
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.delimiter == ";"
    assert list(listing.rows["nom"]) == ["A"]
    assert list(listing.rows["ligne"]) == [5]
    [note] = [p for p in listing.problems if "en-tête" in p.message]
    assert note.ligne == 4 and "les 3 lignes au-dessus" in note.message
    # Unknown columns are reported on the header's own line.
    assert listing.unknown_columns == []


def test_a_csv_without_a_nom_column_still_names_its_columns(tmp_path):
    path = write_listing(tmp_path / "l.csv", "structure;commune\nX;Lyon\n")
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert "structure, commune" in str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_a_workbook_named_csv_is_read_as_a_workbook(tmp_path, suffix):
    from tests.test_corpus import corpus
    from tests.test_listing_formats import xlsx

    path = xlsx(tmp_path / f"liste{suffix}", [["nom", "commune"], ["A", "Lyon"]])
    listing = read_listing(path)
    assert listing.format == "xlsx"
    assert list(listing.rows["nom"]) == ["A"]
    ods = corpus.write_ods(tmp_path / "classeur.ods")
    renamed = ods.rename(tmp_path / f"classeur{suffix}")
    assert read_listing(renamed).format == "ods"


def test_an_xls_signature_wins_over_a_csv_extension(tmp_path):
    path = tmp_path / "vieux.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert "XLS" in str(info.value) and "encodage" not in str(info.value)


def test_a_zip_that_is_not_a_workbook_is_named_so(tmp_path):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("liste.csv", "nom\nA\n")
    path = tmp_path / "liste.csv"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ListingError, match="décompressez"):
        read_listing(path)


def test_a_csv_named_xlsx_is_read_as_csv(tmp_path):
    path = write_listing(tmp_path / "liste.xlsx", "nom;commune\nA;Lyon\n")
    listing = read_listing(path)
    assert listing.format == "csv" and list(listing.rows["nom"]) == ["A"]


def test_utf16_with_a_bom_is_read(tmp_path):
    path = write_listing(tmp_path / "l.txt", "nom\tcommune\nFécamp IPS\tFécamp\n", "utf-16")
    listing = read_listing(path)
    assert listing.encoding == "utf-16" and listing.delimiter == "\t"
    assert list(listing.rows["nom"]) == ["Fécamp IPS"]


# --- nothing usable: the reasons are in the error -----------------------------------------------


def test_no_usable_row_when_reading_quotes_the_reasons(tmp_path):
    text = "nom;dept\n;01\nA;987\n" + "".join(f"B{i};987\n" for i in range(6))
    path = write_listing(tmp_path / "l.csv", text)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert "aucune ligne utilisable (8 lignes laissées de côté)" in message
    assert "ligne 2, colonne « nom »" in message and "nom manquant" in message
    assert "ligne 3, colonne « dept », valeur « 987 »" in message
    assert "… et 3 autres." in message
    assert "rejects.csv" not in message  # not written: the build stops here
    assert "ips-map validate" in message


def test_nothing_placed_stops_the_build_with_the_reasons(tmp_path):
    from click.testing import CliRunner

    from ips_map.cli import cli

    path = write_listing(tmp_path / "l.csv", "nom,commune\nA,Nulle-Part\nB,Atlantis\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--services", str(path), "--out", str(out)])
    assert result.exit_code == 1
    # The verdict, as validate words it, then why nothing was written.
    assert "aucun service n'est placé (2 lignes à corriger)" in result.output
    assert "ligne 2, colonne « commune », valeur « Nulle-Part »" in result.output
    assert "ligne 3, colonne « commune », valeur « Atlantis »" in result.output
    assert "Carte non construite, rien n'a été écrit." in result.output
    assert "rejects.csv" not in result.output
    assert not (out / "rejects.csv").exists()


def test_header_only_says_there_is_no_service(tmp_path):
    with pytest.raises(ListingError, match="aucun service sous son en-tête"):
        read_listing(write_listing(tmp_path / "l.csv", "nom;commune\n"))


# --- one unit in every message: ligne, or entité for GeoJSON ------------------------------------


def feature(x, y, **properties):
    geometry = {"type": "Point", "coordinates": [x, y]} if x is not None else None
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_the_build_names_rejected_geojson_features_as_entities(tmp_path):
    from click.testing import CliRunner

    from ips_map.cli import cli

    document = {
        "type": "FeatureCollection",
        "features": [
            feature(4.8357, 45.764, nom="IPS Lyon"),
            feature(4.8, 45.7, structure="sans nom"),
            feature(None, None, nom="Nulle part", commune="Atlantis"),
        ],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    result = CliRunner().invoke(
        cli, ["build", "--services", str(path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "2 entités à corriger en sont laissées de côté" in result.output
    assert "entité 1, colonne « nom » : nom manquant" in result.output
    assert "entité 2, colonne « commune », valeur « Atlantis »" in result.output
    assert "ligne" not in result.output.lower()
    assert "1 service placé sur 3 entités, 2 laissées de côté." in result.output


def test_describe_reject_says_the_place_once():
    from ips_map.listing.read import describe_reject

    reject = {"ligne": 3, "raison": "ligne 3, colonne « statut », valeur « bof » : inconnu"}
    assert (
        describe_reject(reject) == "Ligne 3 rejetée : colonne « statut », valeur « bof » : inconnu"
    )
    reject = {"ligne": 0, "raison": "entité 0 : service impossible à localiser"}
    assert describe_reject(reject, "entité") == "Entité 0 rejetée : service impossible à localiser"


def test_geocoding_problems_use_the_listing_s_unit_and_column(tmp_path, httpserver, fast):
    from ips_map.geocode import Geocoder, geocode_listing
    from ips_map.territory.data import load_communes, load_old_codes

    answer = {
        "geometry": {"type": "Point", "coordinates": [4.8357, 45.764]},
        "properties": {
            "score": 0.2,
            "label": "Rue de Lyon 69001 Lyon",
            "type": "street",
            "citycode": "69381",
            "postcode": "69001",
            "city": "Lyon",
        },
    }
    httpserver.expect_request("/geocodage/search").respond_with_json({"features": [answer]})
    document = {
        "type": "FeatureCollection",
        "features": [feature(None, None, nom="A", **{"Adresse postale": "1 rue X"}, ville="Lyon")],
    }
    listing = read_listing(write_listing(tmp_path / "l.geojson", geojson_text(document)))
    geocoder = Geocoder(httpserver.url_for("/geocodage"), http=fast)
    _, geocoding = geocode_listing(listing, geocoder, load_communes(), load_old_codes())
    [problem] = geocoding.problems
    assert problem.unite == "entité" and problem.colonne == "Adresse postale"
    assert str(problem).startswith("entité 0, colonne « Adresse postale »")


# --- pathological CSVs: refused at once, saying why ---------------------------------------------

#: Seconds a pathological file may take to be refused: a bound against reading it whole, not a
#: speed goal (under one second on this machine when quiet, 3 to 4 at a load of 15 on its two
#: cores; before the limits, 10 to 30 seconds at rest).
REFUSED_WITHIN = 8


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            b";" * 2_000_000,
            ["ligne 1 :", "plus de 1\u202f048\u202f576 caractères sans retour à la ligne"],
            id="2 million semicolons",
        ),
        pytest.param(
            b"nom;commune\n" + b"abcdefghij" * 3_000_000,
            ["ligne 2 :", "sans retour à la ligne", "exportée en CSV"],
            id="a line of 30 MB",
        ),
        pytest.param(
            b"nom;commune\nA;Lyon\n" + b"\n" * 2_000_000,
            ["2\u202f000\u202f002 lignes", "plus que les 1\u202f048\u202f576", "lignes vides"],
            id="2 million empty lines",
        ),
        pytest.param(
            b"nom;commune\n" + (b";" * 900_000 + b"\n") * 20,
            ["ligne 2 :", "900\u202f001 valeurs", "1\u202f000 colonnes", "séparateur"],
            id="rows of 900,000 values",
        ),
        pytest.param(
            b"nom;commune\nA;" + b"x" * 1_000_000 + b"\nB;Caen\n",
            ["ligne 2 :", "valeur de plus de 128 Ko"],
            id="a value of a megabyte",
        ),
    ],
)
def test_a_pathological_csv_is_refused_at_once(tmp_path, content, expected):
    path = tmp_path / "l.csv"
    path.write_bytes(content)
    start = time.perf_counter()
    with pytest.raises(ListingError) as info:
        read_listing(path)
    seconds = time.perf_counter() - start
    message = str(info.value)
    assert message.startswith(str(path))
    for words in expected:
        assert words in message, message
    assert seconds < REFUSED_WITHIN, f"{seconds:.1f} s"


def test_a_row_of_more_than_1000_values_is_refused_with_its_line(tmp_path):
    header = "nom;" + ";".join(f"c{i}" for i in range(999))
    path = write_listing(tmp_path / "l.csv", f"{header}\nA;Lyon\n")
    assert len(read_listing(path).rows) == 1  # 1,000 columns: the most a listing may have
    path = write_listing(tmp_path / "l.csv", f"{header}\nA;Lyon\n" + ";" * 1000 + "x\n")
    with pytest.raises(
        ListingError, match=r"ligne 3 : 1\u202f001 valeurs, plus que les 1\u202f000"
    ):
        read_listing(path)


def test_more_lines_than_a_spreadsheet_holds_are_refused(tmp_path, monkeypatch):
    import ips_map.listing.formats.csv as csv_format

    monkeypatch.setattr(csv_format, "MAX_ROWS", 4)
    path = write_listing(tmp_path / "l.csv", "nom\nA\nB\nC\n")
    assert read_listing(path).rows_read == 3
    path = write_listing(tmp_path / "l.csv", "nom\nA\nB\nC\nD")
    with pytest.raises(ListingError, match=r": 5 lignes, plus que les 4 d'une feuille"):
        read_listing(path)


def test_blank_lines_below_a_listing_are_skipped_and_numbers_kept(tmp_path):
    text = "nom;commune\nA;Lyon\n" + ";\n" * 50_000 + "\r\n" * 50_000 + "B;Caen\r" + "\n" * 3
    listing = read_listing(write_listing(tmp_path / "l.csv", text))
    assert listing.rows_read == 2
    assert list(listing.rows["ligne"]) == [2, 100_003]


def test_line_breaks_of_every_kind_number_the_rows(tmp_path):
    listing = read_listing(write_listing(tmp_path / "l.csv", 'nom\r"A"\r\nB\n\n"C\nC"\rD'))
    assert list(zip(listing.rows["ligne"], listing.rows["nom"])) == [
        (2, "A"),
        (3, "B"),
        (5, "C\nC"),
        (7, "D"),
    ]


# --- damaged or oversized workbooks -------------------------------------------------------------


def _rewrite(path, member: str, change) -> None:
    """Rewrite ``member`` of the workbook at ``path`` with ``change(content)``."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, content in members:
            target.writestr(info, change(content) if info.filename == member else content)


def _workbook(tmp_path, fmt: str):
    from tests.test_corpus import corpus

    write = corpus.write_xlsx if fmt == "xlsx" else corpus.write_ods
    return write(tmp_path / f"classeur.{fmt}")


@pytest.mark.parametrize(
    ("fmt", "member", "change"),
    [
        pytest.param("xlsx", SHEET, lambda xml: xml[: len(xml) // 2], id="xlsx sheet cut short"),
        pytest.param("xlsx", SHEET, lambda xml: xml.replace(b'r="A4"', b'r="A0"'), id="xlsx row 0"),
        pytest.param(
            "xlsx", SHEET, lambda xml: xml.replace(b'r="A4"', b'r="4A"'), id="xlsx reference"
        ),
        pytest.param(
            "xlsx", SHEET, lambda xml: xml.replace(b"</c>", b"", 1), id="xlsx cell not closed"
        ),
        pytest.param(
            "xlsx", SHEET, lambda xml: xml.replace(b"<t>", b'<t a="', 1), id="xlsx attribute"
        ),
        pytest.param("xlsx", "xl/workbook.xml", lambda xml: xml[:-40], id="xlsx workbook"),
        pytest.param("ods", "content.xml", lambda xml: xml[: len(xml) // 2], id="ods cut short"),
        pytest.param(
            "ods",
            "content.xml",
            lambda xml: xml.replace(b'office:value="', b'office:value="x', 1),
            id="ods value",
        ),
        pytest.param(
            "ods",
            "content.xml",
            lambda xml: xml.replace(b'table:name="Liste 2024"', b'table:name="Liste 2024', 1),
            id="ods attribute",
        ),
    ],
)
def test_a_workbook_damaged_inside_is_a_listing_error(tmp_path, fmt, member, change):
    path = _workbook(tmp_path, fmt)
    _rewrite(path, member, change)
    with pytest.raises(ListingError) as info:
        read_listing(path)
    message = str(info.value)
    assert message.startswith(f"{path}: classeur") and "illisible (" in message
    assert "enregistrez-le de nouveau" in message


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) * 2 // 3],
        lambda data: data[:4] + data[400:],
        lambda data: data[:700] + bytes([data[700] ^ 0xFF]) + data[701:],
    ],
    ids=["cut short", "bytes missing", "a byte changed"],
)
def test_a_damaged_archive_is_a_listing_error(tmp_path, fmt, damage):
    path = _workbook(tmp_path, fmt)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ListingError, match="illisible|ni un classeur"):
        read_listing(path)


def _read_in_a_child(*paths) -> list[str]:
    """Read listings in a child process of bounded memory: what each gives, or its crash."""
    code = (
        "import sys\n"
        "from ips_map.errors import ListingError\n"
        "from ips_map.listing.read import read_listing\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        print('lue :', read_listing(path).rows_read, flush=True)\n"
        "    except ListingError as exc:\n"
        "        print(str(exc).replace('\\n', ' '), flush=True)\n"
    )

    def bounded():
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    child = subprocess.run(
        [sys.executable, "-c", code, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=bounded,
    )
    assert child.returncode == 0, (child.returncode, child.stdout, child.stderr[-2000:])
    return child.stdout.splitlines()


def test_a_sheet_that_would_not_fit_in_memory_is_refused_not_a_crash(tmp_path):
    """python-calamine ends the process (no exception) on these 5 Ko files: a value far away
    makes it allocate the whole rectangle up to it."""
    far = tmp_path / "loin.xlsx"
    xlsx_rows(far, [["nom", "commune"], ["A", "Lyon"]])
    _rewrite(far, SHEET, lambda xml: xml.replace(b"</sheetData>", FAR_CELL + b"</sheetData>"))
    deep = _workbook(tmp_path, "xlsx")
    _rewrite(deep, SHEET, lambda xml: xml.replace(b'r="A4"', b'r="A99999999"'))
    repeated = _workbook(tmp_path, "ods")
    _rewrite(
        repeated,
        "content.xml",
        lambda xml: xml.replace(
            b"<table:table-row>",
            b'<table:table-row table:number-rows-repeated="1000000">'
            b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
            b"<text:p>x</text:p></table:table-cell></table:table-row><table:table-row>",
            1,
        ),
    )
    far_message, deep_message, repeated_message = _read_in_a_child(far, deep, repeated)
    assert far_message.startswith(f"{far}: une feuille du classeur s'étend sur 1\u202f048\u202f576")
    assert "× 16\u202f384 colonnes, plus que les 10\u202f000\u202f000 cellules" in far_message
    assert "une valeur isolée loin en bas ou à droite" in far_message
    assert "s'étend sur 99\u202f999\u202f999 lignes × 14 colonnes" in deep_message
    assert repeated_message.startswith(f"{repeated}: la feuille « Liste 2024 » s'étend sur")


#: Far cells written in ways a quick look at the XML would miss: each must still be measured.
HIDDEN_FAR_CELLS = {
    "single quotes": b"<row r='1048576'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c>"
    b"</row>",
    "a namespace prefix": b'<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/'
    b'spreadsheetml/2006/main" r="XFD1048576" t="inlineStr"><is><t>x</t></is></x:c></row>',
    "a > before the reference": b'<row r="1048576"><c a=">" r="XFD1048576" t="inlineStr">'
    b"<is><t>x</t></is></c></row>",
    "a /> in a value": b'<row r="1048576"><c r="XFD1048576" a="/>" t="inlineStr">'
    b"<is><t>x</t></is></c></row>",
    "a comment": b'<!-- <c a=" --><row r="1048576"><c r="XFD1048576" t="inlineStr">'
    b'<is><t>x</t></is></c></row><!-- " -->',
    "no reference": b'<row r="1048576"><c r="XFD1048575" t="inlineStr"><is><t>x</t></is></c>'
    b'<c t="inlineStr"><is><t>x</t></is></c></row>',
}


def test_far_cells_are_measured_however_they_are_written(tmp_path):
    paths = []
    for number, far in enumerate(HIDDEN_FAR_CELLS.values()):
        path = tmp_path / f"loin-{number}.xlsx"
        xlsx_rows(path, [["nom", "commune"], ["A", "Lyon"]])
        _rewrite(
            path, SHEET, lambda xml, far=far: xml.replace(b"</sheetData>", far + b"</sheetData>")
        )
        paths.append(path)
    # A second worksheet of the same name, the one python-calamine may read.
    twice = tmp_path / "twice.xlsx"
    xlsx_rows(twice, [["nom", "commune"], ["A", "Lyon"]])
    with zipfile.ZipFile(twice) as source:
        sheet = source.read(SHEET)
    with zipfile.ZipFile(twice, "a") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the name written twice
        archive.writestr(SHEET, sheet.replace(b"</sheetData>", FAR_CELL + b"</sheetData>"))
    paths.append(twice)
    for path, message in zip(paths, _read_in_a_child(*paths)):
        assert message.startswith(f"{path}: une feuille du classeur s'étend sur"), message


def test_repeats_are_measured_however_the_ods_is_written(tmp_path):
    repeated = (
        b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
        b'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        b"</table:table-cell></table:table-row>"
    )
    changes = {
        "a row never closed": lambda xml: xml.replace(b"</table:table-row>", b"", 1).replace(
            b"<table:table-row>", repeated + b"<table:table-row>", 1
        ),
        "a > before the repeats": lambda xml: xml.replace(
            b"<table:table-row>",
            repeated.replace(b"<table:table-cell ", b'<table:table-cell a=">" ')
            + b"<table:table-row>",
            1,
        ),
        "a comment": lambda xml: xml.replace(
            b"<table:table-row>",
            b'<!-- <table:table-row a=" -->' + repeated + b'<!-- " -->' + b"<table:table-row>",
            1,
        ),
    }
    paths = []
    for number, change in enumerate(changes.values()):
        path = _workbook(tmp_path, "ods").rename(tmp_path / f"repete-{number}.ods")
        _rewrite(path, "content.xml", change)
        paths.append(path)
    for path, message in zip(paths, _read_in_a_child(*paths)):
        assert message.startswith(f"{path}: la feuille « Liste 2024 » s'étend sur"), message


def test_styled_empty_cells_far_away_do_not_count(tmp_path):
    path = tmp_path / "l.xlsx"
    xlsx_rows(path, [["nom", "commune"], ["A", "Lyon"]])
    styled = b'<row r="1048576"><c r="XFD1048576" s="0"/></row>'
    _rewrite(path, SHEET, lambda xml: xml.replace(b"</sheetData>", styled + b"</sheetData>"))
    assert read_listing(path).rows_read == 1


def test_a_sheet_wider_than_1000_columns_is_refused(tmp_path):
    path = tmp_path / "l.xlsx"
    xlsx_rows(path, [["nom", "commune"], ["A", "Lyon"] + [None] * 999 + ["x"]])
    with pytest.raises(ListingError) as info:
        read_listing(path)
    assert "la feuille « services » a 1\u202f002 colonnes, plus que les 1\u202f000" in str(
        info.value
    )


def test_a_workbook_that_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    import ips_map.listing.formats._workbook_size as size

    monkeypatch.setattr(size, "MAX_UNPACKED", 1 << 20)
    path = _workbook(tmp_path, "xlsx")
    assert read_listing(path).rows_read
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/zeros.bin", b"\x00" * (2 << 20), zipfile.ZIP_DEFLATED)
    with pytest.raises(ListingError, match="se décompresse en 2 Mio, plus que les 1 Mio"):
        read_listing(path)


def test_a_binary_workbook_says_so(tmp_path):
    path = _workbook(tmp_path, "xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/worksheets/sheet3.bin", b"\x00" * 10)
    with pytest.raises(ListingError, match=r"binaire \(XLSB\)"):
        read_listing(path)


def test_a_panic_of_the_workbook_reader_is_a_listing_error(tmp_path, monkeypatch):
    import python_calamine

    panic = type("PanicException", (BaseException,), {})

    def explode(_filelike):
        raise panic("index out of bounds")

    path = _workbook(tmp_path, "xlsx")
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", explode)
    with pytest.raises(ListingError, match=r"illisible \(PanicException: index out of bounds\)"):
        read_listing(path)

    def interrupt(_filelike):
        raise KeyboardInterrupt

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", interrupt)
    with pytest.raises(KeyboardInterrupt):
        read_listing(path)


# --- GeoJSON whatever it holds ------------------------------------------------------------------


def test_geojson_nested_too_deep_is_a_listing_error(tmp_path):
    text = '{"type": "FeatureCollection", "features": [' + "[" * 50_000 + "]" * 50_000 + "]}"
    path = write_listing(tmp_path / "l.geojson", text)
    with pytest.raises(ListingError, match="imbriqués trop profondément"):
        read_listing(path)


@pytest.mark.parametrize(
    "coordinates",
    ["[1e999, 45.7]", "[1" + "0" * 400 + ", 45.7]", "[NaN, 45.7]", '{"0": 4.8, "1": 45.7}', '"45"']
    + ["[true, false]", "[4.8]", '["4,8", "45,7"]', "[[4.8], [45.7]]"],
)
def test_geojson_odd_coordinates_are_a_problem_of_their_entity(tmp_path, coordinates):
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
        f'{{"type": "Point", "coordinates": {coordinates}}}, '
        '"properties": {"nom": "IPS Lyon", "commune": "Lyon"}}]}'
    )
    listing = read_listing(write_listing(tmp_path / "l.geojson", text))
    assert listing.rows.loc[0, "commune"] == "Lyon"
    assert [str(p) for p in listing.problems if p.colonne == "geometry"] == [
        f"entité 0, colonne « geometry », valeur « {_json_text(coordinates)} » : point "
        "illisible : ignoré"
    ]


def _json_text(coordinates: str) -> str:
    return json.dumps(json.loads(coordinates))[:80]


@pytest.mark.parametrize(
    ("crs", "expected"),
    [
        ({"type": "name", "properties": ["EPSG:2154"]}, None),
        ({"type": "name", "properties": {"name": {"code": 2154}}}, "inconnu"),
        ({"type": "name", "properties": {"name": "EPSG:" + "9" * 5000}}, "inconnu"),
        ({"type": "name", "properties": {"name": "\x00"}}, "inconnu"),
        ("EPSG:2154", None),
    ],
    ids=["properties a list", "name an object", "name of 5,000 characters", "NUL", "a text"],
)
def test_geojson_odd_crs_members_are_read_or_refused(tmp_path, crs, expected):
    document = {
        "type": "FeatureCollection",
        "crs": crs,
        "features": [feature(4.83, 45.76, nom="A")],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    if expected is None:
        assert read_listing(path).rows.loc[0, "lat"] == 45.76
    else:
        with pytest.raises(ListingError, match=f"système de coordonnées « .* » {expected}"):
            read_listing(path)


def test_geojson_of_too_many_properties_is_refused(tmp_path):
    properties = {f"colonne {i}": i for i in range(1_500)}
    document = {
        "type": "FeatureCollection",
        "features": [feature(4.8, 45.7, nom="A", **properties)],
    }
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    with pytest.raises(ListingError, match=r"plus de 1\u202f000 propriétés différentes"):
        read_listing(path)


def test_geojson_of_too_many_features_or_objects_is_refused(tmp_path, monkeypatch):
    import ips_map.listing.formats.geojson as geojson_format

    document = {"type": "FeatureCollection", "features": [feature(4.8, 45.7, nom="A")] * 3}
    path = write_listing(tmp_path / "l.geojson", geojson_text(document))
    monkeypatch.setattr(geojson_format, "MAX_ROWS", 2)
    with pytest.raises(ListingError, match=r": 3 entités, plus que les 2"):
        read_listing(path)
    monkeypatch.setattr(geojson_format, "MAX_CONTAINERS", 10)
    with pytest.raises(ListingError, match=r"document JSON de 14 objets et listes"):
        read_listing(path)
