"""A map built with --previous, in headless Chromium: the "Évolution" section, the
"Évolutions" layer and its legend, the previous status in the tooltips, offline and quiet."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import test_browser
from tests.test_browser import TOOLTIP
from tests.test_editions import EXPECTED_STATUS, OLD_DATE, OLD_LISTING_NAME

pytestmark = pytest.mark.browser

# The page-opening fixture of the main browser tests (one Chromium per session).
open_map = test_browser.open_map

ROOT = Path(__file__).resolve().parent.parent
CHANGED = "path.ips-changed"


def _spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_evolution_section_and_layer_are_shown(open_map, editions):
    view = open_map(editions.new / "index.html")
    page = view.page
    section = page.locator("section.ips-evolution")
    expect(section).to_be_visible()
    expect(section.locator("h2")).to_have_text("Évolution")
    expect(section).to_contain_text(f"Depuis l'édition du {OLD_DATE}")
    # The previous listing by its date; its file name is not printed.
    expect(section).to_contain_text("liste du 1er décembre 2024")
    expect(section).not_to_contain_text(OLD_LISTING_NAME)
    counts = editions.result.comparison.counts
    kpis = {
        "Départements nouvellement couverts": counts["departements_nouvellement_couverts"],
        "Départements qui ne sont plus couverts": counts["departements_plus_couverts"],
        "Départements dont le statut a changé": counts["departements_statut_modifie"],
        "Services ajoutés": counts["services_ajoutes"],
        "Services fermés": counts["services_fermes"],
        "Services déplacés": counts["services_deplaces"],
        "Départements au taux modifié par la seule population": counts["taux_population_modifies"],
    }
    for label, value in kpis.items():
        item = section.locator(".ips-kpi div", has_text=label)
        expect(item.locator("dd")).to_have_text(str(value))
    statuses = section.locator(".ips-changes:not(.ips-service-changes) li")
    expect(statuses).to_have_count(len(EXPECTED_STATUS))
    expect(statuses.first).to_contain_text("Bouches-du-Rhône (13) : couvert → non couvert")
    expect(statuses.nth(2)).to_have_text("Gironde (33) : non couvert → couvert")
    # The services by name, as text: a name that looks like HTML or a template stays text.
    names = section.locator(".ips-service-changes .ips-name")
    assert names.all_text_contents() == [
        "Service Bordeaux {{ 7*7 }} <b>",
        "Service Lyon Est",
        "PLATEFORME COTE D'OR",
        "Service Marseille",
        "Service Lille",
    ]
    expect(section.locator("[data-kind=service_deplace] li")).to_have_text(
        "PLATEFORME COTE D'OR : de Dijon à Chenôve (21)"
    )
    assert section.locator("i").count() == 0 and section.locator("b").count() == 0

    # One outline per changed département, solid towards coverage, dashed away from it.
    expect(page.locator(CHANGED)).to_have_count(len(EXPECTED_STATUS))
    for code, (before, after) in EXPECTED_STATUS.items():
        outline = page.locator(f"path.ips-changed-{code}")
        expect(outline).to_have_count(1)
        gain = after == "couvert" or (before, after) == ("non_couvert", "en_projet")
        assert ("ips-changed-gain" if gain else "ips-changed-loss") in outline.get_attribute(
            "class"
        )
        assert (outline.get_attribute("stroke-dasharray") is None) == gain
    assert page.evaluate("ipsMap.state.changes") == len(EXPECTED_STATUS)
    # The outlines reuse the départements' shapes: as many points, no geometry added.
    same = page.evaluate(
        """() => {
            const d = document.querySelector('path.ips-dep-33').getAttribute('d');
            const c = document.querySelector('path.ips-changed-33').getAttribute('d');
            return d === c;
        }"""
    )
    assert same
    expect(page.locator("#legend-changes")).to_be_visible()
    expect(page.locator("#legend-changes")).to_contain_text(f"Évolutions depuis le {OLD_DATE}")
    view.assert_quiet()


def test_changes_layer_toggles_its_legend(open_map, editions):
    view = open_map(editions.new / "index.html")
    page = view.page
    toggle = page.get_by_label("Évolutions", exact=True)
    expect(toggle).to_be_checked()
    toggle.uncheck()
    expect(page.locator("#legend-changes")).to_be_hidden()
    expect(page.locator(CHANGED)).to_have_count(0)
    expect(page.locator("#legend-status")).to_be_visible()
    toggle.check()
    expect(page.locator("#legend-changes")).to_be_visible()
    expect(page.locator(CHANGED)).to_have_count(len(EXPECTED_STATUS))
    # Switching the base layer leaves the overlay and its legend alone.
    page.get_by_label("Services pour 100 000 hab.", exact=True).check()
    expect(page.locator("#legend-changes")).to_be_visible()
    expect(page.locator(CHANGED)).to_have_count(len(EXPECTED_STATUS))
    view.assert_quiet()


def test_changed_departement_tooltip_says_what_it_was(open_map, editions):
    view = open_map(editions.new / "index.html")
    page = view.page
    # Hovering goes through the outlines' pane to the département below.
    view.hover_departement("33")
    tooltip = page.locator(TOOLTIP)
    expect(tooltip).to_be_visible()
    text = _spaces(tooltip.inner_text())
    assert "Gironde (33)" in text
    assert f"Avant : Non couvert (édition du {OLD_DATE})" in text
    assert "Statut : Couvert" in text
    assert "Taux avant : 0 (population 2022)" in text

    view.hover_departement("59")
    # The previous tooltip may take a moment to go.
    expect(page.locator(TOOLTIP, has_text="Nord (59)")).to_be_visible()
    expect(tooltip).to_have_count(1)
    assert f"Avant : Couvert (édition du {OLD_DATE})" in _spaces(tooltip.inner_text())

    # A département whose status did not change says nothing of the sort.
    view.hover_departement("29")
    expect(page.locator(TOOLTIP, has_text="Finistère (29)")).to_be_visible()
    expect(tooltip).to_have_count(1)
    assert "Avant" not in tooltip.inner_text()
    view.assert_quiet()


def test_map_without_previous_has_no_changes_layer(open_map, example_build):
    view = open_map(example_build.outputs["map"])
    page = view.page
    expect(page.locator("section.ips-evolution")).to_have_count(0)
    expect(page.get_by_label("Évolutions", exact=True)).to_have_count(0)
    expect(page.locator("#legend-changes")).to_have_count(0)
    expect(page.locator(CHANGED)).to_have_count(0)
    view.assert_quiet()


def test_screenshot_of_a_compared_map(open_map, editions):
    view = open_map(editions.new / "index.html")
    target = ROOT / "build" / "screenshot-evolution.png"
    target.parent.mkdir(exist_ok=True)
    view.hover_departement("33")
    expect(view.page.locator(TOOLTIP)).to_be_visible()
    view.page.screenshot(path=str(target), full_page=False)
    assert target.stat().st_size > 10_000
    view.assert_quiet()
