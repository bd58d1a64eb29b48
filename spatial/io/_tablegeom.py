"""Geometry of a CSV or Excel table: longitude/latitude columns, or one column of WKT.

Station lists come with longitude and latitude under many names (``lon``, ``经度``, ArcGIS's
``POINT_X`` from "Add XY Coordinates", ``东经``); units and blocks come as WKT when exported from
QGIS (``WKT``, ``wkt_geom``), geopandas (``geometry``) or PostGIS (EWKT, ``SRID=4326;...``).
Either way every row gets a geometry or is named in the error; the only rows left out are those
below the table that hold no coordinates and open with a total or a note (合计, 注：...), each
named in a warning. The numbers
are longitude/latitude (``crs``, EPSG:4326 unless an EWKT prefix says otherwise), moved from
GCJ-02/BD-09 when the rows say so. Written here because GDAL's CSV driver takes the geometry
column and CRS only as open options a user must know to give, and names no bad row; shapely
parses the WKT. Imports :mod:`spatial.core` and :mod:`spatial.io.coords`.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.core.checks import guess_crs, require_degrees_in_range
from spatial.core.errors import ColumnError, CRSError
from spatial.io.columns import ROLES, bare_name
from spatial.io.coords import convert, normalize_coord_sys

logger = logging.getLogger(__name__)

__all__ = ["table_geometry"]

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "东经", "x坐标", "point_x", "lon_wgs84", "lng_wgs84")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "北纬", "y坐标", "point_y", "lat_wgs84")
WKT_NAMES = ("wkt", "wkt_geom", "geometry", "geom", "the_geom", "shape", "几何", "geometry_wkt")
#: What to do when the columns are named otherwise (said in every "no column" message).
_NAME_THEM = ("name the columns lon and lat (or 经度 and 纬度), or the WKT column WKT; from Python or a "
              "project file's input, lon_col= and lat_col= name other longitude/latitude columns")
#: The columns that name a row in a message, first found: its name, else its id (bare names).
_NAMED_BY = tuple(dict.fromkeys(bare_name(n) for role in ("name", "station_id", "candidate_id", "unit_id")
                                for n in (ROLES[role][0], *ROLES[role][1])))
_EWKT = re.compile(r"^\s*SRID=(\d+)\s*;", re.IGNORECASE)
#: How the rows below a table open: totals, notes, who made and checked it.
_FOOTER = (r"(合\s*计|总\s*计|小\s*计|共\s*计|注\s*[：:]|备\s*注|说\s*明|制\s*表|填\s*表|审\s*核|负责人"
           r"|total\b|note)")


#: A cell holding longitude and latitude together, as a map's coordinate picker (高德/百度坐标拾取)
#: copies them: ``121.4790,31.2300`` (a full-width comma or spaces too).
_PAIR = re.compile(r"^\s*-?\d{1,3}(\.\d+)?\s*[,，;；\s]\s*-?\d{1,3}(\.\d+)?\s*$")


def _pairs_said(df: pd.DataFrame) -> str:
    """What the "no longitude column" message adds when a column holds both numbers in one cell:
    its name, a value, and how to split it; ``""`` otherwise."""
    for col in df.columns:
        values = df[col].dropna()
        values = values[values.astype(str).str.strip() != ""]
        if len(values) and values.map(lambda v: isinstance(v, str) and bool(_PAIR.match(v))).all():
            return (f"Column {col!r} holds two numbers in each cell ({values.iloc[0].strip()!r}): longitude and "
                    f"latitude together, as a map's coordinate picker copies them; split it into two columns "
                    f"经度 and 纬度 (Excel: 数据 > 分列, by the comma). ")
    return ""


def table_geometry(df: pd.DataFrame, label: str, lines: np.ndarray, *, lon_col: str | None = None,
                   lat_col: str | None = None, coord_sys: str = "wgs84", coord_sys_col: str | None = None,
                   crs: str | None = None) -> tuple[pd.DataFrame, np.ndarray, CRS]:
    """The table's columns (a WKT column taken out), one geometry per row, and their CRS.

    ``lines``: each row's line (or Excel row) number, for messages. Longitude and latitude
    columns win over a WKT column; ``lon_col`` / ``lat_col`` name them.
    """
    if lon_col is None and lat_col is None:
        lon_col, lat_col = _match(df, LON_NAMES), _match(df, LAT_NAMES)
        wkt_col = _match(df, WKT_NAMES) if lon_col is None or lat_col is None else None
        if wkt_col is not None:
            return _from_wkt(df, wkt_col, label, lines, coord_sys, coord_sys_col, crs)
        for col, what, names in ((lon_col, "longitude", LON_NAMES), (lat_col, "latitude", LAT_NAMES)):
            if col is None:
                raise ColumnError(
                    f"'{label}' has no {what} column (looked for {', '.join(names)}) and no WKT geometry column "
                    f"(looked for {', '.join(WKT_NAMES)}); it has: {', '.join(map(str, df.columns))}. "
                    + _pairs_said(df) + f"{_NAME_THEM[0].upper()}{_NAME_THEM[1:]}"
                )
    else:  # one named: the other found by name
        lon_col, lat_col = lon_col or _match(df, LON_NAMES), lat_col or _match(df, LAT_NAMES)
    for col, opt, what in ((lon_col, "lon_col", "longitude"), (lat_col, "lat_col", "latitude")):
        if col is None:
            raise ColumnError(f"'{label}' has no {what} column; it has: {', '.join(map(str, df.columns))}. "
                              f"Name it with {opt}=")
        if col not in df.columns:
            raise ColumnError(f"'{label}' has no column {col!r} (given as {opt}); it has: {', '.join(df.columns)}")
    df, lines = _without_footers(df, lines, df[lon_col].isna() & df[lat_col].isna(), label)
    lon, lat = _degrees(df[lon_col], label), _degrees(df[lat_col], label)
    bad = np.isnan(lon) | np.isnan(lat)
    if bad.any():
        typed = any(isinstance(df[c].iloc[k], str) and df[c].iloc[k].strip()
                    for k in np.flatnonzero(bad) for c in (lon_col, lat_col))
        raise ColumnError(f"'{label}': missing or non-numeric coordinates in "
                          f"{_rows(df, lines, bad, lon_col, lat_col)}; "
                          + ("write each as decimal degrees (e.g. 114.05831), " if typed else "")
                          + "fill them in or delete those rows")
    target = CRS.from_user_input("EPSG:4326" if crs is None else crs)
    _check_degrees(df, label, lines, target, lon, lat, lon, lat, (lon_col, lat_col),
                   f"columns {lon_col!r} and {lat_col!r} look swapped", "swap the two columns' names")
    if target.is_projected and len(df):  # metres in a zone: x and y the surveyors' way round (X north)?
        require_degrees_in_range(
            gpd.GeoDataFrame(geometry=shapely.points(lon, lat), crs=target), f"'{label}'", crs=target,
            fix=f"check crs={crs!r}", swap_fix=f"name the columns the other way round: lon_col={lat_col!r}, "
                                               f"lat_col={lon_col!r} (the easting is lon_col)")
    systems = _row_systems(df, coord_sys, coord_sys_col, label, lines)
    for system, mask in _shifted(systems, label, target, crs):
        lon[mask], lat[mask] = convert(lon[mask], lat[mask], source=system, target="wgs84")
    return df, shapely.points(lon, lat), target


#: A longitude or latitude in degrees as tables also give it (after NFKC): ``114.0583°E``,
#: ``E114.0583``, ``东经114.0583``, ``114°3′29.9″`` (degrees, minutes, seconds; ``度分秒`` too), and
#: full-width digits.
_DEGREES = re.compile(
    r"^(?P<pre>[EWNS]|东经|西经|北纬|南纬)?\s*(?P<d>\d+(?:\.\d+)?)\s*(?:°|度)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:['′]|分))?\s*(?:(?P<s>\d+(?:\.\d+)?)\s*(?:\"|″|′′|''|秒))?"
    r"\s*(?P<post>[EWNS]|东经|西经|北纬|南纬)?$", re.IGNORECASE)


def _degrees(column: pd.Series, label: str) -> np.ndarray:
    """``column`` as decimal degrees: numbers, and text in degrees with a sign, a hemisphere or
    minutes and seconds (:data:`_DEGREES`) read as the degrees it says, said once with an
    example; NaN where it is empty or no such text (the caller names those rows).

    Examples
    --------
    >>> _degrees(pd.Series([114.5, "114°3′29.88″", "E114.0583", "22.5°N", "x"]), "t").round(6).tolist()
    [114.5, 114.0583, 114.0583, 22.5, nan]
    """
    out = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, copy=True)
    raw = column.to_numpy(dtype=object)
    read, wide = {}, {}  # wide: plain decimals in full-width digits (１１４．０５８), as an input method types them
    for k in np.flatnonzero(np.isnan(out)):
        text = unicodedata.normalize("NFKC", raw[k]).strip() if isinstance(raw[k], str) else ""
        m = _DEGREES.match(text) if text else None
        if m is None:
            continue
        value = float(m["d"]) + float(m["m"] or 0) / 60 + float(m["s"] or 0) / 3600
        west = (m["pre"] or m["post"] or "").upper() in ("W", "S", "西经", "南纬")
        if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", raw[k].strip()):  # a number with spaces round it (web copy: \xa0)
            out[k] = -value if west else value
            continue
        (wide if re.fullmatch(r"\d+(?:\.\d+)?", text) else read)[int(k)] = -value if west else value
    for said, how in ((read, "with °, minutes or E/N"), (wide, "in full-width digits")):
        if said:
            out[list(said)] = list(said.values())
            first = next(iter(said))
            logger.warning("'%s' column '%s': %d coordinates written %s read as decimal degrees ('%s' as %.6f)",
                           label, column.name, len(said), how, raw[first], said[first])
    return out


def _without_footers(df, lines, empty, label):
    """``df`` and ``lines`` without the rows below a table that are a total or a note (合计, 注：
    ...: no coordinates, and a first filled cell opening with such a word), each named in a
    warning; other rows without coordinates stay, to be named as missing."""
    rows = np.flatnonzero(empty.to_numpy())  # only rows without coordinates can be a total or a note
    first = {k: next((str(v).strip() for v in df.iloc[k] if not pd.isna(v) and str(v).strip()), "") for k in rows}
    foot = np.zeros(len(df), dtype=bool)
    foot[[k for k in rows if re.match(_FOOTER, first[k], re.IGNORECASE)]] = True
    if not foot.any():
        return df, lines
    logger.warning("'%s': skipped %s: a total or a note, not a row of the table", label,
                   ", ".join(f"row {lines[k]} ({first[k][:20]!r})" for k in np.flatnonzero(foot)))
    return df.loc[~foot].reset_index(drop=True), lines[~foot]


def _from_wkt(df, col, label, lines, coord_sys, coord_sys_col, crs):
    """:func:`table_geometry` from the WKT (or EWKT) of column ``col``."""
    df, lines = _without_footers(df, lines, df[col].isna(), label)
    text = df[col].astype(object).where(df[col].notna(), None).to_numpy()
    srid = np.array([None if t is None else (m.group(1) if (m := _EWKT.match(str(t))) else None) for t in text],
                    dtype=object)
    bare = np.array([None if t is None else _EWKT.sub("", str(t)) for t in text], dtype=object)
    geoms = shapely.from_wkt(bare, on_invalid="ignore")
    missing = pd.isna(df[col]).to_numpy() | (np.char.strip(bare.astype(str)) == "")
    bad = shapely.is_missing(geoms) & ~missing
    if bad.any():
        raise ColumnError(f"'{label}': column {col!r} is not WKT geometry in {_rows(df, lines, bad, col)}; "
                          "write it as WKT, such as POINT (114.05 22.54) or POLYGON ((...)), or delete those rows")
    empty = missing | shapely.is_empty(geoms)
    if empty.any():
        raise ColumnError(f"'{label}': no geometry in {_rows(df, lines, empty, col)}; "
                          "fill it in or delete those rows")
    codes = sorted(set(srid[srid != None].tolist()))  # noqa: E711 (an object array)
    if len(codes) > 1 or (codes and (srid == None).any()):  # noqa: E711
        raise CRSError(f"'{label}': column {col!r} mixes coordinate systems (SRID {', '.join(codes) or 'none'} "
                       "and rows without one); give every row in one system")
    if codes and crs is not None and CRS.from_user_input(crs) != CRS.from_epsg(int(codes[0])):
        raise CRSError(f"'{label}': the WKT says SRID={codes[0]} but crs={crs!r} was given; drop one of the two")
    target = CRS.from_epsg(int(codes[0])) if codes else CRS.from_user_input("EPSG:4326" if crs is None else crs)
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    _check_degrees(df, label, lines, target, np.c_[x0, x1], np.c_[y0, y1], x0, y0, (col,),
                   f"column {col!r} looks like latitude first", "write each point as longitude then latitude")
    systems = _row_systems(df, coord_sys, coord_sys_col, label, lines)
    for system, mask in _shifted(systems, label, target, crs):
        geoms[mask] = shapely.transform(geoms[mask], lambda xy, s=system: np.column_stack(
            convert(xy[:, 0], xy[:, 1], source=s, target="wgs84")))
    logger.info("'%s': geometry from the WKT of column %s", label, col)
    return df.drop(columns=[col]), geoms, target


def _check_degrees(df, label, lines, target, xs, ys, x, y, cols, swapped, fix):
    """On a geographic ``target``, refuse every row out of -180..180 / -90..90 (``xs``, ``ys``:
    each row's x and y values, one or more per row) and tables whose every ``x`` (0-60) and
    ``y`` (70-140) look like latitude and longitude the other way round (China's)."""
    if not target.is_geographic or not len(df):
        return
    xs, ys = np.asarray(xs).reshape(len(df), -1), np.asarray(ys).reshape(len(df), -1)
    if len(df) and np.all((x > 0) & (x < 60)) and np.all((y > 70) & (y < 140)):
        raise ColumnError(f"'{label}': {swapped} (every longitude is below 60 and every latitude above 70); {fix}")
    out = (np.abs(xs) > 180).any(axis=1) | (np.abs(ys) > 90).any(axis=1)
    if out.any():
        # a row whose two values would be in range the other way round was typed swapped
        turned = out & (np.abs(ys) <= 180).all(axis=1) & (np.abs(xs) <= 90).all(axis=1)
        hint = (f"{' and '.join(map(str, cols))} look swapped there (the longitude is the larger number in "
                "China); swap them back, or " if turned[out].all() and len(cols) == 2 else "")
        guess = guess_crs((np.nanmin(xs), np.nanmin(ys), np.nanmax(xs), np.nanmax(ys))) if out.all() else ""
        raise ColumnError(f"'{label}': coordinates out of range (lon -180..180, lat -90..90) in "
                          f"{_rows(df, lines, out, *cols)}; {hint}if they are projected metres, save the table as "
                          f"a GeoPackage with its CRS (or pass crs= from Python){guess}")


def _shifted(systems, label, target, crs):
    """(system, mask) for each of GCJ-02 and BD-09 that some rows are in."""
    if not (systems != "wgs84").any():
        return []
    if not target.is_geographic:
        raise CRSError(f"'{label}': GCJ-02/BD-09 coordinates are longitude/latitude, but crs={crs!r} is "
                       "projected; pass crs='EPSG:4326'")
    out = [(s, systems == s) for s in ("gcj02", "bd09") if (systems == s).any()]
    for s, mask in out:
        logger.info("'%s': moved %d rows from %s to WGS-84", label, int(mask.sum()), s)
    return out


def _match(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first column of ``df`` whose bare name (brackets, spaces and case aside: "经度（GCJ02）",
    "Lon (deg)" and " LNG " count as their bare names; 經度 as 经度) is one of ``names``."""
    lowered = {}
    for c in df.columns:
        lowered.setdefault(bare_name(c), c)
    return next((lowered[n] for n in names if n in lowered), None)


def _rows(df: pd.DataFrame, lines: np.ndarray, mask: np.ndarray, *cols: str) -> str:
    """The rows of ``mask`` as a message names them: each by its line, its name (or id) when the
    table has one, and its values of ``cols``: ``row 6, 站点名称 '农科站' (经度=empty, 纬度=22.54)``,
    so the official finds the line to fix by the name as well as the number."""
    parts = []
    who = _match(df, _NAMED_BY)
    for k in np.flatnonzero(mask)[:10]:
        values = ", ".join(f"{c}={_show(df[c].iloc[k])}" for c in cols)
        name = None if who is None or who in cols else df[who].iloc[k]
        named = f", {who} {_show(name)}" if isinstance(name, str) and name.strip() or _filled(name) else ""
        parts.append(f"row {lines[k]}{named} ({values})")
    more = int(mask.sum()) - len(parts)
    return "; ".join(parts) + (f" and {more} more rows" if more > 0 else "")


def _filled(value) -> bool:
    """A number that names a row (an id 101), not a blank."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value)


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return "empty" if pd.isna(value) else str(value)


def _row_systems(df: pd.DataFrame, coord_sys: str, coord_sys_col: str | None, label: str,
                 lines: np.ndarray) -> np.ndarray:
    if coord_sys_col is None:
        return np.full(len(df), normalize_coord_sys(coord_sys), dtype=object)
    if coord_sys_col not in df.columns:
        raise ColumnError(f"'{label}' has no column {coord_sys_col!r} (given as coord_sys_col); it has: "
                          f"{', '.join(df.columns)}")
    out = np.empty(len(df), dtype=object)
    bad = np.zeros(len(df), dtype=bool)
    for k, value in enumerate(df[coord_sys_col]):
        try:
            out[k] = normalize_coord_sys(value)
        except ValueError:
            bad[k] = True
    if bad.any():
        raise ColumnError(f"'{label}': unknown coordinate system in {_rows(df, lines, bad, coord_sys_col)}; "
                          "write wgs84, gcj02 (Amap/Tencent) or bd09 (Baidu)")
    return out
