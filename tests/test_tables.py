"""The page's text equivalent (templates/tables.html, static/tables.js): the national figures
in sentences, the tables of the départements and of the services, the CSV files made from the
page's data, the public wording (no internal file, the listing's date and where it comes
from), and the listing's date read from its title rows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from ips_map.listing._dates import title_date
from ips_map.listing.read import read_listing
from ips_map.pipeline.stages import _listing_date
from ips_map.pipeline.tables import COVERAGE_COLUMNS
from ips_map.render._elements import render_block
from ips_map.render._tables import MAX_SERVICE_ROWS, french_date, service_rows
from ips_map.render.page_data import read_page_data
from tests.test_render import start_tags

# --- The listing's date -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Liste des services IPS — mise à jour du 12/03/2024"], "2024-03-12"),
        (["Mise à jour : 1er mars 2024"], "2024-03-01"),
        (["État au 5 Décembre 2025, notes"], "2025-12-05"),
        (["Export 2024-07-09"], "2024-07-09"),
        (["Version du 31/02/2024", "puis du 28.02.2024"], "2024-02-28"),
        (["Liste des services IPS", "Mise à jour : mars"], ""),
        (["Code 123/45/67890"], ""),
    ],
)
def test_title_date_reads_a_french_date(lines, expected):
    assert title_date(lines) == expected


def test_listing_date_from_the_title_row_of_a_csv(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_text(
        "Liste des services IPS — mise à jour du 12/03/2024;;\n\nnom;commune;dept\nA;Lyon;69\n",
        encoding="utf-8",
    )
    listing = read_listing(path)
    assert listing.title_date == "2024-03-12"
    settings = SimpleNamespace(listing_date=None, build_date="2026-01-01")
    assert _listing_date(settings, listing) == ("2024-03-12", "title")
    settings.listing_date = "2024-01-31"
    assert _listing_date(settings, listing) == ("2024-01-31", "given")
    listing.title_date = ""
    settings.listing_date = None
    # Not the file's modification date: that says when it was copied, not what it lists.
    assert _listing_date(settings, listing) == ("2026-01-01", "build")


def test_listing_date_from_the_title_row_of_a_workbook(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Services IPS de la région", None])
    sheet.append(["Mise à jour : 5 mars 2025", None])
    sheet.append(["nom", "commune"])
    sheet.append(["A", "Lyon"])
    book.save(tmp_path / "liste.xlsx")
    assert read_listing(tmp_path / "liste.xlsx").title_date == "2025-03-05"


@pytest.mark.parametrize(
    ("dated", "date", "said"),
    [
        ("given", "2024-03-12", "Liste des services : liste datée du 12 mars 2024"),
        ("title", "2024-03-01", "Liste des services : liste datée du 1er mars 2024"),
        ("given", "mars 2024", "Liste des services : liste datée de mars 2024"),
        (
            "build",
            "2026-01-01",
            "Liste des services : date de construction, la liste n'étant pas datée "
            "(1er janvier 2026)",
        ),
    ],
)
def test_page_says_where_the_listing_date_comes_from(dated, date, said):
    ctx = SimpleNamespace(
        title="Carte",
        census_year=2023,
        boundary_vintage="COG",
        listing_date=date,
        listing_dated=dated,
        is_example=False,
        image=True,
    )
    dates = {"listing": french_date(date), "build": french_date(date)}
    html = render_block("header.html", ctx=ctx, dates=dates, type_names="IPS")
    assert said in " ".join(html.split())


def test_french_dates():
    assert french_date("2024-03-01") == "1er mars 2024"
    assert french_date("2026-12-25") == "25 décembre 2026"
    assert french_date("sources de 2018–2021") == "sources de 2018–2021"


# --- The tables in the page -----------------------------------------------------------------


@pytest.fixture(scope="module")
def example_html(example_build) -> str:
    return Path(example_build.outputs["map"]).read_text(encoding="utf-8")


def _coverage(build) -> list[dict]:
    with open(build.outputs["coverage"], encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _section(html: str) -> str:
    return re.search(r'<section class="ips-tables".*?</section>', html, re.S).group(0)


def _table(html: str, name: str) -> str:
    return re.search(rf'<table[^>]*id="ips-table-{name}".*?</table>', html, re.S).group(0)


def test_departements_table_has_every_departement_with_headers(example_html, example_build):
    table = _table(example_html, "departements")
    assert "<caption>Les 101 départements" in table
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert heads[:3] == ["Code", "Département", "Population"] and len(heads) == 8
    rows = re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', table, re.S)
    coverage = {row["code"]: row for row in _coverage(example_build)}
    codes = [code for code, _ in rows]
    assert sorted(codes) == sorted(coverage) and len(codes) == 101
    assert codes[18:22] == ["19", "2A", "2B", "21"]  # in the order people list them
    nord = dict(rows)["59"]
    assert '<th scope="row">Nord</th>' in nord
    # French numbers: a narrow no-break space between thousands, a decimal comma.
    population = int(coverage["59"]["population"])
    assert f"{population:,}".replace(",", "\u202f") in nord
    bdr = dict(rows)["13"]
    assert re.search(r">0,\d\d</td>", bdr) and "Couvert" in bdr


def test_services_table_rows_point_to_the_services_drawn(example_html):
    data = read_page_data(example_html)
    names = data["services"]["columns"]["name"]
    table = _table(example_html, "services")
    rows = re.findall(r'<tr data-i="(\d+)"><th scope="row">([^<]*)</th>', table)
    assert len(rows) == data["services"]["count"] == 6
    assert sorted(int(i) for i, _ in rows) == list(range(6))
    for i, name in rows:
        assert names[int(i)] == name.replace("&#39;", "'").replace("&amp;", "&")
    links = [attrs for tag, attrs in start_tags(table) if tag == "a"]
    assert links and all(a["rel"] == "noopener noreferrer" for a in links)
    assert all(a["href"].startswith(("http://", "https://")) for a in links)


def test_rows_index_the_page_services_table_in_its_order(example_build):
    """_drawn_index makes the order of service_table without its text: the same order, for
    points on the mainland and in the insets, the same place (ties) included."""
    from ips_map.render._services import service_table
    from ips_map.render._tables import _drawn_index
    from ips_map.render.boundaries import drawn_shapes
    from ips_map.territory.data import load_departements

    _, insets = drawn_shapes(load_departements())
    services = example_build.placement.services
    extra = services.iloc[[0, 0, 1]].copy()
    extra["code_departement"] = ["974", "974", "971"]
    extra["geometry"] = gpd.points_from_xy([55.45, 55.45, -61.5], [-21.1, -21.1, 16.2])
    shown = pd.concat([services, extra], ignore_index=True)
    shown["nom"] = [str(k) for k in range(len(shown))]
    drawn = [int(name) for name in service_table(shown, insets).columns.name]
    index = _drawn_index(shown, insets)
    assert [int(k) for k in np.argsort(index)] == drawn


def test_services_table_stops_at_its_limit_and_says_where_the_rest_is(example_build):
    services = example_build.placement.services
    names = {row["code"]: row["nom"] for row in _coverage(example_build)}
    rows, total = service_rows(services, names, {}, limit=4)
    assert (len(rows), total) == (4, 6)
    codes = [row["code"] for row in rows]
    assert codes == sorted(codes)
    html = render_block(
        "tables.html",
        ctx=SimpleNamespace(census_year=2023, image=False, csv_format="francais"),
        summary=example_build.summary,
        n_services=total,
        active_services=total,
        planned_services=0,
        departements=[],
        services=rows,
        services_total=total,
    )
    assert "Les 4 premiers des 6 services" in html
    assert "Les 2 autres services sont dans le" in html
    assert 'href="carte.png"' not in html and 'href="coverage.csv"' in html
    assert MAX_SERVICE_ROWS == 1_000


def test_sentences_and_counts_agree(example_html, example_build):
    summary = example_build.summary
    without = summary["departements_en_projet"] + summary["departements_non_couverts"]
    assert len(summary["non_couverts_par_population"]) == without
    assert f"<h2>Départements sans service actif ({without})</h2>" in example_html
    panel = re.search(r'<aside class="ips-panel".*?</aside>', example_html, re.S).group(0)
    assert re.search(
        rf"Départements sans service actif</dt>\s*<dd><strong>{without}</strong>", panel
    )
    assert f"<strong>{without}</strong> n&#39;ont aucun service actif" in _section(example_html)


def test_page_names_no_internal_file_or_command(example_html):
    text = re.sub(r'<script type="application/json".*?</script>', "", example_html, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", text)
    for word in (
        "rejects.csv",
        "changes.csv",
        "coverage.csv",
        "services.csv",
        "ips-map build",
        "exemple.csv",
        "--services",
    ):
        assert word not in visible, word
    assert "<noscript>" in example_html and 'href="#ips-tables"' in example_html
    # The tests' builds skip the images (conftest: IPS_MAP_IMAGE=0): no link to a missing file.
    assert 'href="carte.png"' not in example_html
    assert re.search(r"content-visibility:\s*auto", example_html)


# --- In the browser -------------------------------------------------------------------------


def _csv(text: str) -> list[list[str]]:
    """A CSV as the published files write it by default (";", decimal commas)."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


@pytest.mark.browser
def test_tables_sort_show_on_the_map_and_download(shared_page, example_build):
    page = shared_page.page
    # Every cell added to a table once it is in the page (the map buttons must be added
    # before: page.js beforeReveal, so that a long table is laid out once).
    page.add_init_script(
        """
        window.__cellsAddedLater = 0;
        new MutationObserver(function (records) {
          records.forEach(function (r) {
            r.addedNodes.forEach(function (n) {
              if (n.nodeName === "TD") window.__cellsAddedLater++;
            });
          });
        }).observe(document, { childList: true, subtree: true });
        """
    )
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    assert page.evaluate("window.__cellsAddedLater") == 0
    for table in ("#ips-table-departements", "#ips-table-services"):
        rows = page.locator(f"{table} tbody tr")
        assert page.locator(f"{table} tbody td.ips-show").count() == rows.count() > 0
        assert page.locator(f"{table} thead th.ips-show-head").count() == 1
    population = page.locator("#ips-table-departements thead th").nth(2)
    population.locator("button").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # again: the other way
    assert population.get_attribute("aria-sort") == "descending"
    # The button's name is the column's; the arrow is hidden from screen readers.
    assert population.locator("button").text_content() == "Population"
    assert population.locator(".ips-sort-arrow").get_attribute("aria-hidden") == "true"
    first = page.locator("#ips-table-departements tbody tr").first
    assert first.get_attribute("data-code") == "59"
    button = first.locator("button.ips-show-button")
    assert button.get_attribute("aria-label") == "Voir sur la carte : Nord"
    button.click()
    assert page.evaluate("() => document.activeElement.id") == "coverage_map"
    page.wait_for_selector(".leaflet-tooltip:has-text('Nord (59)')")
    page.locator("#ips-table-services tbody tr").first.locator("button").click()
    page.wait_for_selector(".leaflet-popup")

    # The département's table as its button makes it (the download itself: below).
    raw = page.evaluate("() => ipsMap.tablesCsv.departements(ipsMap.app.data)").encode()
    assert raw.startswith(b"\xef\xbb\xbf")
    ours = _csv(raw.decode("utf-8"))
    published = {row["code"]: row for row in _coverage(example_build)}
    header = ours[0]
    assert header == [c for c in COVERAGE_COLUMNS if c in header]
    assert len(ours) == 102
    for row in ours[1:]:
        record = dict(zip(header, row))
        expected = published[record["code"]]
        for name in ("code", "nom", "population", "services_actifs", "statut"):
            assert record[name] == expected[name], name
        assert float(record["services_pour_100k"].replace(",", ".")) == pytest.approx(
            float(expected["services_pour_100k"].replace(",", "."))
        )
    with page.expect_download() as info:
        page.get_by_role("button", name="Tableau des services (CSV, depuis la page)").click()
    assert info.value.suggested_filename == "services.csv"
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    services = _csv(raw.decode("utf-8"))
    assert services[0][:4] == ["nom", "structure", "type", "statut"] and len(services) == 7
    # Text a spreadsheet would run is written as the published files write it.
    hostile = page.evaluate(
        """() => ipsMap.tablesCsv.services({count: 1, get: (name) =>
               name === "name" ? "=HYPERLINK(1)" : name === "source" ? "-1.5" : 'a "b", c'})"""
    )
    row = _csv(hostile)[1]
    assert row[0] == "'=HYPERLINK(1)" and row[1] == 'a "b", c' and row[8] == "-1.5"
    assert shared_page.errors == []


@pytest.mark.browser
def test_tables_are_read_without_javascript(browser, example_build, hostile_build):
    """Without JavaScript the tables and the panel's list of départements without a service
    (kept in <noscript> until the map is drawn) show as they are; a listing's text never
    closes that <noscript> early."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    expect(page.locator("#ips-table-departements tbody tr")).to_have_count(101)
    expect(page.locator("#ips-table-services caption")).to_be_visible()
    uncovered = example_build.summary["non_couverts_par_population"]
    expect(page.locator(".ips-uncovered li")).to_have_count(len(uncovered))
    context.close()
    html = Path(hostile_build.outputs["map"]).read_text(encoding="utf-8")
    deferred = re.findall(r'<noscript class="ips-deferred">(.*?)</noscript>', html, re.S)
    # The panel's list, its access figures and « Méthode », the access legends, the two tables.
    assert len(deferred) == 6
    for markup in deferred:
        assert "<noscript" not in markup and "<script" not in markup.lower()
