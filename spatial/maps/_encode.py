"""The grid editor's geometry as the page reads it: integers of 1e-6 degree, delta-encoded.

Unit outlines (polygons -> rings -> flat ``dx, dy`` runs), lines (roads, grid borders) and the
shared border of each pair of neighbouring units, every one of them in one pass over all the
coordinates (shapely's ``get_parts`` / ``get_rings`` / ``get_coordinates`` with indices).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

__all__ = ["SCALE", "encode_polygons", "encode_lines", "free_edges", "shared_borders"]

#: Degrees are stored as integers of 1e-6 degree (about 0.1 m), delta-encoded per ring.
SCALE = 1_000_000


def encode_polygons(geoms: np.ndarray, x0: int, y0: int) -> list:
    """Each Polygon or MultiPolygon -> polygons -> rings -> flat delta-encoded integer coordinates
    (every ring's coordinates in one array: 3,000 units in 0.05 s, 0.3-1.2 s one ring at a time)."""
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    flat, cut = _steps(rings, x0, y0)
    ring_cut = np.searchsorted(ring_of, np.arange(len(parts) + 1)).tolist()
    out: list[list] = [[] for _ in range(len(geoms))]
    for p, g in enumerate(part_of.tolist()):
        out[g].append([flat[cut[r]:cut[r + 1]] for r in range(ring_cut[p], ring_cut[p + 1])] or [[]])
    return out


def shared_borders(geoms_wgs: np.ndarray, geoms_m: np.ndarray, adj, crs_m, x0: int, y0: int) -> dict:
    """The shared boundary of each neighbouring pair (``i``, ``j``, delta-encoded lines) in degrees.

    The page draws a pair's line when the two units sit in different grids: the grid borders.
    Edges that both units have (same two vertices at 1e-6 degree, as in a tessellation) are
    matched by hashing; pairs sharing no such edge (vertices that do not coincide) are measured
    like :func:`spatial.grids._adjacency.rook_adjacency`: one unit's boundary inside a 0.1 m buffer of the other.
    """
    n_pairs, n = len(adj.i), len(geoms_wgs)
    lines: list[list] = [[] for _ in range(n_pairs)]
    if n_pairs == 0:
        return {"i": [], "j": [], "lines": []}
    rings, ring_unit = shapely.get_rings(geoms_wgs, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(xy * SCALE).astype(np.int64)
    seg = np.flatnonzero(ring_of[1:] == ring_of[:-1])  # segment s runs q[s] -> q[s + 1]
    a, b, unit = q[seg], q[seg + 1], ring_unit[ring_of[seg]]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    key = np.column_stack([np.where(swap[:, None], b, a), np.where(swap[:, None], a, b)])
    _, inv, count = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    twice = np.flatnonzero(count[inv.ravel()] == 2)
    twice = twice[np.argsort(inv.ravel()[twice], kind="stable")]
    first, second = twice[0::2], twice[1::2]
    u1, u2 = unit[first], unit[second]
    lo_first = u1 < u2
    ok = u1 != u2
    own = np.where(lo_first, first, second)[ok]             # the segment as the lower unit draws it
    pair_key = (np.minimum(u1, u2) * n + np.maximum(u1, u2))[ok]
    adj_key = adj.i.astype(np.int64) * n + adj.j.astype(np.int64)
    order = np.argsort(adj_key)
    at = np.searchsorted(adj_key[order], pair_key).clip(0, n_pairs - 1)
    hit = adj_key[order][at] == pair_key                     # corner contacts are not neighbours
    pair, own = order[at][hit], own[hit]
    srt = np.lexsort((own, pair))
    pair, own = pair[srt], own[srt]
    start = np.ones(len(own), dtype=bool)
    start[1:] = (pair[1:] != pair[:-1]) | (own[1:] != own[:-1] + 1)
    bounds = np.append(np.flatnonzero(start), len(own))
    # each run of segments is a line: its first segment's start, then every segment's end, as
    # deltas from the point before (the first from the origin); all runs at once
    s = seg[own]
    starts = bounds[:-1]
    pts = q[np.insert(s + 1, starts, s[starts])] - np.array([x0, y0], dtype=np.int64)
    first = starts + np.arange(len(starts))  # where each run starts among the points
    d = pts.copy()
    d[1:] -= pts[:-1]
    d[first] = pts[first]
    flat = d.ravel().tolist()
    ends = np.append(first[1:], len(pts)) * 2
    for k, a, b in zip(pair[starts].tolist(), (first * 2).tolist(), ends.tolist()):
        lines[k].append(flat[a:b])
    missing = np.array([k for k in range(n_pairs) if not lines[k]], dtype=np.int64)
    if len(missing):
        shared = shapely.intersection(shapely.boundary(geoms_m[adj.i[missing]]),
                                      shapely.buffer(geoms_m[adj.j[missing]], 0.1, quad_segs=2))
        parts, owner = shapely.get_parts(shared, return_index=True)
        keep = shapely.get_type_id(parts) == 1  # LineStrings (points where a corner grazes the buffer go)
        parts, owner = parts[keep], owner[keep]
        merged = np.empty(len(shared), dtype=object)  # each pair's lines (None: none), merged end to end
        if len(parts):
            shapely.multilinestrings(parts, indices=owner, out=merged)  # get_parts keeps owners in order
        merged = shapely.line_merge(merged)
        wgs = gpd.GeoSeries(merged, crs=crs_m).to_crs(4326).to_numpy()
        parts, owner = shapely.get_parts(wgs, return_index=True)
        keep = shapely.get_type_id(parts) == 1
        parts, owner = parts[keep], missing[owner[keep]]
        for k, line in zip(owner.tolist(), encode_lines(parts, x0, y0)):
            lines[k].append(line)
    return {"i": adj.i.tolist(), "j": adj.j.tolist(), "lines": lines}


def free_edges(geoms_m: np.ndarray, crs_m, x0: int, y0: int, tol_m: float = 0.5, shortest_m: float = 1.0) -> list:
    """The part of each unit's outline that no other unit shares (delta-encoded lines in degrees),
    or ``1`` for a unit whose whole outline is (a footprint with no unit within ``tol_m``: the page
    draws its own rings, so a plan of footprints does not carry them twice).

    The edge of the town, a community boundary with no unit across it, the shore of a lake:
    where no unit lies within ``tol_m``. With the shared borders of :func:`shared_borders` they
    make a grid's whole outline (the page draws the current grid's so); pieces shorter than
    ``shortest_m`` (where two neighbours' outlines part by a little more than ``tol_m``) are left out.
    """
    geoms_m = np.asarray(geoms_m, dtype=object)
    n = len(geoms_m)
    out: list = [[] for _ in range(n)]
    if n == 0:
        return out
    a, b = shapely.STRtree(geoms_m).query(geoms_m, predicate="dwithin", distance=tol_m)  # (sorted by a)
    keep = a != b
    a, b = a[keep], b[keep]
    alone = np.ones(n, dtype=bool)
    alone[a] = False
    for k in np.flatnonzero(alone).tolist():
        out[k] = 1
    grown = shapely.buffer(geoms_m, tol_m, quad_segs=2)
    free = shapely.boundary(geoms_m)
    slot = np.arange(len(a)) - np.searchsorted(a, a)  # each unit's k-th neighbour, for every unit at once
    for k in range(int(slot.max()) + 1 if len(a) else 0):
        m = slot == k
        free[a[m]] = shapely.difference(free[a[m]], grown[b[m]])
    parts, owner = shapely.get_parts(shapely.line_merge(free[~alone]), return_index=True)
    owner = np.flatnonzero(~alone)[owner]
    keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) >= shortest_m)
    parts, owner = parts[keep], owner[keep]
    if len(parts):
        wgs = gpd.GeoSeries(parts, crs=crs_m).to_crs(4326).to_numpy()
        for k, line in zip(owner.tolist(), encode_lines(wgs, x0, y0)):
            out[k].append(line)
    return out


def encode_lines(lines: np.ndarray, x0: int, y0: int) -> list[list[int]]:
    """Each LineString -> flat delta-encoded integer coordinates (all lines in one pass)."""
    flat, cut = _steps(lines, x0, y0)
    return [flat[cut[k]:cut[k + 1]] for k in range(len(lines))]


def _steps(lines: np.ndarray, x0: int, y0: int) -> tuple[list[int], list[int]]:
    """The coordinates of every line (or ring) as integer steps of 1/SCALE degree, each line's
    first from (x0, y0), in one flat list, and where each line's run starts in it (and the end)."""
    xy, of = shapely.get_coordinates(lines, return_index=True)
    q = np.rint(xy * SCALE).astype(np.int64) - np.array([x0, y0], dtype=np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    first = np.r_[True, of[1:] != of[:-1]][:len(q)]
    d[first] = q[first]
    return d.ravel().tolist(), (2 * np.searchsorted(of, np.arange(len(lines) + 1))).tolist()
