"""One place that checks the input layers (communities, units, stations, network) before any maths.

Problems that have a safe fix are fixed and reported (a CRS that differs from the communities' is
reprojected, invalid polygons are repaired, station polygons become points); problems that would
give a wrong answer stop with a clear error (no CRS, missing columns, duplicate ids, missing or
negative households, empty geometry). Rows that are suspicious but usable (units outside every
community, stations far from the walking network) are kept and listed in the report.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from spatial.core._geom import one_points
from spatial.core._ids import loose_ids
from spatial.core._points import home_frame, polygon_points
from spatial.core._threads import halves, thread_map
from spatial.core.checks import (
    NO_AREA_ACTION,
    NO_AREA_PROBLEM,
    OUTSIDE_ACTION,
    OUTSIDE_PROBLEM,
    Report,
    check_households,
    layer_zh,
    metric_crs,
    repair_geometries,
    require_columns,
    require_crs,
    require_unique,
    whole_counts,
    zone_fit_between,
)
from spatial.core.errors import CRSError, GeometryError, NetworkError, OptionError

logger = logging.getLogger(__name__)

__all__ = ["validate_inputs"]

_ORDER = ("communities", "units", "stations", "network_edges")


def validate_inputs(
    *,
    communities: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    households_col: str = "households",
    unit_id_col: str = "unit_id",
    community_id_col: str = "community_id",
    station_id_col: str = "station_id",
    max_station_offset_m: float = 100.0,
    population_col: str = "population",
) -> tuple[dict[str, gpd.GeoDataFrame], Report]:
    """Check and clean the input layers; return them with a report of every fix and flag.

    Parameters
    ----------
    communities : GeoDataFrame, optional
        社区 polygons with a unique ``community_id_col``.
    units : GeoDataFrame, optional
        Residential units (polygons or points) with a unique ``unit_id_col`` and
        ``households_col`` (a number >= 0 in every row); ``population_col``, when the units have
        it, is held to the same rule (a blank is refused naming its rows, as the grids, the
        coverage summary and the siting refuse it).
    stations : GeoDataFrame, optional
        Service stations (points) with a unique ``station_id_col``.
    network_edges : GeoDataFrame, optional
        Walking-network edges (lines), e.g. ``osmnx.graph_to_gdfs(G, nodes=False)``.
    households_col, unit_id_col, community_id_col, station_id_col : str
        Column names.
    max_station_offset_m : float
        Stations farther than this from every network edge are reported (metres).
    population_col : str
        The units' population column, checked when they have it.

    Returns
    -------
    layers : dict of str to GeoDataFrame
        The given layers (keys ``communities``, ``units``, ``stations``, ``network_edges``),
        same index and columns, all in the CRS of the first given layer in that order;
        invalid geometries repaired, households as numbers (text such as ``"120户"`` read; whole
        counts int64, as the grids count them; a float column as given).
    report : Report
        One row per reprojected layer, repaired geometry, converted station polygon, unit outside
        every community (or naming an unknown community), part of a community holding no unit
        (in no grid), overlap sliver between communities, pair of overlapping units and station far
        from the network.

    Raises
    ------
    CRSError
        A layer has no CRS.
    ColumnError
        A required column is missing, or households are missing, not numbers or negative.
    DuplicateIdError
        An id column repeats a value.
    GeometryError
        A layer is empty, has empty/missing geometries or the wrong kind of geometry, or two
        communities overlap by more than a digitising sliver (``MAX_OVERLAP_M2`` or 1% of the smaller).
    NetworkError
        The network edges are not lines.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> layers, report = spatial.validate_inputs(
    ...     communities=demo["communities"], units=demo["units"], stations=demo["stations"])
    >>> sorted(layers), len(report), layers["units"]["households"].dtype.name
    (['communities', 'stations', 'units'], 0, 'int64')
    """
    given = {
        "communities": communities, "units": units, "stations": stations, "network_edges": network_edges,
    }
    given = {k: v for k, v in given.items() if v is not None}
    report = Report()
    if not given:
        return {}, report
    if max_station_offset_m is None or not max_station_offset_m > 0:
        raise OptionError(f"max_station_offset_m must be a distance in metres > 0, got {max_station_offset_m!r}")

    for name, gdf in given.items():
        require_crs(gdf, name)
        if len(gdf) == 0:
            error = NetworkError if name == "network_edges" else GeometryError
            raise error(f"'{name}' has no rows; pass a layer with features or leave it out")

    ids = {"communities": community_id_col, "units": unit_id_col, "stations": station_id_col}
    for name, col in ids.items():
        if name in given:
            require_columns(given[name], [col], name)
            require_unique(given[name], col, name)

    out = _common_crs(given, report)
    # the caller's own frame comes back as a frame of its own (sharing the data until either is
    # changed): a clean layer was returned as the very object given, so a column set on the checked
    # units appeared on the caller's units too, where a repaired layer's did not
    out = {name: layer.copy(deep=False) if layer is given[name] else layer for name, layer in out.items()}

    for name in _ORDER:
        if name in out:
            out[name] = repair_geometries(out[name], name, report, id_col=ids.get(name))

    if "communities" in out:
        require_outlines(out["communities"], "communities", community_id_col)
    if "units" in out:
        require_types(out["units"], "units", unit_id_col, ("Polygon", "MultiPolygon", "Point"),
                       "give each unit a polygon or a point")
        hh = check_households(out["units"], households_col, "units", id_col=unit_id_col,
                              max_value=MAX_UNIT_HOUSEHOLDS)
        given = out["units"][households_col].dtype
        if not (pd.api.types.is_numeric_dtype(given) and isinstance(given, np.dtype)):  # "120户", Int64: numbers
            out["units"] = out["units"].copy()  # whole counts as int64, as the grids count them (not 203.0)
            out["units"][households_col] = pd.Series(whole_counts(hh.to_numpy(dtype=float)), index=hh.index)
        if population_col in out["units"].columns and population_col != households_col:
            check_households(out["units"], population_col, "units", id_col=unit_id_col)
    if "stations" in out:
        out["stations"] = station_points(out["stations"], station_id_col, report)
    if "network_edges" in out:
        types = set(out["network_edges"].geom_type.unique())
        if not types <= {"LineString", "MultiLineString"}:
            raise NetworkError(
                f"'network_edges' must hold lines but has {', '.join(sorted(types))}; pass the edges, "
                "e.g. osmnx.graph_to_gdfs(G, nodes=False)"
            )

    if "units" in out and "communities" in out:
        _units_outside(out["units"], out["communities"], unit_id_col, community_id_col, report)
        _parts_without_units(out["units"], out["communities"], community_id_col, report)
    if "units" in out:
        overlapping_units(out["units"], out["units"][unit_id_col].to_numpy(), report)
    if "communities" in out:
        _overlapping_communities(out["communities"], community_id_col, report)
    if "stations" in out and "network_edges" in out:
        _stations_off_network(out["stations"], out["network_edges"], station_id_col,
                              max_station_offset_m, report)
    logger.info("validated %s: %d report rows", ", ".join(out), len(report))
    return out, report


def _common_crs(given: dict[str, gpd.GeoDataFrame], report: Report) -> dict[str, gpd.GeoDataFrame]:
    """Reproject every layer to the CRS of the first (communities, units, stations, network).

    A layer in another CRS that lies away from the first but on it once read in another
    Gauss-Krüger or UTM zone (the first's or its own label wrong: CM 114E numbers under CM 117E
    lie 300 km east) is refused, naming that zone, rather than reprojected to where it is not."""
    ref_name = next(n for n in _ORDER if n in given)
    ref = CRS.from_user_input(given[ref_name].crs)
    out = {}
    for name in _ORDER:
        if name not in given:
            continue
        gdf = given[name]
        crs = CRS.from_user_input(gdf.crs)
        if crs.equals(ref):
            out[name] = gdf
            continue
        zone = zone_fit_between(gdf, name, given[ref_name], ref_name)
        if zone:
            raise CRSError(f"'{name}' ({crs.to_string()}) and '{ref_name}' ({ref.to_string()}) do not overlap{zone}")
        out[name] = gdf.to_crs(ref)
        if name == "network_edges":  # the network reader holds every network in its UTM zone: nothing to do
            continue
        report.add(
            name, "(all rows)",
            f"CRS {crs.to_string()} differs from '{ref_name}' ({ref.to_string()})",
            f"reprojected to {ref.to_string()}; reproject it yourself to silence this",
            zh=(f"坐标参考系 {crs.to_string()} 与{layer_zh(ref_name)}图层（{ref.to_string()}）不一致",
                f"已转换为 {ref.to_string()}；先自行转换即不再出现此条"),
        )
    return out


def require_types(gdf: gpd.GeoDataFrame, name: str, id_col: str, allowed: tuple[str, ...], fix: str) -> None:
    """Refuse rows of ``gdf`` whose geometry type is not one of ``allowed``, naming them by
    ``id_col`` (a GeometryError ending in ``fix``); empty or missing geometries are left to the
    checks that name them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, box
    >>> grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"]}, geometry=[box(0, 0, 1, 1), LineString([(0, 0), (1, 1)])])
    >>> require_types(grids, "grids", "grid_id", ("Polygon", "MultiPolygon"), "draw each grid as a polygon")
    Traceback (most recent call last):
    ...
    spatial.core.errors.GeometryError: 'grids' rows must be Polygon or MultiPolygon, but 1 are not (grid_id: G2 (LineString)); draw each grid as a polygon
    """
    types = gdf.geom_type.to_numpy()
    bad = ~np.isin(types, allowed) & gdf.geometry.notna().to_numpy()
    if bad.any():
        shown = ", ".join(f"{i} ({t})" for i, t in zip(gdf[id_col].to_numpy()[bad][:10], types[bad][:10]))
        raise GeometryError(
            f"'{name}' rows must be {' or '.join(allowed)}, but {int(bad.sum())} are not "
            f"({id_col}: {shown}); {fix}"
        )


def require_outlines(communities: gpd.GeoDataFrame, name: str, id_col: str) -> None:
    """Refuse communities that are not polygons (points of the 居委会's office, boundaries drawn as
    lines): they hold no home, and every community would be scored as holding none."""
    require_types(communities, name, id_col, ("Polygon", "MultiPolygon"), "draw the community boundary as a polygon")


def station_points(stations: gpd.GeoDataFrame, id_col: str, report: Report) -> gpd.GeoDataFrame:
    """``stations`` with each building polygon replaced by a point inside it (a report row each),
    as ``spatial run`` and ``spatial coverage`` take them.

    Raises
    ------
    GeometryError
        A station is neither a point nor a polygon (the message lists them by ``id_col``).
    """
    if (stations.geom_type == "MultiPoint").any():  # a point written as a MultiPoint of one (QGIS, a KML): that point
        stations = stations.set_geometry(gpd.GeoSeries(one_points(stations.geometry.values), index=stations.index,
                                                       crs=stations.crs))
    types = stations.geom_type.fillna("no geometry").to_numpy()
    polys = np.isin(types, ("Polygon", "MultiPolygon"))
    other = ~polys & (types != "Point")
    if other.any():
        n = shapely.get_num_geometries(stations.geometry.values[other])
        shown = ", ".join(f"{i} ({t}{f' of {k} points' if t == 'MultiPoint' else ''})" for i, t, k in
                          zip(stations[id_col].to_numpy()[other][:10], types[other][:10], n[:10]))
        raise GeometryError(
            f"'stations' rows must be points (or building polygons), but these are not: {shown}; "
            "give each station one point at its entrance"
        )
    if not polys.any():
        return stations
    out = stations.copy()
    geom = out.geometry.values
    # found as every layer's polygons are walked from (in the local UTM zone, not in degrees): in an
    # L-shaped building the point in degrees lay 72 m from the one site_stations walks from
    out.loc[polys, out.geometry.name] = polygon_points(geom[polys], stations.crs,
                                                       home_frame(stations.total_bounds, stations.crs))
    for sid in stations[id_col].to_numpy()[polys]:
        report.add("stations", sid, "geometry is a polygon, not a point", "replaced by a point inside it",
                   zh=("几何为面，不是点", "已改为面内的一个点"))
    return out


#: households in one unit above which the column must be wrong (the grid search would also take forever)
MAX_UNIT_HOUSEHOLDS = 1_000_000

#: communities may overlap by digitising slivers up to this many m² (or 1% of the smaller one)
MAX_OVERLAP_M2 = 100.0
#: Parts of a multi-part community smaller than this (m²) that no unit overlaps are digitising crumbs.
CRUMB_M2 = 1.0
#: Units overlapping each other by more than this (m²) are reported, pair by pair.
UNIT_OVERLAP_M2 = 1.0


def _overlapping_communities(communities, community_id_col, report) -> None:
    """Refuse communities that overlap (their grids would overlap and count homes twice); report slivers."""
    crs = metric_crs(communities)
    geom = communities.to_crs(crs).geometry.values
    ids = communities[community_id_col].to_numpy()
    tree = shapely.STRtree(geom)
    left, right = tree.query(geom, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not len(left):
        return
    area = shapely.area(shapely.intersection(geom[left], geom[right]))
    smaller = np.minimum(shapely.area(geom[left]), shapely.area(geom[right]))
    big = area > np.maximum(MAX_OVERLAP_M2, 0.01 * smaller)
    if big.any():
        shown = "; ".join(f"{ids[a]} and {ids[b]} share {s:,.0f} m²"
                          for a, b, s in zip(left[big][:5], right[big][:5], area[big][:5]))
        raise GeometryError(
            f"'communities' overlap: {shown}{' ...' if big.sum() > 5 else ''}; their grids would overlap "
            "and count homes twice. Correct the boundaries so that each place is in one community"
        )
    for a, b, s in zip(left, right, area):
        if s > 0.01:
            report.add("communities", ids[a], f"overlaps {ids[b]} by {s:,.1f} m² (a digitising sliver)",
                       "kept; the grids of both may overlap by as much",
                       zh=(f"与 {ids[b]} 重叠 {s:,.1f} 平方米（数字化造成的细小重叠）", "保留；两者的网格在该处也会同样重叠"))


def overlapping_units(units: gpd.GeoDataFrame | gpd.GeoSeries, ids, report: Report) -> None:
    """Report each pair of unit polygons overlapping by more than :data:`UNIT_OVERLAP_M2`: the land
    they share goes to one grid's polygon only (the grid drawn first), and a planner should know.

    The one check behind :func:`validate_inputs` and the grids drawn from the units
    (:func:`spatial.grids.partition.partition_grids`, :func:`spatial.grids.redraw.redraw_grids`), so
    that both report the same rows (one warning, and one row a pair named by ``ids``, the units' ids
    in row order). Invalid polygons are measured repaired (``make_valid``), as validated.
    """
    poly = units.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if poly.sum() < 2:
        return
    idx = np.flatnonzero(poly)
    geom = shapely.make_valid(units.iloc[idx].to_crs(metric_crs(units)).geometry.values)
    a, b = shapely.STRtree(geom).query(geom)
    keep = a < b
    a, b = a[keep], b[keep]
    # interiors meeting in an area: overlaps, and one unit inside another too (which "overlaps"
    # misses); as a DE-9IM pattern on threads, 4-8 times faster than the "overlaps" tree query
    # (10,000 Voronoi units: 1.1 s -> 0.15-0.3 s), since the grids check every call's units
    meet = np.concatenate([np.zeros(0, dtype=bool)] + thread_map(
        lambda s: shapely.relate_pattern(geom[a[s]], geom[b[s]], "2********"), halves(len(a), 8192)))
    a, b = a[meet], b[meet]
    area = shapely.area(shapely.intersection(geom[a], geom[b])) if len(a) else np.zeros(0)
    ids = np.asarray(ids, dtype=object)[idx]
    big = area > UNIT_OVERLAP_M2
    if big.any():
        logger.warning("%d pairs of units overlap (%s m² in all; see the report)", int(big.sum()),
                       f"{area[big].sum():,.0f}")
    for i, j, s in zip(a[big], b[big], area[big]):
        report.add("units", ids[i], f"overlaps unit {ids[j]} by {s:,.0f} m²",
                   "kept; the shared land is drawn in one grid only (the one drawn first); correct the boundaries",
                   zh=(f"与单元 {ids[j]} 重叠 {s:,.0f} 平方米", "保留；重叠部分只画入其中一个网格（先划出的那个）；请修正单元边界"))


def _parts_without_units(units, communities, community_id_col, report) -> None:
    """Report each part of a multi-part community (an exclave) that no unit overlaps: it is in no grid.

    A part counts as held when a unit's point on its surface lies in it or when some unit's
    polygon overlaps it (an island of a multi-part unit: its land is in that unit's grid). Parts
    under :data:`CRUMB_M2` that no unit overlaps (digitising crumbs, such as those a dissolve of
    unit polygons leaves) are counted in one row per community, not one row each.
    """
    parts = communities[[community_id_col, communities.geometry.name]].explode(index_parts=True)
    counts = parts.groupby(level=0).size()
    multi = parts[parts.index.get_level_values(0).isin(counts.index[counts > 1])]
    if not len(multi):
        return
    crs = metric_crs(communities, units)
    geom = multi.to_crs(crs).geometry.values
    ugeom = units.to_crs(crs).geometry.values
    tree = shapely.STRtree(geom)
    hit = np.zeros(len(geom), dtype=bool)
    hit[tree.query(shapely.point_on_surface(ugeom), predicate="intersects")[1]] = True
    u, p = tree.query(ugeom, predicate="intersects")
    rest = ~hit[p]
    if rest.any():  # islands of multi-part units: some of the unit's land lies in the part
        u, p = u[rest], p[rest]
        hit[p[shapely.area(shapely.intersection(ugeom[u], geom[p])) > 0]] = True
    area = shapely.area(geom)
    crumb = ~hit & (area < CRUMB_M2)
    if (~hit & ~crumb).any():
        logger.warning("%d parts of multi-part communities hold no unit and are in no grid (see the report)",
                       int((~hit & ~crumb).sum()))
    for k in np.flatnonzero(~hit & ~crumb):
        cid = multi[community_id_col].iloc[k]
        part = multi.index[k][1]
        n = counts[multi.index[k][0]]
        report.add("communities", cid, f"part {part + 1} of {n} ({area[k]:,.0f} m²) holds no unit",
                   "in no grid; add the units there or remove the part from the boundary",
                   zh=(f"共 {n} 块中的第 {part + 1} 块（{area[k]:,.0f} 平方米）内没有单元",
                       "不属于任何网格；请在该处补充单元，或从社区边界中去掉这一块"))
    cids = multi[community_id_col].to_numpy()
    for cid in pd.unique(cids[crumb]):
        m = crumb & (cids == cid)
        n = int(m.sum())
        said = "1 part under {:g} m² ({:,.2f} m²) holds" if n == 1 else f"{n} parts under {{:g}} m² each ({{:,.2f}} m² in all) hold"
        report.add("communities", cid, said.format(CRUMB_M2, area[m].sum()) + " no unit (digitising crumbs)",
                   "in no grid; nothing to do, or clean the boundary (dissolve with a small snap)",
                   zh=(f"{n} 块各不足 {CRUMB_M2:g} 平方米的碎块（共 {area[m].sum():,.2f} 平方米）内没有单元"
                       "（数字化碎屑）", "不属于任何网格；无需处理，或清理社区边界（以小容差合并）"))


def _units_outside(units, communities, unit_id_col, community_id_col, report) -> None:
    """Report units with no area in any community (points: in none), as the grids leave them
    without one, with the nearest community from their point-on-surface; and units that name
    an unknown community."""
    crs = metric_crs(communities, units)
    comm = communities.to_crs(crs)
    geoms = units.to_crs(crs).geometry.values
    pts = shapely.point_on_surface(geoms)
    tree = shapely.STRtree(comm.geometry.values)
    hit = np.zeros(len(pts), dtype=bool)
    ui, ci = tree.query(geoms, predicate="intersects")
    try:  # as the grids place a unit: where some of its area lies
        g = geoms[ui]
        area = shapely.area(shapely.intersection(g, comm.geometry.values[ci]))
        share = np.where(shapely.get_dimensions(g) == 0, 1.0, area)
        hit[ui[share > 0]] = True
    except shapely.errors.GEOSException:  # an outline GEOS cannot intersect: its point-on-surface
        hit[tree.query(pts, predicate="intersects")[0]] = True
    comm_ids = comm[community_id_col].to_numpy()
    unit_ids = units[unit_id_col].to_numpy()
    known = set(comm_ids.tolist())
    named = (units[community_id_col].to_numpy() if community_id_col in units.columns
             else np.full(len(units), None, dtype=object))
    # 'C01 ', 'Ｃ０１' typed for 'C01' name that community (the grids match them so, and report it)
    loose, _ = loose_ids([c for c in named if isinstance(c, str) and c not in known], comm_ids.tolist())
    named = np.array([loose.get(c, c) if isinstance(c, str) else c for c in named], dtype=object)
    if (~hit).any():
        miss = np.flatnonzero(~hit)
        nearest, dist = tree.query_nearest(pts[miss], return_distance=True, all_matches=False)
        flat = shapely.get_dimensions(geoms) > 0
        for k, c, d in zip(miss[nearest[0]], nearest[1], dist):
            cid = named[k]
            problem = (f"{OUTSIDE_PROBLEM[0]} (nearest: {comm_ids[c]}, {d:.0f} m away)",
                       f"{OUTSIDE_PROBLEM[1]}（最近的社区：{comm_ids[c]}，相距 {d:.0f} 米）")
            if pd.notna(cid) and cid in known and not flat[k]:  # a point: the grids place it by its id (and a
                # grid its cell, unless every part of the community is nearer another unit: a row then says so)
                action = (f"placed in community {cid} by its {community_id_col}; check the unit's location or its "
                          f"{community_id_col}",
                          f"已按 {community_id_col} 归入社区 {cid}；请核对单元位置或其 {community_id_col}")
            elif pd.notna(cid) and cid in known:  # an outline: clipped to its community, nothing is left
                # the words of the grids' row for it, which once_per_row then drops as said here in full
                problem = (f"{NO_AREA_PROBLEM[0]} {cid}: {problem[0]}; check the unit's location or its "
                           f"{community_id_col}",
                           f"{NO_AREA_PROBLEM[1]} {cid}：{problem[1]}；请核对单元位置或其 {community_id_col}")
                action = NO_AREA_ACTION
            else:  # the grids' row for it says the same: one row is kept (once_per_row)
                action = OUTSIDE_ACTION
            report.add("units", unit_ids[k], problem[0], action[0], zh=(problem[1], action[1]))
    if community_id_col in units.columns:
        for uid, cid in zip(unit_ids, named):
            if pd.notna(cid) and cid not in known:
                report.add(
                    "units", uid, f"{community_id_col} {cid!r} is not in 'communities'",
                    "kept; correct the id or add the community",
                    zh=(f"{community_id_col} {cid!r} 不在社区图层中", "保留；请更正编号或补充该社区"),
                )


def _stations_off_network(stations, edges, id_col, limit_m, report) -> None:
    """Report stations farther than ``limit_m`` from every network edge, with the distance."""
    crs = metric_crs(stations, edges)
    pts = stations.to_crs(crs).geometry.values
    lines = edges.to_crs(crs).geometry.values
    tree = shapely.STRtree(lines)
    idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    far = np.zeros(len(pts))
    far[idx[0]] = dist
    ids = stations[id_col].to_numpy()
    for k in np.flatnonzero(far > limit_m):
        report.add(
            "stations", ids[k],
            f"{far[k]:.0f} m from the nearest network edge (limit {limit_m:g} m)",
            "kept; check its coordinates (GCJ-02/BD-09 not converted to WGS-84 shifts points "
            "by 300-1,500 m) or that the network covers it",
            zh=(f"距最近的路段 {far[k]:.0f} 米（上限 {limit_m:g} 米）",
                "保留；请核对坐标（GCJ-02/BD-09 坐标未转换为 WGS-84 会偏移 300-1,500 米）或路网是否覆盖该处"),
        )
