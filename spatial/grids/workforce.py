"""Grid staffing (网格员, 楼栋长, 联户长) and 十联户 household groups under each grid.

Staffing is arithmetic on the grid table. Household groups order a grid's household points along
a Hilbert curve (``GeoSeries.hilbert_distance``, over the square on that grid's extent) and cut the
sequence into runs of about ``group_size`` households, so neighbours share a group and no group
crosses a grid. No library forms fixed-size spatial groups inside given zones, hence the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import (
    Report,
    check_households,
    listed,
    require_columns,
    require_crs,
    to_metric,
    warn_replaced,
    whole_counts,
    whole_number,
)
from spatial.core.errors import GeometryError, SpatialError

logger = logging.getLogger(__name__)

__all__ = ["HouseholdGroups", "grids_without_groups", "household_leads", "staffing", "ten_household_groups"]

#: The seeds' staffing of a grid, :func:`staffing`'s defaults (and so the grids layer's), which the grid
#: editor page uses too: 1 专职 + 1 兼职 grid worker a grid, a 楼栋长 per 2 buildings (practice: 1-2),
#: a 联户长 per 10 households (the 十联户).
FULL_TIME_PER_GRID, PART_TIME_PER_GRID = 1, 1
BUILDINGS_PER_BUILDING_LEAD, HOUSEHOLDS_PER_HOUSEHOLD_LEAD = 2, 10


def household_leads(households: np.ndarray | float, per_lead: float = HOUSEHOLDS_PER_HOUSEHOLD_LEAD) -> np.ndarray:
    """Number of 联户长 (and so of 十联户 groups) for each count of households: ceil(H / per_lead).

    The one rule behind both :func:`staffing`'s ``household_leads`` and the number of groups
    :func:`ten_household_groups` forms in a grid, so that each group has its one 联户长 and no
    联户长 looks after more than ``per_lead`` households on average. (A point of more than
    ``per_lead`` households, a tower given as one point, is one group of its own there, the
    other households ceil(rest / per_lead) groups: fewer groups than 联户长 counted here.)

    Parameters
    ----------
    households : array-like or float
        Households (whole or not, >= 0) of each grid.
    per_lead : float
        Households one 联户长 looks after (the 十联户: 10).

    Returns
    -------
    numpy.ndarray
        Integer counts, 0 for no households.

    Examples
    --------
    >>> household_leads([0, 5, 10, 14, 15, 305]).tolist()
    [0, 1, 1, 2, 2, 31]
    """
    # round away float noise (20 / 2 must not become 10.000000001 -> 11)
    ratio = np.round(np.asarray(households, dtype=float) / per_lead, 9)
    return np.ceil(ratio).astype(np.int64)


def staffing(
    grids: pd.DataFrame,
    *,
    full_time_per_grid: int = FULL_TIME_PER_GRID,
    part_time_per_grid: int = PART_TIME_PER_GRID,
    buildings_per_building_lead: float = BUILDINGS_PER_BUILDING_LEAD,
    households_per_household_lead: float = HOUSEHOLDS_PER_HOUSEHOLD_LEAD,
    buildings_col: str = "n_buildings",
    households_col: str = "households",
) -> pd.DataFrame:
    """Staff each grid: grid workers, 楼栋长 (building leads) and 联户长 (household leads).

    Parameters
    ----------
    grids : GeoDataFrame or DataFrame
        One row per grid with building and household counts.
    full_time_per_grid, part_time_per_grid : int
        专职 and 兼职 grid workers per grid (common practice: 1 + 1).
    buildings_per_building_lead : float
        Buildings one 楼栋长 looks after (practice: 1–2).
    households_per_household_lead : float
        Households one 联户长 looks after (practice: about 10, the 十联户).

    Returns
    -------
    same type as ``grids``
        ``grids`` with its index and columns, plus ``full_time_workers``, ``part_time_workers``,
        ``building_leads`` = ceil(buildings / ratio) and ``household_leads`` =
        ceil(households / ratio) (:func:`household_leads`, the number of 十联户 groups
        :func:`ten_household_groups` forms in the grid unless a point carries more than
        ``ratio`` households), all integers.

    Examples
    --------
    >>> import pandas as pd
    >>> import spatial
    >>> grids = pd.DataFrame({"grid_id": ["G1", "G2"], "households": [420, 305], "n_buildings": [9, 4]})
    >>> staffed = spatial.staffing(grids)
    >>> staffed[["full_time_workers", "building_leads", "household_leads"]].values.tolist()
    [[1, 5, 42], [1, 2, 31]]
    """
    for name, value in (("full_time_per_grid", full_time_per_grid), ("part_time_per_grid", part_time_per_grid)):
        if whole_number(value) is None:
            raise SpatialError(f"{name} must be a whole number >= 0, got {value!r}")
    for name, value in (
        ("buildings_per_building_lead", buildings_per_building_lead),
        ("households_per_household_lead", households_per_household_lead),
    ):
        if not (isinstance(value, (int, float, np.number)) and value > 0):
            raise SpatialError(f"{name} must be a number > 0, got {value!r}")
    require_columns(grids, [buildings_col, households_col], "grids")
    id_col = "grid_id" if "grid_id" in grids.columns else None
    buildings = check_households(grids, buildings_col, "grids", id_col=id_col)
    households = check_households(grids, households_col, "grids", id_col=id_col)
    out = grids.copy()
    out["full_time_workers"] = int(full_time_per_grid)
    out["part_time_workers"] = int(part_time_per_grid)
    out["building_leads"] = household_leads(buildings, buildings_per_building_lead).astype(int)  # same ceil rule
    out["household_leads"] = household_leads(households, households_per_household_lead).astype(int)
    warn_replaced(grids, ["full_time_workers", "part_time_workers", "building_leads", "household_leads"], "grids",
                  "staffing", new=out)
    logger.info(
        "staffed %d grids: %d workers, %d building leads, %d household leads",
        len(out),
        len(out) * (full_time_per_grid + part_time_per_grid),
        out["building_leads"].sum(),
        out["household_leads"].sum(),
    )
    return out


@dataclass(frozen=True)
class HouseholdGroups:
    """Result of :func:`ten_household_groups`.

    Attributes
    ----------
    groups : GeoDataFrame
        One row per group: ``group_id``, ``grid_id`` (or the chosen column name),
        ``households`` (whole numbers when the counts are, or with one household a point),
        ``n_points``; geometry is the convex hull of the group's points buffered
        by ``hull_buffer_m`` (always a polygon), in the households' CRS.
    households : GeoDataFrame
        The input points with their index and columns, plus ``unit_id``, the grid column and
        ``group_id`` (missing only for points listed in ``report``).
    report : pandas.DataFrame
        Points that are in no unit or in a unit with no grid: ``layer, row_id, problem, action``
        (and their Chinese, ``problem_zh, action_zh``).
    """

    groups: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    report: pd.DataFrame


def ten_household_groups(
    households: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    group_size: int = 10,
    grid_id_col: str = "grid_id",
    unit_id_col: str = "unit_id",
    households_col: str | None = None,
    max_snap_m: float = 50.0,
    hull_buffer_m: float = 2.0,
    name: str = "households",
    id_col: str | None = None,
) -> HouseholdGroups:
    """Form 十联户 groups of about ``group_size`` neighbouring households inside each grid.

    Parameters
    ----------
    households : GeoDataFrame
        Household points: one point per household, or points carrying a count in
        ``households_col`` (a building's point; it is never split between groups).
    units : GeoDataFrame
        Unit polygons carrying ``grid_id_col`` (the units after grid partition).
    group_size : int
        Households per group (per 联户长); a grid with H households gets ceil(H / size)
        groups (:func:`household_leads`, the ``household_leads`` of :func:`staffing`) of
        near-equal household counts: fewer only when fewer of its points carry households, as a
        point is never split; one group of no households where the grid has none. A point of
        more than ``size`` households (a tower given as one point) is a group of its own and
        the grid's other households form ceil(rest / size) groups (a 120-household tower and 15
        homes: 120, 8 and 7; not the tower and 13 groups of one or two homes).
    households_col : str, optional
        Column of households per point; ``None`` means one household per point.
    max_snap_m : float
        A point outside every unit joins the nearest unit within this distance (metres);
        farther points are reported and get no group.
    hull_buffer_m : float
        Buffer (metres) around each group's convex hull so that its geometry is a polygon.
    name : str
        The household points' name in messages (their file's name on the command line).
    id_col : str, optional
        Column naming the points in messages and report rows (a building's 楼号); ``None``: the
        index (on the command line, the row number counting from 1 below the header).

    Returns
    -------
    HouseholdGroups
        ``groups``, ``households`` (points with ``group_id``) and ``report``.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> units = spatial.partition_grids(demo["units"], demo["communities"]).units
    >>> homes = units.query("community_id == 'C01' and households > 0")
    >>> points = homes.assign(geometry=homes.to_crs(32650).representative_point().to_crs(4326))
    >>> result = spatial.ten_household_groups(points, units, households_col="households")
    >>> bool(result.households["group_id"].notna().all()), len(result.report)
    (True, 0)
    """
    if whole_number(group_size, minimum=1) is None:
        raise SpatialError(f"group_size must be a whole number >= 1, got {group_size!r}")
    group_size = whole_number(group_size, minimum=1)
    require_crs(households, name)
    require_crs(units, "units")
    require_columns(units, [grid_id_col, unit_id_col], "units")  # each point is told its unit by its id
    try:  # the local UTM zone whatever CRS the points come in (a Gauss-Krüger zone turns the curve)
        zone = households.estimate_utm_crs() if len(households) else None
    except (RuntimeError, ValueError):  # no extent: to_metric says so
        zone = None
    pts = to_metric(households, name, zone)
    crs = pts.crs
    units_m = to_metric(units, "units", crs)
    if households_col is None:
        weight = pd.Series(1.0, index=households.index)
    else:
        weight = check_households(households, households_col, name)
    check_points(households, name, id_col)
    row_ids = households.index if id_col is None else pd.Index(households[id_col])

    report = Report()
    unit_ids = units[unit_id_col]
    pos = _locate(pts, units_m, max_snap_m)
    found = pos >= 0
    grid = pd.Series(pd.NA, index=households.index, dtype=object)
    unit = pd.Series(pd.NA, index=households.index, dtype=object)
    grid[found] = units[grid_id_col].to_numpy()[pos[found]]
    unit[found] = unit_ids.to_numpy()[pos[found]]
    for rid in row_ids[~found]:
        report.add("households", rid, f"farther than {max_snap_m} m from every unit", "no group",
                   zh=(f"距所有单元都超过 {max_snap_m} 米", "未编入联户小组"))
    no_grid = found & grid.isna().to_numpy()
    for rid in row_ids[no_grid]:
        report.add("households", rid, f"its unit has no '{grid_id_col}'", "no group",
                   zh=(f"所在单元没有 '{grid_id_col}'", "未编入联户小组"))

    # per grid: order along a Hilbert curve over the grid's own extent, cut into runs; points in
    # one cell of the curve (a building's households given at its door) by place, count and id,
    # so that a household's group does not depend on the rows' order
    ok = np.flatnonzero(grid.notna().to_numpy())
    codes, grid_ids = pd.factorize(grid.iloc[ok])
    xy = shapely.get_coordinates(pts.geometry.values[ok])
    w_all = weight.to_numpy()[ok]
    names_of = pd.Series(np.asarray(row_ids, dtype=object)[ok]).astype(str).to_numpy()
    tie = np.unique(names_of, return_inverse=True)[1].ravel()
    label = np.zeros(len(ok), dtype=np.int64)  # global group number
    n_groups = 0
    by_grid = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[by_grid], np.arange(len(grid_ids) + 1))
    for g in range(len(grid_ids)):
        sel = by_grid[starts[g] : starts[g + 1]]
        geoms = gpd.GeoSeries(pts.geometry.values[ok[sel]])
        curve = geoms.hilbert_distance(total_bounds=_square(geoms.total_bounds)).to_numpy()
        order = sel[np.lexsort((tie[sel], w_all[sel], xy[sel, 1], xy[sel, 0], curve))]
        local = _cut(w_all[order], group_size)
        label[order] = n_groups + local
        n_groups += int(local.max()) + 1
    group_grid = np.zeros(n_groups, dtype=np.int64)
    group_grid[label] = codes
    rank = label - pd.Series(label).groupby(codes).transform("min").to_numpy()
    # (as text whether or not any point is placed: no point within reach of a unit gives no names)
    names = pd.Series([f"{g}-{r + 1:03d}" for g, r in zip(grid_ids.astype(str)[codes], rank)], dtype=object)
    group_name = np.empty(n_groups, dtype=object)
    group_name[label] = names.to_numpy()
    group = pd.Series(pd.NA, index=households.index, dtype=object)
    group.iloc[ok] = names.to_numpy()
    by_group = np.argsort(label, kind="stable")
    hulls = shapely.multipoints(shapely.points(xy[by_group]), indices=label[by_group])
    hulls = shapely.buffer(shapely.convex_hull(hulls), hull_buffer_m)
    group_households = np.bincount(label, weights=w_all, minlength=n_groups)
    group_households = whole_counts(group_households, weight.to_numpy(float))  # whole stay whole, whatever the dtype
    groups = gpd.GeoDataFrame(
        {
            "group_id": group_name,
            grid_id_col: np.asarray(grid_ids, dtype=object)[group_grid],
            "households": group_households,
            "n_points": np.bincount(label, minlength=n_groups),
        },
        geometry=hulls,
        crs=crs,
    ).to_crs(households.crs)
    # the households' own columns of these names, where they say otherwise (points made from the units agree)
    warn_replaced(households, ["unit_id", grid_id_col, "group_id"], name, "ten_household_groups",
                  new={"unit_id": unit, grid_id_col: grid, "group_id": group})
    out = households.copy()
    out["unit_id"] = unit
    out[grid_id_col] = grid
    out["group_id"] = group
    logger.info("formed %d household groups in %d grids; %d points reported", len(groups),
                groups[grid_id_col].nunique(), len(report))
    return HouseholdGroups(groups=groups, households=out, report=report.to_frame(zh_columns=True))


def grids_without_groups(grids: pd.DataFrame, groups: pd.DataFrame, *, grid_id_col: str = "grid_id",
                         households_col: str = "households") -> pd.DataFrame:
    """Report rows for the grids that have households but no 十联户 group: no household point lies
    in them (a points file of part of the area), so their 联户长 have no group to lead.

    Parameters
    ----------
    grids : DataFrame
        The grid table (``grid_id_col``, ``households_col``).
    groups : DataFrame
        :attr:`HouseholdGroups.groups` of the same grids.
    grid_id_col, households_col : str
        Columns of ``grids`` (``grid_id_col`` also names the groups' grid column).

    Returns
    -------
    pandas.DataFrame
        ``layer, row_id, problem, action, problem_zh, action_zh``, one row per such grid.

    Examples
    --------
    >>> grids = pd.DataFrame({"grid_id": ["G1", "G2", "G3"], "households": [400, 380, 0]})
    >>> groups = pd.DataFrame({"grid_id": ["G1"] * 40})
    >>> grids_without_groups(grids, groups)[["row_id", "problem"]].values.tolist()
    [['G2', '380 households and no household point in it']]
    """
    report = Report()
    formed = set(groups[grid_id_col].astype(str))
    for gid, hh in zip(grids[grid_id_col], grids[households_col]):
        if float(hh) > 0 and str(gid) not in formed:
            report.add("grids", gid, f"{hh:,.0f} households and no household point in it",
                       "no 十联户 groups formed for it; add the points of its households",
                       zh=(f"有 {hh:,.0f} 户，但没有任何住户点落在网格内", "未编十联户小组；请补充该网格住户的点位"))
    return report.to_frame(zh_columns=True)


def check_points(points: gpd.GeoDataFrame, name: str, id_col: str | None = None) -> None:
    """Raise :class:`GeometryError` unless every row of ``points`` is a point with a location,
    naming the file, the rows (by ``id_col``, else by row number) and what to do.

    Parameters
    ----------
    points : GeoDataFrame
        Household points.
    name : str
        Their name in messages (the file's name on the command line).
    id_col : str, optional
        Column naming the rows (a building's 楼号); ``None``: the index, or the row number
        counting from 1 below the header when the index is the default 0, 1, 2 ...

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"楼号": ["B1", "B2"]}, geometry=[Point(0, 0), Point()], crs=4326)
    >>> check_points(pts, "bp.gpkg", "楼号")
    Traceback (most recent call last):
    ...
    spatial.core.errors.GeometryError: 'bp.gpkg': 楼号 B2 has an empty geometry: drop the row or give it a location
    """
    if id_col is not None:
        require_columns(points, [id_col], name)
    geom = points.geometry.values
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    other = ~empty & (shapely.get_type_id(geom) != 0)
    for bad in (empty, other):
        if not bad.any():
            continue
        one = int(bad.sum()) == 1
        if id_col is not None:
            who = f"{id_col} {listed(points[id_col].to_numpy()[bad])}"
        elif isinstance(points.index, pd.RangeIndex) and points.index.start == 0 and points.index.step == 1:
            who = f"row{'' if one else 's'} {listed(np.flatnonzero(bad) + 1)} (counting from 1 below the header)"
        else:
            who = f"index {listed(points.index[bad])}"
        if bad is empty:
            what = "drop the row or give it a location" if one else "drop the rows or give them locations"
            raise GeometryError(f"'{name}': {who} {'has' if one else 'have'} an empty geometry: {what}")
        kinds = "/".join(sorted(set(points.geom_type[bad].astype(str))))
        raise GeometryError(f"'{name}' must be points; {who} {'is a' if one else 'are'} {kinds}: give one point "
                            "a row (e.g. the building's centroid)")


def _cut(weights: np.ndarray, group_size: int) -> np.ndarray:
    """Cut an ordered run of weights into groups numbered along it: a point of more than
    ``group_size`` households (a tower: never split) alone, the others (at most ``group_size``
    each) in k = ceil(their total/size) near-equal runs (no more than such points; one group when
    the total is 0); a point of no households joins its neighbour's."""
    weights = np.asarray(weights, dtype=float)
    if float(weights.sum()) <= 0:
        return np.zeros(len(weights), dtype=int)
    has = weights > 0
    heavy = weights > group_size
    light = np.flatnonzero(has & ~heavy)
    group = np.full(len(weights), -1, dtype=np.int64)
    group[heavy] = np.flatnonzero(heavy)  # each its own group, keyed by its position
    if len(light):
        runs = _runs(weights[light], group_size)
        # each run keyed by the position of its first point (no heavy point's position is one)
        first = pd.Series(light).groupby(runs).transform("min").to_numpy()
        group[light] = first
    # a point with no households joins the group of the nearest point before it that has some
    # (after it, at the start of the run), so no group is of empty points only
    at = np.maximum.accumulate(np.where(has, np.arange(len(weights)), -1))
    at = np.where(at >= 0, at, np.argmax(has))
    return np.unique(group[at], return_inverse=True)[1]  # labels 0..m-1 along the run


def _runs(weights: np.ndarray, group_size: int) -> np.ndarray:
    """Cut an ordered run of positive weights of at most ``group_size`` each into
    k = min(ceil(total/size), points) near-equal runs, labelled 0..k-1 along it."""
    total = float(weights.sum())
    k = min(int(household_leads(total, group_size)), len(weights))
    middle = np.cumsum(weights) - weights / 2.0
    labels = np.minimum(np.floor(middle * k / total).astype(int), k - 1)
    labels = np.unique(labels, return_inverse=True)[1]  # labels 0..m-1 with no gaps
    # a point near a whole group's share can swallow one: split the largest splittable runs
    # until there are k groups, one 联户长 each
    for _ in range(k - int(labels.max()) - 1):
        sums = np.bincount(labels, weights=weights)
        can = np.bincount(labels) >= 2
        g = int(np.argmax(np.where(can, sums, -1.0)))
        run = np.flatnonzero(labels == g)
        left = np.cumsum(weights[run])
        # cut nearest the run's middle
        i = min(range(1, len(run)), key=lambda j: abs(2 * left[j - 1] - sums[g]))
        labels[run[i:]] += 1
        labels[run[-1] + 1 :] += 1
    return labels


def _square(bounds: np.ndarray) -> tuple[float, float, float, float]:
    """The square (side: the longer side of ``bounds``) with the same south-west corner: the
    Hilbert curve scales each axis to its side, so over a long strip's own extent its runs
    would be as long as the strip is long for every unit of width."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    side = max(maxx - minx, maxy - miny)
    return minx, miny, minx + side, miny + side


def _locate(pts: gpd.GeoDataFrame, units: gpd.GeoDataFrame, max_snap_m: float) -> np.ndarray:
    """Position in ``units`` of the unit holding each point (nearest within the limit), else -1."""
    pos = np.full(len(pts), -1, dtype=np.int64)
    left, right = units.sindex.query(pts.geometry.values, predicate="intersects")
    # first unit wins where units overlap
    first = pd.Series(right).groupby(left).min()
    pos[first.index.to_numpy()] = first.to_numpy()
    missing = np.flatnonzero(pos < 0)
    if len(missing) and len(units):
        left, right = units.sindex.nearest(
            pts.geometry.values[missing], max_distance=max_snap_m, return_all=False
        )
        pos[missing[left]] = right
    return pos
