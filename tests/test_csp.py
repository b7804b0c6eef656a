"""Safe to host: the page's Content-Security-Policy, links, description and icon.

The policy allows the page's own inline scripts and styles by their hashes, scripts beside
the page ('self', for the communes' search index) and data:/blob: images, nothing else. It is
checked in the page's bytes and in Chromium, from a file and from a local web server: Leaflet
and the page's scripts run, a sidecar script loads, and no violation is reported.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest

from ips_map.pipeline import build
from ips_map.render._csp import policy, source_hash
from ips_map.settings import BuildSettings

SIDECAR = "communes-recherche.js"
JS_VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));"""

JS_FOREIGN_SCRIPT = """() => { const s = document.createElement('script');
    s.textContent = 'window.foreign = 1;'; document.body.appendChild(s); }"""


@pytest.fixture(scope="module")
def example_html(example_build) -> str:
    return Path(example_build.outputs["map"]).read_text(encoding="utf-8")


def meta_policy(page: str) -> str:
    found = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert len(found) == 1
    return found[0]


def test_policy_allows_only_the_pages_own_scripts_and_styles(example_html):
    rules = dict(rule.split(" ", 1) for rule in meta_policy(example_html).split("; "))
    assert rules["default-src"] == "'none'"
    assert rules["img-src"] == "data: blob:"
    assert set(rules) == {
        "default-src",
        "script-src",
        "style-src",
        "img-src",
        "base-uri",
        "form-action",
    }
    assert "'unsafe-inline'" not in meta_policy(example_html)
    assert "'unsafe-eval'" not in meta_policy(example_html)
    # One hash per inline script that runs (the JSON data is not run) and per style.
    head, _, rest = example_html.partition('<meta http-equiv="Content-Security-Policy"')
    scripts = re.findall(r'<script type="module">(.*?)</script>', rest, re.S)
    styles = re.findall(r"<style>(.*?)</style>", rest, re.S)
    assert len(scripts) >= 3 and len(styles) >= 3
    assert rules["script-src"].split() == ["'self'", *dict.fromkeys(map(source_hash, scripts))]
    assert set(map(source_hash, styles)) <= set(rules["style-src"].split())
    # The policy comes before every script and style.
    assert "<script" not in head and "<style" not in head
    # Another script, or a changed one, is not allowed.
    assert source_hash(scripts[-1] + " ") not in rules["script-src"]


def test_policy_hashes_a_style_attribute_and_skips_scripts_not_run():
    page = (
        '<script src="a.js"></script><script type="application/json">{}</script>'
        '<script>run()</script><style>p{}</style><span style="color:#111"></span>'
    )
    rules = policy(page)
    assert f"script-src 'self' {source_hash('run()')};" in rules
    assert f"style-src {source_hash('p{}')} 'unsafe-hashes' {source_hash('color:#111')};" in rules


@pytest.mark.parametrize("quote", ['"', "'", ""], ids=["double", "single", "none"])
def test_policy_hashes_module_and_javascript_scripts_however_their_type_is_quoted(quote):
    page = (
        f"<script type={quote}module{quote}>a()</script>"
        f"<script type={quote}text/javascript{quote}>b()</script>"
        f"<script type={quote}modules{quote}>c()</script>"
        f"<script type={quote}text/plain{quote}>d()</script>"
    )
    assert policy(page).split("; ")[1] == (
        f"script-src 'self' {source_hash('a()')} {source_hash('b()')}"
    )


def test_links_description_and_icon(example_html):
    # The links of the page's HTML (the scripts' links are checked in the browser).
    markup = re.sub(r"<script[^>]*>.*?</script>", "", example_html, flags=re.S)
    for tag in re.findall(r"<a\s[^>]*>", markup):
        if re.search(r'href="(https?:)?//', tag):
            assert re.search(r'rel="noopener noreferrer"', tag), tag
    description = re.search(r'<meta name="description" content="([^"]+)">', example_html)
    assert description and "IPS" in description.group(1)
    icons = re.findall(r'<link rel="icon" href="([^"]+)">', example_html)
    assert len(icons) == 1 and icons[0].startswith("data:image/svg+xml,")


def test_two_builds_of_the_same_inputs_are_byte_identical(example_build, tmp_path):
    again = build(BuildSettings(out=tmp_path, build_date="2026-01-01"))
    for name in ("map", "summary"):
        first = Path(example_build.outputs[name]).read_bytes()
        assert Path(again.outputs[name]).read_bytes() == first, name


@pytest.fixture(scope="module")
def hosted(example_build, tmp_path_factory):
    """The example page beside a sidecar script that it loads with ``<script src>``."""
    folder = tmp_path_factory.mktemp("hosted")
    page = Path(example_build.outputs["map"]).read_text(encoding="utf-8")
    tag = f'<script src="{SIDECAR}"></script>\n</body>'
    (folder / "index.html").write_text(page.replace("</body>", tag, 1), encoding="utf-8")
    (folder / SIDECAR).write_text("window.ipsSidecar = 'chargé';\n", encoding="utf-8")
    shutil.copystat(example_build.outputs["map"], folder / "index.html")
    return folder


@pytest.fixture(scope="module")
def server(hosted):
    """A local web server of the hosted folder; its address, and the paths asked with status."""
    asked: list[tuple[str, int]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            asked.append((self.path, int(code)))

    handler = functools.partial(Handler, directory=str(hosted))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/", asked
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
@pytest.mark.parametrize("where", ["file", "http"])
def test_page_runs_under_its_policy(shared_page, hosted, server, where):
    url = (hosted / "index.html").as_uri() if where == "file" else server[0] + "index.html"
    page = shared_page.page
    page.add_init_script(JS_VIOLATIONS)
    page.goto(url)
    page.wait_for_selector("[data-ips-keyboard='1']", state="attached")
    if where == "file":  # the same scripts run from either place: made once
        # What the scripts make after the first draw: a view change, a tooltip, a fiche.
        page.get_by_label("Services pour 100 000 hab.", exact=True).check()
        page.evaluate("ipsMap.app.showDepartement('45')")
        page.evaluate("ipsMap.app.showService(0)")
        page.wait_for_selector(".leaflet-popup-content")
        for link in page.locator(".leaflet-popup-content a").all():
            assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.evaluate("window.ipsSidecar") == "chargé"
    assert page.evaluate("window.__csp") == []
    assert [text for kind, text in shared_page.console if kind == "error"] == []
    assert shared_page.errors == []
    # The listener hears a violation: a script the page did not ship is refused.
    page.evaluate(JS_FOREIGN_SCRIPT)
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__csp")[0].startswith("script-src")
    assert page.evaluate("window.foreign") is None
    if where == "http":
        asked = server[1]
        assert ("/index.html", 200) in asked and (f"/{SIDECAR}", 200) in asked
        assert all(code == 200 for _, code in asked), asked  # no favicon.ico, no 404


def test_the_policy_reads_tags_and_attributes_in_any_case_and_nothing_unclosed():
    page = (
        "<SCRIPT type=module>a()</Script><script type=application/json>{}</script>"
        '<p STYLE="color:red"\tstyle=\'a&amp;b\' data-style="not">é'
        "<Style media=print>p{}</STYLE><script>never closed"
    )
    rules = dict(rule.split(" ", 1) for rule in policy(page).split("; "))
    assert rules["script-src"] == f"'self' {source_hash('a()')}"
    expected_styles = [source_hash("p{}"), "'unsafe-hashes'"]
    expected_styles += [source_hash("color:red"), source_hash("a&b")]
    assert rules["style-src"] == " ".join(expected_styles)
