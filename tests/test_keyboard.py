"""The map with the keyboard only, and what a screen reader reads of it (RGAA 4.1).

One page is walked with Tab, Enter, Space and Escape, as a keyboard user would: skip links
(RGAA 12.7), the map's controls before the départements (12.8, 7.3), each département a
named button in alphabetical order whose name is its tooltip's text (1.1, 1.3), the services
reachable from a list (7.3), a visible focus on every stop (10.7), French names for the
controls (8.7), tables with captions and headers when the page has tables (5.x).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ips_map.render._elements import Page

TOOLTIP = ".leaflet-tooltip:not(.ips-frame-label)"
#: What has the focus: its tag, accessible name (label or text), id, and whether the focus
#: is visible (an outline of 2 px or more, or the outline drawn around a département).
JS_FOCUSED = """() => {
    const e = document.activeElement, style = getComputedStyle(e);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    const ring = e.matches('path.ips-dep') && !!document.querySelector('path.ips-focus-ring');
    const box = e.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), id: e.id, role: e.getAttribute('role'),
            name: e.getAttribute('aria-label')
                  || (e.textContent || '').trim().replace(/\\s+/g, ' '),
            visible: outlined || ring, width: box.width, height: box.height};
}"""
#: The départements' paths in their Tab order (the page's order), with their names.
JS_DEPARTEMENTS = """() => Array.from(document.querySelectorAll('path.ips-dep[tabindex="0"]'),
    p => [p.getAttribute('role'), p.getAttribute('aria-label')])"""
#: The tooltip's text as a line: title, then its rows.
JS_TOOLTIP_PARTS = """(sel) => { const t = document.querySelector(sel);
    return [t.querySelector('strong').textContent,
            ...Array.from(t.querySelectorAll('.ips-row'), r => r.textContent)]; }"""


@pytest.fixture(scope="module")
def keyboard_page(browser, example_build):
    """The example map in a fresh context, once the keyboard layer is in place."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("[data-ips-keyboard='1']", state="attached")
    # Every feature in place (région borders, hatching: drawn after the keyboard's).
    page.wait_for_selector("html[data-ips-features='1']", state="attached")
    yield page
    assert errors == []
    context.close()


def tab(page, times: int = 1) -> dict:
    for _ in range(times):
        page.keyboard.press("Tab")
    return page.evaluate(JS_FOCUSED)


@pytest.mark.browser
def test_keyboard_walk_reaches_controls_departements_and_services(keyboard_page):
    page = keyboard_page
    # 12.7: the first stop is the skip link to the map, visible once focused.
    first = tab(page)
    assert (first["tag"], first["name"]) == ("a", "Aller à la carte")
    assert first["visible"] and first["width"] > 20 and first["height"] > 10
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "coverage_map"
    # 12.8: the map's controls come before its 101 départements, in French.
    stops = [tab(page)]
    while stops[-1]["name"] != "Légende" and len(stops) < 12:
        stops.append(tab(page))
    names = [stop["name"] for stop in stops]
    assert names[:2] == ["Zoom avant", "Zoom arrière"]
    assert names[2].startswith("Services de la carte")
    assert "Légende" in names
    layer_stops = [stop for stop in stops if stop["tag"] == "input"]
    assert layer_stops, names
    # 10.7: every stop shows its focus.
    assert all(stop["visible"] for stop in [first, *stops]), stops
    departements = page.evaluate(JS_DEPARTEMENTS)
    assert len(departements) == 101
    assert {role for role, _ in departements} == {"button"}
    titles = [re.match(r"(.+) \((\w+)\) : ", label).group(1) for _, label in departements]
    key = page.evaluate("(names) => names.slice().sort(new Intl.Collator('fr').compare)", titles)
    assert titles == key  # alphabetical
    # Tab goes on to the départements, in that order; focus opens the tooltip.
    stop = tab(page)
    assert stop["name"] == departements[0][1] and stop["visible"]
    expect(page.locator(TOOLTIP)).to_have_count(1)
    parts = page.evaluate(JS_TOOLTIP_PARTS, TOOLTIP)
    assert stop["name"].startswith(parts[0] + " : ")
    assert all(part in stop["name"] for part in parts[1:])
    # Described by the keys' help, not by the tooltip again (its text is the name).
    expect(page.locator("path.ips-dep:focus")).to_have_attribute("aria-describedby", "ips-kbd-help")
    expect(page.locator("#ips-kbd-help")).to_contain_text("Entrée")
    assert tab(page)["name"] == departements[1][1]
    second = page.locator(TOOLTIP, has_text=titles[1] + " (")
    # Enter frames the département, Escape goes back to the view before.
    zoom = page.evaluate("ipsMap.app.map.getZoom()")
    page.keyboard.press("Enter")
    assert page.evaluate("ipsMap.app.map.getZoom()") > zoom
    expect(second).to_be_visible()
    page.keyboard.press("Escape")
    assert page.evaluate("ipsMap.app.map.getZoom()") == zoom
    # Shift+Tab back to the services' list: open it, reach a service, open its fiche.
    summary = page.locator("details.ips-kbd-services summary")
    summary.focus()
    page.keyboard.press("Enter")
    buttons = page.locator("details.ips-kbd-services button")
    count = page.evaluate("ipsMap.services.count")
    expect(buttons).to_have_count(count)
    button = tab(page)
    assert button["tag"] == "button" and button["visible"]
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    assert page.evaluate("document.activeElement.classList.contains('leaflet-popup-content')")
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute(
        "aria-label", "Fermer la fiche"
    )
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    assert page.evaluate(JS_FOCUSED)["name"] == button["name"]


@pytest.mark.browser
def test_accessibility_tree_names_the_map(keyboard_page):
    tree = keyboard_page.locator("#coverage_map").aria_snapshot()
    for line in (
        'button "Zoom avant"',
        'button "Zoom arrière"',
        'group "Couches de la carte"',
        'group "Départements, par ordre alphabétique"',
    ):
        assert line in tree, tree[:2000]
    assert "Zoom in" not in tree and "Layers" not in tree
    # 1.1: the départements are named with their figures; nothing graphic without a name.
    assert re.search(r'button "Loiret \(45\) : Statut : [^"]+; Services actifs : \d', tree)
    assert not re.search(r"^\s*- (img|graphics-symbol|button)\s*$", tree, re.M), tree
    assert keyboard_page.evaluate(
        "Array.from(document.querySelectorAll('#coverage_map svg path:not(.ips-dep),"
        " #coverage_map canvas')).every(n => n.getAttribute('aria-hidden') === 'true')"
    )


@pytest.mark.browser
def test_skip_links_images_and_tables_follow_rgaa(keyboard_page):
    page = keyboard_page
    # 12.7: every skip link has its target in the page.
    targets = page.eval_on_selector_all(
        ".ips-skip a", "links => links.map(a => a.hash && !!document.querySelector(a.hash))"
    )
    assert targets and all(targets)
    has_tables = page.evaluate("!!document.getElementById('ips-tables')")
    assert page.locator(".ips-skip a[href='#ips-tables']").count() == (1 if has_tables else 0)
    # 1.1: every image has a text alternative (or is marked as decoration).
    assert page.evaluate(
        "Array.from(document.images).every(i => i.hasAttribute('alt'))"
        " && Array.from(document.querySelectorAll('svg')).every(s =>"
        " s.getAttribute('aria-label') || s.getAttribute('aria-hidden') === 'true'"
        " || !s.querySelector('path:not([aria-hidden])'))"
    )
    # 5.x, for the tables the page has (none yet, or the tables of the text equivalent):
    # a caption, header cells with a scope, each data cell under a header.
    problems = page.evaluate(
        """() => Array.from(document.querySelectorAll('table')).flatMap((t, k) => {
            const out = [];
            if (!t.caption || !t.caption.textContent.trim()) out.push(k + ': no caption');
            const heads = t.querySelectorAll('th');
            if (!heads.length) out.push(k + ': no header cell');
            heads.forEach(h => { if (!['col', 'row', 'colgroup', 'rowgroup'].includes(h.scope)
                                    && !h.id) out.push(k + ': th without scope'); });
            return out; })"""
    )
    assert problems == []


def test_skip_link_to_the_tables_only_when_the_page_has_them():
    bare = Page(title="Carte")
    assert '<a href="#coverage_map">Aller à la carte</a>' in bare.render()
    assert "#ips-tables" not in bare.render()
    with_tables = Page(title="Carte")
    with_tables.add_body("tables", '<section id="ips-tables"><h2>Tableaux</h2></section>')
    html = with_tables.render()
    assert '<a href="#ips-tables">Aller aux tableaux</a>' in html
    assert html.index('class="ips-skip"') < html.index('id="ips-tables"')


@pytest.mark.browser
def test_layer_switch_comes_early_from_the_top_of_the_page(shared_page, example_build):
    """From the top of the page, Tab reaches the layer switch and the legend within a few
    stops: before the 101 départements and before the tables under the map (their sort and
    "Voir sur la carte" buttons), which follow the map in the page's order."""
    page = shared_page.page
    page.goto(Path(example_build.outputs["map"]).resolve().as_uri())
    page.wait_for_selector("[data-ips-keyboard='1']", state="attached")
    names, where = [], []
    for _ in range(25):
        stop = tab(page)
        names.append(stop["name"])
        where.append(page.evaluate("() => !!document.activeElement.closest('#ips-tables')"))
        if stop["name"] == "Légende":
            break
    assert names[-1] == "Légende", names
    assert not any(where), names
    assert len(names) <= 15, names
