"""Plumbing shared by grids, redraw and evaluate: checked inputs on arrays, and grid polygons that tile.

``prepare`` validates the layers once, moves them to a metric CRS, turns point units into a
Voronoi tessellation clipped to each community and clips polygon units to their community
(both in :mod:`spatial.grids._units`), and builds the rook graph with road-aware cut costs. ``assemble`` dissolves units into grid
polygons that tile each community exactly (uncovered slivers go to the grid with the longest
shared boundary, stray parts of a grid to their neighbour) and computes the grid table.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._frames import lines_frame
from spatial.core._ids import loose_ids
from spatial.core._geom import union_polygons
from spatial.core.checks import (
    Report,
    check_buildings,
    check_households,
    metric_crs,
    repair_geometries,
    require_columns,
    require_crs,
    require_unique,
    zone_fit_between,
)
from spatial.core.errors import GeometryError, OptionTypeError
from spatial.core.reproject import to_crs_valid
from spatial.grids._adjacency import Adjacency, road_fraction, shared_edges, weigh
from spatial.grids._blocks import (
    STREET_GAP_M,
    STREET_LINE_BUFFER_M,
    block_labels,
    block_streets,
)
from spatial.grids._outlines import (  # noqa: F401 - the grid polygons, drawn there; named here too
    _NOISE_M2,
    _TOL_M,
    _attach,
    _fill_noise,
    _first_unit_keeps,
    _single,
    _snap,
    _split_thin,
    _weld,
    _weld_all,
    _without_noise_holes,
    _without_spikes,
    community_polygons,
)
from spatial.grids._units import community_of, polygonal_pieces, same_place, single_points

logger = logging.getLogger(__name__)

#: A cut along a road costs this share of a cut through a shared non-road boundary ...
ROAD_CUT_FACTOR = 0.2
#: ... and along an arterial or a river this share (the ``kind``/``highway``/``waterway`` columns).
MAJOR_CUT_FACTOR = 0.1
#: Values of a road layer's ``kind``, ``highway`` or ``waterway`` column that mark arterials and rivers.
MAJOR_KINDS = ("arterial", "river", "canal", "waterway", "primary", "secondary", "trunk", "motorway")
#: Half the units under this area (m²) cannot be buildings, estates or blocks measured in metres:
#: the coordinates are in another unit than the CRS says (longitude/latitude under a UTM label
#: make units of 1e-8 m², libpysal's columbus read as metres units of a few m² at most).
TINY_UNIT_M2 = 1.0


@dataclass(frozen=True)
class Prepared:
    """Checked inputs on arrays, all positions aligned with ``units`` rows."""

    units: gpd.GeoDataFrame  # the caller's units, untouched
    crs_in: CRS
    crs_m: CRS
    unit_ids: np.ndarray
    comm_ids: np.ndarray  # community id of each community row
    comm_geoms: np.ndarray  # metric community polygons
    comm_of: np.ndarray  # community position of each unit, -1 outside every community
    pieces: np.ndarray  # unit polygon clipped to its community (metric)
    xy: np.ndarray
    hh: np.ndarray
    pop: np.ndarray | None
    bld: np.ndarray | None
    adj: Adjacency
    cost: sparse.csr_matrix  # symmetric cut cost in metres
    roads: np.ndarray | None  # street lines: the roads given and/or the block outlines derived
    road_buffer_m: float = 5.0  # an edge within this of a street line lies on it
    #: for point units at the same place as another (addresses of one building), a label shared
    #: by those units (None elsewhere): their grid keeps them together
    same_place: np.ndarray | None = None


def _roads_frame(roads):
    """Roads as a GeoDataFrame: a line layer as is, a GeoSeries as its shapes, a
    :class:`spatial.network.graph.WalkNetwork` or an osmnx graph as its edges."""
    frame = lines_frame(roads, shapes=True)
    if not isinstance(frame, gpd.GeoDataFrame):
        raise OptionTypeError(f"roads must be a GeoDataFrame of lines, a WalkNetwork or an osmnx graph, got "
                              f"{type(roads).__name__}; read a file with spatial.read_layer(path)")
    return frame


def _major_lines(roads, crs_m) -> np.ndarray | None:
    """Arterials and rivers among the roads: rows whose ``kind``, ``highway`` or ``waterway``
    column names one of :data:`MAJOR_KINDS` (osmnx lists count when any item does)."""
    if roads is None:
        return None
    roads = _roads_frame(roads)
    cols = [c for c in ("kind", "highway", "waterway") if c in roads.columns]
    if not cols:
        return None
    text = roads[cols].astype(object).fillna("").astype(str).apply(lambda col: col.str.lower()).agg(" ".join, axis=1)
    major = text.str.contains("|".join(MAJOR_KINDS), regex=True).to_numpy()
    if not major.any():
        return None
    return _lines(roads[major], crs_m, Report())


def _lines(roads, crs_m, report: Report, area=None, communities=None) -> np.ndarray | None:
    """The roads as metric lines (polygons' outlines); with ``area`` (the communities, metric), a
    report row and a warning when no road comes near it (a roads layer of another place, or in a
    wrong CRS: with ``communities`` as given, a Gauss-Krüger zone either fits is named)."""
    if roads is None:
        return None
    roads = _roads_frame(roads)
    require_crs(roads, "roads")
    geoms = roads.to_crs(crs_m).geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    lines = shapely.get_parts(shapely.boundary(geoms[shapely.get_dimensions(geoms) == 2]))
    lines = np.concatenate([np.asarray(geoms[shapely.get_dimensions(geoms) == 1], dtype=object), lines])
    if len(lines) == 0:
        report.add("roads", "-", "no line or polygon geometries", "boundaries not weighted by roads",
                   zh=("没有线或面几何", "网格边界不按道路加权"))
        return None
    if area is not None and len(area):
        x0, y0, x1, y1 = shapely.total_bounds(np.asarray(area, dtype=object))
        if not shapely.intersects(np.asarray(lines, dtype=object), shapely.box(x0 - 100, y0 - 100, x1 + 100, y1 + 100)).any():
            rb = shapely.total_bounds(np.asarray(lines, dtype=object))
            zone = zone_fit_between(communities, "communities", roads, "roads")
            problem = (f"no road comes within 100 m of the communities (roads x {rb[0]:.0f}-{rb[2]:.0f}, "
                       f"y {rb[1]:.0f}-{rb[3]:.0f}; communities x {x0:.0f}-{x1:.0f}, y {y0:.0f}-{y1:.0f}, metres)")
            report.add("roads", "-", problem + zone,
                       "grid borders are not weighted by these roads; check that the roads are of this place and "
                       "declare the CRS their coordinates are in",
                       zh=("没有任何道路位于社区 100 米范围内", "网格边界未按这些道路加权；请核对道路图层的位置及其坐标系"))
            if zone:  # a layer in the wrong zone: the grids are drawn 300 km from where they are
                logger.warning("%s%s; the grids are drawn without them", problem, zone)
    return np.asarray(lines, dtype=object)


def _as_community_ids(units: gpd.GeoDataFrame, comm_ids, community_id_col: str) -> gpd.GeoDataFrame:
    """``units`` whose ``community_id_col`` holds a community's id typed with spaces round it or in
    full-width forms (``"C01 "``, ``"Ｃ０１"``) with that id (``"C01"``), as :func:`community_of`
    matched and reported them: the units written out name their community as the grids do, and
    the editor and ``--evaluate`` find its outline."""
    if community_id_col not in units.columns:
        return units
    known = set(comm_ids)
    loose, _ = loose_ids([c for c in units[community_id_col] if isinstance(c, str) and c not in known], comm_ids)
    if not loose:
        return units
    return units.assign(**{community_id_col: units[community_id_col].map(
        lambda v: loose.get(v, v) if isinstance(v, str) else v)})


def prepare(
    units: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    report: Report,
    *,
    households_col: str = "households",
    population_col: str = "population",
    buildings_col: str = "buildings",
    unit_id_col: str = "unit_id",
    community_id_col: str = "community_id",
    roads: gpd.GeoDataFrame | None = None,
    road_buffer_m: float = 5.0,
    blocks=None,
    street_gap_m: float = STREET_GAP_M,
) -> Prepared:
    """Validate ``units`` and ``communities`` once and put them on arrays in a metric CRS.

    Units are grown into the street gaps between them and block outlines (the gaps, and edges
    between different ``blocks`` labels) become street lines next to any ``roads`` (see
    :mod:`spatial.grids._blocks`).
    """
    crs_in = require_crs(units, "units")
    require_crs(communities, "communities")
    require_columns(communities, [community_id_col], "communities")
    require_unique(communities, community_id_col, "communities")
    id_col = unit_id_col if unit_id_col in units.columns else None
    hh = check_households(units, households_col, "units", id_col=id_col).to_numpy()
    if unit_id_col in units.columns:
        require_unique(units, unit_id_col, "units")
        unit_ids = units[unit_id_col].to_numpy()
    else:
        require_unique(units, None, "units")
        unit_ids = units.index.to_numpy()
        report.add("units", "-", f"no '{unit_id_col}' column", "the index is used as the unit id",
                   zh=(f"没有 '{unit_id_col}' 列", "以行索引作为单元编号"))
    pop = check_households(units, population_col, "units", id_col=id_col).to_numpy() if population_col in units.columns else None
    bld = check_buildings(units, buildings_col, "units", id_col=id_col).to_numpy() if buildings_col in units.columns else None
    if bld is None:  # the grids' n_buildings, and so their 楼栋长, are then an estimate: said, not assumed silently
        say_no_buildings(report, buildings_col)
    if len(units) == 0:
        raise GeometryError("'units' is empty; give at least one unit (楼栋/小区 part) per community")
    if len(communities) == 0:
        raise GeometryError("'communities' is empty; give the community (社区) polygons the units lie in")
    units_v = repair_geometries(units, "units", report, id_col=unit_id_col if unit_id_col in units.columns else None)
    comms_v = repair_geometries(communities, "communities", report, id_col=community_id_col)
    crs_m = metric_crs(units, communities)
    ug = np.asarray(to_crs_valid(units_v, crs_m).geometry.values, dtype=object)
    cg = np.asarray(to_crs_valid(comms_v, crs_m).geometry.values, dtype=object)
    if (shapely.get_dimensions(cg) != 2).any():
        raise GeometryError("'communities' must be polygons; some rows are points or lines")
    comm_ids = communities[community_id_col].to_numpy()
    dims = shapely.get_dimensions(ug)
    if (dims == 1).any():
        bad = ", ".join(map(str, unit_ids[dims == 1][:5]))
        raise GeometryError(f"'units' must be polygons or points; rows {bad} are lines")
    ug = single_points(ug, unit_ids)
    say_tiny_units(ug[dims == 2], crs_in, report, bounds=units_v.total_bounds)
    clipped = np.full(len(ug), None, dtype=object)  # (the units community_of clips to place them)
    comm_of = community_of(ug, cg, comm_ids, units, community_id_col, unit_ids, report, clipped=clipped)
    units = _as_community_ids(units, comm_ids, community_id_col)
    is_pt = dims == 0
    pieces = polygonal_pieces(ug, is_pt, comm_of, cg, unit_ids, report, clipped)
    if len(comm_of) and (comm_of < 0).all():  # nothing to draw (no unit with area inside its
        # community): two places, or one layer's CRS wrong
        ub, cb = shapely.total_bounds(ug), shapely.total_bounds(cg)
        raise GeometryError(
            f"no unit lies inside any community: the {len(comm_of)} units span x {ub[0]:.0f}-{ub[2]:.0f}, "
            f"y {ub[1]:.0f}-{ub[3]:.0f} and the communities x {cb[0]:.0f}-{cb[2]:.0f}, y {cb[1]:.0f}-{cb[3]:.0f} "
            f"(metres, {crs_m.to_string()}); check that both layers are "
            "the same place and that each declares the CRS its coordinates are in"
            + zone_fit_between(units, "units", communities, "communities"))
    labels = block_labels(units, blocks, unit_ids)
    streets = block_streets(pieces, comm_of, cg, labels, gap_m=street_gap_m, tol_m=_TOL_M)
    pieces = streets.pieces
    inside = np.flatnonzero(comm_of >= 0)
    roads_m = _lines(roads, crs_m, report, cg, communities)
    major = _major_lines(roads, crs_m) if roads_m is not None else None
    roads_m, road_buffer_m = _street_lines(roads_m, streets, road_buffer_m, blocks, report, comm_ids, cg)
    if streets.pairs is not None:  # the rook pairs of the grown units, already measured
        a, b, shared, length = streets.pairs
    else:
        a, b, shared, length = shared_edges(pieces[inside], tol_m=_TOL_M)
        a, b = inside[a], inside[b]
    same = comm_of[a] == comm_of[b]
    adj = weigh(len(ug), a[same], b[same], shared[same], length[same], roads=roads_m, road_buffer_m=road_buffer_m,
                major_roads=major, tol_m=_TOL_M)
    major_m = adj.major_m
    road_m = adj.road_m if major_m is None else np.maximum(adj.road_m, major_m)
    cut = adj.shared_m - (1 - ROAD_CUT_FACTOR) * road_m
    if major_m is not None:
        cut = cut - (ROAD_CUT_FACTOR - MAJOR_CUT_FACTOR) * major_m
    cost = adj.matrix(cut)
    xy = np.zeros((len(ug), 2))
    rp = shapely.centroid(pieces[inside])
    xy[inside, 0], xy[inside, 1] = shapely.get_x(rp), shapely.get_y(rp)
    return Prepared(units, crs_in, crs_m, unit_ids, comm_ids, cg, comm_of, pieces, xy, hh, pop, bld, adj, cost,
                    roads_m, road_buffer_m, same_place(ug, is_pt, comm_of))


def prepare_checked(units: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, report: Report, *, check_overlaps: bool,
                    unit_id_col: str = "unit_id", **kw) -> Prepared:
    """:func:`prepare`, and with ``check_overlaps`` the rows of the units overlapping each other
    (:func:`spatial.io.validate.overlapping_units`) after its own, as when one follows the other.

    The check reads the units alone, so it runs on a thread of its own while prepare runs (shapely
    and pyproj let go of the GIL, prepare's own threads fill the rest: on the 10,000-unit town of
    seed 1, 1.01 s one after the other against 0.94 s, eight calls each). An error of prepare's comes
    first, as before; ``kw`` goes to :func:`prepare`.
    """
    if not check_overlaps:
        return prepare(units, communities, report, unit_id_col=unit_id_col, **kw)
    from spatial.io.validate import overlapping_units

    overlaps = Report()

    def check():  # (the ids as prepare takes them: they are its when it succeeds)
        ids = units[unit_id_col].to_numpy() if unit_id_col in units.columns else units.index.to_numpy()
        overlapping_units(units, ids, overlaps)

    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(check)
        prep = prepare(units, communities, report, unit_id_col=unit_id_col, **kw)
        done.result()
    report.extend(overlaps)
    return prep


def _street_lines(roads_m, streets, road_buffer_m: float, blocks, report: Report, comm_ids, comm_geoms):
    """Street lines and their buffer: the roads given plus the derived block outlines, or the
    block outlines alone (exact lines, a 1 m buffer), and report rows saying which."""
    lines = streets.lines
    for c, gap in sorted(streets.gap_m2.items()):
        area = shapely.area(comm_geoms[c]) if comm_geoms is not None and comm_geoms[c] is not None else 0.0
        if gap >= max(100.0, 1e-3 * area):  # not drawing noise (clipped units, float gaps)
            report.add("communities", comm_ids[c], f"units leave {gap:,.0f} m² of street gaps narrower than "
                       f"{streets.gap_m:g} m between them", "units facing each other across a gap are neighbours; "
                       "each unit's grid takes the street up to its middle",
                       zh=(f"单元之间留有 {gap:,.0f} 平方米宽度小于 {streets.gap_m:g} 米的街道空隙",
                           "隔着空隙相对的单元视为相邻；各单元所在网格的边界划到街道中线"))
    for c, share in sorted(streets.sparse.items()):
        report.add("communities", comm_ids[c], f"units cover only {share:.0%} of the land they enclose "
                   "(building footprints, not blocks of parcels?)", "the gaps between them join them but are "
                   "not read as streets; give --roads, or build units with --from-buildings",
                   zh=(f"单元只覆盖其围合范围的 {share:.0%}（可能是建筑轮廓，而不是地块？）",
                       "单元之间的空隙使它们相邻，但不视为街道；请提供 --roads，或用 --from-buildings 生成单元"))
    column = f" and column '{blocks}'" if isinstance(blocks, str) else " and the blocks given" if blocks is not None else ""
    column_zh = f"和 '{blocks}' 列" if isinstance(blocks, str) else "和给定的街区" if blocks is not None else ""
    none_zh = f"，'{blocks}' 列也未分出街区" if isinstance(blocks, str) else "，给定的街区也未分出轮廓" if blocks is not None else ""
    if roads_m is not None:
        if lines is None:
            return roads_m, road_buffer_m
        return np.concatenate([roads_m, lines]), road_buffer_m
    if lines is None:
        report.add("roads", "-", f"no roads given and no block outlines found (no street gaps between blocks of units{column})",
                   "grid borders are not weighted by streets; give --roads or --blocks COLUMN",
                   zh=(f"未提供道路，也未找到街区轮廓（单元之间没有街道空隙{none_zh}）",
                       "网格边界不按街道加权；请提供 --roads，或用 --blocks 指定街区编号列"))
        return None, road_buffer_m
    report.add("roads", "-", f"no roads given: the block outlines are the streets (street gaps between units{column})",
               "grid borders follow them where possible",
               zh=(f"未提供道路：以街区轮廓作为街道（来自单元之间的街道空隙{column_zh}）", "网格边界尽量沿街区轮廓划分"))
    return lines, STREET_LINE_BUFFER_M


def say_no_buildings(report: Report, buildings_col: str) -> None:
    """The report row saying the units have no buildings column (``buildings_col``): each grid's
    ``n_buildings`` then counts its units with households, and its 楼栋长 follow from that (the
    drawing and ``evaluate_grids`` say it alike)."""
    report.add("units", "-", f"no '{buildings_col}' column: each grid's n_buildings counts its units with "
               "households (one building a unit), and building_leads (楼栋长) follow from that",
               f"give the units a column of their buildings ('{buildings_col}', or 楼栋数 as spatial grids and spatial "
               "run find it) for the real count",
               zh=(f"没有 '{buildings_col}' 列：网格楼栋数按有住户的单元个数计（每个单元算一栋），楼栋长人数据此测算",
                   f"请在单元图层中提供楼栋数列（'{buildings_col}'，或 spatial grids、spatial run 可识别的“楼栋数”），以实际楼栋数测算"))


def unit_buildings(bld: np.ndarray | None, hh: np.ndarray) -> np.ndarray:
    """Each unit's buildings as its grid's ``n_buildings`` counts them: its ``bld`` (the units'
    buildings column), or without that column 1 for a unit with households and 0 for one
    without. The one rule of the drawn grids and of ``evaluate_grids``, whose staffing (楼栋长,
    :func:`spatial.grids.workforce.staffing`) follows from it."""
    if bld is not None:
        return np.asarray(bld, dtype=float)
    return (np.asarray(hh, dtype=float) > 0).astype(float)


def band_status(h: np.ndarray, min_hh: float, max_hh: float) -> np.ndarray:
    """``under`` / ``in`` / ``over`` for each grid's households."""
    return np.where(h < min_hh, "under", np.where(h > max_hh, "over", "in"))


def beyond_rule(households: float, deviation_pct: float, target: float, rule_pct: float, lang: str = "en") -> str:
    """The report's words (``lang``: ``"en"`` or ``"zh"``) for a grid further from its community's
    mean grid than a rule."""
    over = deviation_pct > 0
    if lang == "zh":
        return (f"{households:g} 户，{'高于' if over else '低于'}所在社区网格平均户数 {target:.0f} 达 "
                f"{abs(deviation_pct):.1f}%（规则：偏差不超过 {rule_pct:g}%）")
    return (f"has {households:g} households, {abs(deviation_pct):.1f}% {'over' if over else 'under'} "
            f"its community's mean grid of {target:.0f} (rule: within {rule_pct:g}%)")


def grid_shape_metrics(geoms: np.ndarray, comm_geoms: np.ndarray, roads: np.ndarray | None,
                       *, road_buffer_m: float = 5.0) -> pd.DataFrame:
    """``area_m2``, ``polsby_popper`` (4πA/P²) and ``road_share`` of metric grid polygons.

    ``road_share`` is the share of a grid's boundary with other grids (its community's outline
    excluded) that runs along a road; NaN without roads or when the grid has no such boundary.
    """
    geoms = np.asarray(geoms, dtype=object)
    area = shapely.area(geoms)
    per = shapely.length(geoms)
    pp = np.where(per > 0, 4 * np.pi * area / np.maximum(per, 1e-12) ** 2, np.nan)
    road = np.full(len(geoms), np.nan)
    if roads is not None and len(geoms):
        inner = shapely.difference(shapely.boundary(geoms), shapely.buffer(shapely.boundary(comm_geoms), 0.5))
        length = shapely.length(inner)
        frac = road_fraction(inner, roads, buffer_m=road_buffer_m)
        road = np.where(length > 1.0, frac, np.nan)
    return pd.DataFrame({"area_m2": area, "polsby_popper": pp, "road_share": road})


def say_tiny_units(polygons: np.ndarray, crs: CRS, report: Report, *, bounds=None) -> None:
    """A warning and a report row when half the units (``polygons``, in metres) are under
    :data:`TINY_UNIT_M2`: their coordinates (``bounds`` as given, in ``crs``) are then not in the
    unit their CRS declares, and the drawing that follows (tolerances and streets in metres) is of
    a wrong map."""
    if len(polygons) < 2:
        return
    median = float(np.median(shapely.area(polygons)))
    if median >= TINY_UNIT_M2:
        return
    name = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
    problem = (f"the units are implausibly small for {name}: half of the {len(polygons)} unit polygons are under "
               f"{median:.2g} m² (about {np.sqrt(median):.2g} m across)")
    lonlat = (crs.is_projected and bounds is not None and np.all(np.isfinite(bounds))
              and -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90)
    if lonlat:
        fix = (f"their coordinates (x {bounds[0]:.4f}-{bounds[2]:.4f}, y {bounds[1]:.4f}-{bounds[3]:.4f}) fit "
               "longitude/latitude: if that is what they are, set_crs('EPSG:4326', allow_override=True) (or the CRS "
               "recorded in the file: a shapefile's .prj); if not, set the CRS they are really in")
    else:
        fix = ("their coordinates are probably not in the unit this CRS declares (another scale): set the CRS "
               "they are really in (gdf.set_crs(..., allow_override=True), or the CRS recorded in the file: a "
               "shapefile's .prj)")
    logger.warning("%s; %s", problem, fix)
    report.add("units", "-", problem, fix,
               zh=(f"单元面积不合理：按 {name} 计算，{len(polygons)} 个单元多边形中半数小于 {median:.2g} 平方米",
                   "坐标落在经纬度范围内：若为经纬度，请改设为 EPSG:4326（set_crs 或文件中记录的坐标系，如 shapefile 的 .prj）；否则请设置其实际坐标系" if lonlat else
                   "坐标很可能不是该坐标系的单位：请设置坐标实际所在的坐标系（set_crs 或文件中记录的坐标系，如 shapefile 的 .prj）"))


def land_pieces(poly, members: np.ndarray, pieces: np.ndarray, tol: float = _TOL_M) -> int:
    """How many pieces a grid's units' own land (as its polygon ``poly`` keeps it) is in by the
    partition's rook rule (:func:`~spatial.grids._adjacency.shared_edges`: parts sharing a boundary
    of 1 m or more within ``tol`` metres are one piece; parts under 0.01 m² are float noise),
    within each part of the drawn outline.

    Parts that share no such edge are apart even where the drawn outline joins them across land
    no unit covers (hairline slivers handed to the grid); parts in two parts of the outline are
    apart too, though the rule's ``tol`` would join them: two islands of one unit meeting at a
    point, whose edges run within 0.1 m of each other for a metre either side of it (libpysal's
    Tokyo: u166's, in two of its grid's seven outline parts, once counted as one piece of land
    there). So the count is never under the outline's parts, the grid's pieces on the map and all
    that ``evaluate_grids`` sees of a plan given as grid polygons."""
    land = shapely.intersection(union_polygons(pieces[members]), poly)
    parts = shapely.get_parts(land)
    parts = parts[(shapely.get_dimensions(parts) == 2) & (shapely.area(parts) >= _NOISE_M2)]
    drawn = shapely.get_parts(poly)
    if len(parts) <= 1:
        return max(len(parts), len(drawn))
    a, b, _, _ = shared_edges(parts, tol_m=tol)
    if len(drawn) > 1 and len(a):  # joined only inside one part of the outline
        part_of = _outline_part(parts, drawn)
        keep = part_of[a] == part_of[b]
        a, b = a[keep], b[keep]
    g = sparse.csr_matrix((np.ones(len(a)), (a, b)), shape=(len(parts),) * 2)
    return int(connected_components(g, directed=False)[0])


def _outline_part(parts: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """The position in ``drawn`` (an outline's parts) of the part holding most of each of ``parts``."""
    tree = shapely.STRtree(drawn)
    pi, di = tree.query(parts, predicate="intersects")
    area = shapely.area(shapely.intersection(parts[pi], drawn[di]))
    out = np.full(len(parts), -1)
    order = np.lexsort((di, -area, pi))  # each part's largest overlap first
    first = np.unique(pi[order], return_index=True)[1]
    out[pi[order][first]] = di[order][first]
    lost = np.flatnonzero(out < 0)  # (float noise just outside: the nearest part)
    if len(lost):
        out[lost] = tree.query_nearest(parts[lost], return_distance=False, all_matches=False)[1]
    return out


def _units_apart(poly, members: np.ndarray, adj, pieces: np.ndarray) -> int:
    """How many groups a grid's units (``members``) are in when two rook neighbours (``adj``) are
    joined only where both have land in one part of the grid's outline ``poly``: units meeting at
    a point, their edges within the rule's 0.1 m for a metre round it, are apart (as drawn), while
    a unit in parts joins its neighbours through the part it shares with them."""
    drawn = shapely.get_parts(poly)
    ui, di = shapely.STRtree(drawn).query(pieces[members], predicate="intersects")
    area = shapely.area(shapely.intersection(pieces[members][ui], drawn[di]))
    has = area >= _NOISE_M2
    none = np.setdiff1d(np.arange(len(members)), ui[has])  # (a unit of noise size: where most of it is)
    if len(none):
        best = pd.DataFrame({"u": ui, "a": area}).sort_values(["u", "a"], ascending=[True, False])
        has[best[best["u"].isin(none)].drop_duplicates("u").index.to_numpy()] = True
    at = sparse.csr_matrix((np.ones(has.sum()), (ui[has], di[has])), shape=(len(members), len(drawn)))
    local = np.full(len(pieces), -1)
    local[members] = np.arange(len(members))
    a, b = local[adj.i], local[adj.j]
    pair = (a >= 0) & (b >= 0)
    a, b = a[pair], b[pair]
    common = np.asarray(at[a].multiply(at[b]).sum(axis=1)).ravel() > 0 if len(a) else np.zeros(0, dtype=bool)
    g = sparse.csr_matrix((np.ones(common.sum()), (a[common], b[common])), shape=(len(members),) * 2)
    return int(connected_components(g, directed=False)[0])


def explain_pieces(report: Report, key, poly, members: np.ndarray, adj, pieces: np.ndarray, unit_ids, *,
                   n_pieces: int | None = None) -> int:
    """Say why a grid is in pieces, and return how many (1: one piece, no row): its polygon's
    parts, its units' groups sharing no edge (the rook rule of the partition: ``adj``, an
    :class:`~spatial.grids._adjacency.Adjacency` of ``pieces``), and, where some units are
    themselves in several parts (islands, exclaves), the pieces of its units' land
    (:func:`land_pieces`), whichever is most. The drawing and the evaluation both count with it."""
    drawn = len(shapely.get_parts(poly))
    inside = np.zeros(len(pieces), dtype=bool)
    inside[members] = True
    same = inside[adj.i] & inside[adj.j]
    g = sparse.csr_matrix((np.ones(same.sum()), (adj.i[same], adj.j[same])), shape=(len(inside),) * 2)
    groups = len(np.unique(connected_components(g, directed=False)[1][members])) if len(members) else 0
    multi = members[shapely.get_num_geometries(pieces[members]) > 1]
    land = land_pieces(poly, members, pieces) if len(multi) else 0
    n_pieces = max(drawn, groups, land, n_pieces or 0)
    if n_pieces <= 1:
        return n_pieces
    why, why_zh = [], []
    # units the rook rule's 0.1 m joins only where they meet at a point, in two parts of the outline
    apart = _units_apart(poly, members, adj, pieces) if groups <= 1 and drawn > 1 else 1
    if groups > 1:
        why.append(f"its units fall into {groups} groups sharing no edge")
        why_zh.append(f"其单元分为 {groups} 组，组与组之间没有共用边")
    elif apart > 1:
        why.append(f"its units fall into {apart} groups that meet only at points")
        why_zh.append(f"其单元分为 {apart} 组，组与组之间仅在点上相接")
    if len(multi):
        names = ", ".join(map(str, np.asarray(unit_ids)[multi][:5]))
        many = len(multi) > 1
        why.append(f"unit{'s' if many else ''} {names} {'are themselves' if many else 'is itself'} in several parts "
                   "(islands or exclaves)")
        why_zh.append(f"单元 {names} 本身由多块组成（岛或飞地）")
    if drawn < n_pieces:  # one outline on the map, yet its land is apart: along short edges, across gaps
        land = shapely.get_parts(union_polygons(pieces[members]))
        joined = int((shapely.area(land) >= _NOISE_M2).sum())
        if joined < n_pieces:  # the union joins what the rule does not: edges under its 1 m
            why.append("some of them meet only along edges shorter than the 1 m the drawing counts as shared, "
                       "which its outline joins")
            why_zh.append("其中一些仅沿短于 1 米的边相接（划分时不算相邻），轮廓却把它们连在一起")
        if drawn < joined:
            why.append("its outline joins some of them only across gaps no unit covers")
            why_zh.append("其轮廓仅经由无单元覆盖的空隙把其中一些连在一起")
    action, action_zh = (("redraw it so its units connect, or check the inputs", "请重新划分使其单元相连，或检查输入数据")
                         if groups > 1 or apart > 1 else ("nothing to fix: the pieces are parts of its own multi-part units",
                                             "无需处理：这些部分属于其自身由多块组成的单元"))
    report.add("grids", key, f"is {n_pieces} separate pieces" + (": " + "; ".join(why) if why else ""), action,
               zh=(f"分为 {n_pieces} 个互不相连的部分" + ("：" + "；".join(why_zh) if why_zh else ""), action_zh))
    return n_pieces
