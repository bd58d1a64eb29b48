"""Colours, bilingual labels, legend and table boxes, and the compact vector layer the maps draw.

The vector layer is written here rather than using ``folium.GeoJson`` because folium serialises
GeoJSON with spaces and a style per feature, and builds popups as HTML strings per feature; this
layer embeds compact JSON once (coordinates already rounded), keeps one style table per layer,
and builds escaped popups in the browser only when clicked. It is a ``folium.FeatureGroup``
subclass, so ``LayerControl`` and ``plugins.Search`` treat it like any folium layer.
"""

from __future__ import annotations

import html
import json
import re

import folium
from branca.element import Element, MacroElement
from folium.template import Template

#: Colours by grid household status.
STATUS_COLOURS = {"under": "#74add1", "in": "#66bd63", "over": "#f46d43"}
#: Colours of the covering bands, nearest first (dark green to pale); more bands reuse the last.
BAND_COLOURS = ["#006837", "#31a354", "#78c679", "#c2e699", "#ffffcc"]
#: Uncovered demand: reachable but beyond every band, and not reachable at all.
BEYOND_COLOUR = "#d7191c"
UNREACHABLE_COLOUR = "#67001f"
GAP_COLOUR = "#6a3d9a"
STATION_COLOUR = "#08306b"
SITE_COLOUR = "#ffd700"
NETWORK_COLOUR = "#8c8c8c"
COMMUNITY_COLOUR = "#404040"
UNIT_COLOUR = "#7f7f7f"

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

TEXT = {
    "zh": {
        "network": "步行路网",
        "communities": "社区边界",
        "grids": "网格",
        "units": "居民单元",
        "service_area": "{band}服务圈",
        "demand_covered": "已覆盖居民点",
        "demand_uncovered": "未覆盖居民点",
        "gaps": "服务盲区（按户数排名）",
        "stations": "党群服务中心/站",
        "sites": "建议新增站点",
        "sites_note": "编号为建设优先顺序",
        "basemap": "底图",
        "grid_legend": "网格户数",
        "coverage_legend": "步行服务圈",
        "under": "不足 {lo} 户",
        "in": "{lo}–{hi} 户",
        "over": "超过 {hi} 户",
        "beyond": "超出服务圈",
        "unreachable": "不可达",
        "speed": "步行速度 {speed} km/h（15 分钟约 {m15} 米）",
        "synthetic": "示意数据：居民点与户数为合成数据，非真实统计",
        "search": "搜索服务站名称",
        "fullscreen": "全屏",
        "fullscreen_exit": "退出全屏",
        "table_title": "各社区覆盖率（按户数）",
        "overall": "全部",
        "community": "社区",
        "station": "服务站",
        "site": "建议站点",
        "gap": "盲区",
        "minutes": "{n}分钟",
        "metres": "{n}米",
    },
    "en": {
        "network": "Walking network",
        "communities": "Community boundaries",
        "grids": "Grids",
        "units": "Residential units",
        "service_area": "{band} service area",
        "demand_covered": "Residents covered",
        "demand_uncovered": "Residents not covered",
        "gaps": "Coverage gaps (ranked by households)",
        "stations": "Party-mass service stations",
        "sites": "Recommended new sites",
        "sites_note": "numbered by priority",
        "basemap": "Basemap",
        "grid_legend": "Households per grid",
        "coverage_legend": "Walking service areas",
        "under": "under {lo} households",
        "in": "{lo}–{hi} households",
        "over": "over {hi} households",
        "beyond": "beyond every band",
        "unreachable": "unreachable",
        "speed": "Walking speed {speed} km/h (15 min ≈ {m15} m)",
        "synthetic": "Synthetic demo data: residents and households are generated, not real counts",
        "search": "Search station name",
        "fullscreen": "Full screen",
        "fullscreen_exit": "Exit full screen",
        "table_title": "Coverage by community (households)",
        "overall": "All",
        "community": "Community",
        "station": "Station",
        "site": "Site",
        "gap": "Gap",
        "minutes": "{n} min",
        "metres": "{n} m",
    },
}

#: Chinese for the ``reason`` texts the coverage and snapping engines write (others shown as is).
REASONS_ZH = {
    "too far from network": "距路网过远",
    "in a dropped network component": "位于与主路网不连通的路段",
}

FIELD_LABELS = {
    "zh": {
        "grid_code": "网格编码", "grid_id": "网格号", "community_id": "社区", "households": "户数",
        "population": "人口", "n_units": "单元数", "n_buildings": "楼栋数", "area_m2": "面积 (m²)",
        "polsby_popper": "紧凑度 (Polsby-Popper)", "road_share": "沿路边界比例",
        "band_status": "户数状态", "full_time_workers": "专职网格员",
        "part_time_workers": "兼职网格员", "building_leads": "楼栋长", "household_leads": "联户长",
        "unit_id": "单元编号", "walk_m": "步行距离 (m)", "walk_min": "步行时间 (分钟)",
        "nearest_station": "最近服务站", "band": "服务圈", "reason": "原因",
        "station_id": "站点编号", "name": "名称", "type": "类型", "floor_area_m2": "建筑面积 (m²)",
        "gap_id": "盲区编号", "rank": "排名", "n_points": "居民点数", "site_id": "站点编号",
        "candidate_id": "候选点", "gain_households": "新增覆盖户数",
        "gain_population": "新增覆盖人口", "cum_coverage_pct": "累计覆盖率 (%)",
        "limit_m": "距离上限 (m)", "limit_min": "时间上限 (分钟)", "street": "街道",
    },
    "en": {
        "grid_code": "Grid code", "grid_id": "Grid", "community_id": "Community",
        "households": "Households", "population": "Population", "n_units": "Units",
        "n_buildings": "Buildings", "area_m2": "Area (m²)", "polsby_popper": "Polsby-Popper",
        "road_share": "Border on roads", "band_status": "Household status",
        "full_time_workers": "Full-time grid workers", "part_time_workers": "Part-time grid workers",
        "building_leads": "Building leads", "household_leads": "Household leads",
        "unit_id": "Unit", "walk_m": "Walk (m)", "walk_min": "Walk (min)",
        "nearest_station": "Nearest station", "band": "Band", "reason": "Reason",
        "station_id": "Station", "name": "Name", "type": "Type", "floor_area_m2": "Floor area (m²)",
        "gap_id": "Gap", "rank": "Rank", "n_points": "Points", "site_id": "Site",
        "candidate_id": "Candidate", "gain_households": "Households gained",
        "gain_population": "Population gained", "cum_coverage_pct": "Cumulative coverage (%)",
        "limit_m": "Limit (m)", "limit_min": "Limit (min)", "street": "Street",
    },
}

_BAND_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|m)\s*$")


def text(lang: str, key: str, **fmt) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``), formatted with ``fmt``."""
    return TEXT[lang][key].format(**fmt)


def reason_label(lang: str, reason: str | None) -> str | None:
    """A ``reason`` value in ``lang`` (unknown reasons unchanged)."""
    if reason is None or lang != "zh":
        return reason
    return REASONS_ZH.get(reason, reason)


def field_label(lang: str, column: str) -> str:
    """The popup label of ``column`` (the column name itself when unknown)."""
    return FIELD_LABELS[lang].get(column, column)


def band_sort_key(band: str) -> tuple:
    """Sort band labels nearest first: ``5min < 10min < 15min``, ``300m < 500m``."""
    match = _BAND_RE.match(str(band))
    if match:
        return (0, match.group(2), float(match.group(1)))
    return (1, "", str(band))


def band_label(lang: str, band: str) -> str:
    """Display text of a band label: ``"5min"`` -> ``"5分钟"`` / ``"5 min"``."""
    band = str(band)
    match = _BAND_RE.match(band)
    if match:
        n = match.group(1).removesuffix(".0")
        return text(lang, "minutes" if match.group(2) == "min" else "metres", n=n)
    if band in ("beyond", "unreachable"):
        return text(lang, band)
    return band


def band_colours(bands: list[str]) -> dict[str, str]:
    """One colour per band, nearest band darkest."""
    return {b: BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i, b in enumerate(bands)}


def to_js(value) -> str:
    """JSON for embedding inside a ``<script>``: compact, UTF-8, ``<``, ``>``, ``&`` escaped."""
    out = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return _script_safe(out)


def _script_safe(js: str) -> str:
    return (
        js.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


_HELPERS = """<script>
function spFeatures(d) {
  var keys = Object.keys(d.p), cols = [], out = new Array(d.n), i, k;
  for (k = 0; k < keys.length; k++) {
    var c = d.p[keys[k]];
    if (c && !Array.isArray(c)) { c = c.i.map(function (j) { return this[j]; }, c.k); }
    cols.push(c);
  }
  for (i = 0; i < d.n; i++) {
    var p = {};
    for (k = 0; k < keys.length; k++) { if (cols[k][i] !== null) { p[keys[k]] = cols[k][i]; } }
    var t = d.types[typeof d.t === "number" ? d.t : d.t[i]];
    out[i] = {type: "Feature", properties: p,
              geometry: t === "GeometryCollection" ? d.g[i] : {type: t, coordinates: d.g[i]}};
  }
  return {type: "FeatureCollection", features: out};
}
function spEsc(v) {
  return String(v).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}
function spPopup(p, fields, title) {
  var rows = [];
  for (var i = 0; i < fields.length; i++) {
    var v = p[fields[i][0]];
    if (v === null || v === undefined || v === "") continue;
    rows.push("<tr><th>" + spEsc(fields[i][1]) + "</th><td>" + spEsc(v) + "</td></tr>");
  }
  var head = (title && p[title] !== undefined && p[title] !== null)
    ? "<div class='sp-popup-title'>" + spEsc(p[title]) + "</div>" : "";
  return head + "<table class='sp-popup'>" + rows.join("") + "</table>";
}
</script>"""

_CSS = """<style>
.leaflet-container { font-family: "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei",
  "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif; background: #f4f4f2; }
.sp-box { background: rgba(255,255,255,0.93); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 12px; line-height: 1.5; max-width: 320px; }
.sp-box h4 { margin: 0 0 4px; font-size: 13px; }
.sp-swatch { display: inline-block; width: 14px; height: 10px; margin-right: 5px;
  vertical-align: middle; border: 1px solid rgba(0,0,0,0.35); }
.sp-note { color: #555; margin-top: 4px; }
.sp-note.sp-synthetic { color: #a50026; }
.sp-table { max-height: 40vh; overflow-y: auto; }
.sp-table table, table.sp-popup { border-collapse: collapse; font-size: 12px; }
.sp-table th, .sp-table td, table.sp-popup th, table.sp-popup td { padding: 1px 5px;
  border-bottom: 1px solid #ddd; text-align: left; }
.sp-table td.sp-num { text-align: right; }
.sp-popup-title { font-weight: bold; margin-bottom: 3px; }
.leaflet-tooltip.sp-label { background: transparent; border: none; box-shadow: none;
  font-weight: bold; font-size: 11px; color: #222; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.leaflet-tooltip.sp-label:before { display: none; }
.sp-hide-labels .leaflet-tooltip.sp-label.sp-minor { display: none; }
</style>"""


def add_page_assets(figure) -> None:
    """Add the shared CSS and JS helpers to a map's page (once; keyed by name)."""
    figure.header.add_child(Element(_CSS), name="spatial_css")
    figure.header.add_child(Element(_HELPERS), name="spatial_helpers")


class VectorLayer(folium.FeatureGroup):
    """A GeoJSON layer from pre-serialised columnar JSON (``_mapdata.layer_json``), styled
    from a per-layer table.

    Each feature's ``properties._s`` indexes ``styles``; points are drawn as circle markers.
    Popups list ``fields`` (``[(property, label), ...]``), escaped, built when opened;
    ``label_field`` is shown as a permanent text label (``minor_labels``: hidden when zoomed
    out, for dense layers such as grids), ``tooltip_field`` on hover.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_styles = {{ this.styles_js }};
        var {{ this.get_name() }}_fields = {{ this.fields_js }};
        var {{ this.get_name() }} = L.geoJson(spFeatures({{ this.data_js }}), {
            {%- if this.attribution %}
            attribution: {{ this.attribution_js }},
            {%- endif %}
            interactive: {{ this.interactive_js }},
            style: function (f) { return {{ this.get_name() }}_styles[f.properties._s || 0]; },
            pointToLayer: function (f, ll) {
                return L.circleMarker(ll, {{ this.get_name() }}_styles[f.properties._s || 0]);
            },
            onEachFeature: function (f, layer) {
                {%- if this.fields %}
                layer.bindPopup(function () {
                    return spPopup(f.properties, {{ this.get_name() }}_fields, {{ this.title_js }});
                }, {maxWidth: 360});
                {%- endif %}
                {%- if this.label_field %}
                var lab = f.properties[{{ this.label_js }}];
                if (lab !== null && lab !== undefined) {
                    layer.bindTooltip(spEsc(lab), {permanent: true, direction: "center",
                                                   className: {{ this.label_class_js }}, interactive: false});
                }
                {%- endif %}
                {%- if this.tooltip_field %}
                var tip = f.properties[{{ this.tooltip_js }}];
                if (tip !== null && tip !== undefined) { layer.bindTooltip(spEsc(tip), {sticky: true}); }
                {%- endif %}
            }
        });
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data_json: str,
        *,
        name: str,
        styles: list[dict],
        fields: list[tuple[str, str]] | None = None,
        title_field: str | None = None,
        label_field: str | None = None,
        tooltip_field: str | None = None,
        interactive: bool = True,
        minor_labels: bool = False,
        attribution: str | None = None,
        show: bool = True,
        n_features: int = 0,
    ):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "VectorLayer"
        self.data_js = _script_safe(data_json)
        self.styles_js = to_js(styles)
        self.fields = list(fields or [])
        self.fields_js = to_js(self.fields)
        self.title_js = to_js(title_field)
        self.label_field = label_field
        self.label_js = to_js(label_field)
        self.label_class_js = to_js("sp-label sp-minor" if minor_labels else "sp-label")
        self.tooltip_field = tooltip_field
        self.tooltip_js = to_js(tooltip_field)
        self.interactive_js = "true" if interactive else "false"
        self.attribution = attribution
        self.attribution_js = to_js(attribution)
        self.n_features = n_features

    def render(self, **kwargs):
        add_page_assets(self.get_root())
        super().render(**kwargs)


class BoxControl(MacroElement):
    """A fixed box (legend, table) drawn as a Leaflet control from trusted, escaped HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position_js }}});
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

    def __init__(self, html_text: str, *, position: str = "bottomleft", css_class: str = "sp-box"):
        super().__init__()
        self._name = "BoxControl"
        self.html_text = html_text
        self.html_js = to_js(html_text)
        self.position_js = to_js(position)
        self.class_js = to_js(f"sp-box {css_class}".strip())

    def render(self, **kwargs):
        add_page_assets(self.get_root())
        super().render(**kwargs)


class TextSearchTips(MacroElement):
    """Make a ``plugins.Search`` list its matches as text (leaflet-search sets ``innerHTML``).

    Add it to the map right after the search control; names are searched as typed.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.search.layer.get_name() }}searchControl.options.buildTip = function (text) {
            var li = L.DomUtil.create("li", "");
            li.textContent = text;
            return li;
        };
        {% endmacro %}
        """
    )

    def __init__(self, search):
        super().__init__()
        self._name = "TextSearchTips"
        self.search = search


class ScaleBar(MacroElement):
    """A metric-only scale bar (folium's ``control_scale`` also shows feet and miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 150}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self):
        super().__init__()
        self._name = "ScaleBar"


class MapExtras(MacroElement):
    """Attribution text and hiding minor text labels when zoomed out below ``label_min_zoom``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            {%- for a in this.attributions %}
            map.attributionControl.addAttribution({{ a }});
            {%- endfor %}
            {%- if this.labels %}
            function spLabels() {
                var c = map.getContainer();
                if (map.getZoom() < {{ this.label_min_zoom }}) { L.DomUtil.addClass(c, "sp-hide-labels"); }
                else { L.DomUtil.removeClass(c, "sp-hide-labels"); }
            }
            map.on("zoomend", spLabels);
            spLabels();
            {%- endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, attributions: list[str], *, labels: bool = True, label_min_zoom: int = 15):
        super().__init__()
        self._name = "MapExtras"
        self.labels = labels
        self.attributions = [to_js(html.escape(a)) for a in attributions]
        self.label_min_zoom = int(label_min_zoom)


def swatch_row(colour: str, label: str, *, outline: str | None = None) -> str:
    """One legend row: a colour swatch and escaped text."""
    border = f"border-color:{outline};" if outline else ""
    return (
        f'<div><span class="sp-swatch" style="background:{colour};{border}"></span>'
        f"{html.escape(label)}</div>"
    )


def legend_html(title: str, rows: list[tuple[str, str]], notes: list[str], *, synthetic: str = "") -> str:
    """Legend box HTML: a title, swatch rows ``(colour, label)``, notes, and a synthetic-data note."""
    parts = [f"<h4>{html.escape(title)}</h4>"]
    parts += [swatch_row(c, t) for c, t in rows]
    parts += [f'<div class="sp-note">{html.escape(n)}</div>' for n in notes]
    if synthetic:
        parts.append(f'<div class="sp-note sp-synthetic">{html.escape(synthetic)}</div>')
    return "".join(parts)


def table_html(title: str, header: list[str], rows: list[list]) -> str:
    """A small escaped HTML table in a scrolling box; numbers right-aligned."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for v in row:
            cls = ' class="sp-num"' if isinstance(v, (int, float)) else ""
            shown = f"{v:.1f}" if isinstance(v, float) else str(v)
            cells.append(f"<td{cls}>{html.escape(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<h4>{html.escape(title)}</h4><div class=\"sp-table\"><table><tr>{head}</tr>"
        + "".join(body)
        + "</table></div>"
    )
