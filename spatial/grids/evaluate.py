"""Score a grid plan without changing it: band, deviation, contiguity, gaps/overlaps, compactness, roads.

Accepts either a grid layer (one polygon per ``grid_id``) or units carrying ``grid_id`` (dissolved
here, and contiguity also checked on the units' rook graph). Per-grid scores keep the grid's
columns; the one-row summary is what an official compares between plans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._gc import without_gc_pauses
from spatial.core._threads import thread_map
from spatial.core._ids import loose_ids
from spatial.core._geom import union_groups
from spatial.core._words import counted
from spatial.core.checks import (
    Report,
    check_band,
    check_buildings,
    check_households,
    label_text,
    metric_crs,
    natural_key,
    repair_geometries,
    require_columns,
    require_crs,
    whole_counts,
)
from spatial.core.errors import ColumnError, GeometryError, SpatialError
from spatial.core.reproject import as_returned, to_crs_valid
from spatial.io.validate import require_types
from spatial.grids._across import say_across_major
from spatial.grids._adjacency import rook_adjacency
from spatial.grids._blocks import block_labels, block_streets
from spatial.grids._inputs import _check_one_row_a_unit
from spatial.grids._islands import grid_pieces, piece_targets
from spatial.grids._objective import check_max_deviation
from spatial.grids._prep import (
    _NOISE_M2,
    _TOL_M,
    _lines,
    _major_lines,
    _street_lines,
    _weld_all,
    band_status,
    beyond_rule,
    community_polygons,
    explain_pieces,
    grid_shape_metrics,
    say_no_buildings,
    unit_buildings,
)
from spatial.grids._units import (
    clipped_to_communities,
    estate_groups,
    estate_labels,
    gated_column,
    placed_communities,
    report_split_estate,
    single_points,
    split_estates,
    unit_cells,
)

logger = logging.getLogger(__name__)

_FLOAT_M = 1e-3  # slivers narrower than this (m) everywhere are float noise: no crack, no land outside

__all__ = ["EvalResult", "evaluate_grids"]


#: What a grid in pieces is told when the plan is grid polygons alone (no units): its outline's
#: parts may be islands or exclaves of one unit (nothing to fix), and pieces of land that only a
#: gap no unit covers joins into one outline are not seen at all; the units tell both apart.
OUTLINE_PIECES = (
    "redraw it so its units connect, unless its parts are islands or exclaves of one unit (nothing to fix then): "
    "grid outlines alone cannot tell, nor show pieces of land their outline joins across gaps no unit covers; "
    "score the units carrying grid_id to tell (spatial grids COMMUNITIES UNITS --existing OUTLINES --evaluate)",
    "请重新划分使其单元相连，除非这些部分是同一单元的岛或飞地（则无需处理）：仅凭网格轮廓无法区分，也看不出轮廓经由无单元覆盖的空隙连在一起的"
    "分离地块；请对带 grid_id 的单元评估以区分（spatial grids 社区 单元 --existing 网格轮廓 --evaluate）")


@dataclass(frozen=True)
class EvalResult:
    """Per-grid scores (``grids``), a one-row ``summary`` and the ``report`` of problems found."""

    grids: gpd.GeoDataFrame
    summary: pd.DataFrame
    report: pd.DataFrame


@without_gc_pauses
def evaluate_grids(
    layer: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame | None = None,
    *,
    grid_id_col: str = "grid_id",
    households_col: str = "households",
    community_id_col: str = "community_id",
    unit_id_col: str = "unit_id",
    min_households: float = 300,
    max_households: float = 500,
    roads: gpd.GeoDataFrame | None = None,
    road_buffer_m: float = 5.0,
    blocks=None,
    street_gap_m: float = 30.0,
    max_deviation_pct: float | None = None,
    gated_col: str | None = "gated",
    buildings_col: str = "buildings",
) -> EvalResult:
    """Score grids: band compliance, deviation, contiguity, gaps/overlaps, Polsby-Popper, road share.

    Parameters
    ----------
    layer : GeoDataFrame
        Grid polygons with a unique ``grid_id_col``, or units with ``grid_id_col`` (repeated ids,
        or a ``unit_id_col`` column, mean units; they are dissolved into grids and their rook
        contiguity checked).
    communities : GeoDataFrame, optional
        Community polygons with ``community_id_col``; gaps and overlaps are measured against them.
    unit_id_col : str
        The units' id column (a layer of units), by which the report names them (else by row).
    min_households, max_households : float
        The band.
    roads, blocks, street_gap_m
        Streets, as for :func:`spatial.grids.partition.partition_grids`. On units, the same rule:
        units are grown into the street gaps (up to ``street_gap_m`` wide) between them (so units facing each other across a
        street are neighbours) and, without roads, the block outlines are the streets that
        ``road_share`` is measured against. ``blocks`` needs units.
    max_deviation_pct : float, optional
        A rule near the mean (1-100%): the summary counts the grids further than this from their
        community's mean grid (``n_beyond_rule``) and the report names each.
    gated_col : str or None
        On units, their gated estate (小区) column, as :func:`spatial.grids.partition.partition_grids`
        reads it: an estate whose units the plan puts in more than one grid (or some in none) is
        named in the report with its grids, as no drawing or redraw cuts one. None, or a column
        missing or saying only yes/no, checks nothing.
    buildings_col : str
        On units, their buildings column (楼栋数), as the drawing reads it: each grid's
        ``n_buildings`` sums it (without it, the grid's units with households, a report row saying
        so), and its staffing follows as on the grids ``spatial grids`` draws
        (:func:`spatial.grids.workforce.staffing`: 楼栋长 ``building_leads``, 联户长
        ``household_leads``).

    Returns
    -------
    EvalResult
        ``grids``: grid_id, community_id, households, band_status, target_households (mean grid
        of its community), deviation_pct, components, area_m2, polsby_popper, road_share,
        outside_m2, overlap_m2 (and the grid layer's own columns); on units also n_buildings,
        full_time_workers, part_time_workers, building_leads and household_leads, as the drawn
        grids have them. ``summary``: one row.

        ``components`` is the grid's pieces. On units, the pieces of its units' own land: parts
        sharing 1 m of edge within 0.1 m are one piece inside one part of its outline, as the
        drawing counts them (an island of a unit is a piece; land its outline joins only across
        a gap no unit covers is apart). On grid polygons alone, the parts of each outline: an
        island of one unit counts as a piece (the report row says it may be nothing to fix), and
        pieces of land an outline joins across such a gap cannot be seen; score the units
        carrying ``grid_id`` to tell.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> plan = spatial.partition_grids(demo["units"], demo["communities"])
    >>> result = spatial.evaluate_grids(plan.grids, demo["communities"])
    >>> row = result.summary.iloc[0]
    >>> int(row["n_grids"]) == len(plan.grids), float(row["pct_in_band"]), int(row["n_not_contiguous"])
    (True, 100.0, 0)
    """
    check_band(min_households, max_households)
    if max_deviation_pct is not None:
        max_deviation_pct = check_max_deviation(max_deviation_pct)
    report = Report()
    crs_in = require_crs(layer, "plan")
    require_columns(layer, [grid_id_col], "plan")
    if len(layer) == 0:
        raise GeometryError(f"'plan' is empty; give grid polygons with '{grid_id_col}', or units carrying it")
    if layer[grid_id_col].isna().all():
        raise ColumnError(f"'plan' column '{grid_id_col}' is blank in all {len(layer)} rows; give each unit its "
                          "grid (spatial.read_plan, or partition_grids to draw a plan)")
    # rows named by their unit (or, for grid polygons, grid) ids
    row_id = unit_id_col if unit_id_col in layer.columns else grid_id_col
    if households_col not in layer.columns and row_id == grid_id_col and layer[grid_id_col].is_unique:
        # a 网格边界 layer (outlines alone): "rename the column" was all it was told
        raise ColumnError(f"'plan' has no column '{households_col}': grid outlines alone carry no households; "
                          "score the units inside them: evaluate_grids(units.merge(spatial.plan_from_polygons("
                          "outlines, units)[['unit_id', 'grid_id']]), communities) (spatial grids COMMUNITIES "
                          "UNITS --existing OUTLINES --evaluate), or pass the outlines' households column as "
                          "households_col")
    hh = check_households(layer, households_col, "plan", id_col=row_id)
    layer = repair_geometries(layer, "plan", report, id_col=row_id)
    if communities is not None:
        require_crs(communities, "communities")
        require_columns(communities, [community_id_col], "communities")
    if (layer.geom_type == "MultiPoint").any():  # one point written as a MultiPoint is that point
        ids = layer[unit_id_col] if unit_id_col in layer.columns else layer.index
        layer = layer.copy()
        layer[layer.geometry.name] = gpd.GeoSeries(single_points(layer.geometry.values, ids.to_numpy()),
                                                   index=layer.index, crs=layer.crs)
    if (layer.geom_type == "Point").any():  # the cells the partition drew, which need the communities
        if communities is None:
            raise SpatialError("the plan's units are points; give the communities (COMMUNITIES on the command "
                               "line) so that each point is scored as the cell the grids were drawn from")
        layer = unit_cells(layer, communities, unit_id_col=unit_id_col, community_id_col=community_id_col)
    # outlines drawn as lines (a CAD export of 网格边界) enclose nothing: scored, every grid was a gap
    require_types(layer, "plan", row_id, ("Polygon", "MultiPolygon"), "give each grid (or unit) as a polygon; "
                  "close outlines drawn as lines into polygons (QGIS: Vector > Geometry Tools > Lines to Polygons)")
    crs_m = metric_crs(layer, communities) if communities is not None else metric_crs(layer)
    lm = to_crs_valid(layer, crs_m)  # as the partition reprojects: a cell made invalid is repaired
    _check_one_row_a_unit(lm, unit_id_col, grid_id_col)
    missing = lm[grid_id_col].isna()
    # a plan of units names them by their ids (a row number means nothing to the planner)
    names = lm[unit_id_col] if unit_id_col in lm.columns else lm.index.to_series()
    for rid in names[missing]:
        report.add("plan", rid, f"no '{grid_id_col}'", "not in any grid: counted as a gap",
                   zh=(f"没有 '{grid_id_col}'", "不在任何网格内：计为空隙"))
    # a gated estate cut between grids (a plan read from old outlines or a table can cut one)
    gated_col = gated_column(lm.columns, gated_col)
    estates = None
    if gated_col is not None and not pd.api.types.is_bool_dtype(lm[gated_col]):
        estates, _ = estate_labels(lm[gated_col].to_numpy())
    # (said once the units' neighbours are known: an estate is kept whole as the grids keep it)
    cut = (estates, lm[grid_id_col].to_numpy(), names.to_numpy(), missing.to_numpy(),
           lm[community_id_col].to_numpy() if community_id_col in lm.columns else None)
    estate_group = None
    lm, hh = lm[~missing], hh[~missing]
    # units: grid ids repeat, or the rows carry their own unit ids (a plan whose every grid is one
    # unit, an estate each, is still units: grown into the streets as the drawing grew them)
    is_units = bool(lm[grid_id_col].duplicated().any()) or (unit_id_col in lm.columns and unit_id_col != grid_id_col)
    gid = np.array([label_text(v) for v in lm[grid_id_col]], dtype=object)  # 3.0 (a column with blanks) is 3
    geoms = np.asarray(lm.geometry.values, dtype=object)
    # grids of units in their own order, as the drawing lists them (C01-01, C01-02 ..., not in the
    # order the units happen to meet them); grid polygons keep their rows
    keys = sorted(pd.unique(gid), key=natural_key) if is_units else list(pd.unique(gid))
    pos = {k: i for i, k in enumerate(keys)}
    g_of = np.array([pos[k] for k in gid])
    streets = None
    if blocks is not None and not is_units:
        raise SpatialError("blocks needs units carrying grid_id (block outlines are read from the units); "
                           "the plan given is one polygon per grid")
    if is_units:
        unit_names = (lm[unit_id_col] if unit_id_col in lm.columns else pd.Series(lm.index)).to_numpy()
        placed = None
        clipped = np.full(len(lm), None, dtype=object)  # (units placed by where they lie: clipped there once)
        if community_id_col not in lm.columns and communities is not None:
            # units placed by where they lie, as the drawing places them (the partition's units
            # carry no community column): each community's units are clipped to it and grown
            # into its own street gaps, as drawn, not all of them as one community
            placed = pd.Series(placed_communities(lm, communities, community_id_col, unit_names, clipped=clipped),
                               dtype=object)
        streets, ids, clip, group = _unit_streets(lm if placed is None else lm.assign(**{community_id_col: placed.to_numpy()}),
                                                  geoms, communities, community_id_col, crs_m, blocks,
                                                  street_gap_m, report, unit_id_col, clipped=clipped)
        streets_of = [ids, clip]
        geoms = streets.pieces
        # the units' own land (gaps between them stay gaps in the summary) ...
        covered = np.asarray(_weld_all(list(union_groups(geoms, g_of, len(keys))), None), dtype=object)
        # ... and the polygons the drawing gives these grids, which the scores and pieces are of
        grid_geoms = _drawn(covered, geoms, g_of, group, clip)
        adj = rook_adjacency(geoms, major_roads=_major_lines(roads, crs_m), road_buffer_m=road_buffer_m)
        if estates is not None:
            estate_group = _estate_group(cut, placed, adj)
        same = g_of[adj.i] == g_of[adj.j]
        m = sparse.csr_matrix((np.ones(same.sum()), (adj.i[same], adj.j[same])), shape=(len(geoms),) * 2)
        _, comp = connected_components(m, directed=False)
        unit_comps = pd.Series(comp).groupby(g_of).nunique().reindex(range(len(keys))).to_numpy()
        # homes a grid holds across an arterial or a river, named as the drawing names them
        say_across_major(report, gid, adj, unit_names, hh.to_numpy(float), lm[community_id_col].to_numpy()
                         if community_id_col in lm.columns else np.asarray(placed if placed is not None else [0] * len(gid)))
        base = pd.DataFrame({grid_id_col: keys})
        if community_id_col in lm.columns:
            base[community_id_col] = _grid_community(lm[community_id_col], g_of, hh, keys, unit_names, report)
        elif placed is not None:
            _grid_community(placed, g_of, hh, keys, unit_names, report)
    else:
        grid_geoms = covered = geoms
        unit_comps = None
        base = lm.drop(columns=lm.geometry.name).reset_index(drop=True)
    # a gated estate cut between grids (a plan read from old outlines or a table can cut one)
    if estates is not None:
        for est, parts in split_estates(estates, cut[1], cut[2], estate_group):
            report_split_estate(report, "plan", est, parts,
                                "move its units into one grid (spatial editor: click any of them into the grid), "
                                "or redraw (--redraw keeps every estate whole)",
                                "把其单元调入同一网格（spatial editor 中点其中任一单元即整体调入），或重新划分（--redraw 保持小区完整）")
    households = np.bincount(g_of, weights=hh.to_numpy(), minlength=len(keys))
    households = whole_counts(households, hh.to_numpy(float))  # whole counts stay whole (int64), as the partition gives
    n_buildings = None
    if is_units:  # the drawing's rule: the units' buildings column, else their units with households
        bld = check_buildings(lm, buildings_col, "plan", id_col=row_id).to_numpy() if buildings_col in lm.columns else None
        if bld is None:
            say_no_buildings(report, buildings_col)
        per_unit = unit_buildings(bld, hh.to_numpy(float))
        n_buildings = whole_counts(np.bincount(g_of, weights=per_unit, minlength=len(keys)), per_unit)
    parts = shapely.get_num_geometries(grid_geoms)
    components = parts if unit_comps is None else np.maximum(parts, unit_comps)
    # grids holding a unit in several parts (their land may be apart where the outline is one polygon)
    multi = np.bincount(g_of, weights=shapely.get_num_geometries(geoms) > 1, minlength=len(keys)) > 0
    for g, (k, c) in enumerate(zip(keys, components)):
        if is_units and (c > 1 or multi[g]):  # why, in the drawing's words: units sharing no edge, or in parts
            components[g] = explain_pieces(report, k, grid_geoms[g], np.flatnonzero(g_of == g), adj, geoms, unit_names,
                                           n_pieces=c)
        elif c > 1:  # grid polygons alone: their parts, which may be one unit's islands
            report.add("grids", k, f"is {c} separate pieces", OUTLINE_PIECES[0],
                       zh=(f"分为 {c} 个互不相连的部分", OUTLINE_PIECES[1]))

    comm_of, comm_geoms, cids = _grid_communities(grid_geoms, communities, community_id_col, crs_m, base)
    out = base.copy()
    out[community_id_col] = [cids[c] if c >= 0 else None for c in comm_of]
    out["households"] = households
    if n_buildings is not None:
        out["n_buildings"] = n_buildings
    out["band_status"] = band_status(households, min_households, max_households)
    # each grid against the mean grid of its piece of its community (an island's own), as drawn
    touch = adj if is_units else rook_adjacency(np.asarray(grid_geoms, dtype=object))  # (outlines: theirs)
    piece = grid_pieces(g_of if is_units else np.arange(len(keys)), touch.i, touch.j, out[community_id_col], len(keys))
    out["target_households"], out["deviation_pct"] = piece_targets(households, out[community_id_col], piece, report,
                                                                   unit_word="units" if is_units else "grids")
    out["components"] = components.astype(int)
    roads_m = _lines(roads, crs_m, report)
    if streets is not None:
        roads_m, road_buffer_m = _street_lines(roads_m, streets, road_buffer_m, blocks, report, *streets_of)
    # without community polygons (the ids may come from a column) there is no outline to measure
    has = (comm_of >= 0) & (comm_of < len(comm_geoms))
    cg = np.array([comm_geoms[c] if h else shapely.Polygon() for c, h in zip(comm_of, has)], dtype=object)
    # grids drawn here from units are measured as returned (a hairline slit the return to the
    # input's CRS removes is not perimeter), as the drawing measures them; grid polygons as given
    measured = as_returned(grid_geoms, crs_m, crs_in) if is_units else grid_geoms
    shape = grid_shape_metrics(measured, cg, roads_m, road_buffer_m=road_buffer_m)
    for col in shape.columns:
        out[col] = shape[col].to_numpy()
    out["outside_m2"] = np.where(has, _wide_area(shapely.difference(grid_geoms, cg)), np.nan)
    out["overlap_m2"] = _overlap_each(grid_geoms)
    summary = _summary(out, covered, comm_geoms, report)
    if max_deviation_pct is not None:
        far = out[out["deviation_pct"].abs() > max_deviation_pct + 1e-9]
        summary["n_beyond_rule"] = len(far)
        for _, r in far.iterrows():
            words = (r["households"], float(r["deviation_pct"]), r["target_households"], max_deviation_pct)
            report.add("grids", r[grid_id_col], beyond_rule(*words),
                       "move units by hand (spatial editor --max-deviation) or redraw with the rule "
                       "(--redraw --max-deviation)",
                       zh=(beyond_rule(*words, lang="zh"),
                           "手工调整单元（spatial editor --max-deviation），或按规则重新划分（--redraw --max-deviation）"))
    if n_buildings is not None:  # 楼栋长 and 联户长 by the rule of the drawn grids' table
        from spatial.grids.workforce import staffing

        out = staffing(out)
    grids = to_crs_valid(gpd.GeoDataFrame(out, geometry=list(grid_geoms), crs=crs_m), crs_in)
    if not is_units:  # one row per grid polygon given: the rows keep the layer's index and geometry column
        grids.index = lm.index
        grids = grids.rename_geometry(lm.geometry.name) if lm.geometry.name != "geometry" else grids
    return EvalResult(grids, summary, report.to_frame(zh_columns=True))


def _estate_group(cut, placed, adj) -> np.ndarray:
    """Each unit's estate group as the grids keep it whole (:func:`estate_groups`: one community's units
    of an estate that touch, by ``adj`` over the units in a grid); a unit in no grid joins the first
    group of its estate in its community, so an estate with a unit left out is still named."""
    estates, _, _, missing, comm = cut
    kept = ~missing
    if comm is None:
        comm = np.full(len(missing), None, dtype=object)
        if placed is not None:
            comm[kept] = placed.to_numpy()
    out = np.full(len(missing), -1, dtype=np.int64)
    out[kept] = estate_groups(estates[kept], comm[kept], adj.i, adj.j)
    first: dict = {}  # (a unit placed by where it lies, left out of every grid, has no community: its name's first)
    for e, c, g in zip(estates[kept], comm[kept], out[kept]):
        if g >= 0:
            first.setdefault((label_text(e), label_text(c)), g)
            first.setdefault((label_text(e), None), g)
    top = int(out.max()) + 1
    for k in np.flatnonzero(missing):
        if estates[k] is not None and not (not isinstance(estates[k], str) and pd.isna(estates[k])):
            key = (label_text(estates[k]), None if comm[k] is None else label_text(comm[k]))
            if key not in first:
                first[key] = top
                top += 1
            out[k] = first[key]
    return out


def _grid_community(cids: pd.Series, g_of: np.ndarray, hh: pd.Series, keys: list, unit_names, report) -> np.ndarray:
    """Community of each grid of units: the one holding most of its households (then most units,
    then the first met); a grid with units of several communities gets a report row naming the
    units outside it (grids nest in communities)."""
    df = pd.DataFrame({"g": g_of, "c": cids.to_numpy(), "hh": hh.to_numpy(dtype=float), "n": 1,
                       "at": np.arange(len(g_of)), "name": np.asarray(unit_names, dtype=object)})
    df = df[df["c"].notna()]
    tot = df.groupby(["g", "c"], sort=False).agg(hh=("hh", "sum"), n=("n", "sum"), at=("at", "min")).reset_index()
    tot = tot.sort_values(["g", "hh", "n", "at"], ascending=[True, False, False, True])
    main = tot.drop_duplicates("g").set_index("g")["c"]
    out = main.reindex(range(len(keys))).to_numpy(dtype=object)
    for g in tot.loc[tot["g"].duplicated(), "g"].unique():
        others = df[(df["g"] == g) & (df["c"] != main[g])]
        names = ", ".join(map(str, others["name"].iloc[:6])) + (" ..." if len(others) > 6 else "")
        comms = " and ".join(map(str, [main[g]] + list(pd.unique(others["c"]))))
        report.add("grids", keys[g], f"holds units of communities {comms}: {counted(len(others), 'unit')} outside "
                   f"{main[g]}, the community holding most of its households ({names})",
                   "grids nest in communities: move those units to a grid of their own community "
                   "(spatial editor) or redraw the plan (--redraw)",
                   zh=(f"网格包含社区 {comms} 的单元：{len(others)} 个单元不在其户数最多的社区 {main[g]} 内（{names}）",
                       "网格须嵌套在社区内：请把这些单元移入其所属社区的网格（spatial editor），或重新划分（--redraw）"))
    return out


def _unit_streets(lm, geoms, communities, community_id_col, crs_m, blocks, gap_m=30.0, report=None,
                  unit_id_col="unit_id", street_lines=True, clipped=None):
    """Units clipped to their communities and grown into the street gaps within each, and the
    block outlines (:func:`spatial.grids._blocks.block_streets`, the rule the partition uses;
    ``street_lines=False``: the grown units and their pairs only). ``clipped``: the units
    :func:`~spatial.grids._units.placed_communities` clipped already where it placed them."""
    labels = block_labels(lm, blocks, (lm[unit_id_col] if unit_id_col in lm.columns else lm.index).to_numpy())
    if community_id_col in lm.columns:
        group, ids = pd.factorize(lm[community_id_col])
    else:
        group, ids = np.zeros(len(lm), dtype=np.int64), pd.Index([None])
    clip = None
    if communities is not None:
        cm = communities.to_crs(crs_m)
        by_id = dict(zip(cm[community_id_col], cm.geometry.values))
        loose, _ = loose_ids(list(ids), list(by_id))  # 'C01 ', 'Ｃ０１' typed for 'C01': its outline
        clip = np.array([by_id.get(loose.get(c, c)) for c in ids], dtype=object)
    names = (lm[unit_id_col] if unit_id_col in lm.columns else lm.index).to_numpy()
    geoms = clipped_to_communities(geoms, np.asarray(group), clip, names, Report() if report is None else report,
                                   group_ids=list(ids), clipped=clipped)
    return (block_streets(geoms, np.asarray(group), clip, labels, gap_m=gap_m, street_lines=street_lines), list(ids),
            clip, np.asarray(group))


def _drawn(covered, pieces, g_of, group, clip):
    """Grid polygons as the drawing makes them (:func:`spatial.grids._prep.community_polygons`:
    land no unit covers to the grid sharing the most edge with it, hairline gaps welded), for
    the grids whose units lie in one community with a polygon; the others keep ``covered``."""
    out = np.asarray(covered, dtype=object).copy()
    if clip is None:
        return out
    one = pd.Series(group).groupby(g_of).agg(lambda s: s.iloc[0] if s.nunique() == 1 else -1)
    for c in np.unique(group):
        grids = one.index[one.to_numpy() == c].to_numpy()
        if clip[c] is None or len(grids) == 0:
            continue
        members = [np.flatnonzero(g_of == g) for g in grids]
        if (np.asarray(group) == c).sum() != sum(len(m) for m in members):
            continue  # some of the community's units lie in grids shared with another community
        out[grids] = community_polygons(clip[c], members, pieces)
    return out


def _grid_communities(grid_geoms, communities, community_id_col, crs_m, base):
    """Community position of each grid (its column if valid, else the most overlap), polygons, ids."""
    if communities is None:
        ids = list(pd.unique(base[community_id_col])) if community_id_col in base.columns else []
        comm = np.array([ids.index(c) if c in ids else -1 for c in base.get(community_id_col, [None] * len(base))])
        return comm, np.array([], dtype=object), ids
    cm = communities.to_crs(crs_m)
    cg = np.asarray(cm.geometry.values, dtype=object)
    ids = list(cm[community_id_col])
    comm = np.full(len(grid_geoms), -1)
    if community_id_col in base.columns:
        comm = np.array([ids.index(c) if c in ids else -1 for c in base[community_id_col]])
    todo = np.flatnonzero(comm < 0)
    if len(todo):
        tree = shapely.STRtree(cg)
        gi, ci = tree.query(grid_geoms[todo], predicate="intersects")
        if len(gi):
            a = shapely.area(shapely.intersection(grid_geoms[todo][gi], cg[ci]))
            df = pd.DataFrame({"g": todo[gi], "c": ci, "a": a}).sort_values(["g", "a"], ascending=[True, False])
            best = df.drop_duplicates("g")
            comm[best["g"].to_numpy()] = best["c"].to_numpy()
    return comm, cg, ids


def _overlap_each(geoms) -> np.ndarray:
    """Area (m²) of each grid also covered by another grid."""
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    out = np.zeros(len(geoms))
    if len(a):
        area = shapely.area(shapely.intersection(geoms[a], geoms[b]))
        np.add.at(out, a, area)
    return out


def _hairline(gaps) -> tuple[float, float, float]:
    """``(gap, hairline, noise)`` m² of the land ``gaps`` (a polygon): the hairline cracks are its
    parts narrower than ``2 * _TOL_M`` everywhere (units a few centimetres apart: coordinates an
    export rounded to 0.1 m, a plan digitised by hand), which are no gap a planner closes; the
    grids' outlines close them. ``noise``: those narrower than ``_FLOAT_M``, not in ``hairline``."""
    parts = shapely.get_parts(gaps)
    parts = parts[shapely.area(parts) > 0]
    thin = shapely.is_empty(shapely.buffer(parts, -_TOL_M))
    noise, area = shapely.is_empty(shapely.buffer(parts, -_FLOAT_M / 2)), shapely.area(parts)
    return float(area[~thin].sum()), float(area[thin & ~noise].sum()), float(area[noise].sum())


def _wide_area(geoms) -> np.ndarray:
    """Area (m²) of each of ``geoms`` without its parts narrower than ``_FLOAT_M`` everywhere: the
    float noise of outlines that went through another CRS and back (grids drawn in metres and
    returned to NAD27 degrees part from their units by 10-100 µm: 156 m² along North Carolina's)."""
    parts, of = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    wide = ~shapely.is_empty(shapely.buffer(parts, -_FLOAT_M / 2))
    return np.bincount(of[wide], weights=shapely.area(parts[wide]), minlength=len(geoms))


def _hairline_overlap(geoms, report: Report | None) -> float:
    """Area (m²) where grids ``geoms`` overlap in hairline strips only (narrower than ``2 *
    _TOL_M``: units a few centimetres over their neighbours), which no planner moves a unit for;
    said in a report row, not counted in the summary's ``overlap_m2``."""
    geoms = np.asarray(geoms, dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    if not keep.any():
        return 0.0
    _, hairline, noise = _hairline(shapely.union_all(shapely.intersection(geoms[a[keep]], geoms[b[keep]])))
    if hairline >= _NOISE_M2 and report is not None:
        report.add("plan", "-", f"the plan's grids overlap by {hairline:,.1f} m² in hairline strips (narrower than "
                   f"{2 * _TOL_M:g} m) along their borders: coordinates rounded by an export, or digitised by hand",
                   "not counted as overlaps (overlap_m2): each grid's outline gives the strip to one grid",
                   zh=(f"方案的网格沿边界以宽度小于 {2 * _TOL_M:g} 米的细条重叠 {hairline:,.1f} 平方米（导出时坐标取整，或手工数字化所致）",
                       "不计入重叠（overlap_m2）：各网格轮廓已把细条划给其中一个网格"))
    return hairline + noise


def _summary(out: pd.DataFrame, grid_geoms, comm_geoms, report: Report | None = None) -> pd.DataFrame:
    grid_union = shapely.union_all(grid_geoms)
    total_area = float(shapely.area(grid_geoms).sum())
    overlap = total_area - float(shapely.area(grid_union))
    if overlap > 0:  # grids overlapping in hairline strips only (units a few centimetres over each other)
        overlap -= _hairline_overlap(grid_geoms, report)
    if len(comm_geoms):
        comm_union = shapely.union_all(comm_geoms)
        comm_area = float(shapely.area(comm_union))
        # the demo's plan read back from the editor's GeoJSON (0.1 m) had 793 m² of such cracks
        # counted as gaps, where its CSV export of the same plan had none
        # the land of neither outside the other, each on a thread of its own (they are independent)
        gaps, past = thread_map(lambda ab: shapely.difference(*ab), [(comm_union, grid_union), (grid_union, comm_union)])
        gap, hairline, _ = _hairline(gaps)
        if hairline >= _NOISE_M2 and report is not None:
            report.add("plan", "-", f"the plan leaves {hairline:,.1f} m² of hairline cracks (narrower than "
                       f"{2 * _TOL_M:g} m) between its units or grids or along the community outline: coordinates "
                       "rounded by an export, or digitised by hand", "not counted as gaps (gap_m2): each grid's "
                       "outline closes them",
                       zh=(f"方案的单元或网格之间、或沿社区边界留有 {hairline:,.1f} 平方米宽度小于 {2 * _TOL_M:g} 米的细缝"
                           "（导出时坐标取整，或手工数字化所致）", "不计入空隙（gap_m2）：各网格轮廓已将其闭合"))
        outside = float(_wide_area([past])[0])
    else:
        comm_area, gap, outside = float(shapely.area(grid_union)), np.nan, np.nan
    dev = out["deviation_pct"].abs()
    row = {
        "n_grids": len(out),
        "households": float(out["households"].sum()),
        "n_in_band": int((out["band_status"] == "in").sum()),
        "pct_in_band": 100 * float((out["band_status"] == "in").mean()) if len(out) else np.nan,
        "n_under": int((out["band_status"] == "under").sum()),
        "n_over": int((out["band_status"] == "over").sum()),
        "max_abs_deviation_pct": float(dev.max()) if len(out) else np.nan,
        "mean_abs_deviation_pct": float(dev.mean()) if len(out) else np.nan,
        "n_not_contiguous": int((out["components"] > 1).sum()),
        "gap_m2": gap,
        "gap_pct": 100 * gap / comm_area if comm_area > 0 else np.nan,
        "overlap_m2": max(overlap, 0.0),
        "overlap_pct": 100 * max(overlap, 0.0) / comm_area if comm_area > 0 else np.nan,
        "outside_m2": outside,
        "mean_polsby_popper": float(out["polsby_popper"].mean()),
        "min_polsby_popper": float(out["polsby_popper"].min()),
        "mean_road_share": float(out["road_share"].mean()) if out["road_share"].notna().any() else np.nan,
    }
    return pd.DataFrame([row])

