"""Figures as the outputs show them: counts as integers, measures to the decimals the workbook
shows (percentages 79.5, walks in whole metres up), for the CSVs; and the words naming the row of
homes in no community or no grid, the same in every sheet and on the maps.

Split from :mod:`spatial.io.workbook`, which imports everything here (``integer_counts`` and
``csv_figures`` are imported from there too).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import shapely

from spatial.core._ids import label_texts
from spatial.core._words_zh import NEARER, SAME_PLACE, gap_note_zh, reason_zh
from spatial.core.checks import AREA_UNITS, label_text, numbers_from_text, round_half_up, round_walk
from spatial.io._gapwords import cause_words
from spatial.io.columns import find_column

__all__ = ["COUNT", "CSV_WORDS", "LEVEL_WORDS", "band_value", "band_column_words", "LOAD_COLUMNS", "LOAD_FIGURES", "NONE_ID", "NOT_GIVEN", "SITE_FIGURES", "STATUS_WORDS", "area_not_given", "area_words",
           "csv_figures", "csv_words", "integer_counts", "load_roles", "name_of", "none_name", "sites_table", "standard_words", "station_load_sheet",
           "station_load_table"]

#: Whole-number count columns (households, population, hh_* ...): integers in CSVs and sheets.
COUNT = re.compile(r"^(households|population|households_(served|estimated)|population_served|units_served|n_\w+|"
                   r"hh_\w+|pop_\w+|gain_\w+|\w+_workers|\w+_leads|area_m2)$")

#: The id under which a coverage summary (and the before/after table) counts the homes in no
#: community or no grid (outside every outline, or a unit the plan gave no grid).
NONE_ID = "(none)"
_NONE_WORDS = {"zh": {"community": "（不在任何社区）", "grid": "（不在任何网格）", "street": "（不在任何街道）"},
               "en": {"community": "(in no community)", "grid": "(in no grid)", "street": "(in no street)"}}


def none_name(level: str, lang: str) -> str:
    """The words naming the row of homes in no community (``level="community"``), no grid or no
    street, in ``lang``: the same in every sheet and on the maps' table.

    Examples
    --------
    >>> none_name("community", "zh"), none_name("grid", "en")
    ('（不在任何社区）', '(in no grid)')
    """
    return _NONE_WORDS["zh" if lang == "zh" else "en"][level]


def name_of(i, names: Mapping[str, str], level: str, lang: str):
    """The name of community (or grid) ``i``: from ``names``, the words for the homes in none, or None."""
    i = str(i)
    return none_name(level, lang) if i == NONE_ID and i not in names else names.get(i)


def integer_counts(frame: pd.DataFrame, *, also: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of ``frame`` whose whole-number count columns (households, population, ``hh_*`` ...,
    and the columns named in ``also``, such as a households column called 户数) are integers, so
    that a CSV or GeoPackage says ``63080``, not ``63080.0``; measures keep their decimals.

    Examples
    --------
    >>> integer_counts(pd.DataFrame({"户数": [203.0], "households": [4.0], "walk_m": [1.0]}),
    ...                also=("户数",)).dtypes.astype(str).tolist()
    ['Int64', 'Int64', 'float64']
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if (COUNT.match(str(col)) or col in also) and pd.api.types.is_float_dtype(s):
            finite = s.dropna()
            if len(finite) == 0 or (np.all(np.isfinite(finite)) and np.all(finite == np.round(finite))):
                out[col] = s.round().astype("Int64")
    return out


#: Decimals a CSV keeps of each measure, as the workbook shows it (percentages 79.5, whole metres
#: and m², 0.1 m in degrees); the GeoPackage keeps every digit.
_CSV_DECIMALS = ((re.compile(r"^(pct_\w+|\w+_pct|target_households|\w*per_100hh|walk_to_station_min)$"), 1),
                 (re.compile(r"^(walk_to_station_m|area_m2)$"), 0),
                 (re.compile(r"^(polsby_popper|road_share)$"), 3),
                 (re.compile(r"^(site_)?(lon|lat)$"), 6))


#: A grid's ``band_status`` in words (the 网格 sheet adds the band: 不足 300, 300–500).
STATUS_WORDS = {"zh": {"under": "不足", "in": "区间内", "over": "超过"},
                "en": {"under": "under", "in": "in band", "over": "over"}}


def standard_words(table: pd.DataFrame, lang: str) -> list:
    """Each row's ``under_standard`` in words, 是 / 否 (yes / no), as the 服务站负荷 sheet says it;
    blank where the floor area is unknown (no ``m2_per_100hh``), not "meets it".

    Examples
    --------
    >>> standard_words(pd.DataFrame({"under_standard": [True, False, False], "m2_per_100hh": [12.0, 40.0, None]}), "zh")
    ['是', '否', None]
    """
    known = (pd.to_numeric(table["m2_per_100hh"], errors="coerce").notna() if "m2_per_100hh" in table.columns
             else pd.Series(True, index=table.index))
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    return [(yes if bool(v) else no) if k and pd.notna(v) else None for v, k in zip(table["under_standard"], known)]


def _blank(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


#: A summary row's ``level`` in words (the workbook's sheets are named so, :mod:`spatial.io._sheetwords`).
LEVEL_WORDS = {"zh": {"overall": "总体", "street": "街道", "community": "社区", "grid": "网格"},
               "en": {"overall": "overall", "street": "street", "community": "community", "grid": "grid"}}


def band_value(value, lang: str, *, beyond: bool = False):
    """A band label in words: ``15min`` -> ``15分钟内`` / ``within 15 min`` (``beyond``, a gap's band:
    ``15分钟外`` / ``beyond 15 min``, as the maps' legend says it); anything else as it is.

    Examples
    --------
    >>> band_value("1000m", "zh"), band_value("15min", "en"), band_value(None, "zh"), band_value("15min", "zh", beyond=True)
    ('1000米内', 'within 15 min', None, '15分钟外')
    """
    match = re.match(r"^(\d+(?:\.\d+)?)(min|m)$", str(value)) if isinstance(value, str) else None
    if not match:
        return value
    n, unit = match.group(1).removesuffix(".0"), match.group(2)
    if lang == "zh":
        return f"{n}{'分钟' if unit == 'min' else '米'}{'外' if beyond else '内'}"
    return f"{'beyond' if beyond else 'within'} {n} {unit}"


def band_column_words(table: pd.DataFrame, lang: str) -> list:
    """The ``band`` column of ``table`` in words (:func:`band_value`): beyond the band in a gaps
    table (one with a ``cause``), within it elsewhere (a site's band, a before/after row's)."""
    beyond = "cause" in table.columns
    return [None if _blank(v) else band_value(v, lang, beyond=beyond) for v in table["band"]]


#: The columns of a CSV that carry a code or an English reason (``cause``: ``no mapped path``;
#: ``station_reason``: ``too far from network``), each with how the maps and the sheets say it: a
#: Chinese run's CSV carries those words in a ``<column>_zh`` column beside the code.
CSV_WORDS = {
    "cause": lambda t: cause_words(t, "zh"),
    "note": lambda t: [None if _blank(v) else gap_note_zh(v) for v in t["note"]],
    "station_reason": lambda t: [None if _blank(v) else reason_zh(v) for v in t["station_reason"]],
    "band_status": lambda t: [None if _blank(v) else STATUS_WORDS["zh"].get(str(v), str(v)) for v in t["band_status"]],
    "under_standard": lambda t: standard_words(t, "zh"),
    "level": lambda t: [None if _blank(v) else LEVEL_WORDS["zh"].get(str(v), str(v)) for v in t["level"]],
    "band": lambda t: band_column_words(t, "zh"),
}


def csv_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with, in a Chinese run (``lang="zh"``), each code column's words beside it
    (:data:`CSV_WORDS`: ``cause_zh`` after ``cause`` ...), as the map, the KMZ and the workbook say
    them (an official opening gaps.csv in WPS read ``no_network`` where the map said 无路网); the
    codes are kept for whoever reads the file by machine. An English run's frame as it is.

    Examples
    --------
    >>> t = pd.DataFrame({"cause": ["service"], "rank": [1], "households": [40], "note": [""]})
    >>> csv_words(t, "zh").columns.tolist(), csv_words(t, "zh")["cause_zh"].tolist()
    (['cause', 'cause_zh', 'rank', 'households', 'note', 'note_zh'], ['距站点过远：需新站'])
    """
    if lang != "zh":
        return frame
    out = frame.copy()
    for col, words in CSV_WORDS.items():
        if col in out.columns and f"{col}_zh" not in out.columns:
            out.insert(list(out.columns).index(col) + 1, f"{col}_zh",
                       pd.Series(words(frame), index=out.index, dtype=object))
    return out


def csv_figures(frame: pd.DataFrame, *, also: tuple[str, ...] = (), lang: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` for a CSV an official opens in Excel: counts as integers
    (:func:`integer_counts`; a count that is not whole, such as a population estimated from
    households, rounded half up as the workbook shows it), percentages to one decimal (79.5, not 79.54977805960685), walks and
    areas in whole metres and m², compactness and road share to three decimals, degrees to six.

    Examples
    --------
    >>> csv_figures(pd.DataFrame({"hh_15min": [50180.0], "pct_hh_15min": [79.54977805960685],
    ...                           "area_m2": [22348.197]})).to_csv(index=False).splitlines()
    ['hh_15min,pct_hh_15min,area_m2', '50180,79.5,22348']

    With ``lang="zh"`` each code column has its Chinese words beside it (:func:`csv_words`).
    """
    out = integer_counts(csv_words(frame, lang) if lang else frame, also=also)
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]) or not pd.api.types.is_float_dtype(out[col]):
            continue
        if COUNT.match(str(col)) or col in also:
            # a count that is not whole (population as households x 2.62: 958.9200000000001) is
            # shown whole, as the workbook shows it (958.92 people is no figure an office reports)
            shown = round_half_up(out[col], 0)
            if np.isfinite(shown.dropna()).all():
                out[col] = shown.astype("Int64")
            continue
        for pattern, decimals in _CSV_DECIMALS:
            if pattern.match(str(col)):
                shown = round_walk if str(col).startswith("walk") else round_half_up
                out[col] = out[col].round(decimals) if decimals == 6 else shown(out[col], decimals)
                if decimals == 0 and np.isfinite(out[col].dropna()).all():
                    out[col] = out[col].astype("Int64")
                break
    return out


#: The figures :func:`spatial.coverage.load.station_load` adds, as a shared station-load table
#: carries them after the station's own id, name, type, community and floor area.
LOAD_FIGURES = ("units_served", "households_served", "population_served", "households_estimated", "m2_per_100hh",
                "under_standard", "fca_m2_per_100hh")
#: The last column of a shared station-load table: why a station serves nobody (the coverage's
#: ``reason`` of the stations layer: too far from the network, cut off by a barrier, its homes all
#: nearer another station), as the
#: 数据问题清单, its map popup and the KMZ say it; blank for a station that serves.
LOAD_REASON = "station_reason"
#: The figures made of a station's floor area: shown as :data:`NOT_GIVEN` where the area is.
AREA_FIGURES = ("m2_per_100hh", "fca_m2_per_100hh")
#: What the sheet, the map popups and the KMZ show for a floor area left blank (and the figures made
#: of it): 2SFCA counts such a station 0 m² in the homes' sums, but its own 0 is no figure.
NOT_GIVEN = {"zh": "未填", "en": "not given"}

#: The station-load table's column words (``column: (zh header, en header, zh definition, en
#: definition)``), in the workbook's :data:`~spatial.io.workbook.COLUMNS`.
LOAD_COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "station_id": ("站点编号", "Station id", "服务站编号", "station id"),
    "type": ("类型", "Type", "服务站类型", "station type"),
    "floor_area_m2": ("建筑面积（平方米）", "Floor area (m²)", "服务站建筑面积", "floor area of the station"),
    "units_served": ("服务居民单元数", "Units served", "以本站为最近服务站的居民单元数",
                     "units whose nearest station (on foot) is this one"),
    "households_served": ("服务户数", "Households served", "以本站为最近服务站的户数（每户只计一次）",
                          "households whose nearest station on foot is this one (each counted once)"),
    "population_served": ("服务人口", "People served", "以本站为最近服务站的人口", "people whose nearest station is this one"),
    "households_estimated": ("其中估算步行户数", "of which by estimated walks", "服务户数中靠估算步行到达的户数",
                             "households served over an estimated walk"),
    "m2_per_100hh": ("每百户建筑面积（平方米）", "Floor area per 100 households (m²)", "建筑面积 × 100 ÷ 服务户数",
                     "floor area x 100 / households served"),
    "under_standard": ("低于面积标准", "Under the standard", "每百户建筑面积低于标准（完整社区：每百户不少于 30 平方米）",
                       "floor area per 100 households under the standard (complete community: 30 m²)"),
    "fca_m2_per_100hh": ("可达面积（平方米/百户）", "Floor area in reach (m² per 100 households)",
                         "两步移动搜索法（2SFCA）：步行范围内各站面积按其范围内户数分摊后之和",
                         "two-step floating catchment (2SFCA): each station's area shared among the "
                         "households within reach, summed over the stations within reach"),
    "fca_households_in_reach": ("范围内户数", "Households in reach", "步行范围内的户数（2SFCA）",
                                "households within the catchment (2SFCA)"),
    "station_name": ("名称", "Name", "服务站名称", "name of the station"),
    LOAD_REASON: ("不能服务住户的原因", "Why it serves nobody",
                  "本站不服务任何住户的原因：无法步行到达（距路网过远、被阻隔等；请核对坐标，详见数据问题清单），"
                  "或附近住户都离另一站更近（写出该站）",
                  "why the station serves nobody: no walk reaches it (too far from the network, cut off by a barrier "
                  "...; check its coordinates, see the report sheet), or its homes are all nearer another station "
                  "(named)"),
}
#: A station's type (中心 / 站) under the names offices give it.
_TYPE_NAMES = ("type", "类型", "站点类型", "类别")


def station_type_column(stations: pd.DataFrame) -> str | None:
    """The column giving each station's type (中心 / 站): ``type``, or the names offices give it
    (类型, 站点类型, 类别), as the station-load sheet, the maps and the KMZ read it.

    Examples
    --------
    >>> station_type_column(pd.DataFrame({"站点名称": ["甲"], "类型": ["中心"]}))
    '类型'
    """
    return next((c for c in _TYPE_NAMES if c in stations.columns), None)


def station_load_table(stations: pd.DataFrame, *, station_id_col: str | None = None, name_col: str | None = None,
                       area_col: str | None = None, community_id_col: str | None = None) -> pd.DataFrame:
    """The station-load table as it is shared (the workbook's 服务站负荷 sheet, ``station_load.csv``).

    Each station's id, name, type, community and floor area, under the input's own column names
    (the ``*_col`` given, else found as the commands find them: ``站点编号``, ``建筑面积`` ...),
    then the load figures (:data:`LOAD_FIGURES`) and nothing else of the input: a stations layer
    from an office's roll also carries its 站长's name, mobile and ID number, notes, which are
    kept in the GeoPackage (an analyst's working file) but not mailed round in a table. A table
    this made is returned as it is, so the sheet and the CSV made from one are the same.

    Examples
    --------
    >>> t = station_load_table(pd.DataFrame({"站点编号": ["S1"], "站长手机": ["13512345678"],
    ...                                      "建筑面积": [600], "households_served": [412]}))
    >>> list(t.columns)
    ['站点编号', '建筑面积', 'households_served']
    """
    if stations.attrs.get("shared_table"):  # made so already (with an area column given by name): as it is
        return pd.DataFrame(stations)
    given = {"station_id": station_id_col, "name": name_col, "community_id": community_id_col,
             "floor_area": area_col}
    found = {role: find_column(stations, role, given=col if col in stations.columns else None, layer="stations",
                               required=False) for role, col in given.items()}
    kind = station_type_column(stations)
    own = [found["station_id"], found["name"], kind, found["community_id"], found["floor_area"]]
    keep = list(dict.fromkeys(c for c in [*own, *LOAD_FIGURES] if c is not None and c in stations.columns))
    table = pd.DataFrame(stations[keep])
    if "reason" in stations.columns:  # why one serves nobody, at the end (the columns before it as they were)
        table[LOAD_REASON] = [v.strip() if isinstance(v, str) and v.strip() else None for v in stations["reason"]]
    table.attrs["shared_table"] = True
    table.attrs["area_col"] = found["floor_area"]
    return table


def load_roles(table: pd.DataFrame) -> dict[str, str]:
    """What each of a station-load table's own columns is, as :data:`LOAD_COLUMNS` defines it: its
    id (``站点编号``), name, type (``类型``), community and floor area (``建筑面积``) under the input's
    names. The 说明 sheet defined 类型 and 建筑面积 as nothing and the station's 名称 as a community's.

    Examples
    --------
    >>> load_roles(pd.DataFrame({"站点编号": ["S1"], "name": ["甲站"], "类型": ["站"], "建筑面积": [300]}))
    {'站点编号': 'station_id', 'name': 'station_name', '建筑面积': 'floor_area_m2', '类型': 'type'}
    """
    roles = {"station_id": "station_id", "name": "station_name", "community_id": "community_id",
             "floor_area": "floor_area_m2"}
    out = {}
    for role, key in roles.items():
        col = find_column(table, role, layer="stations", required=False)
        if col is not None:
            out.setdefault(col, key)
    kind = station_type_column(table)
    if kind is not None:
        out.setdefault(kind, "type")
    return out


def _area_column(stations: pd.DataFrame, area_col: str | None) -> str | None:
    """``area_col`` when the stations have it, else their floor area column as found (建筑面积 ...)."""
    if area_col is not None and area_col in stations.columns:
        return area_col
    return find_column(stations, "floor_area", layer="stations", required=False)


def area_not_given(stations: pd.DataFrame, area_col: str | None = None) -> np.ndarray:
    """Which stations have a floor area column (``area_col``, else found as ``建筑面积``, ``面积（㎡）``
    ...) but no area in it: blank, or text that is no number (``约300``). None of them without such
    a column (then no figure of the area is made at all).

    Examples
    --------
    >>> area_not_given(pd.DataFrame({"建筑面积": [600, None, "约300", "1050平方米"]})).tolist()
    [False, True, True, False]
    """
    col = _area_column(stations, area_col)
    if col is None:
        return np.zeros(len(stations), dtype=bool)
    return numbers_from_text(stations[col], "stations", col, units=AREA_UNITS, what="m²").isna().to_numpy()


def area_words(stations: pd.DataFrame, shown: Mapping[str, Sequence], lang: str, *,
               area_col: str | None = None) -> dict[str, list]:
    """``shown`` (``{column: values as shown}`` of the stations' floor area and the figures made of
    it, :data:`AREA_FIGURES`) with :data:`NOT_GIVEN` (未填) for each station whose area is blank
    (:func:`area_not_given`): the sheet, the map popups and the KMZ say so alike, not 0 or nothing.

    Examples
    --------
    >>> area_words(pd.DataFrame({"面积": [600, None]}), {"面积": [600, None], "fca_m2_per_100hh": [12.5, 0.0]}, "zh")
    {'面积': [600, '未填'], 'fca_m2_per_100hh': [12.5, '未填']}
    """
    blank, col = area_not_given(stations, area_col), _area_column(stations, area_col)
    return {c: [NOT_GIVEN[lang] if b else v for v, b in zip(values, blank)] if c in (col, *AREA_FIGURES)
            else list(values) for c, values in shown.items()}


def idle_reasons(demand: pd.DataFrame, stations: pd.DataFrame, *, station_id_col: str = "station_id") -> list[str]:
    """Each station's ``reason`` (blank where none), with one for a station the walks reach that
    is nobody's nearest: its homes are all nearer another station (:data:`~spatial.core.checks.NEARER`),
    named (by its name, else its id) as the nearest station of the served home nearest to it in a
    straight line, or, within a metre of that station, at the same place as it (the walks' tie gave
    it the homes). An official tapping a station of 0 households read a blank reason.

    ``demand`` has ``nearest_station`` (and a geometry, for the name); a station keeps a reason it
    has (too far from the network ...). With no home served anywhere, nothing is added.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> homes = gpd.GeoDataFrame({"nearest_station": ["S1", "S1"]}, geometry=[Point(0, 20), Point(200, 20)], crs=32650)
    >>> stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": ["甲站", "乙站"], "reason": ["", ""]},
    ...                             geometry=[Point(0, 0), Point(-50, 0)], crs=32650)
    >>> idle_reasons(homes, stations)
    ['', 'its homes are all nearer 甲站']
    >>> idle_reasons(homes, stations.assign(geometry=[Point(0, 0), Point(0, 0)]))
    ['', 'at the same place as 甲站, which counts its homes']
    """
    reasons = ([v.strip() if isinstance(v, str) else "" for v in stations["reason"]] if "reason" in stations.columns
               else [""] * len(stations))
    nearest = demand["nearest_station"]
    served = nearest.notna().to_numpy()
    if not served.any():
        return reasons
    serving = set(label_texts(nearest[served]))
    ids = stations[station_id_col].map(label_text).tolist()
    idle = [k for k, i in enumerate(ids) if not reasons[k] and i not in serving]
    if not idle:
        return reasons
    name_col = find_column(stations, "name", layer="stations", required=False)
    names = {i: (str(n).strip() if n is not None and not (isinstance(n, float) and n != n) and str(n).strip() else i)
             for i, n in zip(ids, stations[name_col] if name_col else ids)}
    homes = demand.loc[served]
    located = all(getattr(f, "crs", None) is not None and hasattr(f, "geometry") for f in (homes, stations))
    if located:
        crs = stations.estimate_utm_crs() if stations.crs.is_geographic else stations.crs
        points = homes.geometry.to_crs(crs).to_numpy()
        where = stations.geometry.to_crs(crs).to_numpy()
    for k in idle:
        far = shapely.distance(points, where[k]) if located else np.array([np.nan])
        j = int(np.nanargmin(far)) if np.isfinite(far).any() else 0  # (no place to measure from: the first)
        by = label_text(homes["nearest_station"].iloc[j])
        same = located and by in ids and shapely.distance(where[ids.index(by)], where[k]) < 1.0  # a tie: not nearer
        reasons[k] = (SAME_PLACE if same else NEARER).format(station=names.get(by, by))
    return reasons


def station_load_sheet(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A shared station-load table (:func:`station_load_table`) as the 服务站负荷 sheet shows it: why
    a station serves nobody in ``lang`` (距路网过远), and a floor area left blank, with the figures
    made of it (每百户建筑面积, 可达面积), as :data:`NOT_GIVEN` (未填), not 0 or an empty cell.

    Examples
    --------
    >>> t = station_load_table(pd.DataFrame({"站点编号": ["S1", "S2"], "建筑面积": [600.0, None],
    ...                                      "fca_m2_per_100hh": [12.34, 0.0], "reason": ["", "too far from network"]}))
    >>> station_load_sheet(t, "zh").values.tolist()
    [['S1', 600.0, 12.3, None], ['S2', '未填', '未填', '距路网过远']]
    """
    out = pd.DataFrame(table)
    if LOAD_REASON in out.columns and lang == "zh":
        out[LOAD_REASON] = pd.Series([reason_zh(v) if isinstance(v, str) and v else None for v in out[LOAD_REASON]],
                                     index=out.index, dtype=object)
    area_col = _area_column(out, table.attrs.get("area_col"))
    if area_not_given(out, area_col).any():  # (rounded here as the sheet rounds them: text beside them stops it)
        shown = {c: (round_half_up(out[c], 1) if c in AREA_FIGURES else out[c]).tolist()
                 for c in [area_col, *AREA_FIGURES] if c in out.columns}
        for c, values in area_words(out, shown, lang, area_col=area_col).items():
            out[c] = pd.Series(values, index=out.index, dtype=object)
    return out


#: What :func:`spatial.siting.site_stations` makes of each site, as a shared table carries it.
SITE_FIGURES = ("site_id", "rank", "candidate_id", "lon", "lat", "gain_households", "gain_population",
                "cum_coverage_pct", "band")


def sites_table(sites: pd.DataFrame) -> pd.DataFrame:
    """The new sites as they are shared (the workbook's 新站选址 sheet): each site's id, build
    order, candidate, longitude and latitude and gains (:data:`SITE_FIGURES`), then what the
    candidate is: its name, floor area and land use (found under ``名称``, ``建筑面积`` ...) and
    where it came from (``source``), and nothing else of the candidates layer (an owner's name and
    phone number, a landlord's notes), which the GeoPackage's ``sites`` layer keeps.

    Examples
    --------
    >>> list(sites_table(pd.DataFrame({"site_id": ["NEW001"], "rank": [1], "candidate_id": ["R7"],
    ...                                "产权人电话": ["13711112222"], "建筑面积": [600]})).columns)
    ['site_id', 'rank', 'candidate_id', '建筑面积']
    """
    own = [find_column(sites, "name", layer="candidates", required=False),
           find_column(sites, "floor_area", layer="candidates", required=False),
           next((c for c in ("land_use", "用地性质", "用途") if c in sites.columns), None), "source"]
    # the households each brings within each band and the gaps it fills (spatial.siting._fills), after its gains
    fills = [c for c in sites.columns if str(c).startswith("new_hh_")] + ["gaps"]
    keep = list(dict.fromkeys(c for c in [*SITE_FIGURES, *fills, *own] if c is not None and c in sites.columns))
    return pd.DataFrame(sites[keep])
