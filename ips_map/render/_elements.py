"""The page's elements: the page, the map, its panes, the script start, and the pieces of
HTML rendered once by the project's own templates (see the package docstring for why those
never go through Folium's templates).

They follow branca's model (``Figure``, ``Element``, ``MacroElement``, ``add_child``) without
importing branca or Folium: their imports compile some fifty Jinja templates that this page
never uses, a quarter of a cold build's own work. The map and its panes write what
``folium.Map`` and ``folium.map.CustomPane`` would write with this page's options.
"""

from __future__ import annotations

import json

import jinja2

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


class Element:
    """A node of the page, as in branca: named children, rendered in the order they were
    first added (a child added again under the same name replaces the first in place)."""

    def __init__(self):
        self.children: dict[str, Element] = {}
        self.parent: Element | None = None

    def get_name(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} is only added under a name")

    def add_child(self, child: Element, name: str | None = None) -> Element:
        self.children[name or child.get_name()] = child
        child.parent = self
        return self

    def get_root(self) -> Element:
        return self if self.parent is None else self.parent.get_root()

    def render(self, **kwargs) -> str:
        """The children, each on a line of its own indented by four spaces (branca's way)."""
        return "".join("\n    " + child.render(**kwargs) for child in self.children.values())


class RawHtml(Element):
    """A piece of HTML inserted as is: its ``render`` returns the text, never a template."""

    def __init__(self, html: str):
        super().__init__()
        self.text = html

    def render(self, **kwargs) -> str:
        return self.text


class MacroElement(Element):
    """An element written by the ``header``, ``html`` and ``script`` macros of its template
    (each optional), into the page's head, body and script; then its children.

    A macro's output enters the page as it is (:class:`RawHtml`): it is not parsed again
    as a template, as branca's MacroElement does.
    """

    template: jinja2.Template

    def render(self, **kwargs) -> str:
        page = self.get_root()
        if not isinstance(page, Page):
            raise TypeError(f"{type(self).__name__} is rendered inside a Page only")
        module = self.template.module
        for part, folder in (("header", page.header), ("html", page.html), ("script", page.script)):
            macro = getattr(module, part, None)
            if macro is not None:
                folder.add_child(RawHtml(str(macro(self, kwargs))), name=self.get_name())
        for child in self.children.values():
            child.render(**kwargs)
        return ""


class Page(Element):
    """The page: valid HTML (the map script inside ``<body>``), French, zoomable. Its
    ``header``, ``html`` and ``script`` collect what the elements write there."""

    template = _MACROS.from_string(
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
        super().__init__()
        self.title = title
        self.header, self.html, self.script = Element(), Element(), Element()
        for folder in (self.header, self.html, self.script):
            folder.parent = self
        # The head starts with an empty line where branca's Figure puts a content-type meta
        # (the template above declares the charset): the page's bytes stay as they were.
        self.header.add_child(RawHtml(""), name="meta_http")

    def add_head(self, name: str, html: str) -> None:
        """Add a piece of HTML (a style, a script) to the page's head."""
        self.header.add_child(RawHtml(html), name=name)

    def add_body(self, name: str, html: str) -> None:
        """Add a piece of HTML to the page's body, before the map."""
        self.html.add_child(RawHtml(html), name=name)

    def render(self, **kwargs) -> str:
        """The whole page: each element writes its parts, then the template joins them."""
        for child in self.children.values():
            child.render(**kwargs)
        return self.template.render(this=self, kwargs=kwargs)


class BareMap(MacroElement):
    """The Leaflet map: loads nothing from a CDN and lets the reader zoom the page.

    Leaflet is inlined by :func:`add_assets`; jQuery, Bootstrap and Font Awesome are not
    used by this page, nor a tile layer. The scale is metric only. ``options`` are
    Leaflet's map options, in Python's spelling (``zoom_snap``), after ``zoom``,
    ``zoomControl`` and ``preferCanvas``, in the order Folium writes them.
    """

    template = _MACROS.from_string(
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

    template = _MACROS.from_string(
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

    template = _MACROS.from_string(
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
