"""Lines cut into edges where they meet: at shared vertices and at T-junctions.

Private plumbing for :mod:`spatial.network._readers` (OSM ways and line layers alike). Splitting
at shared vertices is written here rather than taken from ``momepy.gdf_to_nx`` because momepy
joins lines only at exactly equal endpoints and builds a networkx graph first; the vectorised
version here snaps vertices to a 0.1 m grid, splits at every vertex shared by two lines (not
only endpoints) and stays in numpy arrays. No library nodes lines only at vertices and
T-junctions (``shapely.node`` joins every crossing too), hence :func:`join_t_junctions`.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core._arrays import unique_ints
from spatial.network._walkfilter import NOT_SET

logger = logging.getLogger(__name__)

__all__ = ["LEVEL_KEYS", "end_nodes", "join_t_junctions", "line_levels", "split_at_shared"]

#: OSM tags that say at which level a line runs (Geofabrik's roads shapefile and osmnx's
#: geopackage carry them as columns): lines at different levels cross without meeting.
LEVEL_KEYS: tuple[str, ...] = ("layer", "bridge", "tunnel")


def line_levels(tags: pd.DataFrame) -> np.ndarray:
    """Level of each line from its ``layer``, ``bridge`` and ``tunnel`` tags (text, "" when absent),
    as a number a level: lines meet only at the same number.

    A level is the ``layer`` (else 1 on a bridge, -1 in a tunnel, else 0) with whether the line is
    on a bridge and whether in a tunnel (a building passage is at street level, a boardwalk at the
    ground's): Geofabrik writes
    ``layer`` 0 for every line without the tag, tunnels too. NaN (unknown: meets any level) when a
    merged value such as ``"-1;0"`` holds several.

    Examples
    --------
    >>> tags = pd.DataFrame({"layer": ["", "-1", "0", "", "-1;0", "0"], "bridge": ["", "", "", "T", "", ""],
    ...                      "tunnel": ["", "yes", "T", "", "", "building_passage"]})
    >>> line_levels(tags).tolist()
    [0.0, 1.0, 2.0, 3.0, nan, 0.0]
    """
    n = len(tags)
    flags, several = {}, np.zeros(n, dtype=bool)
    for key in ("bridge", "tunnel"):
        text = tags[key].astype(str).str.strip().str.lower() if key in tags else pd.Series([""] * n)
        several |= text.str.contains(";", regex=False).to_numpy()
        # a building passage is at the street's level, a boardwalk at the ground's
        flags[key] = (~text.isin(NOT_SET) & ~text.isin(("building_passage", "boardwalk"))).to_numpy()
    layer = np.where(flags["bridge"], 1.0, np.where(flags["tunnel"], -1.0, 0.0))
    if "layer" in tags:
        text = tags["layer"].astype(str).str.strip()
        number = pd.to_numeric(text, errors="coerce").to_numpy(float)
        layer = np.where(np.isfinite(number), number, layer)
        several |= text.str.contains(";", regex=False).to_numpy() & ~np.isfinite(number)
    # one level for each (layer as "%g" writes it, bridge, tunnel), numbered in order of first
    # appearance; the layer's few values written once each (a string per line took 1.9 s on the
    # 1.8M lines of a 1M-node city)
    values, at = np.unique(layer, return_inverse=True)
    written = pd.factorize(pd.Series([f"{x:g}" for x in values]))[0]
    key = written[at.ravel()].astype(np.int64) * 4 + flags["bridge"] * 2 + flags["tunnel"]
    level = pd.factorize(key)[0].astype(float)
    level[several] = np.nan
    return level


def split_at_shared(vertex: np.ndarray, coords: np.ndarray, line: np.ndarray,
                     highway: np.ndarray, name: np.ndarray, *, crs, whole: np.ndarray | None = None,
                     intact: np.ndarray | None = None, flags: dict[str, np.ndarray] | None = None
                     ) -> gpd.GeoDataFrame:
    """Split lines at vertices shared by two or more lines (and at their ends).

    ``vertex`` is the id of each coordinate (OSM node id or snapped-grid id), ``line`` the line
    each coordinate belongs to (coordinates of a line are consecutive), ``highway`` and ``name``
    are indexed by line. With ``whole`` (each line's geometry) and ``intact`` (no coordinate of
    the line dropped), a line that is one edge keeps its own geometry instead of a rebuilt copy.
    ``flags``, values by line (``walked``: tagged for people on foot; ``off_ground``: on a
    bridge or in a tunnel; ``off_ground_kind``: which), are given to the edges as columns of those
    names.
    """
    n = len(vertex)
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    # how many distinct lines touch each vertex (a line passing a vertex twice counts twice: loop)
    _, vinv = np.unique(vertex, return_inverse=True)
    touches = np.bincount(vinv)
    split = first | last | (touches[vinv] >= 2)
    pos = np.flatnonzero(split)
    starts, ends = pos[:-1], pos[1:]
    same = line[starts] == line[ends]
    starts, ends = starts[same], ends[same]
    src = line[starts]
    geoms = np.empty(len(starts), dtype=object)
    reuse = np.zeros(len(starts), dtype=bool)
    if whole is not None:
        reuse = first[starts] & last[ends] & intact[src]
        geoms[reuse] = whole[src[reuse]]
    if (~reuse).any():
        rs, re_ = starts[~reuse], ends[~reuse]
        counts = re_ - rs + 1
        piece = np.repeat(np.arange(len(rs)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        take = np.repeat(rs, counts) + offsets
        geoms[~reuse] = shapely.linestrings(coords[take], indices=piece)
    logger.debug("split %d lines into %d edges at shared vertices (%d coordinates)", line.max() + 1, len(starts), n)
    columns = {"u": vertex[starts], "v": vertex[ends], "highway": highway[src], "name": name[src]}
    for key, by_line in (flags or {}).items():
        columns[key] = np.asarray(by_line)[src]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=crs)


# --------------------------------------------------------------------------- line layers


def end_nodes(edges: gpd.GeoDataFrame, vertex: np.ndarray, coords: np.ndarray, crs) -> gpd.GeoDataFrame:
    """The nodes edges start or end at (vertices inside an edge are not nodes), as Points."""
    uniq, first = np.unique(vertex, return_index=True)
    ends = np.isin(uniq, np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
    return gpd.GeoDataFrame(geometry=shapely.points(coords[first[ends]]),
                            index=pd.Index(uniq[ends], name="node"), crs=crs)


def join_t_junctions(parts: np.ndarray, tol: float,
                     level: np.ndarray | None = None) -> tuple[np.ndarray, int, int, int]:
    """Lines with a vertex added wherever another line's end or vertex lies on them between two
    vertices (within ``tol``), at that point's exact position, so the two share a node; at how
    many points; how many places two segments cross with no vertex of either there; and at how
    many points a vertex lay on a line of another ``level`` (:func:`line_levels`, one a part;
    NaN meets any level), left apart: a street's vertex over a tunnel, a footway's end under a
    bridge (Helsinki's Geofabrik-style layer: 24 such points, walks up to 1.4 km too short).

    Road layers drawn in a GIS often end a side street on the middle of a main street's segment
    (a T-junction), or snap a vertex of one street onto another, without a vertex on the other
    street there; joined by shared vertices only, the side street would be cut off (libpysal's
    Soho streets: 78 pieces instead of one). Lines that cross with no vertex of either there are
    left apart, as bridges and tunnels are drawn, and counted. No library nodes only at vertices
    (``shapely.node`` joins every crossing too), hence this function: one tree of the segments'
    boxes, the distances and crossings in numpy.
    """
    coords, line = shapely.get_coordinates(parts, return_index=True)
    if len(coords) < 4:
        return parts, 0, 0, 0
    last = np.r_[line[1:] != line[:-1], True]
    seg = np.flatnonzero(~last)  # segment i runs from coords[i] to coords[i + 1]
    a, b = coords[seg], coords[seg + 1]
    lo, hi = np.minimum(a, b) - tol, np.maximum(a, b) + tol
    tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
    i, j = tree.query(tree.geometries)  # segments whose boxes meet
    keep = i < j
    i, j = i[keep], j[keep]
    del keep, tree
    # the pairs a slice at a time: a dozen arrays as long as the pairs (5 million on a 1M-node
    # city) made whole at once took 0.6 GB more at its peak and a quarter more CPU time
    found, crossed = [], []
    for lo_k in range(0, max(len(i), 1), _PAIRS_A_SLICE):
        f, c = _near_and_crossing(a, b, seg, i[lo_k:lo_k + _PAIRS_A_SLICE], j[lo_k:lo_k + _PAIRS_A_SLICE], tol)
        found.append(f)
        crossed.append(c)
    pair = unique_ints(np.concatenate(found))
    at = np.concatenate(crossed)
    v, s = pair // len(seg), pair % len(seg)
    p, sa, ab = coords[v], a[s], b[s] - a[s]
    t = np.einsum("ij,ij->i", p - sa, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18)
    off = np.hypot(*(sa + np.clip(t, 0, 1)[:, None] * ab - p).T)
    away = (np.hypot(*(p - sa).T) > tol) & (np.hypot(*(p - b[s]).T) > tol)  # not at a vertex of it already
    ok = (off <= tol) & away & (t > 0) & (t < 1)
    apart = 0
    if level is not None:
        lv, ls = level[line[v]], level[line[seg[s]]]
        other = ok & (lv != ls) & ~np.isnan(lv) & ~np.isnan(ls)
        apart = int(len(unique_ints(v[other]))) if other.any() else 0
        ok &= ~other
    near_vertex = np.zeros(len(at), dtype=bool)
    if ok.any() and len(at):  # a crossing where a vertex was joined onto the other line is a junction now
        _, hit = shapely.STRtree(shapely.points(p[ok])).query(shapely.points(at), predicate="dwithin", distance=tol)
        near_vertex[unique_ints(hit)] = True
    crossings = int((~near_vertex).sum())
    if not ok.any():
        return parts, 0, crossings, apart
    v, s, t = v[ok], s[ok], t[ok]
    key = np.r_[np.arange(len(coords), dtype=float), seg[s] + t]
    xy = np.r_[coords, coords[v]]
    owner = np.r_[line, line[seg[s]]]
    order = np.argsort(key, kind="stable")
    out = np.asarray(shapely.linestrings(xy[order], indices=owner[order]), dtype=object)
    return out, int(len(unique_ints(v))), crossings, apart


#: Pairs of segments looked at together by :func:`join_t_junctions` (about 0.3 GB of arrays).
_PAIRS_A_SLICE = 2_000_000


def _near_and_crossing(a: np.ndarray, b: np.ndarray, seg: np.ndarray, i: np.ndarray, j: np.ndarray,
                       tol: float) -> tuple[np.ndarray, np.ndarray]:
    """For pairs ``(i, j)`` of segments (``a[k]`` to ``b[k]``, starting at coordinate ``seg[k]``)
    whose boxes grown by ``tol`` meet: the ``(vertex, segment)`` candidates, as ``vertex *
    len(seg) + segment``, where an end of one segment lies in the other's box grown by ``tol`` and
    is not one of its ends (further off it is more than ``tol`` from the segment, on an end it is
    not between them: most pairs of a network meet at a shared end); and where the two segments
    cross farther than ``tol`` from every end of both, the crossing points (n x 2).

    Columns one coordinate at a time: the pairs' arrays are millions long.
    """
    axi, ayi, bxi, byi = a[i, 0], a[i, 1], b[i, 0], b[i, 1]
    axj, ayj, bxj, byj = a[j, 0], a[j, 1], b[j, 0], b[j, 1]
    cand, mine, others = [], [seg[i], seg[i] + 1, seg[j], seg[j] + 1], [j, j, i, i]
    for (ex, ey), (x0, y0, x1, y1) in (((axi, ayi), (axj, ayj, bxj, byj)), ((bxi, byi), (axj, ayj, bxj, byj)),
                                       ((axj, ayj), (axi, ayi, bxi, byi)), ((bxj, byj), (axi, ayi, bxi, byi))):
        near = (ex >= np.minimum(x0, x1) - tol) & (ex <= np.maximum(x0, x1) + tol)
        near &= (ey >= np.minimum(y0, y1) - tol) & (ey <= np.maximum(y0, y1) + tol)
        near &= ~((ex == x0) & (ey == y0)) & ~((ex == x1) & (ey == y1))
        cand.append(np.flatnonzero(near))
    found = (np.concatenate([mine[k][c] for k, c in enumerate(cand)]).astype(np.int64) * len(seg)
             + np.concatenate([others[k][c] for k, c in enumerate(cand)]))
    # segments crossing each other away from every vertex of both (a bridge, or a junction not drawn)
    d1x, d1y, d2x, d2y, rx, ry = bxi - axi, byi - ayi, bxj - axj, byj - ayj, axj - axi, ayj - ayi
    den = d1x * d2y - d1y * d2x
    with np.errstate(divide="ignore", invalid="ignore"):
        ti = (rx * d2y - ry * d2x) / den
        tj = (rx * d1y - ry * d1x) / den
    li, lj = np.hypot(d1x, d1y), np.hypot(d2x, d2y)
    cross = (np.abs(den) > 1e-12) & (ti * li > tol) & ((1 - ti) * li > tol) & (tj * lj > tol) & ((1 - tj) * lj > tol)
    at = np.column_stack([axi[cross] + ti[cross] * d1x[cross], ayi[cross] + ti[cross] * d1y[cross]])
    return found, at
