"""The folium elements the maps are made of: the offline map, the compact vector layer, boxes, search, layout.

The vector layer is written here rather than using ``folium.GeoJson`` because folium serialises
GeoJSON with spaces and a style per feature, and builds popups as HTML strings per feature; this
layer embeds compact JSON once (coordinates already rounded), keeps one style table per layer,
and draws into its own pane so that the order of layers follows their meaning. Popups are not
bound per feature: one click handler shows everything under the click, the feature drawn on top
first (``_assets/spatial/map.js``). The elements are folium ``MacroElement`` / ``FeatureGroup``
subclasses, so ``LayerControl`` and ``plugins.Search`` treat them like any folium layer.
"""

from __future__ import annotations

import html
import re
from datetime import date
from functools import lru_cache

import folium
from branca.element import Element, Figure, MacroElement
from folium import plugins
from folium.template import Template

from spatial.maps._offline import ASSETS, LEAFLET_CSS, LEAFLET_JS, inline_assets
from spatial.maps._style import script_safe, text, to_js


class OfflineMap(folium.Map):
    """A ``folium.Map`` that loads only Leaflet (no jQuery, Bootstrap or icon fonts) and shows
    inline in Jupyter with its assets inlined, so it works offline there too."""

    default_js = [("leaflet", LEAFLET_JS)]
    default_css = [("leaflet_css", LEAFLET_CSS)]

    # folium's own template, but the map's options are merged with ``L.extend`` where folium
    # writes an object spread (``{center: .., ...{"zoom": 14}}``, ES2018): WeChat's X5 kernel
    # (Chromium 57) and other old in-app browsers stop at that SyntaxError and show no map.
    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <meta name="viewport" content="width=device-width,
                initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />
            <style>
                #{{ this.get_name() }} {
                    position: {{this.position}};
                    width: {{this.width[0]}}{{this.width[1]}};
                    height: {{this.height[0]}}{{this.height[1]}};
                    left: {{this.left[0]}}{{this.left[1]}};
                    top: {{this.top[0]}}{{this.top[1]}};
                }
                .leaflet-container { font-size: {{this.font_size}}; }
            </style>
            <style>html, body { width: 100%; height: 100%; margin: 0; padding: 0; }</style>
            <script>
                L_NO_TOUCH = {{ this.global_switches.no_touch |tojson}};
                L_DISABLE_3D = {{ this.global_switches.disable_3d|tojson }};
            </script>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }} ></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                L.extend({center: {{ this.location|tojson }}, crs: L.CRS.{{ this.crs }}},
                         {{ this.options|tojavascript }})
            );
            {%- if this.control_scale %}
            L.control.scale().addTo({{ this.get_name() }});
            {%- endif %}
            {%- if this.zoom_control_position %}
            L.control.zoom( { position: {{ this.zoom_control|tojson }} } ).addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def _repr_html_(self, **kwargs) -> str:
        if self._parent is None:
            Figure().add_child(self)
        page = inline_assets(render_once(self.get_root(), **kwargs))
        return (
            '<div style="width:100%;"><div style="position:relative;width:100%;height:0;'
            'padding-bottom:60%;"><iframe srcdoc="' + html.escape(page) + '" style="position:'
            'absolute;width:100%;height:100%;left:0;top:0;border:none !important;" '
            "allowfullscreen></iframe></div></div>"
        )


#: branca's page, with the page's language (a Chinese font for Han text, not a Japanese one, on
#: an Android phone set to another language; a screen reader reads it in Chinese).
PAGE_TEMPLATE = Template(
    "<!DOCTYPE html>\n"
    "<html{% if this.lang %} lang=\"{{ this.lang }}\"{% endif %}>\n"
    "<head>\n"
    "{% if this.title %}<title>{{this.title}}</title>{% endif %}"
    "    {{this.header.render(**kwargs)}}\n"
    "</head>\n"
    "<body>\n"
    "    {{this.html.render(**kwargs)}}\n"
    "</body>\n"
    "<script>\n"
    "    {{this.script.render(**kwargs)}}\n"
    "</script>\n"
    "</html>\n"
)


def set_page_lang(m: folium.Map, lang: str) -> None:
    """Write ``m``'s page as ``<html lang="zh-CN">`` (``lang`` ``"zh"``) or ``lang="en"``."""
    page = m.get_root()
    page._template = PAGE_TEMPLATE
    page.lang = "zh-CN" if lang == "zh" else "en"


@lru_cache(maxsize=1)
def _page_assets() -> tuple[str, str]:
    folder = ASSETS / "spatial"
    css = (folder / "map.css").read_text(encoding="utf-8").replace("</style", "<\\/style")
    js = (folder / "map.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<style>{css}</style>", f"<script>{js}</script>"


def add_page_assets(figure) -> None:
    """Add the maps' CSS and JavaScript (``_assets/spatial``) to a page, once."""
    css, js = _page_assets()
    figure.header.add_child(Element('<meta name="viewport" content="width=device-width, '
                                    'initial-scale=1.0, maximum-scale=1.0, user-scalable=no" />'),
                            name="viewport")
    figure.header.add_child(Element(css), name="spatial_css")
    figure.header.add_child(Element(js), name="spatial_js")


def _map_of(element) -> folium.Map:
    parent = element._parent
    while parent is not None and not isinstance(parent, folium.Map):
        parent = parent._parent
    if parent is None:
        raise ValueError(f"{type(element).__name__} must be added to a folium.Map")
    return parent


class VectorLayer(folium.FeatureGroup):
    """A layer from pre-serialised columnar JSON (``_data.layer_json``) in its own pane.

    Each feature's ``properties._s`` indexes ``styles``; points are drawn as circle markers.
    ``fields`` (``[(property, label, hint), ...]``) are the rows of its part of the click popup;
    ``stack`` (default: when it has fields) puts the layer in that popup at all. The properties
    ``_t`` (title), ``_sub``, ``_sum`` (one-line summary) and ``_ids`` (small print) head it. ``label_field`` is a permanent label placed at ``_at`` and
    hidden where it collides (``label_priority``) or, with ``label_fit``, where it does not fit
    inside its area; ``tooltip_field`` shows on hover.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = spLayer({{ this.map_name }}, {{ this.data_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, data_json: str, *, name: str, key: str, kind: str, z: int, styles: list[dict],
                 fields: list[tuple] | None = None, label_field: str | None = None,
                 label_priority: int = 0, label_fit: bool = False, tooltip_field: str | None = None,
                 interactive: bool = False, obstacle: bool = False, stack: bool | None = None,
                 show: bool = True, n_features: int = 0):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "VectorLayer"
        self.data_js = script_safe(data_json)
        self.fields = [tuple(f) for f in (fields or [])]
        self.label_field = label_field
        self.options = {
            "key": key, "kind": kind, "z": int(z), "styles": styles,
            "fields": [list(f) for f in self.fields],
            "stack": bool(self.fields) if stack is None else bool(stack),
            "label": label_field, "labelClass": f"sp-l-{key.split('_')[0]}",
            "labelPrio": label_priority, "labelFit": label_fit, "tooltip": tooltip_field,
            "interactive": interactive, "obstacle": obstacle,
        }
        self.options_js = to_js(self.options)
        self.styles = styles
        self.n_features = n_features

    def render(self, **kwargs):
        self.map_name = _map_of(self).get_name()
        add_page_assets(self.get_root())
        super().render(**kwargs)


class BoxControl(MacroElement):
    """A box (legend, table) from trusted, escaped HTML; ``spLayout`` moves it into the dock."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: "bottomleft"});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", {{ this.class_js }});
            div.innerHTML = {{ this.html_js }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, *, kind: str = "legend"):
        super().__init__()
        self._name = "BoxControl"
        self.html_text = html_text
        self.html_js = to_js(html_text)
        self.class_js = to_js(f"sp-box sp-{'tablebox' if kind == 'table' else 'legend'}")

    def render(self, **kwargs):
        add_page_assets(self.get_root())
        super().render(**kwargs)


class StationSearch(plugins.Search):
    """Search stations by any part of their name or id (``plugins.Search`` with its options set
    here: matches anywhere in the text, listed as text, a message when nothing matches)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.layer.get_name() }}searchControl = new L.Control.Search({
            layer: {{ this.layer.get_name() }}, propertyName: {{ this.label_js }}, collapsed: false,
            textPlaceholder: {{ this.placeholder_js }}, textErr: {{ this.miss_js }},
            position: "topright", initial: false, autoType: false, firstTipSubmit: true,
            zoom: {{ this.search_zoom }}, hideMarkerOnCollapse: true, autoCollapse: false,
            autoCollapseTime: 4000, tooltipLimit: 20});
        spSearch({{ this._parent.get_name() }}, {{ this.layer.get_name() }}searchControl, {{ this.texts_js }});
        {{ this._parent.get_name() }}.addControl({{ this.layer.get_name() }}searchControl);
        {% endmacro %}
        """
    )

    def __init__(self, layer, *, search_label: str, lang: str, search_zoom: int = 17):
        super().__init__(layer, search_label=search_label, search_zoom=search_zoom, geom_type="Point")
        self.label_js = to_js(search_label)
        self.placeholder_js = to_js(text(lang, "search"))
        self.miss_js = to_js(text(lang, "search_miss"))
        self.texts_js = to_js({"miss": text(lang, "search_miss")})


class ScaleBar(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 120}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ScaleBar"


class Attribution(MacroElement):
    """Credits in the map's attribution line."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- for a in this.attributions %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ a }});
        {%- endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, attributions: list[str]):
        super().__init__()
        self._name = "Attribution"
        self.attributions = [to_js(html.escape(a)) for a in attributions]


class _RawHtml(Element):
    """HTML put in the page as it is (an ``Element`` made from a string reads it as a Jinja
    template: a title or a name holding ``{%`` would break the page)."""

    _template = Template("{{ this.raw }}")

    def __init__(self, raw: str):
        super().__init__()
        self.raw = raw


class Layout(MacroElement):
    """Last on the page: the dock (search, layer list, legends, tables), click popups, labels,
    ``notices`` (short lines on the map itself, above the scale bar, which a phone shows without
    opening the dock: the stations look like Amap numbers ...), and the first view fitted to
    ``bounds`` in the part of the screen that no panel or notice covers."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        spLayout({{ this._parent.get_name() }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str, bounds: list[list[float]] | None, notices: list[str] | None = None):
        super().__init__()
        self._name = "Layout"
        self.lang = lang
        self.options = {"title": text(lang, "dock"), "close": text(lang, "close"),
                        "tiles_missing": text(lang, "tiles_missing"), "bounds": bounds,
                        "zoom_in": text(lang, "zoom_in"), "zoom_out": text(lang, "zoom_out")}
        if notices:  # (a map without one keeps its page as it was)
            self.options["notices"] = list(notices)
        self.options_js = to_js(self.options)

    def render(self, **kwargs):
        root = self.get_root()
        add_page_assets(root)
        # a printed map says what it is and when it was made (the page's title and the day it is
        # saved): on paper there is no browser tab to read them from
        title = getattr(root, "title", None)
        self.options_js = to_js({**self.options, "print_title": title or "",
                                 "print_date": text(self.lang, "made_on", date=date.today().isoformat()),
                                 "map_label": text(self.lang, "map_label", title=title or "")})
        root.html.add_child(_RawHtml(self.noscript(title)), name="spatial_noscript")
        super().render(**kwargs)

    def noscript(self, title: str | None) -> str:
        """What a page opened with scripts off shows instead of a blank page (WeChat's file preview
        on an iPhone, a mail reader, a browser locked down on an intranet): the map's title, how to
        open it in a browser, its notices, legends and tables (the boxes the dock would hold)."""
        boxes = [c.html_text for c in self._parent._children.values() if isinstance(c, BoxControl)]
        notices = self.options.get("notices") or []
        return ('<noscript><style>.folium-map { display: none; }</style><div class="sp-noscript">'
                + (f"<h1>{html.escape(title)}</h1>" if title else "")
                + f"<p>{html.escape(text(self.lang, 'noscript'))}</p>"
                + "".join(f'<p class="sp-note">{html.escape(n)}</p>' for n in notices)
                + "".join(f'<div class="sp-box">{b}</div>' for b in boxes) + "</div></noscript>")


#: a folium element's id: 32 hexadecimal digits drawn at random as the element is made
_ELEMENT_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


def render_once(root, **kwargs) -> str:
    """``root.render()``, the page left as it was before: folium gives each shown layer a new
    ``addTo`` line in the page's script at every render (a new element each time, under a new
    name), so a map shown in Jupyter and then saved, or saved twice, carried each layer's
    ``addTo`` two or three times, and the two files differed."""
    parts = [part for part in (getattr(root, name, None) for name in ("header", "html", "script"))
             if isinstance(part, Element)]
    kept = [part._children.copy() for part in parts]
    try:
        return root.render(**kwargs)
    finally:
        for part, children in zip(parts, kept):
            part._children = children


def render_page(m: folium.Map) -> str:
    """The page of ``m`` as HTML, each element's random id (``map_3f2a…``, drawn anew for every
    map) replaced by its place in the page: a map drawn twice from the same layers is the same
    file, byte for byte, as the workbook's CSVs and the editor are (a rerun of a project shows no
    change where nothing changed, and a copy can be checked against its checksum)."""
    page = render_once(m.get_root())
    ids, stack = set(), [m.get_root()]
    while stack:  # after rendering: some elements add their own children as they render
        el = stack.pop()
        ids.add(el._id)
        stack.extend(el._children.values())
        stack.extend(c for c in (getattr(el, n, None) for n in ("header", "html", "script")) if isinstance(c, Element))
    steady: dict[str, str] = {}

    def renumber(found: re.Match) -> str:
        old = found.group(0)
        return steady.setdefault(old, f"{len(steady) + 1:032x}") if old in ids else old

    return _ELEMENT_ID.sub(renumber, page)


def layers_top_first(m: folium.Map) -> None:
    """Reorder the map's vector layers so that the layer list reads like the drawing, top first
    (the layers keep their relative slots among the other elements)."""
    items = list(m._children.items())
    slots = [i for i, (_, c) in enumerate(items) if isinstance(c, VectorLayer)]
    ordered = sorted((items[i] for i in slots), key=lambda kv: -kv[1].options["z"])
    for i, kv in zip(slots, ordered):
        items[i] = kv
    m._children.clear()
    m._children.update(items)
