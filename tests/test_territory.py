"""Tests of ips_map.territory: embedded départements, census vintages, normalising codes."""

from __future__ import annotations

import shutil
import string

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ips_map.errors import DataFileError, SettingsError
from ips_map.settings import data_dir
from ips_map.sources.registry import SOURCES, file_sha256
from ips_map.territory.data import (
    MAYOTTE,
    MAYOTTE_NOTE,
    N_DEPARTEMENTS,
    census_years,
    departement_codes,
    load_departements,
    load_populations,
)
from ips_map.territory.gazetteer import commune_key, commune_keys
from ips_map.territory.names import normalize_departement, text_key
from ips_map.territory.stored import encode_departements, stored_departements

POPULATION_FILE = data_dir() / SOURCES["populations"].path
#: The population file read independently of the module under test.
RAW_POPULATIONS = pd.read_csv(POPULATION_FILE, dtype=str, keep_default_na=False)
CODES = list(RAW_POPULATIONS["code_departement"])
NAMES = dict(zip(RAW_POPULATIONS["code_departement"], RAW_POPULATIONS["nom_departement"]))


# --- census vintages ------------------------------------------------------------------------


def test_census_years_are_the_pmun_columns_of_the_file():
    expected = sorted(
        int(c.removeprefix("pmun_")) for c in RAW_POPULATIONS.columns if c.startswith("pmun_")
    )
    assert expected, "the population file should hold at least one vintage"
    assert census_years() == expected


@pytest.mark.parametrize("year", census_years())
def test_load_populations_has_the_101_departements_as_strings(year):
    table = load_populations(year)
    assert len(table) == N_DEPARTEMENTS == 101
    assert table["code"].is_unique
    assert all(isinstance(code, str) for code in table["code"])
    codes = set(table["code"])
    assert {"01", "2A", "2B", "974", "976"} <= codes
    assert "20" not in codes
    assert "1" not in codes
    assert list(table.columns) == [
        "code",
        "nom",
        "code_region",
        "nom_region",
        "population",
        "annee_population",
        "note_population",
    ]
    assert (table["annee_population"] == year).all()
    # Figures come from the vintage's column, département by département.
    expected = RAW_POPULATIONS.set_index("code_departement")[f"pmun_{year}"].astype("int64")
    got = table.set_index("code")["population"]
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )
    assert (table["population"] > 0).all()


@pytest.mark.parametrize("year", census_years())
def test_mayotte_is_flagged_in_every_vintage(year):
    table = load_populations(year).set_index("code")
    assert table.loc[MAYOTTE, "note_population"] == MAYOTTE_NOTE
    assert "2017" in table.loc[MAYOTTE, "note_population"]
    others = table.drop(index=MAYOTTE)["note_population"]
    assert (others == "").all()


def test_mayotte_repeats_the_same_census_in_every_vintage():
    figures = {
        int(load_populations(y).set_index("code").loc[MAYOTTE, "population"])
        for y in census_years()
    }
    assert len(figures) == 1


def test_load_populations_defaults_to_the_latest_vintage():
    latest = census_years()[-1]
    assert (load_populations()["annee_population"] == latest).all()
    pd.testing.assert_frame_equal(load_populations(), load_populations(latest))


def test_unknown_census_year_lists_the_available_years():
    years = census_years()
    missing = years[-1] + 1
    with pytest.raises(SettingsError) as info:
        load_populations(missing)
    message = str(info.value)
    assert str(missing) in message
    for year in years:
        assert str(year) in message


# --- département boundaries -----------------------------------------------------------------


def test_load_departements_matches_the_population_file():
    frame = load_departements()
    assert len(frame) == 101
    assert list(frame.columns) == ["code", "nom", "code_region", "nom_region", "geometry"]
    assert frame["code"].is_unique
    assert set(frame["code"]) == set(load_populations()["code"]) == set(CODES)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert frame.geometry.notna().all() and frame.geometry.is_valid.all()
    # Régions come from the population file.
    regions = RAW_POPULATIONS.set_index("code_departement")["code_region"]
    for code, region in zip(frame["code"], frame["code_region"]):
        assert region == regions[code]
    assert set(frame.loc[frame["code_region"] == "84", "code"]) == {
        "01",
        "03",
        "07",
        "15",
        "26",
        "38",
        "42",
        "43",
        "63",
        "69",
        "73",
        "74",
    }


def test_load_departements_sorts_corsica_between_19_and_21_and_overseas_last():
    codes = list(load_departements()["code"])
    assert codes.index("19") < codes.index("2A") < codes.index("2B") < codes.index("21")
    assert codes[-5:] == ["971", "972", "973", "974", "976"]


def test_departement_codes_are_the_file_codes_in_order():
    assert departement_codes() == CODES


# --- data files checked against the manifest --------------------------------------------------


@pytest.fixture
def altered_data(tmp_path, monkeypatch):
    """A copy of data/ in tmp with IPS_MAP_DATA_DIR pointing at it; returns a function that
    flips one byte of a source file (same size, different content)."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))

    def alter(key: str):
        path = copy / SOURCES[key].path
        data = bytearray(path.read_bytes())
        # Change a digit inside the body so that the file still parses: only the hash differs.
        index = next(i for i in range(len(data) // 2, len(data)) if chr(data[i]).isdigit())
        data[index] = ord("1") if data[index] != ord("1") else ord("2")
        path.write_bytes(bytes(data))
        assert file_sha256(path) != SOURCES[key].sha256
        return path

    return alter


def test_intact_copy_of_the_data_loads(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    assert data_dir() == copy
    assert len(load_populations()) == 101


def test_altered_population_file_is_refused(altered_data):
    path = altered_data("populations")
    with pytest.raises(DataFileError) as info:
        load_populations()
    assert str(path) in str(info.value)
    assert "sha256" in str(info.value)


def test_altered_departement_boundaries_are_refused(altered_data):
    path = altered_data("departements")
    with pytest.raises(DataFileError) as info:
        load_departements()
    assert str(path) in str(info.value)


def test_missing_data_file_is_reported(tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(data_dir(), copy)
    (copy / SOURCES["populations"].path).unlink()
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    with pytest.raises(DataFileError, match="introuvable"):
        load_populations()


# --- normalize_departement ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1", "01"),
        ("9", "09"),
        ("01", "01"),
        (" 13 ", "13"),
        ("2a", "2A"),
        ("2B", "2B"),
        ("974", "974"),
        ("69D", "69"),
        ("69M", "69"),
        ("69m", "69"),
        ("Cote d'Or", "21"),
        ("Côte-d'Or", "21"),
        ("COTE D OR", "21"),
        ("Réunion", "974"),
        ("La Réunion", "974"),
        ("la reunion", "974"),
        ("creuse", "23"),
        ("La Creuse", "23"),
        ("Corse-du-Sud", "2A"),
        ("territoire de belfort", "90"),
        ("Seine Saint Denis", "93"),
    ],
)
def test_normalize_departement_reads_codes_and_names(raw, code):
    assert normalize_departement(raw)[0] == code


def test_normalize_departement_says_when_it_corrected_a_code():
    code, note = normalize_departement("1")
    assert code == "01" and "01" in note
    code, note = normalize_departement("69D")
    assert code == "69" and "69D" in note
    assert normalize_departement("01") == ("01", "")
    assert normalize_departement("Creuse") == ("23", "")


def test_old_corsica_code_is_refused_with_2a_and_2b():
    code, note = normalize_departement("20")
    assert code is None
    assert "2A" in note and "2B" in note


@pytest.mark.parametrize("raw", ["975", "977", "978", "986", "987", "988"])
def test_collectivites_outre_mer_are_refused(raw):
    code, note = normalize_departement(raw)
    assert code is None
    assert "collectivité d'outre-mer" in note
    assert raw in note


@pytest.mark.parametrize(
    "raw", ["", "   ", "0", "00", "100", "96", "975x", "Atlantide", "2C", "1.5"]
)
def test_garbage_is_refused_with_a_reason(raw):
    code, note = normalize_departement(raw)
    assert code is None
    assert note


def _variants(name: str) -> st.SearchStrategy[str]:
    """Ways people write a département's name: case, accents, hyphens, apostrophes."""
    bare = text_key(name)  # lower case, no accents, spaces
    return st.sampled_from(
        [
            name,
            name.upper(),
            name.lower(),
            bare,
            bare.upper(),
            name.replace("-", " "),
            f"  {name}  ",
            name.replace("'", " "),
        ]
    )


CODE_WRITINGS = st.one_of(
    # A one-digit code, as spreadsheets write "01".
    st.integers(1, 9).map(lambda n: (str(n), f"0{n}")),
    # Any code as written in the file, in any case, with spaces around.
    st.sampled_from(CODES).flatmap(
        lambda c: st.tuples(st.sampled_from([c, c.lower(), f" {c} ", f"{c.lower()}\t"]), st.just(c))
    ),
    # Any name from the population file, written in any of the usual ways.
    st.sampled_from(CODES).flatmap(lambda c: st.tuples(_variants(NAMES[c]), st.just(c))),
)


@given(CODE_WRITINGS)
def test_every_way_of_writing_a_departement_normalises_to_its_code(case):
    raw, expected = case
    code, _ = normalize_departement(raw)
    assert code == expected


@given(st.text())
def test_normalize_departement_returns_a_known_code_or_a_reason(raw):
    code, note = normalize_departement(raw)
    if code is None:
        assert note
    else:
        assert code in CODES


FRENCH_LETTERS = string.ascii_letters + "àâäéèêëîïôöùûüÿçœæÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇŒÆ' -"


@given(st.text())
def test_text_key_is_idempotent(value):
    key = text_key(value)
    assert text_key(key) == key
    assert key == key.strip() and "  " not in key


@given(st.text(alphabet=FRENCH_LETTERS))
def test_text_key_ignores_case_of_french_text(value):
    assert text_key(value.upper()) == text_key(value.lower()) == text_key(value)


def test_text_key_folds_accents_ligatures_and_punctuation():
    assert text_key("Côte-d'Or") == "cote d or"
    assert text_key("ŒUVRE  Saint-Étienne") == "oeuvre saint etienne"
    assert text_key("Lætitia") == text_key("LÆTITIA") == "laetitia"


# --- commune name keys, made in bulk ---------------------------------------------------------


def test_commune_keys_of_every_embedded_name_are_their_commune_key():
    """The name index folds every name at once (commune_keys); each key must be the one
    commune_key gives the same name alone."""
    communes = pd.read_csv(data_dir() / SOURCES["communes"].path, dtype=str, keep_default_na=False)
    old = pd.read_csv(data_dir() / SOURCES["anciens_codes"].path, dtype=str, keep_default_na=False)
    names = [n for n in list(communes["nom"]) + list(old["ancien_nom"]) if n]
    assert len(names) > 30_000
    assert commune_keys(names) == [commune_key(name) for name in names]


_NAME_PIECES = st.sampled_from(
    [
        "St",
        "ste",
        "S",
        "ss",
        "s/",
        "Le",
        "LA",
        "les",
        "L'",
        "l’",
        "(Le)",
        "(les)",
        " (L')",
        "-",
        "É",
        "œ",
        "Æ",
        "ﬁ",
        "İ",
        "ß",
        "Σ",
        "\u0301",
        "\u00a0",
        "\t",
        "\n",
        "\r",
        "\x85",
        "\u2028",
        "  ",
        "Saône",
        "ſ",
        "x",
        "9",
    ]
)


@given(st.lists(st.lists(_NAME_PIECES | st.text(max_size=4), max_size=6).map(" ".join), max_size=8))
def test_commune_keys_agree_with_commune_key_on_any_names(names):
    assert commune_keys(names) == [commune_key(name) for name in names]


@given(
    st.lists(
        st.lists(_NAME_PIECES, max_size=6).map("".join).filter(lambda name: "\n" not in name),
        max_size=8,
    )
)
def test_commune_keys_agree_on_names_glued_without_spaces(names):
    # Without a newline in any name, every step runs once on all of them.
    assert commune_keys(names) == [commune_key(name) for name in names]


# --- the embedded boundaries' store ------------------------------------------------------------


def _geojson_departements():
    import geopandas as gpd

    return gpd.read_file(data_dir() / SOURCES["departements"].path)[["code", "nom", "geometry"]]


def test_stored_departements_are_the_geojson_read_byte_for_byte():
    import shapely

    read = _geojson_departements()
    stored = stored_departements(SOURCES["departements"].sha256)
    assert stored is not None, "scripts/store_departements.py n'a pas été relancé"
    assert list(stored["code"]) == list(read["code"])
    assert list(stored["nom"]) == list(read["nom"])
    assert stored.crs == read.crs
    assert shapely.to_wkb(stored.geometry.values).tolist() == (
        shapely.to_wkb(read.geometry.values).tolist()
    )
    assert (
        load_departements()[["code", "nom", "geometry"]]
        .sort_values("code")
        .reset_index(drop=True)
        .equals(read.sort_values("code").reset_index(drop=True))
    )


def test_a_damaged_or_foreign_store_is_not_used(tmp_path, monkeypatch):
    from ips_map.territory import stored

    sha256 = SOURCES["departements"].sha256
    assert stored_departements("0" * 64) is None
    (original,) = stored.STORE_DIR.glob(f"{sha256[:32]}-*.npz")
    data = bytearray(original.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / original.name).write_bytes(bytes(data))
    monkeypatch.setattr(stored, "STORE_DIR", tmp_path)
    assert stored_departements(sha256) is None


def test_boundaries_off_the_stored_grid_are_refused():
    import shapely

    frame = _geojson_departements().head(2)
    assert len(encode_departements(frame)) > 0
    frame.loc[0, "geometry"] = shapely.affinity.translate(frame.geometry[0], 1e-6, 0)
    with pytest.raises(ValueError):
        encode_departements(frame)
