"""Residential units from building footprints or points: street blocks + enclosed tessellation.

Each community is cut into street blocks by the roads inside it (``momepy.enclosures``: shapely
polygonize of the roads and the community boundary), and each block is shared out among its
buildings by ``momepy.enclosed_tessellation`` (Voronoi cells around the footprints, drawn as
momepy draws them on cells checked and mended: :mod:`spatial.grids._cells`). Our own code only
(a) gives each building to exactly one block, (b) cleans the cells into an exact tiling of the
block (overlaps are cut away in order, float slivers and parts of a cell cut off from its
building merged into the neighbour with the longest shared edge, so each unit is one polygon),
and (c) caps each cell at ``limit_m`` from its building, leaving far land as units of its own
with 0 households, as momepy's ``buffered_limit`` does for morphological tessellation. Blocks
with no building are units with 0 households too, so the units tile every community; a
community's units are one exact coverage (edges shared vertex for vertex).

:func:`spread_by_floor_area` fills in household counts when only a total per community is known.
"""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._frames import lines_frame
from spatial.grids._estate_land import join_estate_land
from spatial.grids._units import gated_column
from spatial.grids._footprints import (count_nested_once, held_pieces, join_foreign, nested_parents,
                                       split_by_block)
from spatial.grids._enclosures import street_blocks
from spatial.grids._cells import _SLIVER_M2, edge_matched, exact_tiling, no_cell_reason, tessellate
from spatial.core.checks import (Report, check_households, metric_crs, optional_counts,
                                  repair_geometries, require_columns, require_crs, require_unique, warn_replaced,
                                  whole_counts)
from spatial.core.errors import ColumnError, GeometryError, SpatialError
from spatial.core.reproject import to_crs_valid

logger = logging.getLogger(__name__)

__all__ = ["building_units", "spread_by_floor_area", "units_from_buildings"]


def units_from_buildings(
    buildings: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    households_col: str = "households",
    floors_col: str | None = None,
    community_id_col: str = "community_id",
    building_id_col: str | None = None,
    gated_col: str | None = "gated",
    population_col: str = "population",
    persons_per_household: float = 2.62,
    limit_m: float = 100.0,
    point_size_m: float = 4.0,
    segment_m: float = 1.0,
    report: Report | None = None,
) -> gpd.GeoDataFrame:
    """Units that tile each community: one cell per building plus the land no building claims.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprint polygons or points with ``households_col`` (>= 0). Any CRS (it must have one).
    communities : GeoDataFrame
        Community polygons with a unique ``community_id_col``.
    roads : GeoDataFrame, WalkNetwork or osmnx graph, optional
        Road centre lines; where they close a loop inside a community they cut it into street
        blocks, and no unit crosses them. ``None``: each community is one block.
    households_col : str
        Households per building.
    building_id_col : str, optional
        The buildings' own id column, naming them in the report rows (default: their index).
    floors_col : str, optional
        Floors per building; when given, units get ``floor_area_m2`` (footprint × floors).
    gated_col : str, optional
        The buildings' gated estate (小区) column (default ``gated``, else ``estate``, as the grids
        read it). Land units with no building that join the pieces of an estate (its buildings in
        blocks cut by its own paths) take its id, so the grids keep it whole. ``None``: not read.
    population_col : str
        Population per building; when the column is absent, population is households ×
        ``persons_per_household`` (2.62: the 2020 census national mean household size).
    limit_m : float
        A cell reaches at most this far (metres) from its building; block land farther from
        every building becomes units with 0 households.
    point_size_m : float
        Building points are drawn as squares of this side (metres) before tessellation.
    segment_m : float
        Footprint outlines are sampled every ``segment_m`` metres for the Voronoi cells
        (momepy's ``segment``; its default 0.5 took 2.7 times as long in benchmarks/bench_units.py).
    report : Report, optional
        Collects buildings outside every community and buildings too small for their own cell
        (these still count in the unit that covers them).

    Returns
    -------
    GeoDataFrame
        One row per unit in the buildings' CRS: the attributes of the unit's own building (empty
        for land with no building), ``building_index`` (that building's index label or missing),
        ``unit_id`` (``<community_id>-<nnnn>``), ``community_id``, ``block_id``, the unit totals
        ``households`` and ``population`` (named by ``households_col`` and ``population_col``),
        ``buildings`` (number of buildings with households or
        population counted in the unit: the 楼栋 its grid's 楼栋长 serve), ``area_m2`` and, with
        ``floors_col``, ``floor_area_m2`` (0 for building points: they have no footprint).
        Households and population are int64 when every building's count is a whole number
        (20.0 too, as the grids judge counts), else floats as given. A building's own
        ``unit_id``, ``community_id`` or ``block_id`` columns are replaced (with a warning).
        Households inside a community are conserved exactly, but for buildings drawn inside another
        (a part drawn as a building, a twin): the outer one counts the larger of its own and theirs
        together, once, and a report row on each names both and the households not counted again.
        Each building is in one unit (:func:`building_units` gives it).

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> community = demo["communities"].head(1)  # C01
    >>> homes = demo["units"].query("community_id == 'C01' and households > 0").head(20)
    >>> units = spatial.units_from_buildings(homes[["households", "geometry"]], community)
    >>> int(units["households"].sum()) == int(homes["households"].sum()), units["unit_id"].iloc[0]
    (True, 'C01-0001')
    """
    report = report if report is not None else Report()
    require_crs(buildings, "buildings")
    require_crs(communities, "communities")
    if roads is not None:  # (a WalkNetwork or an osmnx graph: its edges)
        require_crs(roads := lines_frame(roads), "roads")
    require_columns(communities, [community_id_col], "communities")
    require_unique(communities, community_id_col, "communities")
    require_unique(buildings, None, "buildings")
    if building_id_col is not None:
        require_columns(buildings, [building_id_col], "buildings")
    households = check_households(buildings, households_col, "buildings", id_col=building_id_col)
    warn_replaced(buildings, ["unit_id", community_id_col, "block_id", "building_index"], "buildings",
                  "units_from_buildings")
    if population_col in buildings.columns:
        population = check_households(buildings, population_col, "buildings")
    else:
        population = households * persons_per_household
    floors = None
    if floors_col is not None:
        floors = check_households(buildings, floors_col, "buildings")
    if limit_m <= 0 or point_size_m <= 0 or segment_m <= 0:
        raise SpatialError("limit_m, point_size_m and segment_m must be > 0 (metres)")

    crs = metric_crs(communities, buildings)
    comm = to_crs_valid(repair_geometries(communities, "communities", report, id_col=community_id_col), crs)
    bld = to_crs_valid(repair_geometries(buildings, "buildings", report, id_col=building_id_col), crs)
    names = bld.index if building_id_col is None else pd.Index(bld[building_id_col].to_numpy(), dtype=object)
    road_lines = None if roads is None else roads.to_crs(crs).geometry
    _report_overlaps(comm, community_id_col, report)
    geom = bld.geometry.values
    # a footprint the repair left with no area (a ring of two points) still marks a building:
    # it counts as a building point where it was drawn
    flat = shapely.is_empty(geom)
    if flat.any():  # (only those rows reprojected again, from the file's own geometry)
        raw = np.asarray(buildings.geometry.iloc[np.flatnonzero(flat)].to_crs(crs).values, dtype=object)
        drawn = ~(shapely.is_missing(raw) | shapely.is_empty(raw))
        flat[np.flatnonzero(flat)[~drawn]] = False
        geom = np.asarray(geom, dtype=object).copy()
        geom[flat] = shapely.centroid(raw[drawn])
        for k in np.flatnonzero(flat):
            report.add("buildings", names[k], "footprint with no area left after repair",
                       "counted as a building point at its location",
                       zh=("修复后轮廓没有面积", "按其位置作为建筑点计入"))
    is_point = shapely.get_type_id(geom) == 0
    if not (fit := np.isin(shapely.get_type_id(geom), [0, 3, 6])).all():
        bad = ", ".join(f"{names[k]} ({geom[k].geom_type})" for k in np.flatnonzero(~fit)[:5])
        who = f"{building_id_col}: " if building_id_col else "index: " if isinstance(bld.index, pd.RangeIndex) else ""
        raise GeometryError(f"'buildings' must be polygons or points; {int((~fit).sum())} are not ("
                            f"{who}{bad}{' ...' if (~fit).sum() > 5 else ''}): draw those "
                            "buildings' footprints (or points), or remove the rows")
    footprint = np.where(is_point, shapely.buffer(geom, point_size_m / 2, cap_style="square"), geom)
    anchor = shapely.point_on_surface(geom)

    # every building to one community, by a point inside it (or by most of it, across a boundary)
    community_of = pd.Series(_community_of(anchor, footprint, comm, community_id_col, names, report))
    if len(bld) and (community_of.to_numpy() < 0).all():
        raise GeometryError(
            f"none of the {len(bld)} buildings lies inside a community; check that buildings and communities "
            f"cover the same place (their coordinates and CRS){_degrees_as_metres(buildings, communities)}"
        )
    for k in np.flatnonzero(community_of.to_numpy() < 0):
        report.add("buildings", names[k], "outside every community", "left out of the units",
                   zh=("不在任何社区内", "未纳入单元"))

    rows: list[dict] = []
    for c in range(len(comm)):
        cid = comm[community_id_col].iloc[c]
        members = np.flatnonzero(community_of.to_numpy() == c)
        blocks = street_blocks(comm.geometry.iloc[c], road_lines)
        rows.extend(
            _tile_community(cid, comm.geometry.iloc[c], blocks, members, footprint, anchor, is_point, limit_m,
                            segment_m, names, report)
        )

    for n, row in enumerate(rows):
        row["unit_no"] = n
    nested = [t for row in rows for t in row.pop("nested", [])]
    floor_area = None if floors is None else shapely.area(geom) * floors.to_numpy(dtype=float)
    households, population, floor_area = count_nested_once(nested, households, population, floor_area, names, report)
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    if units.empty:
        raise GeometryError("'communities' gave no land to tile; check their geometries")
    # totals per unit from the buildings counted in it
    counted = pd.Series(
        {b: r["unit_no"] for r in rows for b in r["members"]}, dtype="int64"
    )
    per_unit = pd.DataFrame(
        {
            "unit_no": counted.to_numpy(),
            "households": households.to_numpy()[counted.index.to_numpy()],
            "population": population.to_numpy()[counted.index.to_numpy()],
        }
    )
    if floors is not None:
        per_unit["floor_area_m2"] = floor_area[counted.index.to_numpy()]
    sums = per_unit.groupby("unit_no").sum()
    n_all = per_unit.groupby("unit_no").size()
    # the 楼栋 a 楼栋长 serves: buildings someone lives in (an office, a school or a podium of 0
    # households counted before, and the grids staffed a 楼栋长 for every two of them)
    n = per_unit[(per_unit["households"] > 0) | (per_unit["population"] > 0)].groupby("unit_no").size()
    out_cols = [households_col, population_col] + (["floor_area_m2"] if floors is not None else [])
    for col, src in zip(out_cols, ["households", "population", "floor_area_m2"]):
        units[col] = units["unit_no"].map(sums[src]).fillna(0.0).to_numpy()
        if src != "floor_area_m2":  # whole counts in, whole counts out (20, not 20.0), as the grids give them
            units[col] = whole_counts(units[col].to_numpy(), per_unit[src].to_numpy())
    units["buildings"] = units["unit_no"].map(n).fillna(0).astype(int).to_numpy()
    units["area_m2"] = units.area

    # the attributes of each unit's own building
    attrs = buildings.drop(columns=[buildings.geometry.name]).reset_index(drop=True)
    attrs = attrs.drop(columns=[c for c in attrs.columns if c in units.columns or c in out_cols], errors="ignore")
    own = units["own"].to_numpy()
    taken = attrs.reindex(np.where(own >= 0, own, len(attrs)))  # missing row for land
    taken.index = units.index
    label = pd.Series(bld.index.to_numpy(), dtype=object).reindex(np.where(own >= 0, own, len(bld)))
    result = pd.concat([taken, units], axis=1)
    result["building_index"] = label.to_numpy()
    keep = list(taken.columns) + [
        "building_index", "unit_id", "community_id", "block_id", *out_cols, "buildings", "area_m2", "geometry",
    ]
    result = gpd.GeoDataFrame(result[keep], geometry="geometry", crs=crs)
    if (gated := gated_column(result.columns, gated_col)) is not None:  # (land between an estate's buildings)
        result = join_estate_land(result, gated, community_col="community_id", households_col=households_col,
                                  report=report)
    if community_id_col != "community_id":
        result = result.rename(columns={"community_id": community_id_col})
    logger.info(
        "built %d units (%d with no building) in %d communities from %d buildings",
        len(result), int((~units["unit_no"].isin(n_all.index)).sum()), len(comm), len(buildings),
    )
    return to_crs_valid(result, buildings.crs)


def _degrees_as_metres(*layers: gpd.GeoDataFrame) -> str:
    """A hint for the first layer whose projected (metre) CRS holds coordinates that read as
    longitude and latitude (a file in degrees saved under a metric CRS), else ''."""
    for layer, what in zip(layers, ("buildings", "communities")):
        x0, y0, x1, y1 = layer.total_bounds
        if layer.crs.is_projected and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90 and (x1 - x0) < 2:
            return (f": the {what}' coordinates ({x0:.4f}, {y0:.4f}) read as longitude and latitude though their CRS "
                    f"{layer.crs.to_string()} is in metres; give that file the CRS its coordinates are in "
                    "(EPSG:4326 for GPS degrees)")
    return ""


def _community_of(anchor, footprint, comm: gpd.GeoDataFrame, community_id_col: str, names,
                  report: Report) -> np.ndarray:
    """Each building's community (its position in ``comm``, -1 for none): the one holding its point
    ``anchor``; a building whose point lies on a boundary or outside every community, with more of
    its footprint inside communities than out, goes to the one holding most of it, and the report
    says so (a house centred on the line between two communities was "outside every community",
    its households in neither)."""
    b_pos, c_pos = comm.sindex.query(anchor, predicate="within")
    out = pd.Series(c_pos, index=b_pos).groupby(level=0).min().reindex(range(len(anchor)), fill_value=-1)
    out = out.to_numpy().copy()
    lost = np.flatnonzero(out < 0)
    if not len(lost):
        return out
    f, c = comm.sindex.query(footprint[lost], predicate="intersects")
    area = shapely.area(footprint[lost][f])
    share = np.where(area > 0, shapely.area(shapely.intersection(footprint[lost][f], comm.geometry.values[c]))
                     / np.where(area > 0, area, 1.0), 0.0)
    inside = pd.Series(share).groupby(f).sum()
    order = np.lexsort((c, -share, f))  # per building, the largest share first (ties: the first community)
    first = order[np.r_[True, f[order][1:] != f[order][:-1]]] if len(order) else order
    for j in first:
        if share[j] > 0 and inside[f[j]] >= 0.5:
            k, cid = lost[f[j]], comm[community_id_col].iloc[c[j]]
            out[k] = c[j]
            report.add("buildings", names[k], f"lies across the boundary of community {cid!r} "
                       f"({share[j]:.0%} of its footprint in it)", f"counted in community {cid!r}",
                       zh=(f"跨越社区 {cid!r} 的边界（{share[j]:.0%} 的轮廓在其中）",
                           f"计入社区 {cid!r}"))
    return out


def _report_overlaps(comm: gpd.GeoDataFrame, community_id_col: str, report: Report) -> None:
    """Report communities that overlap: each tiles on its own, so their units overlap too."""
    geom = comm.geometry.values
    left, right = comm.sindex.query(geom, predicate="intersects")
    for a, b in zip(left, right):
        if a < b:
            area = shapely.area(shapely.intersection(geom[a], geom[b]))
            if area >= _SLIVER_M2:
                report.add("communities", comm[community_id_col].iloc[a],
                           f"overlaps community {comm[community_id_col].iloc[b]!r} by {area:.0f} m2",
                           "both tiled in full: their units overlap there; fix the boundaries",
                           zh=(f"与社区 {comm[community_id_col].iloc[b]!r} 重叠 {area:.0f} 平方米",
                               "两者都完整划分单元：重叠处的单元也重叠；请修正边界"))


def building_units(
    buildings: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, unit_id_col: str = "unit_id"
) -> pd.Series:
    """The ``unit_id`` of each building (on the buildings' index), missing where none holds it.

    A building whose label is some unit's ``building_index`` belongs to that unit; any other
    building to the unit that holds a point inside it, as in :func:`units_from_buildings`.
    """
    require_crs(buildings, "buildings")
    require_crs(units, "units")
    require_columns(units, [unit_id_col], "units")
    out = pd.Series(pd.NA, index=buildings.index, dtype=object)
    if "building_index" in units.columns:
        own = units.dropna(subset=["building_index"])
        out.update(pd.Series(own[unit_id_col].to_numpy(), index=own["building_index"].to_numpy()))
    rest = out.isna().to_numpy()
    if rest.any():
        pts = buildings.geometry.to_crs(units.crs).values[rest]
        left, right = units.sindex.query(shapely.point_on_surface(pts), predicate="intersects")
        first = pd.Series(right, index=left).groupby(level=0).min()
        idx = np.flatnonzero(rest)[first.index.to_numpy()]
        out.iloc[idx] = units[unit_id_col].to_numpy()[first.to_numpy()]
    return out


def _tile_community(cid, area, blocks, members, footprint, anchor, is_point, limit_m, segment_m, labels,
                    report) -> list[dict]:
    """Units of one community: each block tessellated around the buildings anchored in it."""
    rows: list[dict] = []
    block_of = np.full(len(members), -1)
    if len(members):
        tree = shapely.STRtree(blocks)
        b_pos, k_pos = tree.query(anchor[members], predicate="intersects")
        first = pd.Series(k_pos, index=b_pos).groupby(level=0).min()
        block_of[first.index.to_numpy()] = first.to_numpy()
        # an anchor on a road line between blocks: nearest block
        for j in np.flatnonzero(block_of < 0):
            block_of[j] = int(np.argmin(shapely.distance(blocks, anchor[members[j]])))
    held_in, foreign = split_by_block(held_pieces(members, footprint, is_point, area, labels, report, cid),
                                      members, block_of, blocks)
    row_of: dict[int, int] = {}
    outer, inside_of = nested_parents(members, footprint, is_point), []
    for k, block in enumerate(blocks):
        inside = members[block_of == k]
        cells: dict[int, object] = {}
        if len(inside) > 1:
            # a building point (or a footprint under 1 m² in the block) is its cell's only sample: its
            # drawn square, sampled, tangled with a point's 36 cm away into a unit in three pieces
            shapes = shapely.intersection(footprint[inside], block)
            shapes = np.where(is_point[inside] | (shapely.area(shapes) <= 1.0), anchor[inside], shapes)
            cells = tessellate(shapes, inside, block, segment_m)
        elif len(inside) == 1:
            cells = {int(inside[0]): block}
        pieces = exact_tiling(block, cells, footprint, limit_m, held=held_in[k], foreign=foreign[k])
        start = len(rows)
        for own, geom, held in pieces:
            rows.append({
                "unit_no": -1, "unit_id": "", "community_id": cid, "block_id": f"{cid}-b{k + 1:03d}",
                "own": own, "members": [], "geometry": geom, "held": held,
            })
        # count every building in the unit that is its own cell, else the unit holding its anchor
        own_row = {int(own): start + j for j, (own, _, _) in enumerate(pieces) if own >= 0}
        for b in inside:
            hit = own_row.get(int(b))
            if int(b) in outer:  # (counted once with the building it is drawn in, below)
                if hit is not None:  # its cell in a block the outer one is not anchored in: land
                    rows[hit]["own"] = -1
                inside_of.append(int(b))
                continue
            if hit is None:
                dist = shapely.distance(np.array([g for _, g, _ in pieces], dtype=object), anchor[b])
                hit = start + int(np.argmin(dist))
                why, why_zh, over = no_cell_reason(int(b), inside, footprint, is_point, labels)
                what, what_zh = f"counted in unit {cid}-{hit + 1:04d}, which covers it", f"计入覆盖它的单元 {cid}-{hit + 1:04d}"
                if over >= 0 and why.startswith("mostly under"):  # (only partly under: a building of its own)
                    what += (f", its households as well as building {labels[over]}'s (only partly under it, it is a "
                             f"building of its own); if it is a part of building {labels[over]}, draw it wholly inside "
                             "that outline (then counted once with it) or delete it")
                    what_zh += (f"，其户数与建筑 {labels[over]} 的户数都计入（只部分在其下，视为另一栋建筑）；如它是建筑 "
                                f"{labels[over]} 的一部分，请把它完全画在该轮廓之内（则与其合并计一次）或删除它")
                report.add("buildings", labels[b], why, what, zh=(why_zh, what_zh))
            rows[hit]["members"].append(int(b))
            row_of[int(b)] = hit
    # a footprint drawn inside another's (a part, a twin) is counted in the unit of the outermost one
    nested = []
    for b in inside_of:
        top = outer[b]
        while top in outer and top not in row_of:
            top = outer[top]
        hit = row_of[top]
        rows[hit]["members"].append(b)
        row_of[b] = hit
        twin = shapely.area(footprint[outer[b]]) <= 1.01 * shapely.area(footprint[b])
        nested.append((b, outer[b], f"{cid}-{hit + 1:04d}", bool(twin)))
    if nested:
        rows[0]["nested"] = nested
    for n, row in enumerate(rows):
        row["unit_id"] = f"{cid}-{n + 1:04d}"
    join_foreign(rows, [x for f in foreign for x in f], row_of, report, labels)
    edge_matched(rows)
    for row in rows:
        del row["held"]
    return rows


def spread_by_floor_area(
    buildings: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    total_col: str = "households",
    floors_col: str = "floors",
    default_floors: float = 1,
    community_id_col: str = "community_id",
    report: Report | None = None,
) -> gpd.GeoDataFrame:
    """Spread each community's total over its buildings by floor area, in whole numbers.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints (points count as floor area 0 unless every building of the community is a
        point, when floors alone weigh them). A building's community is the one holding a point
        inside it (across a boundary: the one holding most of it, as in
        :func:`units_from_buildings`). Buildings that already have a value in ``total_col`` keep it; the rest of the
        community's total is spread over the others.
    communities : GeoDataFrame
        Communities with ``community_id_col`` and the whole-number total in ``total_col``.
    floors_col : str
        Floors per building (``6`` or ``6层``); a missing column or blank values use
        ``default_floors``. Counts already in ``total_col`` may be typed the same way (``120户``);
        text that is no count, or a negative one, is refused naming the rows.

    Returns
    -------
    GeoDataFrame
        ``buildings`` with its index and columns, ``total_col`` filled (largest-remainder
        rounding: each community's total is met exactly) and ``<total_col>_source``: "given",
        "spread by floor area", or "outside every community" (value left missing).

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> community = demo["communities"].head(1).assign(households=1000)  # C01: 1000 households
    >>> footprints = demo["units"].query("community_id == 'C01' and buildings > 0")
    >>> buildings = spatial.spread_by_floor_area(footprints[["geometry"]].assign(floors=6), community)
    >>> int(buildings["households"].sum()), buildings["households_source"].unique().tolist()
    (1000, ['spread by floor area'])
    """
    report = report if report is not None else Report()
    require_crs(buildings, "buildings")
    require_crs(communities, "communities")
    require_columns(communities, [community_id_col, total_col], "communities")
    require_unique(communities, community_id_col, "communities")
    totals = check_households(communities, total_col, "communities", id_col=community_id_col)
    frac = totals.to_numpy() != np.round(totals.to_numpy())
    if frac.any():
        bad = ", ".join(map(str, communities[community_id_col].to_numpy()[frac][:10]))
        raise ColumnError(f"'communities' column '{total_col}' must hold whole numbers; rows: {bad}")
    crs = metric_crs(communities, buildings)
    geom = buildings.geometry.to_crs(crs).values
    comm = communities.to_crs(crs)
    area = shapely.area(geom)
    # counts as offices type them (6层, 120户) are read; a blank is "not known", a typo is refused
    if floors_col in buildings.columns:
        floors = optional_counts(buildings, floors_col, "buildings").fillna(default_floors).to_numpy(float)
    else:
        floors = np.full(len(buildings), float(default_floors))
    if (floors < 0).any():
        raise ColumnError(f"'buildings' column '{floors_col}' must be >= 0")
    given = (
        optional_counts(buildings, total_col, "buildings")
        if total_col in buildings.columns
        else pd.Series(np.nan, index=buildings.index)
    ).to_numpy(float)

    community_of = _community_of(shapely.point_on_surface(geom), geom, comm, community_id_col, buildings.index,
                                 report)
    # identical towers tie: the odd household to the west-, then southernmost centre (degrees, ~0.1 m)
    centre = gpd.GeoSeries(shapely.centroid(geom), crs=crs).to_crs(4326).values  # (empty: NaN, last)
    west_first = np.argsort(np.lexsort((np.round(shapely.get_y(centre), 6), np.round(shapely.get_x(centre), 6))))
    value = given.copy()
    source = np.where(np.isnan(given), "outside every community", "given").astype(object)
    for c in range(len(comm)):
        cid = comm[community_id_col].iloc[c]
        mine = np.flatnonzero(community_of == c)
        todo = mine[np.isnan(given[mine])]
        left_over = totals.iloc[c] - np.nansum(given[mine])
        if left_over < 0:
            raise ColumnError(
                f"community {cid!r}: buildings already hold {np.nansum(given[mine]):.0f} "
                f"{total_col}, more than its total {totals.iloc[c]:.0f}"
            )
        if len(todo) == 0:
            if left_over > 0:
                report.add("communities", cid, f"{left_over:.0f} {total_col} and no building to carry them",
                           "not spread", zh=(f"{total_col} 还余 {left_over:.0f}，但没有建筑可以分摊", "未分摊"))
            continue
        weight = area[todo] * floors[todo]
        if weight.sum() <= 0:
            weight = floors[todo] if floors[todo].sum() > 0 else np.ones(len(todo))
        value[todo] = largest_remainder(weight, int(round(left_over)), tie=west_first[todo])
        source[todo] = "spread by floor area"
    for k in np.flatnonzero(community_of < 0):
        if np.isnan(given[k]):
            report.add("buildings", buildings.index[k], "outside every community", f"{total_col} left missing",
                       zh=("不在任何社区内", f"{total_col} 保持空缺"))
    out = buildings.copy()
    # counts stay whole numbers; floats (NaN) only where a building lies outside every community
    out[total_col] = whole_counts(value)
    out[f"{total_col}_source"] = source
    warn_replaced(buildings, [f"{total_col}_source"], "buildings", "spread_by_floor_area", new=out)
    logger.info("spread %s over %d buildings by floor area", total_col, int((source == "spread by floor area").sum()))
    return out


def largest_remainder(weights: np.ndarray, total: int, tie: np.ndarray | None = None) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that sum to ``total`` (Hamilton's method).

    Ties in the remainders (equal to 1e-6) go to the smallest ``tie`` key (default: the earlier
    position), so that equal weights given in another order, or carrying a reprojection's noise,
    get the same numbers when ``tie`` names them.
    """
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights))
    quota = weights * total / weights.sum()
    base = np.floor(quota)
    short = int(round(total - base.sum()))
    key = np.arange(len(weights)) if tie is None else np.asarray(tie)
    order = np.lexsort((key, -np.round(quota - base, 6)))
    base[order[:short]] += 1
    assert math.isclose(base.sum(), total)
    return base
