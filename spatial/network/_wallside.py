"""Legs beside and round walls (private plumbing of :mod:`spatial.network.snapping`): where a
snapped point meets its edge, whether a straight leg crosses a wall, and the feet along an edge a
point reaches without crossing one (beside the walls, past their corners).

Imports numpy, shapely and the network's own ``_links``, ``_water`` and ``graph``; snapping
imports these names from here.
"""
from __future__ import annotations

import numpy as np
import shapely

from spatial.network._links import Links
from spatial.network._water import Walls, each_with_each
from spatial.network.graph import WalkNetwork


def _foot_xy(network: WalkNetwork, edge: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Where each snapped point meets its edge."""
    if not len(edge):
        return np.empty((0, 2))
    return shapely.get_coordinates(shapely.line_interpolate_point(network.geometry[edge], offset))


def _crossing(walls: Walls, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which straight legs from ``a`` to ``b`` cross a barrier (touching one is not crossing) or
    go into the water and out again (:meth:`spatial.network._water.Walls.crossing`)."""
    return walls.crossing(a, b)


#: A foot put beside the point where its edge meets a wall, on either side (m).
BESIDE_WALL_M = 0.05
#: For a point no nearest foot reaches, the rays past this many of the walls' corners nearest it.
CORNERS = 32


def _beside_the_walls(links: Links, xy: np.ndarray, walls: Walls, pi: np.ndarray, ei: np.ndarray,
                      dist: np.ndarray, along: np.ndarray, ok: np.ndarray, limit: float):
    """The pairs (point ``pi``, edge ``ei``) whose leg to the edge's nearest point crosses a wall,
    with their other feet on the edge: its ends, and either side of where it meets a wall (a street
    over a river line drawn without a bridge: the nearest point of the part on the point's own
    side is there); then, on edges still nearer than any foot found (a pond between a home and
    its street), past the walls' corners (:func:`_past_the_corners`). The pairs given, then the
    new ones whose leg crosses nothing and is within ``limit``."""
    best = np.full(len(xy), np.inf)  # the nearest foot found of each point
    np.minimum.at(best, pi[ok], dist[ok])
    bad = np.flatnonzero(~ok)
    bad = bad[dist[bad] < best[pi[bad]]]  # (no other foot of an edge is nearer than its nearest)
    if not len(bad):
        return pi, ei, dist, along
    edges, pair_edge = np.unique(ei[bad], return_inverse=True)
    geoms = links.geometry[edges]
    length = links.length_m[edges]
    at, cut_xy = walls.cuts(geoms)
    cut = shapely.line_locate_point(geoms[at], shapely.points(cut_xy))
    # the feet of each edge: its two ends, and BESIDE_WALL_M either side of each meeting
    f_edge = np.concatenate([np.arange(len(edges)), np.arange(len(edges)), at, at])
    f_along = np.concatenate([np.zeros(len(edges)), length, cut - BESIDE_WALL_M, cut + BESIDE_WALL_M])
    pair, k = each_with_each(bad, pair_edge, f_edge, len(edges))
    pair, c_along, c_dist = _reached(links, xy, walls, pi, ei, pair, f_along[k], limit)
    np.minimum.at(best, pi[pair], c_dist)
    nearer = bad[dist[bad] < best[pi[bad]] - BESIDE_WALL_M]
    if len(nearer):
        s_pair, s_along, s_dist = _past_the_corners(links, xy, walls, pi, ei, nearer, limit)
        pair, c_along, c_dist = np.r_[pair, s_pair], np.r_[c_along, s_along], np.r_[c_dist, s_dist]
    return np.r_[pi, pi[pair]], np.r_[ei, ei[pair]], np.r_[dist, c_dist], np.r_[along, c_along]


def _past_the_corners(links: Links, xy: np.ndarray, walls: Walls, pi: np.ndarray, ei: np.ndarray,
                      pairs: np.ndarray, limit: float):
    """Feet for ``pairs`` (rows of ``pi``, ``ei``) nearer than any foot found: where the ray from
    the point past each of the :data:`CORNERS` corners of the walls nearest it (within ``limit``)
    meets the pair's edge, :data:`BESIDE_WALL_M` either side: the nearest point of a street that a
    pond hides lies where the leg grazes the pond. As :func:`_reached` gives them."""
    points = np.unique(pi[pairs])
    who, corner = walls.corners(xy[points], limit)
    once = np.unique(np.column_stack([who, corner]), axis=0)  # a vertex two segments share, once
    who, corner = once[:, 0].astype(np.int64), once[:, 1:]
    d = corner - xy[points[who]]
    length = np.hypot(*d.T)
    order = np.lexsort((length, who))
    order = order[length[order] > BESIDE_WALL_M]
    order = order[(np.arange(len(order)) - np.searchsorted(who[order], who[order])) < CORNERS]
    who, d, length = who[order], d[order], length[order]
    start = xy[points[who]]
    end = start + d / length[:, None] * limit
    rays = shapely.linestrings(np.stack([start, end], axis=1))
    k, ray = each_with_each(np.arange(len(pairs)), np.searchsorted(points, pi[pairs]), who, len(points))
    # only the rays that meet the edge's box are intersected with it (most miss it)
    box = shapely.bounds(links.geometry[ei[pairs]])[k]
    meet = _meets_box(start[ray], end[ray], box)
    k, ray = k[meet], ray[meet]
    pair = pairs[k]
    edge = links.geometry[ei[pair]]
    hit, at = shapely.get_coordinates(shapely.intersection(rays[ray], edge), return_index=True)
    cut = shapely.line_locate_point(edge[at], shapely.points(hit))
    return _reached(links, xy, walls, pi, ei, np.r_[pair[at], pair[at]],
                    np.r_[cut - BESIDE_WALL_M, cut + BESIDE_WALL_M], limit)


def _meets_box(a: np.ndarray, b: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Whether each segment from ``a`` to ``b`` meets its box ``(xmin, ymin, xmax, ymax)``
    widened by 1 mm (the slab test; a segment this says misses its box misses it)."""
    lo, hi = box[:, :2] - 1e-3, box[:, 2:] + 1e-3
    d = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - a) / d, (hi - a) / d
    flat = d == 0  # parallel to an axis: inside the slab or not
    inside = (a >= lo) & (a <= hi)
    t_in = np.where(flat, np.where(inside, -np.inf, np.inf), np.minimum(t1, t2)).max(axis=1)
    t_out = np.where(flat, np.where(inside, np.inf, -np.inf), np.maximum(t1, t2)).min(axis=1)
    return (t_in <= t_out) & (t_out >= 0) & (t_in <= 1)


def _reached(links: Links, xy: np.ndarray, walls: Walls, pi: np.ndarray, ei: np.ndarray, pair: np.ndarray,
             along: np.ndarray, limit: float):
    """Of the feet ``along`` the edges of ``pair`` (rows of ``pi``, ``ei``; clipped to the edge),
    those within ``limit`` of their point whose leg crosses no wall: their pairs, places along and
    legs."""
    along = np.clip(along, 0.0, links.length_m[ei[pair]])
    foot = shapely.line_interpolate_point(links.geometry[ei[pair]], along)
    d = shapely.distance(shapely.points(xy[pi[pair]]), foot)
    near = d <= limit
    pair, along, d, foot = pair[near], along[near], d[near], foot[near]
    good = ~_crossing(walls, xy[pi[pair]], shapely.get_coordinates(foot))
    return pair[good], along[good], d[good]
