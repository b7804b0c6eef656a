"""``ips-map fetch``: INSEE populations, geo.api.gouv.fr communes and département boundaries,
against local servers that reproduce the providers from real files (tests/data/, data/)."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import shutil
import zipfile
from datetime import date
from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from werkzeug import Request, Response

from ips_map.cli import cli
from ips_map.errors import DataFileError
from ips_map.refresh import NotPublished, fetch_boundaries, fetch_census, fetch_communes
from ips_map.settings import DEFAULT_DATA_DIR
from ips_map.sources.calendar import census_fetch_hint, insee_census_url
from ips_map.sources.http import FetchError, HttpSettings
from ips_map.sources.registry import SOURCES, active_source, file_sha256, provenance_path
from ips_map.territory.data import (
    MAYOTTE,
    MAYOTTE_NOTE,
    MAYOTTE_PMUN_2017,
    census_years,
    load_communes,
    load_departements,
    load_old_codes,
    load_populations,
    population_source,
)

FIXTURES = Path(__file__).parent / "data" / "insee"
PR2023 = FIXTURES / "insee_donnees_departements_PR2023.csv"
MAYOTTE_2017 = FIXTURES / "insee_donnees_communes_mayotte_RP2017.csv"
EMBEDDED = DEFAULT_DATA_DIR
TODAY = date(2026, 11, 26)  # before INSEE publishes the 2024 vintage (end of December 2026)


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A copy of the embedded data, pointed at by IPS_MAP_DATA_DIR: the repo's data/ is
    never written."""
    copy = tmp_path / "data"
    shutil.copytree(EMBEDDED, copy, ignore=shutil.ignore_patterns("fetched"))
    monkeypatch.setenv("IPS_MAP_DATA_DIR", str(copy))
    for name in ("IPS_MAP_INSEE_URL", "IPS_MAP_GEO_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return copy


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- an INSEE server ------------------------------------------------------------------------


def insee_table(text: str | None = None) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text or PR2023.read_text(encoding="utf-8")), delimiter=";"))


def insee_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def scaled(factor: float) -> str:
    """INSEE's département file with every PMUN multiplied by ``factor``."""
    rows = insee_table()
    column = rows[0].index("PMUN")
    for row in rows[1:]:
        row[column] = str(round(int(row[column]) * factor))
    return insee_text(rows)


def insee_zip(departements: str | None = None) -> bytes:
    """An "ensemble.zip" as INSEE publishes it: ;-separated files, one per level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(
            "donnees_departements.csv", departements or PR2023.read_text(encoding="utf-8")
        )
        bundle.writestr("donnees_regions.csv", "REG;Région;NBDEP;PMUN;PTOT\n")
    return buffer.getvalue()


@pytest.fixture
def insee(httpserver, monkeypatch):
    """INSEE's download folder on a local server; returns the URL of the 2023 archive."""
    monkeypatch.setenv("IPS_MAP_INSEE_URL", httpserver.url_for("/fichier"))
    return httpserver.url_for("/fichier/8680726/ensemble.zip")


def test_manifest_gives_the_insee_archive_of_each_vintage():
    assert insee_census_url(2023) == (
        "https://www.insee.fr/fr/statistiques/fichier/8680726/ensemble.zip"
    )
    assert insee_census_url(2019, "http://miroir/f/") == "http://miroir/f/6011070/ensemble.zip"
    assert insee_census_url(2024) is None


def test_mayotte_figure_is_the_sum_of_its_2017_census():
    communes = pd.read_csv(MAYOTTE_2017, sep=";", dtype=str)
    assert len(communes) == 17 and set(communes["DEP"]) == {MAYOTTE}
    assert communes["PMUN"].astype(int).sum() == MAYOTTE_PMUN_2017 == 256_518


def test_census_fetch_stores_the_vintage_with_its_provenance(data, httpserver, insee, fast):
    archive = insee_zip()
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        archive, content_type="application/zip"
    )
    result = fetch_census(2023, settings=fast, today=TODAY)

    path = data / "fetched" / "census" / "departements_pmun_2023.csv"
    assert result.files == [path]
    assert result.records == [provenance_path(path)]
    record = json.loads(provenance_path(path).read_text(encoding="utf-8"))
    assert record["url"] == insee
    assert record["vintage"] == "2023"
    assert record["sha256"] == file_sha256(path)
    assert record["download"]["sha256"] == __import__("hashlib").sha256(archive).hexdigest()
    assert record["fetched"].startswith("20")
    assert record["attribution"] == (
        "Source : Insee, populations de référence 2023 (Mayotte : recensement 2017)"
    )
    assert record["licence"] == SOURCES["populations"].licence
    assert record["checks"]["departements"] == 101
    assert record["checks"]["reference"]["millesime"] == 2022
    assert "101 départements" in result.summary
    # Nothing else left behind: no temporary folder, no archive.
    assert sorted(_tree(data / "fetched")) == [
        "census/departements_pmun_2023.csv",
        "census/departements_pmun_2023.csv.provenance.json",
    ]

    # INSEE's own file gives exactly the embedded 2023 figures, Mayotte included and flagged.
    fetched = load_populations(2023)
    assert population_source(2023).path == "fetched/census/departements_pmun_2023.csv"
    embedded = pd.read_csv(data / SOURCES["populations"].path, dtype=str)
    assert list(fetched["code"]) == list(embedded["code_departement"])
    assert list(fetched["population"]) == [int(v) for v in embedded["pmun_2023"]]
    assert all(isinstance(code, str) for code in fetched["code"])
    mayotte = fetched.set_index("code").loc[MAYOTTE]
    assert mayotte["population"] == 256_518 and mayotte["note_population"] == MAYOTTE_NOTE
    assert (fetched.set_index("code").drop(index=MAYOTTE)["note_population"] == "").all()


def test_a_new_vintage_joins_the_census_years(data, httpserver, fast):
    httpserver.expect_request("/pr2024/ensemble.zip").respond_with_data(insee_zip(scaled(1.004)))
    assert 2024 not in census_years()
    fetch_census(
        2024,
        url=httpserver.url_for("/pr2024/ensemble.zip"),
        settings=fast,
        today=date(2027, 1, 5),
    )
    assert census_years() == [2019, 2020, 2021, 2022, 2023, 2024]
    table = load_populations(2024)
    assert len(table) == 101 and (table["annee_population"] == 2024).all()
    assert table.set_index("code").loc["01", "population"] == round(679344 * 1.004)
    assert table.set_index("code").loc[MAYOTTE, "note_population"] == MAYOTTE_NOTE
    # The latest vintage becomes the default.
    assert (load_populations()["annee_population"] == 2024).all()
    assert population_source(2024).url.endswith("/pr2024/ensemble.zip")
    assert population_source(2023) == SOURCES["populations"]


def test_unpublished_vintage_is_reported_without_a_request(data, httpserver, fast):
    with pytest.raises(NotPublished) as info:
        fetch_census(2024, settings=fast, today=TODAY)
    message = str(info.value)
    assert "pas encore publié" in message and "fin décembre 2026" in message
    assert "--url" in message
    assert len(httpserver.log) == 0
    assert not (data / "fetched" / "census").exists()


def test_404_says_the_vintage_is_not_published_and_keeps_the_data(data, httpserver, fast, sleeps):
    httpserver.expect_request("/pr2024/ensemble.zip").respond_with_data(b"Not Found", status=404)
    with pytest.raises(NotPublished) as info:
        fetch_census(
            2024, url=httpserver.url_for("/pr2024/ensemble.zip"), settings=fast, today=TODAY
        )
    message = str(info.value)
    assert "404" in message and "pas (encore) publié" in message
    assert "fin décembre 2026" in message and "réessayez après sa publication" in message
    assert sleeps.calls == [] and len(httpserver.log) == 1
    assert _tree(data / "fetched") == {}
    assert census_years() == [2019, 2020, 2021, 2022, 2023]


def test_server_error_then_success(data, httpserver, insee, fast, sleeps):
    route = "/fichier/8680726/ensemble.zip"
    httpserver.expect_ordered_request(route).respond_with_data(b"oops", status=500)
    httpserver.expect_ordered_request(route).respond_with_data(
        b"", status=503, headers={"Retry-After": "2"}
    )
    httpserver.expect_ordered_request(route).respond_with_data(insee_zip())
    fetch_census(2023, settings=fast, today=TODAY)
    assert sleeps.calls == [0.5, 2.0]
    assert population_source(2023).path.startswith("fetched/")


@pytest.fixture
def previous_2023(data, httpserver, insee, fast):
    """A 2023 vintage already fetched; returns the bytes of data/fetched."""
    httpserver.expect_oneshot_request("/fichier/8680726/ensemble.zip").respond_with_data(
        insee_zip()
    )
    fetch_census(2023, settings=fast, today=TODAY)
    httpserver.clear_log()
    return _tree(data / "fetched")


def _assert_kept(data: Path, before: dict[str, bytes]) -> None:
    assert _tree(data / "fetched") == before
    assert len(load_populations(2023)) == 101


def test_error_responses_are_retried_then_reported_and_nothing_changes(
    data, httpserver, previous_2023, fast
):
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        b"<html>erreur</html>", status=500
    )
    with pytest.raises(FetchError, match="3 tentative"):
        fetch_census(2023, settings=fast, today=TODAY)
    assert len(httpserver.log) == 3
    _assert_kept(data, previous_2023)


def test_truncated_zip_is_refused_and_the_previous_data_kept(data, httpserver, previous_2023, fast):
    archive = insee_zip()
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        archive[: len(archive) // 2]
    )
    with pytest.raises(FetchError, match="zip illisible"):
        fetch_census(2023, settings=fast, today=TODAY)
    _assert_kept(data, previous_2023)


def test_a_web_page_instead_of_the_archive_is_refused(data, httpserver, insee, fast):
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        b"<!DOCTYPE html><html><body>Page introuvable</body></html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="page web"):
        fetch_census(2023, settings=fast, today=TODAY)
    assert _tree(data / "fetched") == {}


def test_a_windows_1252_file_is_read_like_a_utf8_one(data, httpserver, insee, fast):
    # INSEE's older files are Windows-1252 ("Région", "Ardèche" in one byte each).
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("donnees_departements.csv", PR2023.read_text("utf-8").encode("cp1252"))
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(bundle.getvalue())
    fetch_census(2023, settings=fast, today=TODAY)
    table = load_populations(2023).set_index("code")
    assert table.loc["07", "nom"] == "Ardèche" and table.loc["07", "nom_region"] == (
        "Auvergne-Rhône-Alpes"
    )


def test_a_file_in_no_known_encoding_is_still_read(data, httpserver, insee, fast):
    # 0x81 is neither UTF-8 nor Windows-1252: read as Latin-1, the figures stand.
    text = PR2023.read_text("utf-8").replace("Ardèche", "Ard?che")
    raw = text.encode("cp1252").replace(b"Ard?che", b"Ard\x81che")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("donnees_departements.csv", raw)
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(bundle.getvalue())
    fetch_census(2023, settings=fast, today=TODAY)
    table = load_populations(2023).set_index("code")
    assert table.loc["07", "nom"] == "Ard\x81che"
    assert table.loc["01", "population"] == 679_344


def test_changed_columns_are_named(data, httpserver, previous_2023, fast):
    rows = insee_table()
    rows[0] = ["POP_MUN" if c == "PMUN" else c for c in rows[0]]
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        insee_zip(insee_text(rows))
    )
    with pytest.raises(FetchError) as info:
        fetch_census(2023, settings=fast, today=TODAY)
    message = str(info.value)
    assert "colonnes inattendues" in message
    assert "Trouvées : REG;Région;DEP;Département;NBARR;NBCAN;NBCOM;POP_MUN;PTOT" in message
    assert "Attendues : REG;Région;DEP;Département;PMUN" in message
    assert "manquent : PMUN" in message
    _assert_kept(data, previous_2023)


def test_implausible_total_is_refused(data, httpserver, insee, fast):
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        insee_zip(scaled(1.10))
    )
    with pytest.raises(FetchError) as info:
        fetch_census(2023, settings=fast, today=TODAY)
    message = str(info.value)
    assert "total national" in message and "millésime 2022" in message and "±3 %" in message
    assert "données actuelles sont conservées" in message
    assert _tree(data / "fetched") == {}


def test_a_departement_with_an_implausible_figure_is_named(data, httpserver, insee, fast):
    rows = insee_table()
    column = rows[0].index("PMUN")
    creuse = next(r for r in rows if r[2] == "23")
    creuse[column] = str(int(creuse[column]) * 2)
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        insee_zip(insee_text(rows))
    )
    with pytest.raises(FetchError, match=r"département 23 : \+100"):
        fetch_census(2023, settings=fast, today=TODAY)


def test_missing_departement_and_bad_figures_are_reported_together(data, httpserver, insee, fast):
    rows = [r for r in insee_table() if r[2] != "23"]
    column = rows[0].index("PMUN")
    rows[1][column] = "n/a"
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(
        insee_zip(insee_text(rows))
    )
    with pytest.raises(FetchError) as info:
        fetch_census(2023, settings=fast, today=TODAY)
    message = str(info.value)
    assert "départements absents : 23" in message
    assert "PMUN « n/a » n'est pas un entier (département 01)" in message


def test_altered_fetched_file_is_refused_on_load(data, previous_2023):
    path = data / "fetched" / "census" / "departements_pmun_2023.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("679344", "679345"), "utf-8")
    with pytest.raises(DataFileError) as info:
        load_populations(2023)
    assert "relevé de provenance" in str(info.value) and "sha256" in str(info.value)
    assert str(path) in str(info.value)


def test_fetched_file_without_its_record_is_refused(data, previous_2023):
    path = data / "fetched" / "census" / "departements_pmun_2023.csv"
    provenance_path(path).unlink()
    with pytest.raises(DataFileError, match="sans relevé de provenance"):
        load_populations(2023)


# --- a geo.api.gouv.fr server ---------------------------------------------------------------


@cache
def api_communes() -> tuple[dict, ...]:
    """The communes as geo.api.gouv.fr gives them, built from the embedded tables (same
    source: @etalab/decoupage-administratif 6.0.0)."""
    communes = pd.read_csv(EMBEDDED / SOURCES["communes"].path, dtype=str, keep_default_na=False)
    old = pd.read_csv(EMBEDDED / SOURCES["anciens_codes"].path, dtype=str, keep_default_na=False)
    old = old[old["relation"] == "ancien_code"].groupby("code_commune")["ancien_code"]
    old_codes = {code: sorted(values) for code, values in old}
    items = []
    for row in communes.itertuples(index=False):
        item = {
            "nom": row.nom,
            "code": row.code_commune,
            "codeDepartement": row.code_departement,
            "codeRegion": row.code_region,
            "codesPostaux": row.codes_postaux.split(),
            "population": int(row.population_municipale_2023),
            "centre": {
                "type": "Point",
                "coordinates": [round(float(row.longitude), 4), round(float(row.latitude), 4)],
            },
        }
        if row.code_commune in old_codes:
            item["anciensCodes"] = old_codes[row.code_commune]
        items.append(item)
    # The API also serves the communes of the collectivités d'outre-mer (zone "com").
    items.append(
        {
            "nom": "Saint-Pierre",
            "code": "97502",
            "codeDepartement": "975",
            "codeRegion": "",
            "codesPostaux": ["97500"],
            "population": 5394,
            "centre": {"type": "Point", "coordinates": [-56.1773, 46.7811]},
        }
    )
    return tuple(items)


#: Fewest communes accepted from :func:`api_communes_sample` (about 2,000).
SAMPLE_MIN = 1_000


@cache
def api_communes_sample() -> tuple[dict, ...]:
    """The first 20 communes of each département (and the collectivité's) of
    :func:`api_communes`: the checks of the whole table, at a twentieth of the reading
    (accepted with ``min_communes=SAMPLE_MIN``)."""
    seen: dict[str, int] = {}
    sample = []
    for item in api_communes():
        dep = item["codeDepartement"]
        seen[dep] = seen.get(dep, 0) + 1
        if seen[dep] <= 20:
            sample.append(item)
    return tuple(sample)


@functools.lru_cache(maxsize=4)
def _api_body(fields: frozenset, limit: int | None) -> str:
    body = [{k: v for k, v in item.items() if k in fields} for item in api_communes()]
    return json.dumps(body[:limit] if limit is not None else body)


def geo_api(items=None, *, calls: list | None = None):
    """A handler that answers like api-geo's GET /communes (fields, format, limit)."""

    def handle(request: Request) -> Response:
        if calls is not None:
            calls.append(request.args.to_dict())
        if request.method not in ("GET", "HEAD"):
            return Response(f"Method {request.method} not allowed", status=401)
        limit = request.args.get("limit")
        if limit is not None and not limit.isdigit():
            return Response("Your limit parameter is not a number or is negative", status=400)
        fields = set(",".join(request.args.getlist("fields")).split(",")) - {""}
        fields |= {"nom", "code"}
        if "contour" in fields or request.args.get("format") == "geojson":
            return Response(
                "This endpoint does not support an unfiltered API call with a geojson format "
                "output or a field with contour",
                status=400,
            )
        if items is None:  # the whole table: serialised once per set of fields
            text = _api_body(frozenset(fields), None if limit is None else int(limit))
        else:
            body = [{k: v for k, v in item.items() if k in fields} for item in items]
            text = json.dumps(body[: int(limit)] if limit is not None else body)
        return Response(text, content_type="application/json; charset=utf-8")

    return handle


def test_fetch_communes_stores_the_table_in_the_embedded_shape(data, httpserver, fast):
    calls: list = []
    httpserver.expect_request("/communes").respond_with_handler(geo_api(calls=calls))
    result = fetch_communes(base_url=httpserver.url_for("/"), settings=fast)

    fields = calls[0]["fields"].split(",")
    assert {"centre", "anciensCodes", "codesPostaux", "population"} <= set(fields)
    assert calls[0]["geometry"] == "centre" and calls[0]["format"] == "json"
    fetched = data / "fetched" / "census"
    assert result.files == [fetched / "communes.csv", fetched / "communes_anciens_codes.csv"]
    for path, key in zip(result.files, ["communes", "anciens_codes"]):
        record = json.loads(provenance_path(path).read_text(encoding="utf-8"))
        assert record["key"] == key and record["title"] == SOURCES[key].title
        assert record["licence"] == SOURCES[key].licence == "Licence Ouverte / Etalab 2.0"
        assert record["sha256"] == file_sha256(path)
        assert record["url"].startswith(httpserver.url_for("/communes"))
        assert "fields=" in record["download"]["url"]

    embedded_header = (data / SOURCES["communes"].path).read_text("utf-8").splitlines()[0]
    assert (fetched / "communes.csv").read_text("utf-8").splitlines()[0] == embedded_header
    assert active_source("communes").path == "fetched/census/communes.csv"
    communes = load_communes()
    assert len(communes) == 34_875  # the commune of Saint-Pierre-et-Miquelon is left out
    assert "97502" not in set(communes["code_commune"])
    assert communes["code_commune"].str.len().eq(5).all()
    assert communes["code_departement"].nunique() == 101
    paris = communes.set_index("code_commune").loc["75056"]
    assert paris["population"] > 2_000_000 and "75001" in paris["codes_postaux"]
    record = json.loads(provenance_path(fetched / "communes.csv").read_text("utf-8"))
    assert record["checks"]["millesime_population"] == 2023

    # Old codes: the API's anciensCodes, and the delegated / associated communes carried over.
    old = load_old_codes()
    embedded_old = pd.read_csv(
        data / SOURCES["anciens_codes"].path, dtype=str, keep_default_na=False
    )
    as_set = lambda t: set(map(tuple, t[["ancien_code", "code_commune", "relation"]].values))  # noqa: E731
    assert as_set(old) == as_set(embedded_old)
    old_record = json.loads(
        provenance_path(fetched / "communes_anciens_codes.csv").read_text("utf-8")
    )
    assert old_record["inputs"][0]["path"] == SOURCES["anciens_codes"].path
    assert "34\u202f875 communes dans 101 départements" in result.summary


def test_commune_without_centre_keeps_its_previous_centre(data, httpserver, fast):
    items = [dict(item) for item in api_communes_sample()]
    for item in items:
        if item["code"] == "01001":
            del item["centre"]
    httpserver.expect_request("/communes").respond_with_handler(geo_api(items))
    fetch_communes(base_url=httpserver.url_for("/"), settings=fast, min_communes=SAMPLE_MIN)
    row = load_communes().set_index("code_commune").loc["01001"]
    assert (row["longitude"], row["latitude"]) == (4.925917, 46.153683)
    table = pd.read_csv(data / "fetched/census/communes.csv", dtype=str).set_index("code_commune")
    assert table.loc["01001", "centre_source"] == "ign_admin_express_cog2024:centroid"
    assert table.loc["01002", "centre_source"] == "geo_api_gouv_fr:point_on_feature"


def test_geo_api_400_fails_at_once_and_writes_nothing(data, httpserver, fast, sleeps):
    httpserver.expect_request("/communes").respond_with_data(
        "Your limit parameter is not a number or is negative", status=400
    )
    with pytest.raises(FetchError, match="400"):
        fetch_communes(base_url=httpserver.url_for("/"), settings=fast)
    assert len(httpserver.log) == 1 and sleeps.calls == []
    assert _tree(data / "fetched") == {}
    assert active_source("communes") == SOURCES["communes"]


def test_geo_api_500_keeps_the_previously_fetched_table(data, httpserver, fast, sleeps):
    httpserver.expect_oneshot_request("/communes").respond_with_handler(geo_api())
    fetch_communes(base_url=httpserver.url_for("/"), settings=fast)
    before = _tree(data / "fetched")
    httpserver.expect_request("/communes").respond_with_data(b"Internal Server Error", status=500)
    with pytest.raises(FetchError, match="3 tentative"):
        fetch_communes(base_url=httpserver.url_for("/"), settings=fast)
    assert sleeps.calls == [0.5, 1.0]
    assert _tree(data / "fetched") == before
    assert len(load_communes()) == 34_875


def test_geo_api_500_then_success(data, httpserver, fast, sleeps):
    httpserver.expect_ordered_request("/communes").respond_with_data(b"", status=502)
    sample = api_communes_sample()
    httpserver.expect_ordered_request("/communes").respond_with_handler(geo_api(sample))
    fetch_communes(base_url=httpserver.url_for("/"), settings=fast, min_communes=SAMPLE_MIN)
    assert sleeps.calls == [0.5]
    assert active_source("communes").path.startswith("fetched/")


#: Faults of a commune table, and what each is refused for.
_COMMUNE_FAULTS = {
    "missing-departement": (
        lambda items: [i for i in items if i["codeDepartement"] != "976"],
        "sans aucune commune : 976",
    ),
    "too-few": (lambda items: items, "au moins 34000"),
    "short-code": (
        lambda items: [{**i, "code": "1001"} if i["code"] == "01001" else i for i in items],
        "code commune « 1001 » invalide",
    ),
    "no-population": (
        lambda items: [{**i, "population": None} if i["code"] == "01002" else i for i in items],
        "commune 01002 : population « None » invalide",
    ),
    "duplicate": (lambda items: [*items, items[0]], "communes en double : 01001"),
}


@pytest.mark.parametrize(
    ("change", "expected"), list(_COMMUNE_FAULTS.values()), ids=list(_COMMUNE_FAULTS)
)
def test_bad_commune_tables_are_refused(data, httpserver, fast, change, expected):
    """Each fault refused in a table of the first 20 communes of every département (a
    twentieth of the whole: the same checks, a twentieth of the reading), accepted as it is
    but for the fewest communes: the default minimum refuses it."""
    sample = api_communes_sample()
    items = change(list(sample))
    httpserver.expect_request("/communes").respond_with_handler(geo_api(items))
    fewest = {"min_communes": SAMPLE_MIN} if "au moins" not in expected else {}
    with pytest.raises(FetchError, match="table des communes refusé") as info:
        fetch_communes(base_url=httpserver.url_for("/"), settings=fast, **fewest)
    assert expected in str(info.value)
    # Refused for that fault only: the sample has none of the others.
    others = [said for _, said in _COMMUNE_FAULTS.values() if said != expected]
    assert [said for said in others if said in str(info.value)] == []
    assert _tree(data / "fetched") == {}


def test_answer_that_is_not_json_is_refused(data, httpserver, fast):
    httpserver.expect_request("/communes").respond_with_data(b"<html>maintenance</html>")
    with pytest.raises(FetchError, match="pas du JSON"):
        fetch_communes(base_url=httpserver.url_for("/"), settings=fast)
    assert _tree(data / "fetched") == {}


# --- a boundary server ----------------------------------------------------------------------


@cache
def embedded_boundaries() -> gpd.GeoDataFrame:
    return gpd.read_file(EMBEDDED / SOURCES["departements"].path)


def geojson(frame: gpd.GeoDataFrame) -> bytes:
    """The frame as a GeoJSON FeatureCollection (geometries written by GEOS: fast)."""
    properties = frame.drop(columns="geometry").to_dict("records")
    features = ",".join(
        f'{{"type":"Feature","properties":{json.dumps(p, ensure_ascii=False)},"geometry":{g}}}'
        for p, g in zip(properties, shapely.to_geojson(frame.geometry.values))
    )
    crs = frame.crs.to_epsg()
    named = "" if crs == 4326 else f',"crs":{{"type":"name","properties":{{"name":"EPSG:{crs}"}}}}'
    return f'{{"type":"FeatureCollection"{named},"features":[{features}]}}'.encode()


def test_fetch_boundaries_replaces_them_with_provenance(data, httpserver, fast):
    raw = (EMBEDDED / SOURCES["departements"].path).read_bytes()
    httpserver.expect_request("/departements.geojson").respond_with_data(raw)
    url = httpserver.url_for("/departements.geojson")
    result = fetch_boundaries(
        url, settings=fast, licence="Licence Ouverte / Etalab", vintage="COG 2018"
    )
    path = data / "fetched" / "geo" / "departements-avec-outre-mer.geojson"
    assert result.files == [path]
    source = active_source("departements")
    assert source.url == url and source.vintage == "COG 2018"
    assert source.sha256 == file_sha256(path)
    record = json.loads(provenance_path(path).read_text("utf-8"))
    assert record["download"]["sha256"] == file_sha256(data / SOURCES["departements"].path)
    assert record["checks"]["reprojete"] is False and record["checks"]["geometries_reparees"] == 0
    frame = load_departements()
    assert len(frame) == 101 and frame.crs.to_epsg() == 4326
    assert frame.set_index("code").loc["2A", "nom"] == "Corse-du-Sud"
    assert (data / SOURCES["departements"].path).read_bytes() == raw  # embedded untouched


def test_boundaries_with_100_codes_are_refused(data, httpserver, fast):
    frame = embedded_boundaries()
    httpserver.expect_request("/d.geojson").respond_with_data(geojson(frame[frame["code"] != "23"]))
    with pytest.raises(FetchError) as info:
        fetch_boundaries(httpserver.url_for("/d.geojson"), settings=fast)
    assert "100 départements sur 101, absents : 23" in str(info.value)
    assert _tree(data / "fetched") == {}
    assert active_source("departements") == SOURCES["departements"]


def test_projected_boundaries_are_reprojected_and_other_names_read(data, httpserver, fast):
    frame = embedded_boundaries().rename(columns={"code": "INSEE_DEP", "nom": "NOM_DEP"})
    httpserver.expect_request("/l93.geojson").respond_with_data(geojson(frame.to_crs(2154)))
    result = fetch_boundaries(httpserver.url_for("/l93.geojson"), settings=fast)
    assert "reprojetés en EPSG:4326" in result.summary
    stored = load_departements()
    assert stored.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = stored.total_bounds
    assert -62 < minx < maxx < 56 and -22 < miny < maxy < 52
    assert stored.set_index("code").loc["29", "nom"] == "Finistère"
    record = json.loads(provenance_path(result.files[0]).read_text("utf-8"))
    assert "2154" in record["checks"]["crs"] and record["checks"]["propriete_code"] == "INSEE_DEP"


def test_invalid_geometry_is_repaired(data, httpserver, fast):
    frame = embedded_boundaries().copy()
    index = frame.index[frame["code"] == "48"][0]
    lozere = frame.geometry[index]
    polygon = max(getattr(lozere, "geoms", [lozere]), key=lambda g: g.area)
    overlapping = shapely.MultiPolygon([polygon, shapely.affinity.translate(polygon, 0.01)])
    assert not overlapping.is_valid
    frame.loc[index, "geometry"] = overlapping
    httpserver.expect_request("/d.geojson").respond_with_data(geojson(frame))
    result = fetch_boundaries(httpserver.url_for("/d.geojson"), settings=fast)
    assert "1 géométrie réparée" in result.summary
    assert load_departements().geometry.is_valid.all()


def test_shuffled_codes_are_refused(data, httpserver, fast):
    frame = embedded_boundaries().copy()
    frame["code"] = frame["code"].replace({"29": "2A", "2A": "29"})
    httpserver.expect_request("/d.geojson").respond_with_data(geojson(frame))
    with pytest.raises(FetchError, match="pas à leur place") as info:
        fetch_boundaries(httpserver.url_for("/d.geojson"), settings=fast)
    assert "29, 2A" in str(info.value)
    assert _tree(data / "fetched") == {}


def test_boundaries_that_are_not_geojson_are_refused(data, httpserver, fast):
    httpserver.expect_request("/d.geojson").respond_with_data(b"<html>oops</html>")
    with pytest.raises(FetchError, match="GeoJSON illisible"):
        fetch_boundaries(httpserver.url_for("/d.geojson"), settings=fast)
    assert _tree(data / "fetched") == {}


# --- the command line -----------------------------------------------------------------------


def test_cli_fetch_census(data, httpserver, insee):
    httpserver.expect_request("/fichier/8680726/ensemble.zip").respond_with_data(insee_zip())
    result = CliRunner().invoke(cli, ["-q", "fetch", "census", "--year", "2023"])
    assert result.exit_code == 0, result.output
    path = data / "fetched" / "census" / "departements_pmun_2023.csv"
    assert str(path) in result.output and str(provenance_path(path)) in result.output
    assert "101 départements" in result.output


def test_cli_unpublished_vintage_says_when(data, httpserver):
    year = date.today().year + 1
    result = CliRunner().invoke(cli, ["fetch", "census", "--year", str(year)])
    assert result.exit_code == 1
    assert "pas encore publié" in result.output and f"fin décembre {year + 2}" in result.output
    assert "Traceback" not in result.output
    assert len(httpserver.log) == 0


def test_cli_404_is_one_line_without_traceback(data, httpserver):
    httpserver.expect_request("/x/ensemble.zip").respond_with_data(b"", status=404)
    url = httpserver.url_for("/x/ensemble.zip")
    result = CliRunner().invoke(
        cli, ["-q", "fetch", "--retries", "0", "census", "--year", "2023", "--url", url]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"Erreur : {url} : l'Insee répond 404") and "Traceback" not in line
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_fetch_communes_and_boundaries(data, httpserver):
    httpserver.expect_request("/communes").respond_with_handler(geo_api())
    raw = (EMBEDDED / SOURCES["departements"].path).read_bytes()
    httpserver.expect_request("/d.geojson").respond_with_data(raw)
    runner = CliRunner()
    done = runner.invoke(
        cli, ["-q", "fetch", "communes"], env={"IPS_MAP_GEO_API_URL": httpserver.url_for("/")}
    )
    assert done.exit_code == 0, done.output
    assert "communes.csv" in done.output and "communes_anciens_codes.csv" in done.output
    done = runner.invoke(
        cli,
        ["-q", "fetch", "boundaries", "--url", httpserver.url_for("/d.geojson")]
        + ["--licence", "Licence Ouverte / Etalab", "--vintage", "COG 2018"],
    )
    assert done.exit_code == 0, done.output
    assert "departements-avec-outre-mer.geojson" in done.output


def build_with_fetched_2024(httpserver, tmp_path):
    """Fetch vintage 2024 from the local INSEE stand-in, build with it; return the out dir."""
    httpserver.expect_request("/pr2024/ensemble.zip").respond_with_data(insee_zip(scaled(1.004)))
    fetch_census(
        2024,
        url=httpserver.url_for("/pr2024/ensemble.zip"),
        settings=HttpSettings(retries=0),
        today=date(2027, 1, 5),
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["-q", "build", "--census-year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_build_uses_a_fetched_vintage(data, httpserver, tmp_path):
    out = build_with_fetched_2024(httpserver, tmp_path)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["annee_population"] == 2024
    # summary.json cites the file the figures come from, with its sha256.
    cited = {source["fichier"]: source for source in summary["sources"]}
    path = data / "fetched" / "census" / "departements_pmun_2024.csv"
    assert cited["data/fetched/census/departements_pmun_2024.csv"]["sha256"] == file_sha256(path)
    assert "data/census/departements_population_municipale_2019_2023.csv" not in cited


def test_map_names_fetched_sources(data, httpserver, fast, tmp_path):
    raw = (EMBEDDED / SOURCES["departements"].path).read_bytes()
    httpserver.expect_request("/departements.geojson").respond_with_data(raw)
    fetch_boundaries(
        httpserver.url_for("/departements.geojson"),
        settings=fast,
        licence="Licence de test",
        attribution="Contours de test, édition 2031",
        vintage="COG 2031",
    )
    out = build_with_fetched_2024(httpserver, tmp_path)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Contours de test, édition 2031 (Licence de test)" in html
    assert "COG 2031" in html  # under the title
    assert "COG 2018" not in html
    assert population_source(2024).attribution in html


@pytest.mark.parametrize("year", [1900, 2005, 2006, 2018, 2019, 2023, 2024, 2025])
def test_the_census_hint_suggests_only_a_fetch_that_can_work(data, httpserver, fast, year):
    # The build suggests `ips-map fetch census --year N` (without --url) only when fetch
    # would try to download it; "--url" only when fetch asks for it; nothing otherwise.
    today = date(2027, 1, 15)  # the 2024 vintage is out, not the 2025 one
    hint = census_fetch_hint(year, today)
    httpserver.expect_request(re.compile(r"/\d+/ensemble\.zip")).respond_with_data(b"", status=404)
    base = httpserver.url_for("/").rstrip("/")
    with pytest.raises(FetchError) as info:
        fetch_census(year, base_url=base, settings=fast, today=today)
    downloaded = info.value.status == 404
    if "ips-map fetch census" not in hint:
        assert not downloaded and year in (1900, 2005, 2025)
    elif "--url" in hint:
        assert not downloaded and "--url" in str(info.value)
    else:
        assert downloaded and hint == f"Pour l'ajouter : ips-map fetch census --year {year}."
