"""Exact nearest-edge search for many points: a uniform grid of segments, then a KD-tree of samples.

Why not only ``shapely.STRtree.query_nearest``: measured here it costs about 35 µs a point on a
200k-edge network (1M points: about 40 s), while this index answers 1M points on a 2M-segment
network (a 1M-node lattice) in about 0.7-0.8 s on two cores, building it included (build
about 0.3 s, of which ``shapely.get_coordinates`` about 0.1 s; queries about 0.4 s).

Every edge is cut into its straight segments, numbered cell by cell of a uniform grid (cell:
half the median segment, 2.5-50 m). Exact stages, each answering the points it can prove and
passing the others on:

1. **Grid** (``_BLOCKS``): each segment is listed once, in the first cell (lowest x and y) of
   its box; boxes span at most 3 cells each way (longer segments are listed as pieces at most a
   cell long), so every segment meeting a ``B x B`` block of cells is listed in the block
   widened by 2 cells towards lower x and y. Those are a point's candidates; their exact
   distances are computed with numpy on flat arrays, in chunks. Every other segment lies outside
   the block, so the nearest candidate is proven when it is no farther than the block's border.
   A 3 x 3 block settles nearly every point within a cell of a street (about 14 candidates a
   point on a lattice of 50 m blocks).
2. **Wide grid block or KD-tree** for the points left (farther from the streets): a block wide
   enough that its border is beyond ``max_m`` proves every answer, when that costs less than
   building the KD-tree (``_WIDE``). The KD-tree holds samples at the middles of
   ``ceil(length / h)`` equal pieces of each segment, so the foot of any point on a segment is
   within ``h/2`` of one of its samples; a point's ``k`` nearest samples name candidate segments
   and the answer is proven when the ``k``-th sample is at least ``best + h/2`` away (``_KS``).
3. **STRtree** ``query_nearest`` for the few points still left.

Every stage computes the distance to a segment with the same float operations, so the answer
does not depend on the stage; exact ties between segments (a point whose foot is a node shared
by two edges) go to the segment with the nearest KD-tree sample, as the KD-tree orders them.

Building the segments, the grid and the KD-tree: ``spatial.network._segments``.

Threads (``_THREADS``, from ``spatial.core._threads``: at most 4 and the cores this process may
use): the grid passes and the KD-tree stage work on independent chunks of points, each writing
its own rows of the output, so the chunks run on a thread pool. numpy's array loops and the
KD-tree's queries release the GIL, so most of the work can overlap (not the Python between
calls, nor ``np.repeat``). A point's answer comes from the same float operations whichever chunk or thread computes it, so threaded
and serial answers are bit-identical (``tests/test_snapping.py``). Measured on the 1M-point
query (1M-node lattice, index built) on the 2-core machine used here, best of 3 in three idle
moments: 0.57-0.61 s serial against 0.44-0.46 s on 2 threads (CPU time 1.6 x wall time); no
gain while another process kept the second core busy. Each worker thread adds about 25 MB of
scratch memory.
"""

from __future__ import annotations

import logging
import math
import weakref

import numpy as np
import shapely

from spatial.core._threads import THREADS, thread_map
from spatial.network._segments import (
    _SPAN,
    Grid,
    SampleTree,
    Segments,
    _bounds,
    build_grid,
    build_sample_tree,
    build_segments_and_cells,
)

logger = logging.getLogger(__name__)

#: Grid passes: width in cells of the block searched around each point (``()``: no grid pass).
_BLOCKS = (3, 7)
#: Points left after the grid passes: one block wide enough to settle them all (True), the
#: KD-tree (False), or whichever costs less (None).
_WIDE: bool | None = None
#: Samples asked for per point: most points are settled by 8, nearly all the rest by 32.
_KS = (8, 32)
_CHUNK = 250_000
#: Points per grid chunk, and most candidates a grid chunk holds (bounds memory, stays in cache).
_GRID_CHUNK = 16_384
_GRID_BUDGET = 1 << 19
#: Proven-bound margin, metres (the float error of a block border is below 1e-9 m).
_EPS = 1e-7
#: Threads the grid passes and the KD-tree stage run their chunks on (1: no threads).
_THREADS = THREADS
_cache: dict = {}
_tree_cache: dict = {}


class _Index:
    """Segments of one geometry array; the grid and the KD-tree are built on first use."""

    def __init__(self, geometry: np.ndarray):
        self.segments, self._cells = build_segments_and_cells(geometry)
        self._grid: Grid | None = None
        self._kd: SampleTree | None = None

    @property
    def grid(self) -> Grid:
        if self._grid is None:
            self._grid = build_grid(self.segments, *self._cells)
            self._cells = None
        return self._grid

    @property
    def kd(self) -> SampleTree:
        if self._kd is None:
            self._kd = build_sample_tree(self.segments)
        return self._kd


def _point_order(xy: np.ndarray) -> np.ndarray:
    """Order points cell by cell of a grid of at most 256 x 256 cells (a 16-bit key: radix sort)."""
    if len(xy) == 0:
        return np.zeros(0, np.int64)
    lo, hi = _bounds(xy)
    scale = 255.999 / np.maximum(hi - lo, 1e-9)
    # non-negative: truncation is the floor
    c = xy - lo
    c *= scale
    c = c.astype(np.uint16)
    key = c[:, 1] << 8
    key |= c[:, 0]
    return np.argsort(key, kind="stable")


def nearest_edges(geometry: np.ndarray, xy: np.ndarray, max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest line of ``geometry`` within ``max_m`` of each point: (index or -1, distance, offset).

    The offset is the distance along the line from its start to the foot of the point.
    """
    index = _cached(_cache, geometry, _Index)
    sg = index.segments
    p = len(xy)
    edge = np.full(p, -1, np.int64)
    dist = np.full(p, np.nan)
    offset = np.full(p, np.nan)
    if len(sg.seg_edge) == 0 or p == 0:
        return edge, dist, offset
    # querying points in spatial order keeps memory access local
    if np.isfinite(xy).all():
        todo = _point_order(xy)
    else:
        finite = np.flatnonzero(np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1]))
        todo = finite.take(_point_order(xy[finite]))
    out = (edge, dist, offset)
    for width in _BLOCKS:
        if len(todo):
            todo = _grid_pass(sg, index.grid, xy, todo, width, max_m, out)
    if len(todo):
        # a block whose border is beyond max_m settles every point
        width = 2 * math.ceil(max_m / sg.cell) + 3
        wide = _WIDE
        if wide is None:
            # about 50 ns a candidate against about 1 µs a sample to build the tree (about 2 a segment)
            wide = index._kd is None and len(todo) * (width + _SPAN)**2 * index.grid.density < 40 * len(sg.seg_edge)
        if wide:
            todo = _grid_pass(sg, index.grid, xy, todo, width, max_m, out)
    if len(todo):
        kd = index.kd
        # chunks of at most _CHUNK points, one a thread when there are enough points
        size = min(_CHUNK, max(-(-len(todo) // _THREADS), _GRID_CHUNK))
        rests = _map(lambda rest: _kd_chunk(sg, kd, xy, rest, max_m, out),
                     [todo[lo:lo + size] for lo in range(0, len(todo), size)])
        rest = np.concatenate(rests)
        if len(rest):
            _fallback(geometry, xy, rest, max_m, out)
    return edge, dist, offset


def _map(fn, items: list) -> list:
    """``[fn(item) for item in items]``, on ``_THREADS`` threads when there are several items.

    Each item is a chunk of points whose answers go to their own rows of the output arrays, and
    numpy (like the KD-tree's queries) releases the GIL on large array operations.
    """
    return thread_map(fn, items, threads=_THREADS)


def _kd_chunk(sg: Segments, kd: SampleTree, xy, rest, max_m, out) -> np.ndarray:
    """KD-tree stages for one chunk of points; return the points they could not settle."""
    for k in _KS:
        if len(rest) == 0:
            break
        rest = _settle(sg, kd, xy, rest, min(k, kd.tree.n), max_m, out)
    return rest


def _grid_pass(sg: Segments, grid: Grid, xy, todo, width, max_m, out) -> np.ndarray:
    """Answer the points ``todo`` whose ``width x width`` block of cells proves the nearest; return the others."""
    chunks = [todo[lo:lo + _GRID_CHUNK] for lo in range(0, len(todo), _GRID_CHUNK)]
    left = _map(lambda idx: _grid_chunk(sg, grid, xy, idx, width, max_m, out), chunks)
    return np.concatenate(left) if left else todo[:0]


def _grid_chunk(sg: Segments, grid: Grid, xy, idx, width, max_m, out) -> np.ndarray:
    """``_grid_pass`` for one chunk of points."""
    first, cnt, n, border = _blocks(sg, grid, xy, idx, width)
    # at most _GRID_BUDGET candidates at a time (one point may exceed it alone)
    part = np.cumsum(n) // _GRID_BUDGET
    cuts = np.r_[0, np.flatnonzero(np.diff(part)) + 1, len(idx)]
    left = [_grid_settle(sg, grid, xy, idx[a:b], first[a:b], cnt[a:b], n[a:b], border[a:b], max_m, out)
            for a, b in zip(cuts[:-1], cuts[1:])]
    return np.concatenate(left)


def _blocks(sg: Segments, grid: Grid, xy, todo, width):
    """First entry and number of entries of each row of each point's block (widened by ``_SPAN``
    cells towards lower x and y, where the segments meeting the block are listed), entries in
    all, and the distance from the point to the block's border."""
    nx, ny = sg.shape
    cell = sg.cell
    fx = (xy[todo, 0] - sg.origin[0]) / cell
    fy = (xy[todo, 1] - sg.origin[1]) / cell
    gx = np.floor(fx - (width - 1) / 2)
    gy = np.floor(fy - (width - 1) / 2)
    # every segment outside the block is at least ``border`` away
    border = np.minimum(np.minimum(fx - gx, gx + width - fx), np.minimum(fy - gy, gy + width - fy)) * cell
    # far outside the grid every cell is empty: clipping keeps the integers in range
    ix = np.clip(gx, -(2**40), 2**40).astype(np.int64) - _SPAN
    iy = np.clip(gy, -(2**40), 2**40).astype(np.int64) - _SPAN
    c0 = np.clip(ix, 0, nx)
    c1 = np.clip(ix + width + _SPAN, 0, nx)
    first = np.empty((len(todo), width + _SPAN), np.int64)
    cnt = np.empty((len(todo), width + _SPAN), np.int64)
    n = np.zeros(len(todo), np.int64)
    for r in range(width + _SPAN):
        row = iy + r
        base = np.clip(row, 0, ny - 1) * nx
        lo = grid.start.take(base + c0)
        first[:, r] = lo
        c = np.where((row >= 0) & (row < ny), grid.start.take(base + c1) - lo, 0)
        cnt[:, r] = c
        n += c
    return first, cnt, n, border


def _grid_settle(sg: Segments, grid: Grid, xy, todo, first, cnt, n, border, max_m, out) -> np.ndarray:
    """Nearest of the candidates of each point; settle it when within the border of its block."""
    edge, dist, offset = out
    p = len(todo)
    # candidate segments, point by point
    c = cnt.ravel()
    ends = np.cumsum(c)
    pos = np.arange(ends[-1] if len(ends) else 0) + np.repeat(first.ravel() - (ends - c), c)
    seg = grid.seg.take(pos)
    owner = np.repeat(np.arange(p), n)
    fx, fy, t = _foot(sg, xy[todo, 0].take(owner), xy[todo, 1].take(owner), seg)
    # nearest candidate of each point, by the distance ``_settle`` computes
    d = _norm(fx, fy)
    has = n > 0
    best = np.full(p, np.inf)
    if has.any():
        best[has] = np.minimum.reduceat(d, (np.cumsum(n) - n)[has])
    w = np.flatnonzero(d == best.take(owner))
    if len(w):
        w = _first_nearest(sg, xy, todo, owner, seg, w)
    who = owner.take(w)
    sure = np.zeros(p, bool)
    sure[who] = best.take(who) <= border.take(who) - _EPS
    hit = sure.take(who) & (best.take(who) <= max_m)
    j = w[hit]
    _write(sg, todo[who[hit]], seg.take(j), best.take(who[hit]), t.take(j), out)
    # nothing within max_m, inside the block or out of it
    too_far = ~sure & (best > max_m) & (border - _EPS > max_m)
    return todo[~sure & ~too_far]


def _first_nearest(sg: Segments, xy, todo, owner, seg, w):
    """One of the nearest candidates ``w`` (sorted by point) for each point.

    Exact ties between segments (a point whose foot is a node shared by two edges) go to the
    segment with the nearest KD-tree sample, as the KD-tree stage orders its candidates.
    """
    ow = owner.take(w)
    first = np.r_[True, ow[1:] != ow[:-1]]
    pick = w[first]
    if first.all():
        return pick
    group = np.cumsum(first) - 1
    tied = np.unique(group[seg.take(w) != seg.take(pick)[group]])
    if len(tied):
        m = np.isin(group, tied)
        cand, g = w[m], group[m]
        o = np.lexsort((_sample_distance(sg, xy[todo[owner.take(cand)]], seg.take(cand)), g))
        cand, g = cand[o], g[o]
        pick[tied] = cand[np.r_[True, g[1:] != g[:-1]]]
    return pick


def _sample_distance(sg: Segments, q, seg):
    """Squared distance from each point to the nearest KD-tree sample of its segment."""
    n_s = np.maximum(1, np.ceil(sg.seg_len.take(seg) / sg.h).astype(np.int64))
    ax, ay, bx, by = sg.ax.take(seg), sg.ay.take(seg), sg.bx.take(seg), sg.by.take(seg)
    u = ((q[:, 0] - ax) * bx + (q[:, 1] - ay) * by) / sg.den.take(seg) * n_s - 0.5
    best = np.full(len(seg), np.inf)
    for k in (np.floor(u), np.floor(u) + 1):
        frac = (np.clip(k, 0, n_s - 1) + 0.5) / n_s
        best = np.minimum(best, (q[:, 0] - (ax + bx * frac)) ** 2 + (q[:, 1] - (ay + by * frac)) ** 2)
    return best


def _distance(sg: Segments, qx, qy, seg):
    """Distance from points to segments and the foot's fraction along the segment."""
    fx, fy, t = _foot(sg, qx, qy, seg)
    return _norm(fx, fy), t


def _norm(fx, fy):
    """``sqrt(fx² + fy²)``, in ``fx`` (``fy`` is overwritten): every stage measures distances so.

    Not ``np.hypot``, which guards against overflow that metres cannot reach and took 2.5 times
    as long; the two differ by at most an ulp.
    """
    fx *= fx
    fy *= fy
    fx += fy
    return np.sqrt(fx, out=fx)


def _foot(sg: Segments, qx, qy, seg):
    """Vector from the foot on each segment to each point, and the foot's fraction along the segment."""
    apx = qx - sg.ax.take(seg)
    apy = qy - sg.ay.take(seg)
    bx = sg.bx.take(seg)
    by = sg.by.take(seg)
    t = apx * bx
    t += apy * by
    t /= sg.den.take(seg)
    np.clip(t, 0.0, 1.0, out=t)
    bx *= t
    apx -= bx
    by *= t
    apy -= by
    return apx, apy, t


def _write(sg: Segments, gi, seg, d, t, out):
    edge, dist, offset = out
    edge[gi] = sg.seg_edge.take(seg)
    dist[gi] = d
    offset[gi] = sg.seg_start.take(seg) + t * sg.seg_len.take(seg)


def _settle(sg: Segments, kd: SampleTree, xy, todo, k, max_m, out) -> np.ndarray:
    """Answer the points ``todo`` that the ``k`` nearest samples settle; return the others."""
    q = xy[todo]
    bound = max_m + kd.half
    # a little beyond: a sample exactly ``bound`` away (a segment end exactly ``max_m`` away, its
    # sample half a spacing further) is then found, not lost to the strict bound of the query
    dk, ik = kd.tree.query(q, k=k, distance_upper_bound=bound * (1 + 1e-12) + 1e-9)
    dk, ik = dk.reshape(len(q), k), ik.reshape(len(q), k)
    found = np.isfinite(dk)
    seg = np.where(found, kd.sample_seg.take(np.minimum(ik, kd.tree.n - 1)), 0)
    # exact distance to each candidate segment
    d, t = _distance(sg, np.repeat(q[:, 0], k), np.repeat(q[:, 1], k), seg.ravel())
    d = np.where(found, d.reshape(len(q), k), np.inf)
    j = np.argmin(d, axis=1)
    rows = np.arange(len(q))
    best, bseg, bt = d[rows, j], seg[rows, j], t.reshape(len(q), k)[rows, j]
    # no segment without a sample among the k can be nearer than this
    last = dk[:, -1]
    lower = np.where(np.isfinite(last), last, bound) - kd.half
    sure = best <= lower + 1e-9
    too_far = ~sure & (lower >= max_m)
    hit = sure & (best <= max_m)
    _write(sg, todo[hit], bseg[hit], best[hit], bt[hit], out)
    return todo[~sure & ~too_far]


def _fallback(geometry, xy, idx, max_m, out):
    """Exact answer from the STRtree for points the other stages could not settle."""
    edge, dist, offset = out
    pts = shapely.points(xy[idx])
    (i_pt, i_geom), d = _strtree(geometry).query_nearest(pts, max_distance=max_m, return_distance=True,
                                                         all_matches=False)
    edge[idx[i_pt]] = i_geom
    dist[idx[i_pt]] = d
    offset[idx[i_pt]] = shapely.line_locate_point(geometry[i_geom], pts[i_pt])
    logger.debug("segment index: %d points checked with the STRtree", len(idx))


def _cached(cache: dict, geometry: np.ndarray, build):
    """``build(geometry)``, cached while the array lives (networks are immutable)."""
    key = id(geometry)
    hit = cache.get(key)
    if hit is not None and hit[0]() is geometry:
        return hit[1]
    for k in [k for k, (ref, _) in cache.items() if ref() is None]:
        del cache[k]
    value = build(geometry)
    cache[key] = (weakref.ref(geometry), value)
    return value


def _strtree(geometry: np.ndarray) -> shapely.STRtree:
    # the tree keeps its own array, so the cache does not keep ``geometry`` alive
    return _cached(_tree_cache, geometry, lambda g: shapely.STRtree(g.copy()))
