"""Folium/branca elements of the page.

Branca renders a ``MacroElement``'s macros, then parses their *output* again as a Jinja
template (``Element(output)``). Text from a listing must never go through that second pass
(``{{ 7*7 }}`` would become ``49``, ``{% ... %}`` would crash or run code). So everything
that carries data is rendered once, by :func:`render_block` with autoescaping, and added as a
:class:`RawHtml` element whose output is inserted verbatim.
"""

from __future__ import annotations

import json

import folium
import jinja2
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from ips_map.render._assets import leaflet_css, leaflet_js, static_text

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ips_map.render", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def _format_int(value) -> str:
    # French thousands separator: narrow no-break space.
    return f"{int(value):,}".replace(",", "\u202f")


def _format_float(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _format_pct(value) -> str:
    return _format_float(100 * value, 1) + "\u00a0%"


_ENV.filters["int_fr"] = _format_int
_ENV.filters["float_fr"] = _format_float
_ENV.filters["pct_fr"] = _format_pct


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
    """A piece of HTML inserted as is: never parsed as a template."""

    def __init__(self, html: str, name: str = "RawHtml"):
        super().__init__()
        self._name = name
        self._html = html

    def render(self, **kwargs) -> str:
        return self._html


class Page(Figure):
    """The page: valid HTML (the map script inside ``<body>``), French, zoomable."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="fr">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "{% if this.title %}<title>{{ this.title|e }}</title>{% endif %}\n"
        "{{ this.header.render(**kwargs) }}\n"
        "</head>\n"
        "<body>\n"
        "{{ this.html.render(**kwargs) }}\n"
        "<script>\n"
        "{{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</body>\n"
        "</html>\n"
    )

    def __init__(self, title: str):
        super().__init__(title=title)
        # Figure adds a content-type meta; the template above has <meta charset> instead.
        self.header._children.pop("meta_http", None)


class BareMap(folium.Map):
    """A folium Map that loads nothing from a CDN and lets the reader zoom the page.

    Leaflet is inlined by :func:`add_assets`; jQuery, Bootstrap and Font Awesome are not
    used by this page.
    """

    default_js: list = []
    default_css: list = []

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} { position: relative; }
                .leaflet-container { font-size: {{ this.font_size }}; }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}
                 role="main" aria-label="Carte de la couverture par département"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )


class MapApp(MacroElement):
    """Starts the page's script (``static/app.js``) on the map once Leaflet is ready."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            ipsMap.init({{ this._parent.get_name() }}, "ips-data");
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "MapApp"


def add_assets(page: Page) -> None:
    """Inline Leaflet and the project's script and style into the page's head."""
    page.header.add_child(
        RawHtml(f"<style>{leaflet_css()}</style>", "LeafletCss"), name="leaflet_css"
    )
    page.header.add_child(
        RawHtml(f"<script>{leaflet_js()}</script>", "LeafletJs"), name="leaflet_js"
    )
    page.header.add_child(
        RawHtml(f"<style>{static_text('app.css')}</style>", "AppCss"), name="app_css"
    )
    page.header.add_child(
        RawHtml(f"<script>{static_text('app.js')}</script>", "AppJs"), name="app_js"
    )


def fix_ids(root: Element) -> None:
    """Give every element a stable id, so that two builds of the same inputs are identical."""
    counter = 0

    def visit(element: Element) -> None:
        nonlocal counter
        counter += 1
        element._id = f"{counter:04d}"
        for child in list(element._children.values()):
            visit(child)

    visit(root)
