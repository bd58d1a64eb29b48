"""Rook adjacency of polygons by shared boundary length, with the part of each shared edge on a road.

Written here rather than taken from libpysal because ``libpysal.weights.Rook`` decides adjacency
by shared vertices: polygons that barely touch, or that share an edge whose vertices do not
coincide, come out wrong (pysal/pysal#889), and it gives no shared length. Here two polygons are
neighbours when the boundary of one runs inside a ``tol_m`` buffer of the other for more than
``min_shared_m`` metres; corners (queen contacts) therefore never count. Everything is vectorised
with shapely 2 and an STRtree; inputs must already be in a metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import sparse

from spatial.core._threads import halves, thread_map

#: Fewest unit pairs worth a thread of their own when shared edges are cut out ...
_MIN_PAIRS = 4096
#: ... and most pairs cut at once (their lines held until the corner contacts are let go)
_PAIRS_AT_ONCE = 16_384
#: ... and fewest units, when they are buffered and looked up in the tree (10,000 units on two
#: threads: 0.17 -> 0.09-0.11 s).
_MIN_UNITS = 2048
#: Fewest lines worth a thread of their own when their share along roads is measured (the
#: 28,780 shared edges of the 10,000-unit town on two threads: 0.25-0.28 -> 0.16-0.20 s; its 500 grid
#: outlines stay on one: two took 0.060 s against 0.053).
_MIN_LINES = 2048
#: ... and most lines cut into pieces at once (102,400 lattice units' 204,160 shared edges)
_LINES_AT_ONCE = 32_768

__all__ = ["Adjacency", "rook_adjacency", "road_fraction", "shared_edges", "weigh"]


@dataclass(frozen=True)
class Adjacency:
    """Undirected rook adjacency: one row per pair ``i < j``.

    Attributes
    ----------
    i, j : ndarray of int
        Positions of the two polygons.
    shared_m : ndarray of float
        Length of their shared boundary in metres.
    road_m : ndarray of float
        Part of ``shared_m`` that runs along a road (0 when no roads were given).
    n : int
        Number of polygons.
    major_m : ndarray of float, optional
        Part of ``shared_m`` along an arterial road or a river (None when none were given).
    edge_m : ndarray of float, optional
        Each shared edge's own length (``edge_lengths``), for perimeters; ``shared_m``, as found
        within the buffer, is a little longer and weighs the cut costs.
    """

    i: np.ndarray
    j: np.ndarray
    shared_m: np.ndarray
    road_m: np.ndarray
    n: int
    major_m: np.ndarray | None = None
    edge_m: np.ndarray | None = None

    def matrix(self, values: np.ndarray | None = None) -> sparse.csr_matrix:
        """A symmetric CSR matrix holding ``values`` (default ``shared_m``) on both (i, j) and (j, i)."""
        v = self.shared_m if values is None else np.asarray(values, dtype=float)
        rows = np.concatenate([self.i, self.j])
        cols = np.concatenate([self.j, self.i])
        data = np.concatenate([v, v])
        m = sparse.csr_matrix((data, (rows, cols)), shape=(self.n, self.n))
        m.sum_duplicates()
        return m


def rook_adjacency(
    geoms: np.ndarray,
    *,
    roads: np.ndarray | None = None,
    tol_m: float = 0.1,
    min_shared_m: float = 1.0,
    road_buffer_m: float = 5.0,
    major_roads: np.ndarray | None = None,
) -> Adjacency:
    """Rook neighbours of metric polygons by shared boundary length.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Polygons in a metric CRS.
    roads : ndarray of shapely lines, optional
        Road centrelines in the same CRS; a shared edge within ``road_buffer_m`` of one is on a road.
    tol_m : float
        Gap (m) still treated as touching; also the buffer used to measure shared length.
    min_shared_m : float
        Pairs sharing less than this (m) are not neighbours (corner contacts).
    road_buffer_m : float
        Distance (m) from a road centreline within which a boundary counts as on the road.
    major_roads : ndarray of shapely lines, optional
        Arterials and rivers (lines); the shared length along them is ``major_m``.
    """
    a, b, shared, length = shared_edges(geoms, tol_m=tol_m, min_shared_m=min_shared_m)
    return weigh(len(geoms), a, b, shared, length, roads=roads, road_buffer_m=road_buffer_m, tol_m=tol_m,
                 major_roads=major_roads)


def shared_edges(geoms: np.ndarray, *, tol_m: float = 0.1, min_shared_m: float = 1.0):
    """Rook pairs ``a < b`` of metric polygons with their shared boundary (lines) and its length (m)."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), np.zeros(0, dtype=object), np.zeros(0)
    tree = shapely.STRtree(geoms)
    # the buffers and the tree's answers for each half of the units on a thread of its own (in
    # the order one query gives: by query row, then as the tree finds them). The pairs whose boxes
    # meet, without the "intersects" test: a pair whose buffer misses the other unit shares no
    # boundary below and is let go there, the same pairs in the same order (10,000 units: 4,000
    # more pairs cut, 0.08 CPU-s of tests spared for about 0.04 of cutting)
    rows = halves(n, _MIN_UNITS)
    bufs = np.concatenate([np.zeros(0, dtype=object)] + thread_map(
        lambda sl: shapely.buffer(geoms[sl], tol_m, quad_segs=2), rows))
    b, a = np.concatenate([np.zeros((2, 0), dtype=np.intp)] + thread_map(
        lambda sl: tree.query(bufs[sl]) + [[sl.start], [0]], rows), axis=1)
    keep = a < b
    a, b = a[keep], b[keep]
    bounds = shapely.boundary(geoms)

    def cut(sl: slice):
        # the buffer catches up to ~2*tol of the edges meeting at a corner; subtract that allowance
        shared = shapely.intersection(bounds[a[sl]], bufs[b[sl]])
        length = shapely.length(shared)
        ok = length - 2 * tol_m > min_shared_m
        return np.flatnonzero(ok) + sl.start, shared[ok], length[ok]

    # shapely's loops let go of the GIL: the pairs' intersections on every core, a slice at a time
    # with the corner contacts let go at once (half the pairs: on 102,400 lattice units the call's peak
    # went from +299 to +209 MB, the same pairs, lines and lengths)
    got = thread_map(cut, _slices(len(a), _PAIRS_AT_ONCE))
    rows = np.concatenate([np.zeros(0, dtype=np.int64)] + [g[0] for g in got])
    shared = np.concatenate([np.zeros(0, dtype=object)] + [g[1] for g in got])
    length = np.concatenate([np.zeros(0)] + [g[2] for g in got])
    return a[rows].astype(np.int64), b[rows].astype(np.int64), shared, length


def _slices(n: int, size: int) -> list[slice]:
    """``range(n)`` in slices of ``size`` rows, at least one slice a thread (:func:`halves`)."""
    parts = halves(n, _MIN_PAIRS)
    return [slice(i, min(i + size, p.stop)) for p in parts for i in range(p.start, p.stop, size)] or [slice(0, 0)]


def edge_lengths(shared: np.ndarray, tol_m: float) -> np.ndarray:
    """Each shared boundary's own length, from the lines :func:`shared_edges` found within a
    ``tol_m`` buffer: the buffer also catches about ``tol_m`` of the edges leaving each open end
    (at a corner where three units meet), taken off here. Within a centimetre or so on a
    tessellation; what a grid's perimeter (its units' perimeters less twice what they share
    among themselves) needs, where the buffered length leaves ~0.4 m out per pair inside it."""
    pieces, owner = shapely.get_parts(shapely.line_merge(shared), return_index=True)
    ends = np.bincount(owner, weights=2.0 * ~shapely.is_closed(pieces), minlength=len(shared))
    return np.maximum(shapely.length(shared) - tol_m * ends, 0.0)


def weigh(n: int, a: np.ndarray, b: np.ndarray, shared: np.ndarray, length: np.ndarray, *,
          roads: np.ndarray | None = None, road_buffer_m: float = 5.0,
          major_roads: np.ndarray | None = None, tol_m: float = 0.1) -> Adjacency:
    """The :class:`Adjacency` of the pairs from :func:`shared_edges` (found within ``tol_m``),
    with the part of each shared edge along ``roads`` (and along ``major_roads``)."""
    sets = [r for r in (roads, major_roads) if r is not None and len(r)]
    # the edges' own lengths on a thread of their own while the road shares are measured
    got = thread_map(lambda job: job(), [lambda: road_fractions(shared, sets, buffer_m=road_buffer_m, max_pieces=4),
                                         lambda: edge_lengths(shared, tol_m)])
    fracs = iter(got[0])
    road_m = length * next(fracs) if roads is not None and len(roads) else np.zeros(len(a))
    major_m = length * next(fracs) if major_roads is not None and len(major_roads) else None
    return Adjacency(a, b, length, road_m, n, major_m, got[1])


def road_fraction(
    lines: np.ndarray, roads: np.ndarray, *, buffer_m: float = 5.0, spacing_m: float = 4.0, max_pieces: int | None = None
) -> np.ndarray:
    """Share (0..1) of each line's length lying within ``buffer_m`` of a road.

    Lines are cut into pieces at most ``spacing_m`` long (or into about ``max_pieces`` pieces when
    that is coarser); a piece counts as on the road when its midpoint is within ``buffer_m`` of
    one. Empty lines (and points) give 0.
    """
    if roads is None or len(roads) == 0:
        return np.zeros(len(lines))
    return road_fractions(lines, [roads], buffer_m=buffer_m, spacing_m=spacing_m, max_pieces=max_pieces)[0]


def road_fractions(lines: np.ndarray, road_sets: list, *, buffer_m: float = 5.0, spacing_m: float = 4.0,
                   max_pieces: int | None = None) -> list[np.ndarray]:
    """:func:`road_fraction` of the same lines for each array of roads in ``road_sets`` (the lines
    cut into pieces once; each half of the lines on a thread of its own: a line's share is
    measured on its own pieces alone)."""
    lines = np.asarray(lines, dtype=object)
    if len(lines) == 0 or not road_sets:
        return [np.zeros(len(lines)) for _ in road_sets]
    kw = dict(buffer_m=buffer_m, spacing_m=spacing_m, max_pieces=max_pieces)
    trees = [_road_tree(roads, buffer_m) for roads in road_sets]  # built once, asked by every slice
    # a slice of lines at a time (their pieces held until measured), at least one a thread
    parts = [slice(i, min(i + _LINES_AT_ONCE, p.stop)) for p in halves(len(lines), _MIN_LINES)
             for i in range(p.start, p.stop, _LINES_AT_ONCE)]
    got = thread_map(lambda sl: _road_fractions(lines[sl], trees, **kw), parts)
    return [np.concatenate([g[i] for g in got]) for i in range(len(road_sets))]


def _road_fractions(lines: np.ndarray, road_sets: list, *, buffer_m: float, spacing_m: float,
                    max_pieces: int | None) -> list[np.ndarray]:
    """:func:`road_fractions` of one run of lines (at least one); ``road_sets`` as :func:`_road_tree`
    gives them."""
    out = np.zeros(len(lines))
    parts, owner = shapely.get_parts(lines, return_index=True)
    line_part = shapely.get_dimensions(parts) == 1
    parts, owner = parts[line_part], owner[line_part]
    if len(parts) == 0:
        return [out.copy() for _ in road_sets]
    # each part as it is: merging a single line (as this did) gives it back but for repeated
    # points, whose pieces of no length weigh nothing below, and lines of no length, which it
    # drops (0.05 CPU-s of the 28,780 edges at 10,000 units)
    length = shapely.length(parts)
    parts, owner, length = parts[length > 0], owner[length > 0], length[length > 0]
    if len(parts) == 0:
        return [out.copy() for _ in road_sets]
    step = np.full(len(parts), float(spacing_m))
    if max_pieces:
        step = np.maximum(step, length / max_pieces)
    coords, cidx = shapely.get_coordinates(shapely.segmentize(parts, step), return_index=True)
    same = cidx[1:] == cidx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    seg_owner = owner[cidx[:-1][same]]
    seg_len = np.hypot(*(b - a).T)
    mids = (a + b) / 2
    total = np.bincount(seg_owner, weights=seg_len, minlength=len(lines))
    fracs = []
    for roads in road_sets:
        on_road = np.bincount(seg_owner, weights=seg_len * _near_roads(mids, roads, buffer_m), minlength=len(lines))
        fracs.append(np.where(total > 0, on_road / np.maximum(total, 1e-12), 0.0))
    return fracs


def _road_tree(roads: np.ndarray, buffer_m: float):
    """The KD-tree of the roads' vertices, densified to at most ``buffer_m / 2`` apart (None when
    there are none), that :func:`_near_roads` asks."""
    from scipy.spatial import cKDTree  # only with roads: the editor and --evaluate without them skip its load

    verts = shapely.get_coordinates(shapely.segmentize(np.asarray(roads, dtype=object), max(buffer_m / 2, 0.01)))
    return cKDTree(verts) if len(verts) else None


def _near_roads(xy: np.ndarray, tree, buffer_m: float) -> np.ndarray:
    """Whether each point lies within about ``buffer_m`` of a road (``tree``: :func:`_road_tree`).

    Roads are densified to vertices at most ``buffer_m / 2`` apart, so a point within
    ``buffer_m`` of a road lies within ``hypot(buffer_m, buffer_m / 4)`` of a vertex; the test
    errs by at most 3% of ``buffer_m`` and needs no shapely point objects (fast on 10^5 points).
    """
    if tree is None or len(xy) == 0:
        return np.zeros(len(xy), dtype=bool)
    dist, _ = tree.query(xy, k=1, distance_upper_bound=float(np.hypot(buffer_m, buffer_m / 4)))
    return np.isfinite(dist)
