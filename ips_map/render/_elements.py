"""The page's branca elements: the page, the map, its panes, the script start, and the
pieces of HTML rendered once by the project's own templates (see the package docstring for
why those never go through Folium's templates).

The map and its panes write what ``folium.Map`` and ``folium.map.CustomPane`` would write
with this page's options, without importing Folium: its import compiles some fifty Jinja
templates the page never uses, a quarter of a cold build's own work.
"""

from __future__ import annotations

import json

import jinja2
from branca.element import Element, Figure, MacroElement

from ips_map.render._assets import leaflet_css, leaflet_js, page_script, static_text
from ips_map.vocabulary import thousands

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("ips_map.render", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def _format_float(value, digits: int = 2) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _format_pct(value) -> str:
    return _format_float(100 * value, 1) + "\u00a0%"


_ENV.filters["int_fr"] = thousands
_ENV.filters["float_fr"] = _format_float
_ENV.filters["pct_fr"] = _format_pct


def _camel_case(key: str) -> str:
    """``zoom_snap`` → ``zoomSnap``: Leaflet's name of an option."""
    first, *rest = key.split("_")
    return first + "".join(word.capitalize() for word in rest)


def _script_json(value) -> str:
    """A JSON value that cannot close a ``<script>`` element or a quoted attribute."""
    return (
        json.dumps(value)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def _options_literal(options: dict) -> str:
    """Leaflet options as a JavaScript object literal, one ``"camelCase": value,`` a line."""
    lines = "".join(
        f'  "{_camel_case(key)}": {_script_json(value)},\n' for key, value in options.items()
    )
    return "{\n" + lines + "}"


#: The environment of the elements' macro templates (Jinja's defaults, as branca's own).
_MACROS = jinja2.Environment()
_MACROS.filters["options_literal"] = _options_literal


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

    _template = _MACROS.from_string(
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
        # Figure starts its header with a content-type meta named "meta_http"; the template
        # above declares the charset instead, and a child added under that name replaces it.
        self.header.add_child(RawHtml(""), name="meta_http")

    def add_head(self, name: str, html: str) -> None:
        """Add a piece of HTML (a style, a script) to the page's head."""
        self.header.add_child(RawHtml(html), name=name)

    def add_body(self, name: str, html: str) -> None:
        """Add a piece of HTML to the page's body, before the map."""
        self.html.add_child(RawHtml(html), name=name)


class BareMap(MacroElement):
    """The Leaflet map: loads nothing from a CDN and lets the reader zoom the page.

    Leaflet is inlined by :func:`add_assets`; jQuery, Bootstrap and Font Awesome are not
    used by this page, nor a tile layer. The scale is metric only. ``options`` are
    Leaflet's map options, in Python's spelling (``zoom_snap``), after ``zoom``,
    ``zoomControl`` and ``preferCanvas``, in the order Folium writes them.
    """

    _template = _MACROS.from_string(
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
                    ...{{ this.options|options_literal }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self, location: list[float], zoom_start: int, control_scale: bool = False, **options
    ):
        super().__init__()
        self.location = [float(location[0]), float(location[1])]
        self.crs = "EPSG3857"
        self.font_size = "1rem"
        self.control_scale = control_scale
        self.options = {"zoom": zoom_start, "zoom_control": True, "prefer_canvas": False, **options}

    def get_name(self) -> str:
        """The map's fixed name (element id and script variable): reproducible bytes."""
        return "coverage_map"


class Pane(MacroElement):
    """A Leaflet pane of the map, under a fixed name, stacked at ``z_index``; with
    ``pointer_events`` False, the pointer goes through it to the layers below."""

    _template = _MACROS.from_string(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.map.get_name() }}.createPane(
                {{ this.name|tojson }});
            {{ this.get_name() }}.style.zIndex = {{ this.z_index|tojson }};
            {% if not this.pointer_events %}
                {{ this.get_name() }}.style.pointerEvents = 'none';
            {% endif %}
        {% endmacro %}
        """
    )

    def __init__(self, fmap: BareMap, name: str, z_index: int, pointer_events: bool = False):
        super().__init__()
        self.map = fmap
        self.name = name
        self.z_index = z_index
        self.pointer_events = pointer_events

    def get_name(self) -> str:
        return "pane_" + self.name.replace("-", "_")


class MapApp(MacroElement):
    """Starts the page's script on the map once Leaflet is ready, with the page's data."""

    _template = _MACROS.from_string(
        """
        {% macro script(this, kwargs) %}
            ipsMap.init({{ this.map.get_name() }}, {{ this.data_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, fmap: BareMap, data_id: str):
        super().__init__()
        self.map = fmap
        self.data_id = data_id

    def get_name(self) -> str:
        return "map_app"


def add_assets(page: Page) -> None:
    """Inline Leaflet and the project's script and style into the page's head."""
    page.add_head("leaflet_css", f"<style>{leaflet_css()}</style>")
    page.add_head("leaflet_js", f"<script>{leaflet_js()}</script>")
    page.add_head("app_css", f"<style>{static_text('app.css')}</style>")
    page.add_head("app_js", f"<script>{page_script()}</script>")
