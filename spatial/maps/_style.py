"""Colours, words and small HTML pieces of the maps, in Chinese (default) and English.

Every label an official reads is here: layer names, legend rows, popup field labels with a
one-line explanation where a metric needs one (紧凑度), and the kind of each clickable feature.
The workbook (:mod:`spatial.io.workbook`) uses its own copy of the column words so that it does
not depend on the maps.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from spatial.core._words import plural
from spatial.core.checks import REASONS_ZH as _REASONS_ZH
from spatial.core.checks import reason_zh
from spatial.coverage._hints import OFF_EN, OFF_ZH, SYSTEM_NAMES, SYSTEM_ZH, read_hint
from spatial.io.workbook import COLUMNS as SHEET_COLUMNS
from spatial.maps._legend import SWATCH_SHAPES, faded, legend_html, swatch_row, table_html  # noqa: F401

# The classes an official tells apart (grid status; covered bands and uncovered homes) stay apart
# for the 1 man in 12 with a red-green deficiency and on a black-and-white printer: pale to dark
# with the households (grids), and greens against magenta and dark purple, not red, for covered
# and not (the pink-green axis of ColorBrewer's colour-blind safe PiYG); every pair at least 10
# CIEDE2000 apart as drawn, in normal vision, simulated deuteranopia and protanopia (Machado 2009)
# and grey (tests/test_outside_print.py). Legend swatches show them as drawn (:func:`faded`), and
# the other rows by the shape drawn (a dashed outline for gaps, a round marker for stations).
#: Fill colours by grid household status (drawn at :data:`STATUS_FILL_OPACITY`).
STATUS_COLOURS = {"under": "#abd9e9", "in": "#1a9850", "over": "#67001f"}
STATUS_FILL_OPACITY = 0.6
#: Outline colours by grid household status where units are drawn underneath (overview).
STATUS_OUTLINES = {"under": "#2166ac", "in": "#252525", "over": "#e08214"}
#: Colours of the covering bands, nearest first (dark green to pale); more bands get colours
#: spread along the same ramp.
BAND_COLOURS = ["#00441b", "#41ab5d", "#c7e9c0"]
#: Uncovered demand: reachable but beyond every band, and not reachable at all.
BEYOND_COLOUR = "#cc3399"
UNREACHABLE_COLOUR = "#2d004b"
#: Fill opacity of residential units drawn by band: covered, and not covered.
COVERED_OPACITY, UNCOVERED_OPACITY = 0.8, 0.85
#: Units of 0 households (parks, water, road land): a light neutral fill hatched in grey
#: (:data:`spatial.maps._legend.HATCH`), whatever their walk, so that land where nobody lives reads
#: neither as covered nor as a gap; their households by band are 0 either way.
NO_HOMES_COLOUR, NO_HOMES_OPACITY = "#f0f0f0", 0.9
GAP_COLOUR = "#6a3d9a"
STATION_COLOUR = "#08306b"
SITE_COLOUR = "#ffd700"
NETWORK_COLOUR = "#8c8c8c"
COMMUNITY_COLOUR = "#404040"
UNIT_COLOUR = "#7f7f7f"

OSM_ATTRIBUTION = "© OpenStreetMap contributors"

#: Drawing order by meaning: areas under units, units under outlines, points on top. Each layer
#: gets its own Leaflet pane at this z-index, so toggling a layer never changes the order.
Z = {"network": 405, "isochrones": 410, "gaps": 420, "units": 430, "demand_covered": 430,
     "demand_uncovered": 432, "demand_empty": 428, "grids": 440, "communities": 445, "stations": 460, "sites": 465}
#: Label priority: a label hides where it would overlap one of higher priority.
LABEL_PRIORITY = {"sites": 5, "gaps": 4, "communities": 3, "grids": 2}

TEXT = {
    "zh": {
        "network": "步行路网",
        "communities": "社区边界",
        "grids": "网格",
        "units": "居民单元",
        "service_area": "{band}服务圈",
        "demand_covered": "已覆盖居民单元",
        "demand_uncovered": "未覆盖居民单元",
        "demand_empty": "无住户单元",
        "no_homes": "无住户（公园、水面、道路等）",
        "no_homes_short": "无住户",
        "gaps": "服务盲区（按户数排名）",
        "gaps_band": "服务盲区（{band}外，按户数排名）",
        "stations": "党群服务中心/站",
        "sites": "建议新增站点",
        "sites_note": "圈内数字为建设优先顺序",
        "basemap": "底图",
        "grid_legend": "网格户数",
        "grid_outline_note": "网格以边框颜色表示户数状态",
        "coverage_legend": "步行服务圈（居民单元颜色）",
        "under": "不足 {lo} 户",
        "in": "{lo}–{hi} 户",
        "over": "超过 {hi} 户",
        "under_file": "低于户数标准",
        "in_file": "符合户数标准",
        "over_file": "高于户数标准",
        "band_file_note": "户数标准为生成网格时所设（文件中各网格的户数状态）",
        "within": "{band}内",
        "beyond": "超出服务圈",
        "unreachable": "无法步行到达",
        "speed": "按步行速度 {speed} 公里/小时计（{flat}15 分钟约 {m15} 米）",
        "slope": "坡度模型：{model}",
        "synthetic": "示意数据：居民点与户数为合成数据，非真实统计",
        "synthetic_short": "示意数据",
        "search": "搜索服务站名称或编号",
        "search_miss": "未找到：请输入服务站名称的一部分或编号（如 S05）",
        "fullscreen": "全屏",
        "fullscreen_exit": "退出全屏",
        "table_title": "各社区覆盖率（按户数，%）",
        "grid_table_title": "各社区网格（户/格：平均每格户数；区间外：不在户数区间的网格）", "grid_count": "网格",
        "per_grid": "户/格", "out_of_band": "区间外",
        "overall": "全部",
        "community": "社区",
        "dock": "图层与图例",
        "tiles_missing": "底图未能加载（未联网或内网无法访问地图服务），图上各图层照常显示",
        "noscript": "这张地图要在允许运行脚本（JavaScript）的浏览器中才能显示。在微信中：点右上角“···”，选“在浏览器打开”或"
                    "“用其他应用打开”；在电脑上用 Chrome、Edge、360 等浏览器打开。下面是地图的图例和统计。",
        "coords_stations": "⚠ 党群服务站坐标{verb}{system}坐标，却按{read_as}读取：站点和服务圈可能偏差{off}，"
                           "请核对一个站点的位置",
        "coords_demand": "⚠ 居民点坐标{verb}{system}坐标，却按{read_as}读取：居民点和步行距离可能偏差{off}，"
                         "请核对一个居民点的位置",
        "coords_candidates": "⚠ 候选站点坐标{verb}{system}坐标，却按{read_as}读取：建议新站的位置可能偏差{off}，"
                             "请核对一个候选点的位置",
        "coords_sure": "疑似",
        "coords_maybe": "可能是",
        "close": "关闭",
        "kind_grid": "网格",
        "kind_community": "社区",
        "kind_unit": "居民单元",
        "kind_gap": "服务盲区",
        "kind_station": "党群服务中心/站",
        "kind_site": "建议新增站点",
        "kind_area": "服务圈",
        "gap_title": "盲区 {label}",
        "site_title": "建议新站 {label}",
        "households_n": "{n} 户",
        "gain": "新增覆盖 {n} 户",
        "ids_grid": "网格号 {id}",
        "ids_community": "社区编号 {id}",
        "ids_unit": "单元编号 {id}",
        "ids_station": "站点编号 {id}",
        "station_no_name": "站点 {id}",
        "ids_site": "站点编号 {id}",
        "ids_candidate": "候选点 {id}",
        "ids_gap": "盲区编号 {id}",
        "minutes": "{n}分钟",
        "metres": "{n}米",
        "map_grids": "网格划分",
        "map_coverage": "15分钟服务圈",
        "map_overview": "网格与15分钟服务圈",
        "made_on": "制图日期：{date}",
        "zoom_in": "放大",
        "zoom_out": "缩小",
        "map_label": "{title}地图：方向键平移，加号、减号键缩放",
    },
    "en": {
        "network": "Walking network",
        "communities": "Community boundaries",
        "grids": "Grids",
        "units": "Residential units",
        "service_area": "{band} service area",
        "demand_covered": "Units covered",
        "demand_uncovered": "Units not covered",
        "demand_empty": "Units with no homes",
        "no_homes": "No homes (parks, water, road land)",
        "no_homes_short": "no homes",
        "gaps": "Coverage gaps (ranked by households)",
        "gaps_band": "Coverage gaps beyond {band} (ranked by households)",
        "stations": "Party-mass service stations",
        "sites": "Recommended new sites",
        "sites_note": "the number is the order in which to build",
        "basemap": "Basemap",
        "grid_legend": "Households per grid",
        "grid_outline_note": "grid outlines are coloured by household status",
        "coverage_legend": "Walking service areas (unit colour)",
        "under": "under {lo} households",
        "in": "{lo}–{hi} households",
        "over": "over {hi} households",
        "under_file": "under the household band",
        "in_file": "in the household band",
        "over_file": "over the household band",
        "band_file_note": "the band the grids were drawn for (each grid's status in the file)",
        "within": "within {band}",
        "beyond": "beyond every band",
        "unreachable": "cannot be reached on foot",
        "speed": "At a walking speed of {speed} km/h (15 min ≈ {m15} m{flat})",
        "slope": "Slope model: {model}",
        "synthetic": "Synthetic demo data: residents and households are generated, not real counts",
        "synthetic_short": "synthetic demo data",
        "search": "Search a station by name or id",
        "search_miss": "Not found: type part of a station's name or its id (e.g. S05)",
        "fullscreen": "Full screen",
        "fullscreen_exit": "Exit full screen",
        "table_title": "Coverage by community (% of households)",
        "grid_table_title": "Grids by community (per grid: mean households; out: grids out of the band)",
        "grid_count": "Grids", "per_grid": "per grid", "out_of_band": "out",
        "overall": "All",
        "community": "Community",
        "dock": "Layers and legend",
        "tiles_missing": "Basemap tiles could not load (no internet); the layers drawn are complete",
        "noscript": "This map shows in a browser that runs scripts (JavaScript). In WeChat: tap “···” at the top "
                    "right and choose “Open in browser” or “Open with another app”; on a computer open it in Chrome, "
                    "Edge or Firefox. The map's legends and figures follow.",
        "coords_stations": "⚠ The stations {verb} {system} numbers read as {read_as}: stations and service areas may "
                           "be {off} off; check one station on a map",
        "coords_demand": "⚠ The homes {verb} {system} numbers read as {read_as}: homes and walks may be {off} off; "
                         "check one home on a map",
        "coords_candidates": "⚠ The candidate sites {verb} {system} numbers read as {read_as}: the new sites may be "
                             "{off} off; check one candidate on a map",
        "coords_sure": "look like",
        "coords_maybe": "may be",
        "close": "Close",
        "kind_grid": "Grid",
        "kind_community": "Community",
        "kind_unit": "Residential unit",
        "kind_gap": "Coverage gap",
        "kind_station": "Service station",
        "kind_site": "Recommended new site",
        "kind_area": "Service area",
        "gap_title": "Gap {label}",
        "site_title": "New site {label}",
        "households_n": "{n} {households}",
        "gain": "{n} more {households} covered",
        "ids_grid": "grid id {id}",
        "ids_community": "community id {id}",
        "ids_unit": "unit id {id}",
        "ids_station": "station id {id}",
        "station_no_name": "station {id}",
        "ids_site": "site id {id}",
        "ids_candidate": "candidate {id}",
        "ids_gap": "gap id {id}",
        "minutes": "{n} min",
        "metres": "{n} m",
        "map_grids": "Management grids",
        "map_coverage": "15-minute service circles",
        "map_overview": "Grids and 15-minute service circles",
        "made_on": "Made on {date}",
        "zoom_in": "Zoom in",
        "zoom_out": "Zoom out",
        "map_label": "{title} map: arrow keys pan, + and - zoom",
    },
}

#: Chinese for the ``reason`` texts the coverage and snapping engines write (others shown as is).
REASONS_ZH = _REASONS_ZH  # one list for the maps and the report rows (spatial.core.checks)

#: Popup and table labels of columns, in plain words with units.
FIELD_LABELS = {
    "zh": {
        "grid_code": "网格编码", "grid_id": "网格号", "community_id": "社区编号", "community": "所属社区",
        "households": "户数", "population": "人口", "n_units": "居民单元数", "n_buildings": "楼栋数",
        "area_m2": "面积（平方米）", "polsby_popper": "紧凑度", "road_share": "沿道路的边界（%）",
        "band_status": "户数状态", "full_time_workers": "专职网格员（人）",
        "part_time_workers": "兼职网格员（人）", "building_leads": "楼栋长（人）",
        "household_leads": "联户长（人）", "unit_id": "单元编号", "walk_m": "步行距离（米）",
        "walk_min": "步行时间（分钟）", "nearest_station": "最近的服务站", "band": "步行可达",
        "reason": "未覆盖原因", "walls_note": "围墙内住户", "station_reason": "不能服务住户的原因", "station_id": "站点编号", "name": "名称",
        "type": "类型",
        "floor_area_m2": "建筑面积（平方米）", "gap_id": "盲区编号", "rank": "排名", "build_order": "建设顺序",
        "n_points": "居民单元数", "site_id": "站点编号", "candidate_id": "候选点编号",
        "gain_households": "新增覆盖户数", "gain_population": "新增覆盖人口",
        "cum_coverage_pct": "建成后累计覆盖率（%）", "limit_m": "距离上限（米）",
        "gain_households_in": "{band}内新增覆盖户数", "gain_population_in": "{band}内新增覆盖人口",
        "cum_coverage_pct_in": "建成后{band}内累计覆盖率（%）",
        "limit_min": "时间上限（分钟）", "street": "街道", "code": "统计区划代码",
        "pct_hh": "{band}内户数占比（%）",
        "access": "步行路线", "off_network_m": "路网外直线距离（米）", "cause": "盲区成因",
        "households_served": "服务户数", "population_served": "服务人口",
        "households_estimated": "其中估算步行户数", "m2_per_100hh": "每百户建筑面积（平方米）",
        "under_standard": "面积标准", "fca_m2_per_100hh": "可达面积（平方米/百户，2SFCA）",
        "lon": "经度（WGS84）", "lat": "纬度（WGS84）",
        "four_bounds": "四至", "east_bound": "东至", "south_bound": "南至", "west_bound": "西至",
        "north_bound": "北至", "coords_note": "注意", "slope_note": "坡度模型", "note": "说明",
    },
    "en": {
        "grid_code": "Grid code", "grid_id": "Grid id", "community_id": "Community id",
        "community": "Community", "households": "Households", "population": "Population",
        "n_units": "Residential units", "n_buildings": "Buildings", "area_m2": "Area (m²)",
        "polsby_popper": "Compactness", "road_share": "Border along roads (%)",
        "band_status": "Household status", "full_time_workers": "Full-time grid workers",
        "part_time_workers": "Part-time grid workers", "building_leads": "Building leads",
        "household_leads": "Household leads", "unit_id": "Unit id", "walk_m": "Walk (m)",
        "walk_min": "Walk (min)", "nearest_station": "Nearest station", "band": "Reached on foot",
        "reason": "Why not covered", "walls_note": "Homes within its walls", "station_reason": "Why it serves nobody", "station_id": "Station id",
        "name": "Name", "type": "Type",
        "floor_area_m2": "Floor area (m²)", "gap_id": "Gap id", "rank": "Rank", "build_order": "Build order",
        "n_points": "Units",
        "site_id": "Site id", "candidate_id": "Candidate id", "gain_households": "Households gained",
        "gain_population": "Population gained", "cum_coverage_pct": "Coverage once built (%)",
        "gain_households_in": "Households gained within {band}", "gain_population_in": "Population gained within {band}",
        "cum_coverage_pct_in": "Coverage within {band} once built (%)",
        "limit_m": "Limit (m)", "limit_min": "Limit (min)", "street": "Street",
        "code": "Statistical code", "pct_hh": "Households within {band} (%)",
        "access": "Walk", "off_network_m": "Off the mapped network (m, straight)", "cause": "Cause",
        "households_served": "Households served", "population_served": "People served",
        "households_estimated": "of which by estimated walks", "m2_per_100hh": "Floor area per 100 households (m²)",
        "under_standard": "Floor area standard", "fca_m2_per_100hh": "Floor area in reach (m² per 100 households, 2SFCA)",
        "lon": "Longitude (WGS84)", "lat": "Latitude (WGS84)",
        "four_bounds": "Bounds (四至)", "east_bound": "East to", "south_bound": "South to", "west_bound": "West to",
        "north_bound": "North to", "coords_note": "Note", "slope_note": "Slope model", "note": "What the report says",
    },
}

#: One-line explanations shown under a value in popups.
FIELD_HINTS = {
    "zh": {
        "polsby_popper": "1 表示圆形；越接近 0，形状越狭长（Polsby-Popper 指数）",
        "road_share": "网格边界中沿道路的长度比例",
        "rank": "按未覆盖户数从多到少排序",
    },
    "en": {
        "polsby_popper": "1 is a circle; near 0 is long and thin (Polsby-Popper score)",
        "road_share": "share of the grid's border that runs along roads",
        "rank": "ordered by households not covered, most first",
    },
}

# the grid's deviation from its community's mean grid: in the words of the workbook's grid sheet
for _key in ("deviation_pct", "target_households", "households_kept_pct", "units_moved_in", "units_moved_out",
             "walk_to_station_m", "walk_to_station_min"):  # (and a gap's walk to its nearest station, as the 盲区 sheet)
    _zh, _en, _zh_hint, _en_hint = SHEET_COLUMNS[_key]
    FIELD_LABELS["zh"][_key], FIELD_LABELS["en"][_key] = _zh, _en
    FIELD_HINTS["zh"][_key], FIELD_HINTS["en"][_key] = _zh_hint, _en_hint

_BAND_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|m)\s*$")


def text(lang: str, key: str, **fmt) -> str:
    """The label ``key`` in ``lang`` (``zh`` or ``en``), formatted with ``fmt``; in English a count
    ``n`` gives ``{households}`` its agreeing form (a gap of 1 household, not "1 households")."""
    if "n" in fmt:
        fmt.setdefault("households", plural(fmt["n"], "household"))
    return TEXT[lang][key].format(**fmt)


def coords_notes(lang: str, hints) -> dict[str, str]:
    """The notes of ``walking_coverage``'s hints (``attrs["coords_hints"]``: ``[(layer, sentence),
    ...]``) that the stations or homes look like GCJ-02/BD-09 numbers labelled WGS-84: one short
    line per layer (``{"stations": ..., "demand": ..., "candidates": ...}``), shown on the maps and in the
    KMZ's placemarks (an official on a phone never opens the report); empty without a hint."""
    notes = {}
    for hint in filter(None, (read_hint(sentence) for _, sentence in hints or ())):
        if f"coords_{hint.layer}" not in TEXT[lang] or hint.layer in notes:
            continue
        zh = lang == "zh"
        named, wgs = (SYSTEM_ZH if zh else SYSTEM_NAMES)[hint.system], "WGS84" if zh else "WGS-84"
        # WGS-84 numbers read as the system (hint.back) are said the other way round
        notes[hint.layer] = text(lang, f"coords_{hint.layer}",
                                 verb=text(lang, "coords_sure" if hint.sure else "coords_maybe"),
                                 system=(" WGS84 " if zh else wgs) if hint.back else named,
                                 read_as=named if hint.back else (" WGS84 " if zh else wgs),
                                 off=(OFF_ZH if zh else OFF_EN)[hint.system])
    return notes


def keep_notices(state: dict, lang: str, hints, *, car_network: bool = False) -> None:
    """Keep the notes of ``hints`` (``attrs["coords_hints"]``: stations, homes or candidates that look
    like Amap/Baidu numbers labelled WGS-84) in a map's ``state`` for its layout, each once; with
    ``car_network`` (the walks' ``attrs["car_network"]``), that the network has no footway or path."""
    from spatial.core._carnet import CAR_NOTE

    state["notices"] = list(dict.fromkeys([*state.get("notices", []), *coords_notes(lang, hints).values(),
                                           *([CAR_NOTE[lang]] if car_network else [])]))


def reason_label(lang: str, reason: str | None) -> str | None:
    """A ``reason`` value in ``lang`` (unknown reasons unchanged)."""
    if reason is None or lang != "zh":
        return reason
    return reason_zh(reason)


def field_label(lang: str, column: str, **fmt) -> str:
    """The popup label of ``column`` (the column name itself when unknown)."""
    return FIELD_LABELS[lang].get(column, column).format(**fmt)


def field(lang: str, column: str, label: str | None = None) -> tuple[str, str, str]:
    """``(column, label, hint)`` of a popup row; ``hint`` is '' when the label says it all."""
    return (column, label or field_label(lang, column), FIELD_HINTS[lang].get(column, ""))


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


def site_labels(lang: str, sites) -> dict[str, str]:
    """A new site's gains as its popup and placemark label them, with the band they are counted
    within when the sites say it (their ``band`` column: ``15分钟内新增覆盖户数``); ``{}`` when not.

    Examples
    --------
    >>> site_labels("zh", pd.DataFrame({"band": ["10min"]}))["cum_coverage_pct"]
    '建成后10分钟内累计覆盖率（%）'
    """
    bands = sites["band"].dropna().astype(str).unique() if "band" in sites.columns else []
    if len(bands) != 1:
        return {}
    band = band_label(lang, bands[0])
    return {c: field_label(lang, f"{c}_in", band=band) for c in ("gain_households", "gain_population",
                                                                  "cum_coverage_pct")}


def gap_label(rank) -> str | None:
    """A ranked gap's label on the maps and the printed overview: ``#1`` (None without a rank)."""
    return None if _blank(rank) else f"#{int(rank)}"


def site_label(rank) -> str | None:
    """A new site's label on the maps and the printed overview, its build order: ``1``."""
    return None if _blank(rank) else str(int(rank))


def feature_names(lang: str, kind: str, ranks, ids, names=None) -> list[str | None]:
    """What each gap (``kind="gap"``) or new site (``"site"``) is called, the same on the maps (the
    popup's title) and in the KMZ (the placemark's name, what 奥维互动地图 and Google Earth list and
    search): the label the map draws on it after its kind, ``盲区 #1`` and ``建议新站 1``; one
    without a rank (a gap of homes with no mapped path) by its id, ``盲区 N001``; followed by its
    own name where ``names`` gives one (a candidate room's 名称: ``建议新站 1 · 幸福里社区用房``).

    Examples
    --------
    >>> feature_names("zh", "gap", [1, None, 2.0], ["G001", "N001", "G002"])
    ['盲区 #1', '盲区 N001', '盲区 #2']
    >>> feature_names("en", "site", [1], ["NEW001"])
    ['New site 1']
    >>> feature_names("zh", "site", [1, 2], ["NEW001", "NEW002"], ["幸福里社区用房", None])
    ['建议新站 1 · 幸福里社区用房', '建议新站 2']
    """
    label = gap_label if kind == "gap" else site_label
    titles = [text(lang, f"{kind}_title", label=label(r)) if not _blank(r)
              else (None if _blank(i) else text(lang, f"{kind}_title", label=i)) for r, i in zip(ranks, ids)]
    if names is None:
        return titles
    return [t if t is None or _blank(n) or not str(n).strip() else f"{t} · {str(n).strip()}"
            for t, n in zip(titles, names)]


def site_names(sites) -> list | None:
    """The new sites' own names: the candidate layer's name column (``name``, ``名称`` ...) that
    the sites carry, a room the 街道 listed as 幸福里社区用房; None when there is none (network nodes)
    or several columns could be it."""
    from spatial.core.errors import SpatialError
    from spatial.io.columns import find_column

    try:
        found = find_column(sites, "name", layer="sites", required=False)
    except SpatialError:
        return None
    return None if found is None else sites[found].astype(object).tolist()


def _blank(value) -> bool:
    """No value: None, NaN or ``pd.NA`` (a gap's rank as a GeoPackage or an Int64 column gives it)."""
    return value is None or bool(pd.isna(value))


def gaps_name(lang: str, gaps) -> str:
    """The gaps layer's name, saying which band the gaps lie beyond when the layer's ``band``
    column gives one (a gap band below the largest one would otherwise be read as the largest).

    Examples
    --------
    >>> import pandas as pd
    >>> gaps_name("zh", pd.DataFrame({"band": ["10min"]})), gaps_name("en", pd.DataFrame())
    ('服务盲区（10分钟外，按户数排名）', 'Coverage gaps (ranked by households)')
    """
    bands = gaps["band"].dropna().astype(str).unique() if "band" in gaps.columns else []
    return text(lang, "gaps_band", band=band_label(lang, bands[0])) if len(bands) == 1 else text(lang, "gaps")


def band_reach(lang: str, band: str) -> str:
    """What a unit's band says in a popup: ``"5分钟内"``, ``"超出服务圈"``, ``"无法步行到达"``."""
    if str(band) in ("beyond", "unreachable"):
        return text(lang, str(band))
    return text(lang, "within", band=band_label(lang, band))


def band_colours(bands: list[str]) -> dict[str, str]:
    """One colour per band, nearest band darkest; more bands than :data:`BAND_COLOURS` get
    colours spread along the same ramp (each band its own colour).

    Examples
    --------
    >>> band_colours(["5min", "15min"])
    {'5min': '#00441b', '15min': '#41ab5d'}
    >>> len(set(band_colours([f"{m}min" for m in range(1, 8)]).values()))
    7
    """
    n, k = len(bands), len(BAND_COLOURS)
    if n <= k:
        return {b: BAND_COLOURS[i] for i, b in enumerate(bands)}
    stops = [tuple(int(c[j:j + 2], 16) for j in (1, 3, 5)) for c in BAND_COLOURS]
    out = {}
    for i, b in enumerate(bands):
        t = i * (k - 1) / (n - 1)
        lo = min(int(t), k - 2)
        f = t - lo
        rgb = (round(a + (z - a) * f) for a, z in zip(stops[lo], stops[lo + 1]))
        out[b] = "#" + "".join(f"{v:02x}" for v in rgb)
    return out


def to_js(value) -> str:
    """JSON for embedding inside a ``<script>``: compact, UTF-8, ``<``, ``>``, ``&`` escaped."""
    out = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return script_safe(out)


def script_safe(js: str) -> str:
    """``js`` (JSON) with the characters that could end a ``<script>`` element escaped, and the
    openers of Jinja tags (``{{``, ``{%``, ``{#``) broken: branca compiles each element's rendered
    script as a template again, where a name such as ``"{{x}} 社区"`` lost its ``{{x}}`` and
    ``"{% raw %}"`` ended the map in a TemplateSyntaxError. In JSON they occur inside strings
    only, where ``\\u007b`` is the same ``{``."""
    return (
        js.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        .replace("{{", "{\\u007b").replace("{%", "{\\u0025").replace("{#", "{\\u0023")
    )


def credit_list(credits) -> list[str]:
    """``credits`` (one string, a sequence of them, or None) as a list of non-empty strings.

    Examples
    --------
    >>> credit_list("住户数：XX区2025年房屋普查"), credit_list(["a", " ", "b"]), credit_list(None)
    (['住户数：XX区2025年房屋普查'], ['a', 'b'], [])
    """
    if credits is None:
        return []
    if isinstance(credits, str):
        credits = [credits]
    out = [str(c).strip() for c in credits]
    return [c for c in out if c]
