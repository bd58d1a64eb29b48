"""Layers to compact GeoJSON for the maps: EPSG:4326, 6 decimals, display-ready properties.

Written here (not ``GeoDataFrame.to_json``) to round coordinates with ``shapely.transform``
(``set_precision`` raised on real footprints), drop the per-feature bbox and spaces, keep only
the popup columns, and report rows that cannot be drawn instead of dropping them silently.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.core._words import counted
from spatial.core.checks import (Report, label_text, nearer_reason, report_in, require_columns, require_crs,
                                 round_half_up, round_walk, yes_no)
from spatial.core.errors import ColumnError, InputFileError, OptionError
from spatial.io._figures import COUNT, idle_reasons
from spatial.io._gapwords import CAUSE_WORDS, cause_words
from spatial.maps import _style as st
from spatial.maps._encode import SCALE, encode_lines, encode_polygons

logger = logging.getLogger(__name__)


#: Homes drawn as points (a roll's households, one point each) are written to 5 decimals of a degree
#: (about 1.1 m north-south, 1.0 m east-west in Shenzhen), not 6 (0.1 m): a dot moves at most 0.8 m,
#: under two pixels at the map's deepest zoom (18: 0.55 m a pixel at 22.5 degrees north) and inside
#: its own 3-pixel dot, and the file shared in WeChat groups gives no home's doorstep to a tenth of a
#: metre. Every figure is measured before, from the home as given; outlines (footprints, plots) keep 6,
#: but a gap's outline is its homes' points buffered (arcs 30 m round each, whose centre three of its
#: vertices give back): drawn to 5 decimals too.
HOME_POINT_DECIMALS = 5


def display_geometry(gdf: gpd.GeoDataFrame, name: str, gcj02: bool, *, decimals: int = 6,
                     point_decimals: int | None = None) -> np.ndarray:
    """Geometries in EPSG:4326 (shifted to GCJ-02 if asked), rounded to ``decimals`` (points and
    multipoints to ``point_decimals``, when given)."""
    require_crs(gdf, name)
    geo = gdf.geometry
    if not CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(4326)):
        geo = geo.to_crs(4326)
    if gcj02:
        from spatial.io.coords import (
            from_wgs84,  # lazy: only needed over a GCJ-02 basemap
        )

        geo = from_wgs84(gpd.GeoDataFrame(geometry=geo, crs=4326), "gcj02", name=name).geometry
    geoms = np.asarray(geo.values, dtype=object)
    out = shapely.transform(geoms, lambda c: np.round(c, decimals))
    if point_decimals is not None and point_decimals != decimals:
        points = np.isin(shapely.get_type_id(geoms), (0, 4))  # Point, MultiPoint
        out[points] = shapely.transform(geoms[points], lambda c: np.round(c, point_decimals))
    return out


def with_station_reasons(stations: pd.DataFrame, demand: pd.DataFrame | None, lang: str | None = None) -> pd.DataFrame:
    """The stations with the ``reason`` :func:`~spatial.coverage.walks.walking_coverage` gave those
    no walk reaches (its ``attrs["station_reasons"]``) or nobody's nearest (:func:`~spatial.io._figures.idle_reasons`),
    when they carry none of their own: the stations an analyst passes in Python are the list as
    read, while ``spatial coverage`` writes them with their reasons. Unchanged otherwise. With
    ``lang``, a station inside walls no mapped path enters says how its homes there walk (straight
    across, to another station, or not at all; ``attrs["enclosed"]``, :mod:`spatial.coverage._enclosed`)
    in ``walls_note``: the report said it, the station's popup did not.

    Examples
    --------
    >>> walks = pd.DataFrame({"band": ["5min"]})
    >>> walks.attrs["station_reasons"] = {"id_col": "station_id", "reasons": {"S2": "too far from network"}}
    >>> with_station_reasons(pd.DataFrame({"station_id": ["S1", "S2"]}), walks)["reason"].tolist()
    ['', 'too far from network']
    """
    said = getattr(demand, "attrs", {}).get("station_reasons") or {"id_col": "station_id", "reasons": {}}
    if lang is not None and (walls := walls_notes(stations, demand, lang)) is not None:
        stations = stations.assign(walls_note=walls)
    if "reason" in stations.columns or said["id_col"] not in stations.columns or demand is None:
        return stations
    why = stations.assign(reason=[said["reasons"].get(i, "") for i in stations[said["id_col"]].map(label_text)])
    if "nearest_station" in demand.columns:
        why["reason"] = idle_reasons(demand, why, station_id_col=said["id_col"])
    return why if why["reason"].ne("").any() else stations


def walls_notes(stations: pd.DataFrame, demand: pd.DataFrame | None, lang: str, id_col: str | None = None) -> list | None:
    """Each station's line on the homes within its walls (``walking_coverage``'s ``attrs["enclosed"]``,
    :mod:`spatial.coverage._enclosed`) in ``lang``, None for a station without walls round it, as its
    map popup and KMZ placemark say it; None when no station has walls round it. The stations by
    ``id_col``, else the walks' ``station_id_col``."""
    attrs = getattr(demand, "attrs", {})
    walls, by = dict(attrs.get("enclosed", ())), id_col or attrs.get("station_id_col")
    if not walls or by not in stations.columns:
        return None
    return [walls[i][lang == "zh"] if i in walls else None for i in stations[by].map(label_text)]


def off_network(stations: pd.DataFrame) -> np.ndarray:
    """Which stations no walk reaches: those with a ``reason`` (too far from the network, cut off
    by a barrier; not its homes all nearer another). Drawn and reported; the view fits the others.

    Examples
    --------
    >>> off_network(pd.DataFrame({"reason": ["", None, "too far from network", "its homes are all nearer 甲站"]})).tolist()
    [False, False, True, False]
    """
    if "reason" not in stations.columns:
        return np.zeros(len(stations), dtype=bool)
    said = stations["reason"].fillna("").astype(str).str.strip()
    return np.array([bool(r) and not nearer_reason(r) for r in said], dtype=bool)


def short_labels(grids: pd.DataFrame, label_col: str) -> list:
    """Each grid's label without its community's id where it starts with it ("02" for
    "310101002001-02" in community 310101002001; None where it does not, or where the label is
    already short): what the map shows where the whole label does not fit the grid.

    Examples
    --------
    >>> short_labels(pd.DataFrame({"grid_id": ["310101002001-02", "C01-03", "X7"],
    ...                            "community_id": ["310101002001", "C01", "C02"]}), "grid_id")
    ['02', None, None]
    """
    if "community_id" not in grids.columns:
        return [None] * len(grids)
    out = []
    for label, cid in zip(grids[label_col].astype(str), grids["community_id"].astype(str)):
        rest = label[len(cid):].lstrip("-_·. ") if cid and label.startswith(cid) else ""
        out.append(rest if rest and len(label) > _SHORT_LABEL else None)
    return out


#: Labels up to this many characters are shown whole or not at all (the demo's "C01-03").
_SHORT_LABEL = 8


def jsonable(values: pd.Series, column: str) -> list:
    """Column values as JSON-ready Python objects, rounded for display, NaN as null."""
    s = values
    if pd.api.types.is_bool_dtype(s):
        return [None if pd.isna(v) else bool(v) for v in s]
    if pd.api.types.is_numeric_dtype(s):
        f = s.astype(float)
        if column.endswith(("_m", "_m2")) or COUNT.match(column):  # counts whole, as the workbook shows them
            digits = 0
        elif column.endswith(("_min", "_pct", "per_100hh")) or column.startswith("pct_"):  # as the workbook shows them
            digits = 1
        else:
            digits = 2
        out = []
        rounded = round_walk if column.startswith("walk") else round_half_up  # as the workbook and the CSVs
        for v in rounded(f.to_numpy(), digits):
            if not np.isfinite(v):
                out.append(None)
            elif float(v).is_integer():
                out.append(int(v))
            else:
                out.append(float(v))
        return out
    return [None if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA) else str(v)
            for v in s]


#: Columns naming a row in the warning about rows that cannot be drawn, the first one present.
_ID_COLUMNS = ("station_id", "unit_id", "grid_id", "community_id", "gap_id", "site_id", "name")
#: Warnings about rows that cannot be drawn already given (layer, id column, ids).
_SAID: set = set()


def layer_json(
    gdf: gpd.GeoDataFrame,
    name: str,
    props: dict[str, list],
    style_index: Sequence[int] | None,
    *,
    gcj02: bool,
    report: Report | None,
    label_points: bool = False,
    decimals: int = 6,
    point_decimals: int | None = None,
) -> tuple[str, int, np.ndarray | None]:
    """The layer as compact columnar JSON (see :func:`decode`), its feature count and bounds.

    Columnar rather than a GeoJSON FeatureCollection: property names and geometry types are
    written once per layer, and text columns with repeated values as a lookup table plus codes,
    which halves the size of a building layer; the browser rebuilds the features (``spFeatures``).
    Rows with missing or empty geometry cannot be drawn: they are logged and put in ``report``.
    With ``label_points`` each feature gets ``_at``, a point inside it where its label goes.
    Coordinates are written to ``decimals``, points to ``point_decimals`` (homes and the gaps drawn
    round them: :data:`HOME_POINT_DECIMALS`).
    """
    geoms = display_geometry(gdf, name, gcj02, decimals=decimals, point_decimals=point_decimals)
    drawable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not drawable.all():
        id_col = next((c for c in _ID_COLUMNS if c in gdf.columns), None)
        ids = pd.unique(np.asarray(gdf.index if id_col is None else gdf[id_col], dtype=object)[~drawable])
        said = (name, id_col, tuple(map(str, ids)))
        if said not in _SAID:  # a layer drawn once per band, or on two maps of one run: said once
            _SAID.add(said)
            logger.warning("%s: %s %s no geometry and %s not drawn (%s %s)", name, counted(len(ids), "row"),
                           *(("has", "is") if len(ids) == 1 else ("have", "are")), id_col or "index",
                           ", ".join(map(str, ids[:10])))
        if report is not None:
            for rid in np.asarray(gdf.index)[~drawable]:
                report.add(name, rid, "empty or missing geometry", "not drawn on the map",
                           zh=("几何为空或缺失", "未在地图上绘出"))
    rows = np.flatnonzero(drawable)
    styles = np.zeros(len(gdf), dtype=int) if style_index is None else np.asarray(style_index, dtype=int)
    types: list[str] = []
    codes, coords = [], []
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    origin, packed = _packed(geoms[drawable])
    for g, flat in zip(shapely.to_geojson(geoms[drawable]), packed):
        # '{"type":"Polygon","coordinates":[...]}' -> type and the bare coordinate array
        gtype = g[9 : g.index('"', 9)]
        head = '{"type":"' + gtype + '","coordinates":'
        if flat is not None:
            body = dumps(flat)
        elif g.startswith(head):
            body = g[len(head) : -1]
        else:  # GeometryCollection: keep the whole object
            gtype, body = "GeometryCollection", g
        if gtype not in types:
            types.append(gtype)
        codes.append(types.index(gtype))
        coords.append(body)
    columns = {k: _column([None if v == "" else v for v in (props[k][i] for i in rows)])
               for k in props}
    columns["_s"] = [int(v) for v in styles[rows]]
    if label_points:
        at = shapely.get_coordinates(shapely.point_on_surface(geoms[drawable]))
        columns["_at"] = np.round(at, 6).tolist()
    text = (
        '{"n":' + str(len(rows)) + ',"types":' + dumps(types)
        + ',"t":' + (dumps(codes[0]) if len(types) == 1 else dumps(codes))
        + ',"p":' + dumps(columns) + ("" if origin is None else ',"e":' + dumps(origin))
        + ',"g":[' + ",".join(coords) + "]}"
    )
    bounds = shapely.total_bounds(geoms[drawable]) if drawable.any() else None
    return text, len(rows), bounds


def _packed(geoms: np.ndarray) -> tuple[list[int] | None, list]:
    """Lines and polygons as integers of 1e-6 degree, delta-encoded per ring or line (as the grid
    editor writes them, :mod:`spatial.maps._encode`): ``[dx, dy, dx, dy, ...]`` runs nested as
    the GeoJSON coordinates are, the first point of each run from ``origin``. A vertex then takes
    about 8 characters instead of 23 (``[114.000812,22.549975],``) and draws at the same point.
    Points and GeometryCollections are ``None`` (written as GeoJSON)."""
    kind = shapely.get_type_id(geoms)
    lines, shapes = np.flatnonzero(np.isin(kind, (1, 5))), np.flatnonzero(np.isin(kind, (3, 6)))
    out: list = [None] * len(geoms)
    if not len(lines) and not len(shapes):
        return None, out
    x0, y0 = np.rint(shapely.total_bounds(geoms[np.r_[lines, shapes]])[:2] * SCALE).astype(int).tolist()
    for k, polys in zip(shapes.tolist(), encode_polygons(geoms[shapes], x0, y0)):
        out[k] = polys[0] if kind[k] == 3 else polys
    if len(lines):
        parts, part_of = shapely.get_parts(geoms[lines], return_index=True)
        flat = encode_lines(parts, x0, y0)
        for k in lines.tolist():
            out[k] = []
        for p, g in enumerate(part_of.tolist()):
            out[lines[g]].append(flat[p])
        for k in lines.tolist():
            if kind[k] == 1:
                out[k] = out[k][0]
    return [x0, y0], out


def _unpack(body, gtype: str, origin: list[int]):
    """The GeoJSON coordinates of one packed geometry (what ``spCoords`` does in the page)."""
    if gtype in ("MultiLineString", "Polygon"):
        return [_unpack(r, "LineString", origin) for r in body]
    if gtype == "MultiPolygon":
        return [_unpack(p, "Polygon", origin) for p in body]
    xy = np.cumsum(np.asarray(body, dtype=np.int64).reshape(-1, 2), axis=0) + np.asarray(origin, dtype=np.int64)
    return (xy / SCALE).tolist()


def _column(values: list):
    """A property column: the list itself, or ``{"k": distinct values, "i": codes}`` for text
    columns that repeat (bands, station names, community ids)."""
    if len(values) < 8 or not all(isinstance(v, str) or v is None for v in values):
        return values
    distinct = list(dict.fromkeys(values))
    if len(distinct) > len(values) // 2:
        return values
    index = {v: i for i, v in enumerate(distinct)}
    return {"k": distinct, "i": [index[v] for v in values]}


def decode(data: str | dict) -> list[dict]:
    """The GeoJSON features of a :func:`layer_json` string (what ``spFeatures`` does in the page)."""
    d = json.loads(data) if isinstance(data, str) else data
    cols = {k: ([v["k"][i] for i in v["i"]] if isinstance(v, dict) else v) for k, v in d["p"].items()}
    out = []
    for i in range(d["n"]):
        t = d["types"][d["t"] if isinstance(d["t"], int) else d["t"][i]]
        g = d["g"][i]
        if "e" in d and t in ("LineString", "MultiLineString", "Polygon", "MultiPolygon"):
            g = _unpack(g, t, d["e"])
        geometry = g if t == "GeometryCollection" else {"type": t, "coordinates": g}
        props = {k: v[i] for k, v in cols.items() if v[i] is not None}
        out.append({"type": "Feature", "geometry": geometry, "properties": props})
    return out


#: Popup rows of each layer, in order (columns missing from a layer are skipped). ``community``
#: is the community's name looked up from ``community_id``; ``nearest_station`` shows the
#: station's name. Add a column here and a label in ``_mapstyle.FIELD_LABELS`` to show it.
COMMUNITY_FIELDS = ["street", "code", "households"]
GRID_FIELDS = ["grid_code", "community", "four_bounds", "households", "band_status", "deviation_pct",
               "households_kept_pct", "units_moved_in", "units_moved_out", "full_time_workers",
               "part_time_workers", "building_leads", "household_leads", "population", "n_units",
               "n_buildings", "area_m2", "polsby_popper", "road_share"]
UNIT_FIELDS = ["community", "grid_id", "households", "population", "band", "walk_min", "walk_m",
               "nearest_station", "reason", "access", "off_network_m"]
STATION_FIELDS = ["type", "community", "floor_area_m2", "reason", "households_served", "population_served",
                  "households_estimated", "m2_per_100hh", "under_standard", "fca_m2_per_100hh", "walls_note"]
#: A gap's popup rows: the 盲区 sheet's figures (its walk to the nearest station and its 备注 too).
GAP_FIELDS = ["cause", "community", "households", "population", "n_points", "rank", "walk_to_station_m",
              "walk_to_station_min", "note"]

#: Display words of the coverage engine's values (``access``, gap ``cause``, ``under_standard``); a
#: gap's cause as :func:`spatial.io._gapwords.cause_words` says it, the same words as the 盲区 sheet.
VALUE_WORDS = {
    "zh": {"network": "沿路网步行", "estimated": "估算步行（小区内道路未入图，按直线×绕行系数）",
           "unreachable": "无法步行到达", **CAUSE_WORDS["zh"], True: "低于每百户面积标准"},
    "en": {"network": "along the mapped network", "estimated": "estimated (paths inside the estate not mapped)",
           "unreachable": "no walk", **CAUSE_WORDS["en"], True: "under the floor area standard per 100 households"},
}
SITE_FIELDS = ["gain_households", "gain_population", "cum_coverage_pct"]


def gap_notes(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``gaps`` with each ``note`` (homes grouped by straight distance, and why) in ``lang``, as the
    盲区 sheet says it (按直线距离归组：距路网过远), a blank one as none (no empty 说明 line).

    Examples
    --------
    >>> notes = pd.DataFrame({"note": ["grouped by straight distance: too far from network", "", None]})
    >>> gap_notes(notes, "zh")["note"].tolist()
    ['按直线距离归组：距路网过远', None, None]
    """
    if "note" not in gaps.columns:
        return gaps
    from spatial.core._words_zh import gap_note_zh

    said = [v if isinstance(v, str) and v.strip() else None for v in gaps["note"]]
    return gaps.assign(note=pd.Series([gap_note_zh(v) if v and lang == "zh" else v for v in said], index=gaps.index,
                                      dtype=object))


def station_id_column(stations: pd.DataFrame, demand: pd.DataFrame | None) -> str:
    """The column a coverage map names stations by when they have no ``name``: the id column the
    walks were scored with (:func:`~spatial.coverage.walks.walking_coverage`'s
    ``attrs["station_id_col"]``), ``station_id``, else the one column whose values are all the
    walks' ``nearest_station`` ids (walks read back from a file keep no attrs).

    Raises
    ------
    ColumnError
        None is found: the message names the option to pass (``name_col``).
    """
    from spatial.core.errors import ColumnError

    attrs = getattr(demand, "attrs", {}) or {}
    said = [attrs.get("station_id_col"), (attrs.get("station_reasons") or {}).get("id_col"), "station_id"]
    for col in said:
        if isinstance(col, str) and col in stations.columns:
            return col
    nearest = demand["nearest_station"] if demand is not None and "nearest_station" in demand.columns else None
    if nearest is not None and nearest.notna().any():
        wanted = set(nearest.dropna().map(label_text))
        geom = getattr(stations, "_geometry_column_name", None)
        fits = [c for c in stations.columns if c != geom and wanted <= set(stations[c].dropna().map(label_text))]
        if len(fits) == 1:
            return fits[0]
    cols = ", ".join(map(str, stations.columns))
    raise ColumnError(f"'stations' has no column 'name' and no station id column the walks name (it has: {cols}); "
                      "pass the column naming the stations with the name_col option (name_col='sid' for stations "
                      "scored with walking_coverage(..., station_id_col='sid'))")


def names_of(frame: pd.DataFrame | None, id_col: str, name_col: str = "name") -> dict[str, str]:
    """``{id: name}`` of a layer that has both columns (else empty); names written as the map's
    labels write them (a name 101 of a column with blanks, read as 101.0, is ``"101"``). Each id
    is a key as text and as the labels write it (``"101.0"`` and ``"101"``), so the ids of another
    layer match whichever way that layer holds them (an integer column, or one with blanks)."""
    if frame is None or id_col not in frame.columns or name_col not in frame.columns:
        return {}
    names = jsonable(frame[name_col], name_col)
    out = {}
    for raw, label, n in zip(frame[id_col].astype(str), frame[id_col].map(label_text), names):
        if n is not None and str(n).strip():
            out[raw] = out[label] = str(n)
    return out


def file_status(grids: pd.DataFrame, status_col: str) -> np.ndarray:
    """The grids' own ``under``/``in``/``over`` from ``status_col``, checked."""
    require_columns(grids, [status_col], "grids")
    status = grids[status_col].astype(str).to_numpy()
    bad = sorted(set(status) - {"under", "in", "over"})
    if bad:
        raise ColumnError(f"'grids' column '{status_col}' holds {', '.join(map(repr, bad[:5]))}; a grid's status "
                          "is 'under', 'in' or 'over' (give the band with min_households= and max_households= "
                          "instead)")
    return status


def grid_notes(grids: pd.DataFrame, notes: pd.DataFrame | Report | None, lang: str) -> list | None:
    """Each grid's rows of the report table ``notes`` (layer ``grids``, row id its ``grid_id``), in
    ``lang``, as one line: what is wrong and what to do (a grid no plan brings within the rule, one
    left out of the band). A row that reads English (without its Chinese: the report layer of a
    GeoPackage is stored in English) is written as English in a Chinese map too; a row naming several grids (``B、A-a``) is
    on each of them. None when no grid has a row.

    Examples
    --------
    >>> grids = pd.DataFrame({"grid_id": ["C1-01", "C1-02"]})
    >>> notes = pd.DataFrame({"layer": ["grids", "units"], "row_id": ["C1-02", "U7"],
    ...                       "problem": ["12% over the mean", "no geometry"], "action": ["accept it", "left out"]})
    >>> grid_notes(grids, notes, "en")
    [None, '12% over the mean. Accept it']
    """
    if notes is None or "grid_id" not in grids.columns:
        return None
    table = notes.to_frame(zh_columns=True) if isinstance(notes, Report) else notes
    if not len(table) or not {"layer", "row_id", "problem", "action"} <= set(table.columns):
        return None
    on_grids = table[table["layer"].astype(str) == "grids"]
    rows = report_in(on_grids, lang)
    # a row is joined as Chinese when its problem reads Chinese: the report layer of a GeoPackage is
    # stored in English, and "… more than 76。no plan puts …" is neither language
    chinese = (rows["problem"].astype(str).map(_reads_chinese).to_numpy(bool) if lang == "zh"
               else np.zeros(len(rows), bool))
    ids = set(grids["grid_id"].astype(str))
    said: dict[str, list[str]] = {}
    for rid, problem, action, zh in zip(rows["row_id"].astype(str), rows["problem"].astype(str),
                                        rows["action"].astype(str), chinese):
        line = f"{problem}。{action}" if zh else f"{problem}. {action[:1].upper()}{action[1:]}"
        into = _MERGED_INTO.match(action.strip())
        if rid not in ids and into and into.group(1).strip() in ids:  # a grid a redraw merged away: on
            # the grid that took its units, saying which grid it was
            said.setdefault(into.group(1).strip(), []).append((f"网格{rid}：" if zh else f"Grid {rid}: ") + line)
            continue
        # a row on several grids names them all ("B、A-a": a redraw that drew the community again)
        for gid in [rid] if rid in ids else rid.split("、"):
            said.setdefault(gid, []).append(line)
    out = [" / ".join(said[g]) if g in said else None for g in grids["grid_id"].astype(str)]
    return out if any(out) else None


#: The action of a redraw's report row on a grid merged into another ("merged into B", "已并入 B").
_MERGED_INTO = re.compile(r"^(?:merged into|已并入)\s*(.+)$")


def _reads_chinese(text: str) -> bool:
    """More Chinese characters than Latin letters (an English row naming a grid 东片-01 is English)."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk > sum(1 for ch in text if ch.isascii() and ch.isalpha())


def popup_props(gdf: pd.DataFrame, columns: Sequence[str], lang: str, *,
                names: dict[str, dict[str, str]] | None = None) -> tuple[dict, list]:
    """Popup properties of ``columns`` in display form and their ``(column, label, hint)`` rows.

    Values are what an official reads: the community's and the nearest station's names (from
    ``names["community"]`` / ``names["station"]``), bands as "5分钟内", reasons in ``lang``,
    ``road_share`` as a percentage; columns missing from ``gdf`` are skipped.
    """
    names = names or {}
    props, fields = {}, []
    for c in columns:
        if c == "community":
            if "community_id" not in gdf.columns or not names.get("community"):
                continue
            ids = gdf["community_id"].map(label_text)  # 101.0 (a column with blanks) is 101
            props[c] = [names["community"].get(i) for i in ids]
        elif c not in gdf.columns:
            continue
        elif c == "nearest_station":
            lookup = names.get("station", {})
            props[c] = [None if v is None else lookup.get(str(v), v) for v in jsonable(gdf[c], c)]  # ids read as numbers
        elif c == "band":
            props[c] = [None if v is None else st.band_reach(lang, v) for v in jsonable(gdf[c], c)]
        elif c == "reason":
            props[c] = [st.reason_label(lang, v) for v in jsonable(gdf[c], c)]
        elif c == "cause":
            props[c] = cause_words(gdf, lang)
        elif c == "access":
            props[c] = [VALUE_WORDS[lang].get(v, v) for v in jsonable(gdf[c], c)]
        elif c == "under_standard":  # shown only where a station falls short (unknown area: blank)
            # read back from a GeoPackage, a boolean field with NULLs (unknown areas) comes as
            # True/None/False objects or 1.0/NaN/0.0: read as yes/no, blank as no
            props[c] = [VALUE_WORDS[lang][True] if v else None for v in yes_no(gdf[c])]
        elif c == "road_share":
            props[c] = jsonable(pd.to_numeric(gdf[c], errors="coerce") * 100, "road_share_pct")
        else:
            props[c] = jsonable(gdf[c], c)
        fields.append(st.field(lang, c))
    return props, fields


def head_props(n: int, *, title=None, sub=None, summary=None, ids=None) -> dict[str, list]:
    """The popup head of each feature: title, subtitle, one-line summary, ids in small print."""
    out = {}
    for key, values in (("_t", title), ("_sub", sub), ("_sum", summary), ("_ids", ids)):
        if values is not None:
            values = list(values)
            if len(values) != n:
                raise ValueError(f"{key}: {len(values)} values for {n} features")
            out[key] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                        for v in values]
    return out


def community_coverage(summary, demand, bands, households_col, communities=None) -> pd.DataFrame | None:
    """Per-community (and overall) % of households covered per band: the rows of ``summary``, else
    of :func:`spatial.coverage.walks.coverage_summary` of ``demand`` (by its ``community_id``, else
    by the ``communities`` outlines its homes lie in), so the map's table has the figures, the order
    (C1, C2 ... C10) and the empty share of a community without households the summary CSV has."""
    if summary is None:
        placed = "community_id" in demand.columns
        outlines = communities is not None and "community_id" in communities.columns
        if households_col not in demand.columns or not (placed or outlines):
            return None
        from spatial.coverage._summary import coverage_summary  # not .walks: a map loads no walking network

        if not bands:  # a community no station serves: no home names a band ("bands is empty" blamed the caller)
            raise OptionError(f"'demand' has no {'homes' if len(demand) == 0 else 'home within a band'}, so the map "
                              "cannot tell which bands the walks were scored for; pass them, e.g. bands=['5min', "
                              "'10min', '15min'] (the minutes or meters given to walking_coverage)")

        summary = coverage_summary(demand, bands=list(bands), communities=None if placed else communities,
                                   households_col=households_col)
    require_columns(summary, ["level", "id"], "coverage_summary")
    table = summary[summary["level"].isin(["overall", "community"])].copy()
    table["id"] = table["id"].astype(str)
    return table


def read_layers(path, required: Sequence, optional: Sequence[str], what: str) -> dict:
    """Read the named layers of a GeoPackage: ``required`` ones must be there, ``optional`` may.

    A required entry may be a tuple of names (``("demand", "coverage_demand")``): the first one
    present is read and returned under the first name. Attribute-only tables come back as
    DataFrames.
    """
    import pyogrio

    from spatial.io._report_zh import with_zh
    from spatial.io.layers import layer_names, read_layer

    if not Path(path).exists():
        raise InputFileError(f"{what} file '{path}' does not exist")
    present = set(layer_names(path))  # a damaged file: one line saying so
    wanted = {}
    for entry in required:
        names = (entry,) if isinstance(entry, str) else tuple(entry)
        found = next((n for n in names if n in present), None)
        if found is None:
            raise InputFileError(
                f"{what} file '{path}' has no layer {' or '.join(map(repr, names))}; it has "
                f"{', '.join(sorted(present)) or 'none'}. Write it with the matching spatial command"
            )
        wanted[names[0]] = found
    wanted.update({n: n for n in optional if n in present})
    out = {}
    for key, name in wanted.items():
        info = pyogrio.read_info(path, layer=name)
        if info.get("geometry_type") is None:  # (a report: with its rows' Chinese, kept in its metadata)
            out[key] = with_zh(pyogrio.read_dataframe(path, layer=name, read_geometry=False),
                               info.get("layer_metadata"))
        else:
            out[key] = read_layer(path, layer=name, name=f"{Path(path).name}:{name}")
    return out
