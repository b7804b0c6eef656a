"""The page's Folium and branca elements: the page, the map, its panes, the script start,
and the pieces of HTML rendered once by the project's own templates (see the package
docstring for why those never go through Folium's templates)."""

from __future__ import annotations

import contextlib
import json
import re

import folium
import jinja2
from branca.element import Element, Figure, MacroElement
from folium.map import CustomPane
from folium.template import Template

from ips_map.render._assets import leaflet_css, leaflet_js, page_scripts, page_style
from ips_map.render._csp import PLACEHOLDER, with_policy
from ips_map.settings import default_cache_dir
from ips_map.vocabulary import plural, thousands


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """The templates compiled once, kept in the user's cache (``templates/`` of
    :func:`~ips_map.settings.default_cache_dir`, read when a template is loaded): compiling
    them took 0.17 s of each build. Jinja keys each file by the template's name and checks
    its source's checksum, so an edited template is compiled again; a file that cannot be
    read or written is only a cache missed."""

    def __init__(self):
        super().__init__(directory=".")

    def _get_cache_filename(self, bucket: jinja2.bccache.Bucket) -> str:
        folder = default_cache_dir() / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / (self.pattern % bucket.key))

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (its checksum unpickled, its code unmarshalled)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        # A cache that cannot be written: the next build compiles again.
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


class _IndentLoader(jinja2.PackageLoader):
    """The package's templates without the indentation of their lines: markup whose spaces
    at the start of a line the page renders as one space anyway (no template holds a
    ``<pre>``), 2 KB of the page. Only the templates' own text loses it, never a value."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        # After a line that ends with a block or comment tag, one space is kept: trim_blocks
        # takes that line break, and the indentation is then the only space between words.
        source = re.sub(r"(?<=[%#]\})\n[ \t]+", "\n ", source)
        return re.sub(r"(?<![%#]\})\n[ \t]+", "\n", source), filename, uptodate


_ENV = jinja2.Environment(
    loader=_IndentLoader("ips_map.render", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    bytecode_cache=_TemplateCache(),
)


#: The page's summary for search engines and link previews.
DESCRIPTION = (
    "Carte des services IPS (Individual Placement and Support, emploi accompagné) par "
    "département français : départements couverts, en projet ou sans service actif, "
    "services pour 100\u00a0000 habitants."
)
#: The page's icon, inline (no request, no 404): a white point on the "couvert" blue.
FAVICON = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
    "%3Crect width='16' height='16' rx='3' fill='%232c7bb6'/%3E"
    "%3Ccircle cx='8' cy='8' r='3.5' fill='%23fff'/%3E%3C/svg%3E"
)
#: How every script of the page opens: a module script, which the browser runs after the
#: page is parsed, each in a task of its own (classic inline scripts run inside the parsing
#: task, Leaflet's and ours one after the other: a long task of 230 ms on a phone, CPU 4×),
#: in the order of the page, before DOMContentLoaded.
SCRIPT = '<script type="module">'
#: Id of the section of the page's tables: the skip link to it shows when the page has it.
TABLES_ID = "ips-tables"


def _format_float(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _format_pct(value) -> str:
    return _format_float(100 * value, 1) + "\u00a0%"


_ENV.filters["int_fr"] = thousands
_ENV.filters["float_fr"] = _format_float
_ENV.filters["pct_fr"] = _format_pct
_ENV.filters["plural"] = plural  # {{ n|plural("ligne lue", "lignes lues") }}: "1 ligne lue"


def render_block(template_name: str, **values) -> str:
    """Render one of the package's templates once, every value autoescaped."""
    return _ENV.get_template(template_name).render(**values)


def json_for_script(data) -> str:
    """Serialise data as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


class RawHtml(Element):
    """A piece of HTML inserted as is: its ``render`` returns the text, never a template."""

    def __init__(self, html: str):
        super().__init__()
        self.text = html

    def render(self, **kwargs) -> str:
        return self.text


class Page(Figure):
    """The page: valid HTML (the map script inside ``<body>``), French, zoomable."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        f"{PLACEHOLDER}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "{% if this.title %}<title>{{ this.title|e }}</title>{% endif %}\n"
        '<meta name="description" content="{{ this.description|e }}">\n'
        f'<link rel="icon" href="{FAVICON}">\n'
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{% set body = this.html.render(**kwargs) ~ this.after_map|join('') %}"
        '<nav class="ips-skip" aria-label="Accès rapide">'
        '<a href="#{{ this.map_id }}">Aller à la carte</a>'
        "{% if ('id=\"' ~ this.tables_id ~ '\"') in body %}"
        ' <a href="#{{ this.tables_id }}">Aller aux tableaux</a>{% endif %}'
        "</nav>\n"
        "{{ body }}\n"
        "{{ this.end_scripts|join('\\n') }}\n"
        # A module script, as every script of the page (see SCRIPT): its variables are its
        # own, so the map is named on window, where the page's tests and benchmark find it.
        f"{SCRIPT}\n"
        "{{ this.script.render(**kwargs) }}\n"
        "window.{{ this.map_id }} = {{ this.map_id }};\n"
        "</script>\n"
        "</body>\n"
        "</html>\n"
    )

    def __init__(self, title: str, description: str = DESCRIPTION, map_id: str = "coverage_map"):
        super().__init__(title=title)
        self.description = description
        self.map_id = map_id
        self.tables_id = TABLES_ID
        # Figure starts its header with a content-type meta named "meta_http"; the template
        # above declares the charset instead, and a child added under that name replaces it.
        self.header.add_child(RawHtml(""), name="meta_http")
        # What follows the map in the page's order (and so in the Tab order): the tables and
        # the footer, as HTML. Folium renders the map's element last into ``html``.
        self.after_map: list[str] = []
        # The scripts, Leaflet's first, at the end of the body: the page is parsed (and can
        # be laid out) before they are read.
        self.end_scripts: list[str] = []

    def render(self, **kwargs) -> str:
        """The whole page, with the Content-Security-Policy of its final bytes."""
        return with_policy(super().render(**kwargs))

    def add_head(self, name: str, html: str) -> None:
        """Add a piece of HTML (a style, a script) to the page's head."""
        self.header.add_child(RawHtml(html), name=name)

    def add_body(self, name: str, html: str, after_map: bool = False) -> None:
        """Add a piece of HTML to the page's body, before the map (or after it)."""
        if after_map:
            self.after_map.append(html)
        else:
            self.html.add_child(RawHtml(html), name=name)


class BareMap(folium.Map):
    """A folium Map that loads nothing from a CDN and lets the reader zoom the page.

    Leaflet is inlined by :func:`add_assets`; jQuery, Bootstrap and Font Awesome are not
    used by this page. The scale is metric only; the zoom buttons are titled in French.
    """

    default_js: list = []
    default_css: list = []

    # Written without indentation: the page carries these lines as they are.
    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>#{{ this.get_name() }}{position:relative}
.leaflet-container{font-size:{{ this.font_size }}}</style>
{% endmacro %}

{% macro html(this, kwargs) %}
<div class="folium-map" id={{ this.get_name()|tojson }} role="main"
aria-label="Carte de la couverture par département"></div>
{% endmacro %}

{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
crs: L.CRS.{{ this.crs }},
...{{ this.options|tojavascript }}
});
{%- if this.french_zoom %}
L.control.zoom({zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière"})
.addTo({{ this.get_name() }});
{%- endif %}
{%- if this.control_scale %}
L.control.scale({imperial: false}).addTo({{ this.get_name() }});
{%- endif %}
{% endmacro %}
"""
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # No view at creation: setting one would lay the page out inside this script, before
        # the first frame; the page's script sets the view after it (page.js, fitView).
        self.options.pop("zoom", None)
        # Leaflet's own zoom buttons say "Zoom in"/"Zoom out": the page adds them in French.
        self.french_zoom = self.options.get("zoom_control", True) is not False
        self.options["zoom_control"] = False

    def get_name(self) -> str:
        """The map's fixed name (element id and script variable): reproducible bytes."""
        return MAP_NAME


#: The map's element id and script variable (:meth:`BareMap.get_name`).
MAP_NAME = "coverage_map"


class Pane(CustomPane):
    """A Leaflet pane of the map, under a fixed name (see :class:`CustomPane`), its script
    written without indentation."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = {{ this.map_name }}.createPane({{ this.name|tojson }});
{{ this.get_name() }}.style.zIndex = {{ this.z_index|tojson }};
{%- if not this.pointer_events %}
{{ this.get_name() }}.style.pointerEvents = 'none';
{%- endif %}
{% endmacro %}
"""
    )
    #: The map the pane is made in (the page has one).
    map_name = MAP_NAME

    def get_name(self) -> str:
        return "pane_" + self.name.replace("-", "_")


class MapApp(MacroElement):
    """Starts the page's script on the map once Leaflet is ready, with the page's data."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
ipsMap.init({{ this.map.get_name() }}, {{ this.data_id|tojson }});
{% endmacro %}
"""
    )

    def __init__(self, fmap: folium.Map, data_id: str):
        super().__init__()
        self.map = fmap
        self.data_id = data_id

    def get_name(self) -> str:
        return "map_app"


def add_assets(page: Page) -> None:
    """Inline Leaflet's and the project's styles into the page's head, Leaflet and the
    project's scripts at the end of its body (before the map's own script, which starts
    them)."""
    page.add_head("leaflet_css", f"<style>{leaflet_css()}</style>")
    page.add_head("app_css", f"<style>{page_style()}</style>")
    # Leaflet first of the scripts at the end of the body, not in the head: module scripts
    # all run once the page is parsed, in their order, so nothing runs sooner in the head;
    # there, its 147 KB (leaflet.js then) were read and compiled in the first parsing task, before
    # the body could be laid out (CPU 4×, 36 alternate loads in three runs: median blocking
    # 40, 40 and 27 ms lower, lower in 24 of the 36 pairs; time to drawn the same).
    page.end_scripts.append(f"{SCRIPT}{leaflet_js()}</script>")
    page.end_scripts.extend(f"{SCRIPT}{script}</script>" for script in page_scripts())
