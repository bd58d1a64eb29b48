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

Build: the segments are sorted by their first grid cell once, and the grid reuses those cells
(segments whose box spans at most 3 cells each way are already listed in order; only longer ones
are cut into pieces, whose repeats are consecutive and dropped without ``np.unique``). On the
1M-node lattice this took the build from about 0.9-1.4 s to 0.45-0.6 s and its peak memory
from 385 to 250 MB, with the same segments and grid as before. Then to about 0.25-0.35 s (in
a fresh process; 0.23 s warm, 0.09 s of it ``get_coordinates``): x and y are worked out on two
threads until their cells are combined, the sorted columns are gathered on threads, whole
``(x, y)`` rows are gathered at once, and the median that sets the cell is taken over at most
about 65,000 segments (the cell sets the speed, not the answers). ``_bounds`` takes extents
column by column: ``xy.min(axis=0)`` on two columns cost 25 ms for 1M points, 25 times more.

Threads (``_THREADS``, from ``spatial._threads``: at most 4 and the cores this process may
use): the grid passes and the KD-tree stage work on independent chunks of points, each writing
its own rows of the output, so the chunks run on a thread pool. numpy's array loops and the KD-tree's queries release the GIL,
so most of the work can overlap (not the Python between calls, nor ``np.repeat``). A point's
answer comes from the same float operations whichever chunk or thread computes it, so threaded
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
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from ._threads import THREADS, thread_map

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
#: Widest segment box listed whole, in cells beyond its first (longer segments: pieces).
_SPAN = 2
#: Proven-bound margin, metres (the float error of a block border is below 1e-9 m).
_EPS = 1e-7
#: Threads the grid passes and the KD-tree stage run their chunks on (1: no threads).
_THREADS = THREADS
_cache: dict = {}
_tree_cache: dict = {}


@dataclass(frozen=True)
class Segments:
    """Straight segments of a LineString array, numbered cell by cell of their grid."""

    seg_edge: np.ndarray     # (s,) line of each segment
    ax: np.ndarray           # (s,) segment start
    ay: np.ndarray
    bx: np.ndarray           # (s,) segment vector
    by: np.ndarray
    den: np.ndarray          # (s,) squared length (1 for zero-length segments)
    seg_len: np.ndarray      # (s,)
    seg_start: np.ndarray    # (s,) offset of the segment start along its line
    h: float                 # KD-tree sample spacing, metres (half the median segment, 2.5-50 m)
    cell: float              # grid cell, metres (``h``, coarser on sparse networks)
    origin: tuple            # (x, y) lower-left corner of the grid
    shape: tuple             # (nx, ny) cells


@dataclass(frozen=True)
class Grid:
    """Segments listed by grid cell (CSR over row-major cells)."""

    start: np.ndarray        # (nx * ny + 1,) first entry of each cell
    seg: np.ndarray          # (e,) segment of each entry
    density: float           # mean entries a cell


@dataclass(frozen=True)
class SampleTree:
    """KD-tree of samples along the segments."""

    sample_seg: np.ndarray   # (q,) segment of each sample
    half: float              # no foot point is farther than this from a sample of its segment
    tree: cKDTree | None


class _Index:
    """Segments of one geometry array; the grid and the KD-tree are built on first use."""

    def __init__(self, geometry: np.ndarray):
        self.segments, self._cells = _build_segments(geometry)
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


def build_segments(geometry: np.ndarray) -> Segments:
    """Cut lines into straight segments and number them cell by cell of the grid."""
    return _build_segments(geometry)[0]


def _build_segments(geometry: np.ndarray):
    """``build_segments``, and each segment's first cell and whether its box spans at most
    ``_SPAN + 1`` cells each way (the grid lists those in that cell)."""
    coords, line = shapely.get_coordinates(geometry, return_index=True)
    idx = np.flatnonzero(line[1:] == line[:-1])
    s = len(idx)

    # x and y are independent until their cells are combined: one thread each
    def axis(k):
        """Starts, vectors and box sides (low, high) of the segments along one axis."""
        c = coords[:, k]
        a = c.take(idx)
        b = c.take(idx + 1)
        b -= a
        end = a + b  # the end as the distances see it
        low = np.minimum(a, end)
        high = np.maximum(a, end, out=end)
        return a, b, low, high

    (ax, bx, x0, x1), (ay, by, y0, y1) = _map(axis, [0, 1])
    del coords
    seg_edge = line.take(idx)
    del line, idx
    seg_len = bx * bx
    seg_len += by * by
    np.sqrt(seg_len, out=seg_len)
    first = np.empty(s, bool)
    first[:1] = True
    np.not_equal(seg_edge[1:], seg_edge[:-1], out=first[1:])
    if first.all():
        seg_start = None  # one segment a line (a lattice, or a network of straight edges): zeros
    else:
        cum = np.cumsum(seg_len)
        first_idx = np.maximum.accumulate(np.where(first, np.arange(s), 0))
        seg_start = (cum - seg_len) - (cum[first_idx] - seg_len[first_idx])
        del cum, first_idx
    del first
    # the cell only sets the speed, not the answers: a median of about 65,000 segments will do
    positive = seg_len[::max(1, s >> 16)]
    positive = positive[positive > 0]
    h = float(np.clip(np.median(positive, overwrite_input=True) / 2 if len(positive) else 10.0, 2.5, 50.0))
    del positive
    if s:
        lo = (float(x0.min()), float(y0.min()))
        hi = (float(x1.max()), float(y1.max()))
    else:
        lo = hi = (0.0, 0.0)
    cell = h

    def cells(c):
        return int((hi[0] - lo[0]) // c) + 1, int((hi[1] - lo[1]) // c) + 1

    # sparse networks (or one spread over a large area) get coarser cells: at most ~4 a segment
    while math.prod(cells(cell)) > max(4 * s, 1 << 16):
        cell *= 1.5
    shape = cells(cell)

    def first_cell(k):
        """First cell and extent in cells of each box along one axis, as ``_boxes`` computes them."""
        low, high = (x0, x1) if k == 0 else (y0, y1)
        c0 = _cell_of(low, lo[k], cell)
        span = _cell_of(high, lo[k], cell)
        span -= c0
        return c0, span

    (lox, spx), (loy, spy) = _map(first_cell, [0, 1])
    del x0, x1, y0, y1
    small = spx <= _SPAN
    small &= spy <= _SPAN
    del spx, spy
    key = loy
    key *= shape[0]
    key += lox
    del lox
    columns = [seg_edge, ax, ay, bx, by, seg_len, key, small] + ([] if seg_start is None else [seg_start])
    if s and (key[1:] < key[:-1]).any():
        order = np.argsort(key, kind="stable")
        columns = _map(lambda v: v.take(order), columns)
        del order
    seg_edge, ax, ay, bx, by, seg_len, key, small = columns[:8]
    seg_start = np.zeros(s) if seg_start is None else columns[8]
    den = bx * bx
    den += by * by
    den[den == 0] = 1.0  # zero-length segment: t = 0 / 1, its start is the foot
    sg = Segments(seg_edge=seg_edge, ax=ax, ay=ay, bx=bx, by=by, den=den, seg_len=seg_len,
                  seg_start=seg_start, h=h, cell=cell, origin=lo, shape=shape)
    return sg, (key, small)


def _cell_of(v: np.ndarray, origin: float, cell: float) -> np.ndarray:
    """Cell (int64) of each coordinate: ``floor((v - origin) / cell)``."""
    out = v - origin
    out /= cell
    np.floor(out, out=out)
    return out.astype(np.int64)


def build_grid(sg: Segments, first_cell: np.ndarray | None = None, small: np.ndarray | None = None) -> Grid:
    """List each segment once, in the first cell (lowest x and y) of its box.

    Boxes span at most ``_SPAN + 1`` cells each way (longer segments are listed as pieces at
    most a cell long), so a segment whose box meets a block of cells is listed in the block
    widened by ``_SPAN`` cells towards lower x and y. ``first_cell`` and ``small`` (each
    segment's first cell and whether its box is that small) are computed when not given.
    """
    nx, ny = sg.shape
    s = len(sg.seg_edge)
    if first_cell is None:
        lox, loy, spx, spy = _boxes(sg, sg.ax, sg.ay, sg.ax + sg.bx, sg.ay + sg.by)
        small = (spx <= _SPAN) & (spy <= _SPAN)
        first_cell = loy * nx + lox
        del lox, loy, spx, spy
    long = np.flatnonzero(~small)
    if len(long):
        segs, cells = np.flatnonzero(small), first_cell[small]
        n_p = np.ceil(sg.seg_len.take(long) / sg.cell).astype(np.int64)
        ps = np.repeat(long, n_p)
        rep = n_p.repeat(n_p)
        k = np.arange(len(ps)) - np.repeat(np.cumsum(n_p) - n_p, n_p)
        ax, ay, bx, by = sg.ax.take(ps), sg.ay.take(ps), sg.bx.take(ps), sg.by.take(ps)
        f0, f1 = k / rep, np.where(k + 1 == rep, 1.0, (k + 1) / rep)
        plx, ply, _, _ = _boxes(sg, ax + bx * f0, ay + by * f0, ax + bx * f1, ay + by * f1)
        # a piece (at most a cell long, give or take float rounding) spans at most 2 cells beyond
        # its first; consecutive pieces may start in the same cell: list each (segment, cell) once.
        # A piece's first cell moves monotonically along its segment, so repeats are consecutive
        # (cheaper than ``np.unique``; the grid lists a cell's segments in segment order either way)
        key = ps * (nx * ny) + ply * nx + plx
        key = key[np.r_[True, key[1:] != key[:-1]]]
        segs = np.concatenate([segs, key // (nx * ny)])
        cells = np.concatenate([cells, key % (nx * ny)])
        # segments are numbered by their first cell: nearly sorted already
        order = np.argsort(cells, kind="stable")
        seg = segs.astype(np.int32 if s < 2**31 else np.int64).take(order)
    else:
        # every segment listed once, in its first cell: already in order
        cells = first_cell
        seg = np.arange(s, dtype=np.int32 if s < 2**31 else np.int64)
    counts = np.bincount(cells, minlength=nx * ny)
    # int32 while it can: half the memory, and the blocks read it at scattered cells
    start = np.zeros(nx * ny + 1, np.int32 if len(seg) < 2**31 else np.int64)
    np.cumsum(counts, out=start[1:])
    logger.debug("segment grid: %d x %d cells of %.1f m, %d entries", nx, ny, sg.cell, len(seg))
    return Grid(start=start, seg=seg, density=len(seg) / (nx * ny))


def _boxes(sg: Segments, x0, y0, x1, y1):
    """First cell (x, y) and extent in cells of the box of each segment."""
    ox, oy = sg.origin
    lox = np.floor((np.minimum(x0, x1) - ox) / sg.cell).astype(np.int64)
    loy = np.floor((np.minimum(y0, y1) - oy) / sg.cell).astype(np.int64)
    spx = np.floor((np.maximum(x0, x1) - ox) / sg.cell).astype(np.int64) - lox
    spy = np.floor((np.maximum(y0, y1) - oy) / sg.cell).astype(np.int64) - loy
    return lox, loy, spx, spy


def build_sample_tree(sg: Segments) -> SampleTree:
    """Sample each segment every ``h`` metres in a KD-tree."""
    h = sg.h
    n_s = np.maximum(1, np.ceil(sg.seg_len / h).astype(np.int64))
    sample_seg = np.repeat(np.arange(len(n_s)), n_s)
    k = np.arange(n_s.sum()) - np.repeat(np.cumsum(n_s) - n_s, n_s)
    frac = (k + 0.5) / n_s.take(sample_seg)
    samples = np.column_stack([sg.ax.take(sample_seg) + sg.bx.take(sample_seg) * frac,
                               sg.ay.take(sample_seg) + sg.by.take(sample_seg) * frac])
    # samples in spatial order make the tree's memory access local
    order = _spatial_order(samples, 8 * h)
    samples, sample_seg = samples[order], sample_seg[order]
    half = float((sg.seg_len / n_s).max() / 2) if len(n_s) else 0.0
    logger.debug("segment index: %d segments, %d samples, h=%.1f m", len(n_s), len(samples), h)
    return SampleTree(sample_seg=sample_seg, half=half,
                      tree=cKDTree(samples, balanced_tree=False, compact_nodes=False) if len(samples) else None)


def _bounds(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest x and y of ``(n, 2)`` points (not empty).

    Column by column: numpy's ``xy.min(axis=0)`` on two columns took 25 ms for 1M points here,
    against 1 ms for the two columns on their own.
    """
    x, y = xy[:, 0], xy[:, 1]
    return np.array([x.min(), y.min()]), np.array([x.max(), y.max()])


def _spatial_order(xy: np.ndarray, cell: float) -> np.ndarray:
    """Order points cell by cell (row-major cells of ``cell`` metres) for cache-friendly queries."""
    if len(xy) == 0:
        return np.zeros(0, np.int64)
    c = np.floor((xy - _bounds(xy)[0]) / cell).astype(np.int64)
    return np.argsort(c[:, 1] * (c[:, 0].max() + 1) + c[:, 0], kind="stable")


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

    Each item is independent work: a chunk of points whose answers go to their own rows of the
    output arrays, one axis of the segments, or one column to reorder; numpy (like the KD-tree's
    queries) releases the GIL on large array operations.
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
    dk, ik = kd.tree.query(q, k=k, distance_upper_bound=bound)
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
