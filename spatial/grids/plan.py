"""Read a grid plan, ``unit_id -> grid_id``, from a table or layer, checked against the units.

A plan is what the grid editor exports (CSV ``unit_id,grid_id``, UTF-8 with BOM), a spreadsheet,
or any layer with both columns (the ``units`` layer of ``spatial grids``). Every unit must be
listed once: ids the units do not have, ids listed twice and units left out are refused with one
line naming them, so that an edited plan never silently loses or invents a unit. A plan to be
redrawn (``redraw=True``) may be older than the units: units removed since are left out of it and
units added since are placed by the redraw, both said in its warning and report.

A plan may also be the grids' own outlines, as offices keep them (a 网格边界 shapefile, a KML
drawn in 奥维互动地图): polygons with a grid id (or a name) and no unit ids. Each unit then goes
to the grid covering most of its area (:func:`plan_from_polygons`); units no outline touches are
left out of every grid, and units an old outline cuts are counted, so the redraw's moves and
report say what the outlines did not.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from spatial.core._ids import text_matches
from spatial.core._words import counted
from spatial.core.checks import listed, require_frame
from spatial.core.errors import ColumnError, DuplicateIdError, InputFileError
from spatial.grids._plan_meta import (band_metadata, names_beside, recorded_band, recorded_gated, recorded_rule,
                                      retired_after, unrecorded)
from spatial.io.columns import find_column
from spatial.io.layers import read_table

logger = logging.getLogger(__name__)

__all__ = ["read_plan", "plan_labels", "plan_layer", "plan_from_polygons", "is_outline_plan", "outlines_as_plan",
           "band_metadata", "recorded_band", "recorded_gated", "recorded_rule", "old_sequence", "plan_codes", "numbers_beside", "grids_beside",
           "names_beside", "retired_after", "unrecorded"]

#: Characters the editor escapes with a leading ' so that Excel does not read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _unescape(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        return text[1:]
    return text


#: An id Excel wrote with decimals (``101.0``: a column formatted ``0.0``, saved as it shows).
_DECIMALS = re.compile(r"(\d+)\.0+")
#: An id Excel wrote in scientific notation (a long numeric code shown as 4.40304E+11).
_SCIENTIFIC = re.compile(r"^-?\d(\.\d+)?[eE][+-]?\d+$")
_AS_TEXT = ("export the plan again and, in Excel, open it with the unit id column as text (数据 → 从文本/CSV, "
            "列数据格式：文本), or edit it in the grid editor")


def _zeros_restored(unknown: list, absent: list, *, what: str, partial: bool = False) -> dict | None:
    """``{listed id: unit id}`` when every id of ``unknown`` is one of ``absent`` with its leading
    zeros dropped (``123`` for ``00123``: Excel reads such codes as numbers) or written with
    decimals (``101.0`` for ``101``: Excel saves a CSV as its cells show, and a column formatted
    ``0.0`` shows them so), one to one, said in a warning naming ``what`` listed them; else None.
    With ``partial`` (a redraw, whose plan may list units removed since), the ids that match so
    are matched and the others left; None when none do."""
    by_digits = {}
    for a in absent:
        if a.isdigit():
            by_digits.setdefault(a.lstrip("0") or "0", []).append(a)
    out = {}
    for u in unknown:
        whole = _DECIMALS.fullmatch(u)
        digits = whole.group(1) if whole else u
        got = by_digits.get(digits) if digits.isdigit() else None
        if not got or len(got) != 1:
            if partial:
                continue
            return None
        out[u] = got[0]
    if not out or len(set(out.values())) != len(out):
        return None
    first = next((u for u in out if "." in u), next(iter(out)))
    logger.warning("%s: %d unit ids had lost their leading zeros%s (as Excel saves codes it reads as numbers: "
                   "'%s' for '%s'); matched to the units' ids", what, len(out),
                   " or been written with decimals" if "." in first else "", first, out[first])
    return out


#: Said when a plan and the units disagree: a redraw is how a plan follows units added or removed.
_REDRAW_TAKES = ("If units were added or removed since the plan, redraw it (spatial grids COMMUNITIES UNITS "
                 "--existing PLAN --out OUT.gpkg, without --evaluate): a redraw takes added and removed units")


def _plan_cells(path: Path, layer: str | None) -> pd.DataFrame:
    """A plan table's cells as text ('' where blank) under its header, read as every other table
    is (title lines above the header skipped); ids are kept as written."""
    table = read_table(path, sheet=layer, text=True, name="plan")
    if not len(table):
        raise InputFileError(f"plan '{path}' holds no rows; export the plan again (with a header row)")
    return table.map(lambda v: _unescape(_cell(v) or ""))


def _cell(value) -> str | None:
    """A cell as stripped text, None when blank or missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _read_table(path: Path, layer: str | None) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputFileError(f"plan '{path}' does not exist; check the path")
    from spatial.io._faults import TABLE_SUFFIXES  # the tables every reader takes (.tsv, .xlsm too)

    if suffix in TABLE_SUFFIXES:
        return _plan_cells(path, layer)
    from spatial.io.layers import read_layer

    return read_layer(path, layer=plan_layer(path, layer), name="plan", tables=True)  # a GeoPackage table too


def plan_layer(path: str | Path, layer: str | None = None) -> str | None:
    """The layer a plan is read from: ``layer`` when given, else the ``units`` layer of a GeoPackage
    holding several (a ``results.gpkg`` or ``grids.gpkg`` this package wrote), else None (the
    file's only layer). ``spatial grids --existing`` and a project file's ``[inputs] plan`` alike."""
    path = Path(path)
    if layer is not None or path.suffix.lower() != ".gpkg" or not path.is_file():
        return layer
    from pyogrio.errors import DataLayerError, DataSourceError

    from spatial.io.layers import data_layers

    try:
        names = data_layers(path)
    except (DataSourceError, DataLayerError, OSError):  # not a GeoPackage after all: read_layer says so
        return layer
    return "units" if len(names) > 1 and "units" in names else None


def read_plan(
    path: str | Path,
    units: pd.DataFrame | None = None,
    *,
    unit_id_col: str = "unit_id",
    grid_id_col: str = "grid_id",
    layer: str | None = None,
    named: bool = False,
) -> pd.Series:
    """Read a plan as a Series ``unit_id -> grid_id``, checking every unit is listed exactly once.

    Parameters
    ----------
    path : str or Path
        CSV (any encoding; a UTF-8 BOM is honoured), XLSX, or a layer file (GeoPackage: its
        ``units`` layer when it has several, or ``layer``) with ``unit_id_col`` and ``grid_id_col``.
    units : DataFrame, optional
        The units the plan assigns. When given, plan ids are matched to ``units[unit_id_col]``
        as text, ids not among the units and units not in the plan are errors, and the Series
        follows the units' order and id values.
    unit_id_col, grid_id_col : str
        Column names in the plan (and in ``units``).
    layer : str, optional
        Layer to read from a multi-layer file (a sheet of a workbook).
    named : bool
        ``grid_id_col`` was named by the user: a plan without it is an error, never read from
        another grid id column found by name (网格编号 ...; a plan may hold the old and the new).

    Returns
    -------
    pandas.Series
        Grid id (text; None where the plan leaves a unit out of every grid), named
        ``grid_id_col``. With ``units``, one row per unit in the units' order under the units'
        own index, so that ``units["grid_id"] = read_plan(path, units)`` puts each grid on its
        unit whatever the index (a RangeIndex, ids); the unit ids are ``units[unit_id_col]``.
        Without ``units``, indexed by the plan's unit ids (text), in the file's order.

    Raises
    ------
    ColumnError
        A column is missing, a row has no unit id, or ids are unknown or missing (named).
    DuplicateIdError
        A unit is listed more than once (named).

    Examples
    --------
    >>> import spatial, tempfile, pathlib
    >>> units = spatial.load_demo()["units"].head(3)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "plan.csv"
    >>> _ = path.write_text("unit_id,grid_id\\nC01-0001,A\\nC01-0002,A\\nC01-0003,B\\n", encoding="utf-8-sig")
    >>> units["grid_id"] = spatial.read_plan(path, units)  # aligned on the units' own index
    >>> units["grid_id"].tolist()
    ['A', 'A', 'B']
    """
    path = Path(path)
    if units is not None:
        require_frame(units, "units", geometry=False)  # (units.geometry or a list: named, not an AttributeError)
    table = _read_table(path, layer)
    if units is not None:
        table, _ = outlines_as_plan(table, units, unit_id_col=unit_id_col, grid_id_col=grid_id_col,
                                    name=f"'{path.name}'")
    table = pd.DataFrame(table).drop(columns=getattr(table, "_geometry_column_name", None) or [], errors="ignore")
    labels = plan_labels(table, units, unit_id_col=unit_id_col, grid_id_col=grid_id_col, name=f"'{path.name}'",
                         named=named)
    if units is not None:  # the units' rows: assigned to a column of units with a RangeIndex, never NaN
        labels.index = units.index
    return labels


def old_sequence(frame: pd.DataFrame, grid_id_col: str = "grid_id") -> dict:
    """``grid_id -> sequence number`` an old plan gave its grids (its ``grid_seq`` column, else the
    last digits of its ``grid_code``: 2 of 20, 3 of 15), for :func:`~spatial.grids.codes.assign_grid_codes`'
    ``kept_seq``; empty when ``frame`` has neither or no grid id. A grid given two numbers (rows
    that disagree) keeps none; blanks, 0 (an undivided community) and codes Excel made numbers
    (4.40304E+19) give none.

    Examples
    --------
    >>> old = pd.DataFrame({"grid_id": ["北1", "北1", "南2", "C1-07"],
    ...                     "grid_code": ["00000044030400700103", "00000044030400700103", "44030400700102", None]})
    >>> old_sequence(old)
    {'北1': 3}
    """
    if grid_id_col not in frame.columns:
        return {}
    if "grid_seq" in frame.columns:
        seq = frame["grid_seq"]
    elif "grid_code" in frame.columns:
        seq = frame["grid_code"].map(_code_sequence)
    else:
        return {}
    from spatial.grids.codes import _seq_number

    ids = frame[grid_id_col].map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v))
                                 else str(v).strip() or None)
    table = pd.DataFrame({"grid": ids.to_numpy(), "seq": seq.map(_seq_number).to_numpy()})
    table = table[table["grid"].notna() & (table["seq"] > 0)].drop_duplicates()
    one = table.groupby("grid")["seq"].transform("size") == 1
    return dict(zip(table.loc[one, "grid"], table.loc[one, "seq"].astype(int)))


def plan_codes(frame, grid_id_col: str = "grid_id") -> dict:
    """``grid_id -> grid_code`` the plan gave its grids (its ``grid_code`` column, as text; a grid
    given two codes by rows that disagree, or none, is left out); empty without such columns.

    Examples
    --------
    >>> plan_codes(pd.DataFrame({"grid_id": ["A", "A", "B", "C"],
    ...                          "grid_code": ["440304001001001", "440304001001001", None, "440304001001002"]}))
    {'A': '440304001001001', 'C': '440304001001002'}
    """
    if not hasattr(frame, "columns") or grid_id_col not in frame.columns or "grid_code" not in frame.columns:
        return {}
    from spatial.core.checks import label_text

    def blank(v):
        return v is None or (isinstance(v, str) and not v.strip()) or (not isinstance(v, str) and pd.isna(v))

    table = pd.DataFrame({"grid": [None if blank(v) else label_text(v).strip() for v in frame[grid_id_col]],
                          "code": [None if blank(v) else label_text(v).strip() for v in frame["grid_code"]]})
    table = table.dropna().drop_duplicates()
    one = table.groupby("grid")["code"].transform("size") == 1
    return dict(zip(table.loc[one, "grid"], table.loc[one, "code"]))


def numbers_beside(plan: pd.DataFrame, path: str | Path, layer: str | None = None) -> pd.DataFrame:
    """``plan`` (unit ids and ``grid_id``) with its grids' old sequence numbers (``grid_seq``) from
    the grids ``spatial grids`` or ``spatial run`` wrote beside it: the ``grids`` layer of the
    GeoPackage ``path`` (the plan is its ``units`` layer, ``layer``, or a plan of those units such
    as the editor's CSV), or ``grids.shp`` in the folder of the shapefile ``path`` (a run's
    ``shapefile/units.shp``). A redraw then keeps the code of every grid that keeps its id, whatever
    its name. ``plan`` unchanged when it has numbers or codes of its own, or no such grids are there."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    path = Path(path)
    if not hasattr(plan, "columns") or {"grid_seq", "grid_code"} & set(plan.columns) or "grid_id" not in plan.columns:
        return plan
    suffix = path.suffix.lower()
    if suffix == ".shp":  # a run's shapefile folder: units.shp beside grids.shp
        source, grids_layer = grids_beside(path), None
        if source is None:
            return plan
    elif suffix == ".gpkg" and layer != "grids":
        source, grids_layer = path, "grids"
    else:
        return plan
    try:
        if grids_layer is not None and grids_layer not in set(pyogrio.list_layers(source)[:, 0]):
            return plan
        fields = set(pyogrio.read_info(source, layer=grids_layer)["fields"])
        wanted = [c for c in ("grid_id", "grid_seq", "grid_code") if c in fields]
        if "grid_id" not in wanted or len(wanted) < 2:
            return plan
        grids = pyogrio.read_dataframe(source, layer=grids_layer, columns=wanted, read_geometry=False)
    except (DataSourceError, DataLayerError):
        return plan
    numbers = old_sequence(grids)
    if not numbers:
        return plan
    logger.info("grid codes: the %d grids of %s keep their numbers where they keep their id", len(numbers),
                source.name if grids_layer is None else f"{source.name}'s grids layer")

    def of(table):
        return plan["grid_id"].map(
            lambda g: None if g is None or (not isinstance(g, str) and pd.isna(g)) else table.get(str(g).strip()))

    codes = plan_codes(grids)  # (the codes themselves, for the redraw's rows on grids whose code changes)
    return plan.assign(grid_seq=of(numbers), **({"grid_code": of(codes)} if codes else {}))


def grids_beside(path: str | Path) -> Path | None:
    """The ``grids.shp`` beside the shapefile ``path`` (a run's ``shapefile/units.shp``), where a
    plan's grids are in a shapefile folder; None for ``grids.shp`` itself, another kind of file,
    or a folder without one."""
    path = Path(path)
    beside = path.with_name("grids.shp")
    if path.suffix.lower() != ".shp" or path.stem.lower() == "grids" or not beside.is_file():
        return None
    return beside


def _code_sequence(code) -> int:
    """A grid code's sequence digits (the last 2 of a 20-digit code, 3 of a 15-digit one); 0 else."""
    text = "" if code is None or (not isinstance(code, str) and pd.isna(code)) else str(code).strip()
    if not (text.isascii() and text.isdigit()) or len(text) not in (15, 20):
        return 0
    return int(text[-2:] if len(text) == 20 else text[-3:])


def outlines_as_plan(plan, units, *, unit_id_col: str = "unit_id", grid_id_col: str = "grid_id",
                     name: str = "plan"):
    """``(plan, None)`` for a plan of units; for the grids' outlines (:func:`is_outline_plan`),
    ``(the plan they give the units, a Report of the units outside them or cut by one)``."""
    if not is_outline_plan(plan, units, unit_id_col=unit_id_col):
        return plan, None
    from spatial.core.checks import Report

    report = Report()
    return plan_from_polygons(plan, units, unit_id_col=unit_id_col, grid_id_col=grid_id_col, name=name,
                              report=report), report


def is_outline_plan(plan, units=None, *, unit_id_col: str = "unit_id") -> bool:
    """Whether ``plan`` is grid outlines rather than a table of units: polygons without a
    ``unit_id_col`` column, and without another unit id column (``编号``, ``id`` ...) whose values
    are mostly ``units``' ids (a KML's placemark ids are not)."""
    import geopandas as gpd

    if not isinstance(plan, gpd.GeoDataFrame) or not len(plan) or unit_id_col in plan.columns:
        return False
    if not plan.geom_type.isin(["Polygon", "MultiPolygon"]).any():
        return False
    found = find_column(plan, "unit_id", required=False)
    if found is None:
        return True
    if units is None or unit_id_col not in units.columns:
        return False
    known = set(units[unit_id_col].dropna().astype(str).str.strip())
    listed_ids = plan[found].dropna().astype(str).str.strip()
    return bool(listed_ids.isin(known).mean() < 0.5) if len(listed_ids) else True


def plan_from_polygons(outlines, units, *, unit_id_col: str = "unit_id", grid_id_col: str = "grid_id",
                       name: str = "plan", report=None) -> pd.DataFrame:
    """A plan of ``units`` from grid outlines: each unit goes to the grid covering most of it.

    Parameters
    ----------
    outlines : GeoDataFrame
        Grid polygons with a grid id (``grid_id``, 网格编号 ...; else a name: ``name``, 名称, a
        KML's ``Name``). Pieces with one id are one grid. A CRS is required.
    units : GeoDataFrame
        The units (polygons or points) with ``unit_id_col`` and a CRS.
    report : Report, optional
        Gets a row for every unit outside every outline, every unit an outline cuts (less
        than half of it in the grid it is given to) and every outline that holds most of no
        unit (its grid is not drawn again).

    Returns
    -------
    DataFrame
        ``unit_id_col``, ``grid_id_col`` (None for a unit no outline touches) and ``share``: the
        part of the unit's area inside that grid (points: 1); and ``grid_seq``, the grid's old
        sequence number, when the outlines carry ``grid_seq`` or ``grid_code`` (see
        :func:`old_sequence`).

    Examples
    --------
    Two grids side by side; the middle unit lies two thirds in the right-hand grid.

    >>> import geopandas as gpd, spatial
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_id": ["a", "b", "c"]}, crs="EPSG:32650",
    ...                          geometry=[box(0, 0, 30, 30), box(30, 0, 60, 30), box(100, 0, 130, 30)])
    >>> grids = gpd.GeoDataFrame({"网格编号": ["G1", "G2"]}, crs="EPSG:32650",
    ...                          geometry=[box(0, 0, 40, 30), box(40, 0, 90, 30)])
    >>> spatial.plan_from_polygons(grids, units).round(2).to_dict("list")
    {'unit_id': ['a', 'b', 'c'], 'grid_id': ['G1', 'G2', None], 'share': [1.0, 0.67, 0.0]}
    """
    import shapely

    from spatial.core.checks import metric_crs, require_crs

    require_crs(outlines, f"plan {name}")
    require_crs(units, "units")
    have = ', '.join(map(str, outlines.columns.drop(outlines.geometry.name)))
    gid = grid_id_col if grid_id_col in outlines.columns else (
        find_column(outlines, "grid_id", layer=f"plan {name}", required=False)
        or find_column(outlines, "name", layer=f"plan {name}", required=False))
    if gid is None:
        raise ColumnError(f"plan {name} holds grid outlines but no grid id or name column (it has: "
                          f"{have}); name one {grid_id_col} (or 网格编号)")
    if not (outlines[gid].notna() & (outlines[gid].astype(str).str.strip() != "")).any():
        # a KML's Name left blank, the grid's name in its ExtendedData: not "every unit outside"
        raise ColumnError(f"plan {name}: the grid id column {gid!r} is empty in all {len(outlines)} outlines "
                          f"(it has: {have}); name the column holding the grid ids (--grid-id-col, grid_id_col=)")
    if unit_id_col not in units.columns:
        raise ColumnError(f"'units' has no column '{unit_id_col}' to give the plan {name} to")
    crs = metric_crs(units, outlines)
    keep = outlines[gid].notna() & ~outlines.geometry.is_empty & outlines.geometry.notna()
    # the outlines' own index is not needed (a level named like the id column would make it ambiguous)
    grids = outlines.loc[keep, [gid, outlines.geometry.name]].reset_index(drop=True).to_crs(crs)
    # outlines drawn by hand cross themselves (a bow-tie): made valid, as are the units, before any overlay
    grids = grids.set_geometry(shapely.make_valid(grids.geometry.to_numpy()), crs=crs)
    grids = grids.assign(**{gid: grids[gid].astype(str).str.strip()}).dissolve(gid, as_index=False)
    ug = shapely.make_valid(units.geometry.to_crs(crs).to_numpy())
    gg = grids.geometry.to_numpy()
    area = shapely.area(ug)
    ui, gi = shapely.STRtree(gg).query(ug, predicate="intersects")
    over = np.where(area[ui] > 0, shapely.area(shapely.intersection(ug[ui], gg[gi])) / np.maximum(area[ui], 1e-12),
                    1.0)
    touch = over > 1e-9  # an outline along a unit's edge does not hold it
    ui, gi, over = ui[touch], gi[touch], over[touch]
    best = np.full(len(ug), -1)
    share = np.zeros(len(ug))
    order = np.lexsort((-over, ui))  # per unit, its largest overlap first
    first = order[np.r_[True, ui[order][1:] != ui[order][:-1]]] if len(order) else order
    best[ui[first]], share[ui[first]] = gi[first], over[first]
    ids = grids[gid].to_numpy()
    out = pd.DataFrame({unit_id_col: units[unit_id_col].to_numpy(),
                        grid_id_col: pd.Series([ids[b] if b >= 0 else None for b in best], dtype=object),
                        "share": np.clip(share, 0.0, 1.0)})
    # the outlines' own sequence numbers (a grids layer this package wrote): the redraw keeps them
    seqs = old_sequence(outlines.loc[keep], gid)
    if seqs:
        out["grid_seq"] = out[grid_id_col].map(seqs).astype("Int64")
    cut, outside = int(((best >= 0) & (share < 0.5)).sum()), int((best < 0).sum())
    empty = [g for k, g in enumerate(ids) if not (best == k).any()]
    if report is not None:
        for g in empty:  # an old grid no unit is given to: its id (and code) is not drawn again
            report.add("plan", g, f"grid outline of plan {name} holds most of no unit",
                       "left out: no grid of that id is drawn (check the outline's place and CRS, or drop it)",
                       zh=(f"原方案 {name} 中该网格边界内没有任何单元的主体部分",
                           "已忽略：不再划出该编号的网格（请核对边界位置和坐标系，或删除该边界）"))
        for k in np.flatnonzero((best < 0) | (share < 0.5)):
            uid, g = out.at[k, unit_id_col], out.at[k, grid_id_col]
            if g is None:
                report.add("units", uid, f"outside every grid outline of plan {name}",
                           "left out of every old grid: the redraw gives it one",
                           zh=(f"不在原方案 {name} 的任何网格边界内", "原方案中不属任何网格，重绘时划入网格"))
            else:
                report.add("units", uid, f"cut by the grid outlines of plan {name}: {share[k]:.0%} of it in grid {g}",
                           f"counted in grid {g}, the one covering most of it",
                           zh=(f"被原方案 {name} 的网格边界切开：{share[k]:.0%} 在网格 {g} 内", f"按面积最大者归入网格 {g}"))
    (logger.warning if outside or cut or empty else logger.info)(
        "plan %s: %d units given to the %d grids whose outlines cover most of them; %d lie outside every "
        "outline (left out of every grid), %d are cut by an outline (under half of it in its grid); "
        "%d outlines hold most of no unit", name, len(out) - outside, len(grids), outside, cut, len(empty))
    return out


def named_plan(table: pd.DataFrame, name: str = "plan", *, unit_id_col: str = "unit_id",
               grid_id_col: str = "grid_id", named: bool = False) -> pd.DataFrame:
    """``table`` with its unit and grid id columns under ``unit_id_col`` and ``grid_id_col``, found
    under common Chinese and English names when those are absent (单元编号, 网格号 ...; said once:
    ``using column 网格号 as grid_id``); unchanged when they are there or nothing is found. With
    ``named`` (the user named ``grid_id_col``) its absence is an error instead."""
    if named and grid_id_col not in table.columns:
        raise ColumnError(f"plan {name} has no column {grid_id_col!r}; it has: "
                          f"{', '.join(map(str, table.columns[:20]))}. Check the grid id column's name")
    renames = {}
    for col, role in ((unit_id_col, "unit_id"), (grid_id_col, "grid_id")):
        if col in table.columns:
            continue
        found = find_column(table, role, layer=f"plan {name}", required=False)
        if found is not None and found not in renames and found not in (unit_id_col, grid_id_col):
            renames[found] = col
    return table.rename(columns=renames) if renames else table


def plan_labels(
    table: pd.DataFrame,
    units: pd.DataFrame | None = None,
    *,
    unit_id_col: str = "unit_id",
    grid_id_col: str = "grid_id",
    name: str = "plan",
    named: bool = False,
    redraw: bool = False,
) -> pd.Series:
    """:func:`read_plan` for a table already in memory (``unit_id_col``, ``grid_id_col``, ``named``).

    With ``redraw`` (the plan is to be redrawn for today's units), plan ids no longer among the
    units are left out and units the plan leaves out get None (the redraw reports the one and
    places the other); only a plan matching none of the units is refused.
    """
    have = ", ".join(map(str, table.columns[:10]))  # as the file has them
    table = named_plan(table, name, unit_id_col=unit_id_col, grid_id_col=grid_id_col, named=named)
    missing_cols = [c for c in (unit_id_col, grid_id_col) if c not in table.columns]
    if missing_cols:
        raise ColumnError(f"plan {name} has no column {', '.join(map(repr, missing_cols))}; it has: {have}. "
                          f"Give it {unit_id_col},{grid_id_col}")
    # unit ids as given: "U1 " is matched to unit "U1" below, unless a unit "U1 " is there too
    ids = pd.Series([None if pd.isna(v) else str(v) for v in table[unit_id_col]], dtype=object)
    blank = ids.isna() | (ids.str.strip() == "")
    if blank.any():
        rows = [int(r) + 2 for r in range(len(ids)) if blank.iloc[r]]  # file line numbers (header is line 1)
        raise ColumnError(f"plan {name} has rows with no {unit_id_col} (lines {listed(rows)}); fill or delete them")
    dup = ids[ids.duplicated()]
    if len(dup):
        sci = [u for u in pd.unique(dup) if _SCIENTIFIC.match(u)]
        raise DuplicateIdError(f"plan {name} lists units more than once: {listed(pd.unique(dup))}; " + (
            "these are unit ids in Excel's scientific notation, their digits lost: " + _AS_TEXT if sci else
            "give each unit one grid"))
    grid = np.array([None if pd.isna(v) or str(v).strip() == "" else str(v).strip() for v in table[grid_id_col]],
                    dtype=object)
    series = pd.Series(grid, index=pd.Index(ids.to_numpy(), name=unit_id_col, dtype=object), name=grid_id_col,
                       dtype=object)
    if units is None:
        return series
    if unit_id_col not in units.columns:
        raise ColumnError(f"'units' has no column '{unit_id_col}' to match the plan {name} against")
    unit_ids = units[unit_id_col]
    keys = pd.Series([None if pd.isna(v) else str(v) for v in unit_ids], dtype=object)
    spaced = text_matches(list(series.index), list(keys.dropna()))  # 'U1 ' for 'U1': never two units as one
    if spaced:
        series.index = pd.Index([spaced.get(u, u) for u in series.index], name=unit_id_col, dtype=object)
    known = set(keys.dropna())
    unknown = [u for u in series.index if u not in known]
    absent = [k for k in keys.dropna() if k not in series.index]
    if unknown and absent:
        matched = _zeros_restored(unknown, absent, what=f"plan {name}", partial=redraw)
        if matched is not None:  # Excel read the ids as numbers and saved them without their zeros
            series.index = pd.Index([matched.get(u, u) for u in series.index], name=unit_id_col, dtype=object)
            unknown = [u for u in unknown if u not in matched]
            absent = [a for a in absent if a not in set(matched.values())]
    if redraw:
        if unknown and len(unknown) == len(series):
            raise ColumnError(f"plan {name} matches none of the units: its unit ids ({listed(unknown)}) are not "
                              f"among the units' ({listed(absent)}); is it the plan for these units?")
        unknown = absent = []
    if unknown and absent:
        sci = [u for u in unknown if _SCIENTIFIC.match(u)]
        if sci:
            raise ColumnError(f"plan {name} has unit ids in Excel's scientific notation ({listed(sci)}): their "
                              f"digits are lost. {_AS_TEXT[:1].upper() + _AS_TEXT[1:]}")
        raise ColumnError(f"plan {name} lists {counted(len(unknown), 'unit id that is', 'unit ids that are')} not "
                          f"among the units ({listed(unknown)}) and leaves out {counted(len(absent), 'unit')} "
                          f"({listed(absent)}); is it the plan for these units? {_REDRAW_TAKES}")
    if unknown:
        raise ColumnError(f"plan {name} lists {counted(len(unknown), 'unit id that is', 'unit ids that are')} not "
                          f"among the units: {listed(unknown)}; remove them or check the units layer. {_REDRAW_TAKES}")
    if absent:
        raise ColumnError(f"plan {name} leaves out {counted(len(absent), 'unit')}: {listed(absent)}; "
                          f"give every unit a grid (an empty grid_id leaves it out of every grid). {_REDRAW_TAKES}")
    lookup = dict(zip(series.index, series.to_numpy()))
    return pd.Series(np.array([lookup.get(k) for k in keys], dtype=object),
                     index=pd.Index(unit_ids.to_numpy(), name=unit_id_col), name=grid_id_col, dtype=object)
