"""Coverage gaps: uncovered residents clustered by walking distance into ranked gap polygons.

Scored demand (the output of :func:`spatial.coverage.walks.walking_coverage`) whose band is not within
the band asked for is grouped into gaps: two uncovered points belong to one gap when one can walk
from one to the other within ``link_m`` (pairs from :func:`spatial.network.routing.source_target_pairs`,
then connected components with scipy), so a gap never jumps a river or a railway that the
network does not cross. Points that cannot be snapped to the network are grouped by straight
distance instead, in their own gaps, flagged in ``note``. Every uncovered point is in exactly one
gap; covered points are in none.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from spatial.core.checks import check_households, require_columns, to_metric
from spatial.core.errors import SpatialError
from spatial.coverage.bands import parse_band, within_band
from spatial.network.graph import WalkNetwork
from spatial.network.routing import source_target_pairs
from spatial.network.snapping import Snap, snap_points

__all__ = ["assign_gaps", "coverage_gaps"]

logger = logging.getLogger(__name__)

#: Columns of the gaps layer, in order (geometry last).
GAP_COLUMNS = ["gap_id", "rank", "households", "population", "n_points", "area_m2", "note"]

def _uncovered(demand: pd.DataFrame, *, band: str = "15min") -> pd.Series:
    """Which rows of scored demand are not within ``band`` (beyond it, or unreachable)."""
    require_columns(demand, ["band"], "demand")
    _, unit = parse_band(band)
    walk = demand.get("walk_min" if unit == "min" else "walk_m")
    return pd.Series(~within_band(demand["band"], band, walk=walk), index=demand.index, name="uncovered")


def assign_gaps(
    demand: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    band: str = "15min",
    link_m: float = 150.0,
    households_col: str = "households",
    population_col: str = "population",
    max_snap_m: float = 100.0,
) -> gpd.GeoDataFrame:
    """Scored demand with the gap each uncovered point belongs to.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Output of :func:`spatial.coverage.walks.walking_coverage` (points or unit polygons, any CRS).
    network : spatial.network.graph.WalkNetwork
        The network the demand was scored on.
    band : str
        Points not within this band are gaps.
    link_m : float
        Two uncovered points are in one gap when their walking distance is at most this.
    households_col, population_col : str
        Weights summed per gap (population is optional: NaN when the column is missing).
    max_snap_m : float
        Snapping limit, as used for scoring; farther points are grouped by straight distance.

    Returns
    -------
    geopandas.GeoDataFrame
        ``demand`` (index, columns, CRS kept) plus ``gap_id`` (``<NA>`` when covered) and
        ``gap_note`` (empty, or why the point was grouped by straight distance).
    """
    gaps, labelled = _gaps(demand, network, band=band, link_m=link_m, households_col=households_col,
                           population_col=population_col, max_snap_m=max_snap_m, buffer_m=0.0,
                           shapes=False)
    return labelled


def coverage_gaps(
    demand: gpd.GeoDataFrame,
    network: WalkNetwork,
    *,
    band: str = "15min",
    link_m: float = 150.0,
    households_col: str = "households",
    population_col: str = "population",
    max_snap_m: float = 100.0,
    point_buffer_m: float = 30.0,
) -> gpd.GeoDataFrame:
    """Uncovered residents grouped by walking distance into gap polygons, largest first.

    Parameters
    ----------
    demand : geopandas.GeoDataFrame
        Output of :func:`spatial.coverage.walks.walking_coverage` (points or unit polygons, any CRS).
    network : spatial.network.graph.WalkNetwork
        The network the demand was scored on.
    band : str
        Points whose band is not within this one (``"beyond"``, ``"unreachable"`` or a larger
        band) are gaps.
    link_m : float
        Two uncovered points are in one gap when one can walk to the other within ``link_m``.
    households_col, population_col : str
        Weights summed per gap (population is optional: NaN when the column is missing).
    max_snap_m : float
        Snapping limit, as used for scoring; farther points are grouped by straight distance.
    point_buffer_m : float
        For point demand, a gap is the concave hull of its points buffered by this.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per gap sorted by ``rank`` (1 = most households): ``gap_id`` ("G001" ...),
        ``rank``, ``households``, ``population``, ``n_points``, ``area_m2``, ``note`` (empty, or
        "grouped by straight distance: ..." for points off the network), in the network's metric
        CRS. Totals equal the totals of the uncovered points.

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> gaps = spatial.coverage_gaps(demand, demo["network"])
    >>> uncovered = demand.loc[demand["band"].isin(["beyond", "unreachable"]), "households"]
    >>> gaps["gap_id"].iloc[0], int(gaps["households"].sum()) == int(uncovered.sum())
    ('G001', True)
    """
    gaps, _ = _gaps(demand, network, band=band, link_m=link_m, households_col=households_col,
                    population_col=population_col, max_snap_m=max_snap_m, buffer_m=point_buffer_m,
                    shapes=True)
    return gaps


# --- plumbing -------------------------------------------------------------------------------


def _gaps(demand, network, *, band, link_m, households_col, population_col, max_snap_m, buffer_m, shapes):
    if not (np.isfinite(link_m) and link_m >= 0):
        raise SpatialError(f"link_m must be a number of metres >= 0, got {link_m!r}")
    if not (buffer_m >= 0):
        raise SpatialError(f"point_buffer_m must be >= 0 metres, got {buffer_m!r}")
    metric = to_metric(demand, "demand", network.crs)
    require_columns(metric, ["band"], "demand")
    households = check_households(metric, households_col, "demand")
    if population_col in metric.columns:
        population = check_households(metric, population_col, "demand")
    else:
        logger.info("demand has no column %r: gap population left empty", population_col)
        population = pd.Series(np.nan, index=metric.index)
    geom = metric.geometry.values
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)

    out_mask = _uncovered(metric, band=band).to_numpy()
    idx = np.flatnonzero(out_mask)
    sub_geom = geom[idx]
    # a row with no geometry stays in the result: its own gap, with no shape, flagged
    xy = np.full((len(idx), 2), np.nan)
    located = ~empty[idx]
    if located.any():
        xy[located] = shapely.get_coordinates(shapely.point_on_surface(sub_geom[located]))

    comp, note = _cluster(network, xy, link_m=link_m, max_snap_m=max_snap_m)

    hh = households.to_numpy()[idx]
    pop = population.to_numpy()[idx]
    n_comp = int(comp.max()) + 1 if len(comp) else 0
    sums = pd.DataFrame({"comp": comp, "hh": hh, "pop": pop, "n": 1, "x": xy[:, 0] if len(xy) else []})
    agg = sums.groupby("comp").agg(households=("hh", "sum"), population=("pop", lambda s: s.sum(min_count=1)),
                                   n_points=("n", "sum"), x=("x", "min"))
    # rank: most households, then most people, then most points, then west to east (stable ids)
    agg = agg.sort_values(["households", "population", "n_points", "x"], ascending=[False, False, False, True],
                          na_position="last", kind="stable")
    rank_of = np.empty(n_comp, dtype=np.int64)
    rank_of[agg.index.to_numpy()] = np.arange(1, n_comp + 1)
    width = max(3, len(str(n_comp)))
    gap_id = np.array([f"G{r:0{width}d}" for r in range(1, n_comp + 1)], dtype=object)

    labelled = demand.copy()
    ids = pd.array([pd.NA] * len(demand), dtype="string")
    ids[idx] = gap_id[rank_of[comp] - 1]
    labelled["gap_id"] = ids
    notes = np.full(len(demand), "", dtype=object)
    notes[idx] = note
    labelled["gap_note"] = notes

    rows = pd.DataFrame(
        {
            "gap_id": gap_id,
            "rank": np.arange(1, n_comp + 1, dtype=np.int64),
            "households": agg["households"].to_numpy(dtype=float),
            "population": agg["population"].to_numpy(dtype=float),
            "n_points": agg["n_points"].to_numpy(dtype=np.int64),
        }
    )
    comp_of_rank = agg.index.to_numpy()
    first_note = pd.Series(note).groupby(comp).first() if len(comp) else pd.Series(dtype=object)
    rows["note"] = [first_note.get(c, "") for c in comp_of_rank]
    if shapes:
        polys = [_gap_shape(sub_geom[comp == c], buffer_m) for c in comp_of_rank]
    else:
        polys = [None] * n_comp
    gaps = gpd.GeoDataFrame(rows, geometry=polys, crs=network.crs)
    gaps["area_m2"] = gaps.geometry.area.to_numpy() if shapes else np.nan
    gaps = gaps[[*GAP_COLUMNS, gaps.geometry.name]]
    logger.info("gaps beyond %s: %d points in %d gaps (%.0f households)", band, len(idx), n_comp, hh.sum())
    return gaps, labelled


def _cluster(network, xy, *, link_m, max_snap_m):
    """Component number and note of each uncovered point (numbered 0..k-1)."""
    n = len(xy)
    note = np.full(n, "", dtype=object)
    if n == 0:
        return np.empty(0, dtype=np.int64), note
    snap = snap_points(network, xy, max_snap_m=max_snap_m)
    on = np.asarray(snap.edge) >= 0
    snap_reason = np.asarray(snap.reason, dtype=object)

    # snapped points: pairs within link_m on foot; the others: pairs within link_m in a line
    src, tgt = _walk_pairs(network, snap, xy, link_m=link_m)
    off = np.flatnonzero(~on)
    near = off[np.isfinite(xy[off]).all(axis=1)]  # rows with no location stay alone
    if len(near) > 1:
        pairs = cKDTree(xy[near]).query_pairs(r=link_m, output_type="ndarray")
        src = np.concatenate([np.asarray(src, dtype=np.int64), near[pairs[:, 0]]])
        tgt = np.concatenate([np.asarray(tgt, dtype=np.int64), near[pairs[:, 1]]])
    graph = sp.coo_matrix((np.ones(len(src), dtype=np.int8), (src, tgt)), shape=(n, n)).tocsr()
    _, comp = connected_components(graph, directed=False)
    note[off] = [f"grouped by straight distance: {r or 'not snapped'}" for r in snap_reason[off]]
    lost = np.setdiff1d(off, near)
    note[lost] = "no location (empty geometry): a gap of its own"
    return comp.astype(np.int64), note


def _walk_pairs(network, snap: Snap, xy: np.ndarray, *, link_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of snapped points within ``link_m`` on foot, routed tile by tile.

    ``source_target_pairs`` over all points at once costs (points x points) floats; walking is
    never shorter than the straight line, so routing the points of one square tile to the points
    within ``link_m`` of that tile finds exactly the same pairs at a fraction of the cost.
    """
    on = np.flatnonzero(np.asarray(snap.edge) >= 0)
    if len(on) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    tile_m = max(4.0 * link_m, 400.0)
    key = np.floor((xy[on] - xy[on].min(axis=0)) / tile_m).astype(np.int64)
    tile = key[:, 0] * (int(key[:, 1].max()) + 1) + key[:, 1]
    tree = cKDTree(xy[on])
    out_s, out_t = [], []
    for t in np.unique(tile):
        mine = on[tile == t]
        lo, hi = xy[mine].min(axis=0) - link_m, xy[mine].max(axis=0) + link_m
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        # points within the tile's box grown by link_m (Chebyshev ball around the box centre)
        near = on[tree.query_ball_point(centre, r=float(half.max()), p=np.inf, return_sorted=True)]
        near = near[(np.abs(xy[near] - centre) <= half + 1e-9).all(axis=1)]
        a, b, _ = source_target_pairs(network, _take(snap, mine), _take(snap, near), limit_m=link_m)
        out_s.append(mine[np.asarray(a, dtype=np.int64)])
        out_t.append(near[np.asarray(b, dtype=np.int64)])
    return np.concatenate(out_s), np.concatenate(out_t)


def _take(snap: Snap, rows: np.ndarray) -> Snap:
    return Snap(edge=snap.edge[rows], offset_m=snap.offset_m[rows], leg_m=snap.leg_m[rows],
                reason=snap.reason[rows])


def _gap_shape(geoms: np.ndarray, buffer_m: float):
    """One polygon for a gap: union of unit polygons, concave hull of points buffered."""
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return shapely.Polygon()
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    parts = []
    if polygonal.any():
        parts.append(shapely.union_all(geoms[polygonal]))
    if (~polygonal).any():
        pts = shapely.multipoints(shapely.get_coordinates(geoms[~polygonal]))
        hull = shapely.concave_hull(pts, ratio=0.3)
        parts.append(shapely.buffer(hull, buffer_m) if buffer_m > 0 else hull)
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]
