"""Straight segments of network edges: listed by cell of a uniform grid, and sampled into a KD-tree.

These are the structures :mod:`spatial.network._snapindex` searches for the nearest edge of many points
(why it is written here rather than taken from a library: see that module). Every edge is cut
into its straight segments, numbered cell by cell of a uniform grid (cell: half the median
segment, 2.5-50 m, coarser on sparse networks). The grid lists each segment once, in the first
cell (lowest x and y) of its box; boxes span at most ``_SPAN + 1`` cells each way (longer
segments are listed as pieces at most a cell long). The KD-tree holds samples at the middles of
``ceil(length / h)`` equal pieces of each segment.

Build: the segments are sorted by their first grid cell once, and the grid reuses those cells
(segments whose box spans at most 3 cells each way are already listed in order; only longer ones
are cut into pieces, whose repeats are consecutive and dropped without ``np.unique``). On the
1M-node lattice this took the build from about 0.9-1.4 s to 0.45-0.6 s and its peak memory
from 385 to 250 MB, with the same segments and grid as before. Then to about 0.25-0.35 s (in
a fresh process; 0.23 s warm, 0.09 s of it ``get_coordinates``): x and y are worked out on two
threads until their cells are combined, the sorted columns are gathered on threads, and the
median that sets the cell is taken over at most about 65,000 segments (the cell sets the speed, not the answers). ``_bounds`` takes extents
column by column: ``xy.min(axis=0)`` on two columns cost 25 ms for 1M points, 25 times more.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import shapely
from scipy.spatial import cKDTree

from spatial.core._threads import thread_map

logger = logging.getLogger(__name__)

#: Widest segment box listed whole, in cells beyond its first (longer segments: pieces).
_SPAN = 2


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


def build_segments(geometry: np.ndarray) -> Segments:
    """Cut lines into straight segments and number them cell by cell of the grid."""
    return build_segments_and_cells(geometry)[0]


def build_segments_and_cells(geometry: np.ndarray):
    """``build_segments``, and each segment's first cell and whether its box spans at most
    ``_SPAN + 1`` cells each way (the grid lists those in that cell)."""
    coords, line = shapely.get_coordinates(geometry, return_index=True)
    idx = np.flatnonzero(line[1:] == line[:-1])
    s = len(idx)

    # x and y are independent until their cells are combined: one thread each
    def axis(c, idx=idx):
        """Starts, vectors and box sides (low, high) of the segments along one axis."""
        a = c.take(idx)
        b = c.take(idx + 1)
        b -= a
        end = a + b  # the end as the distances see it
        low = np.minimum(a, end)
        high = np.maximum(a, end, out=end)
        return a, b, low, high

    (ax, bx, x0, x1), (ay, by, y0, y1) = thread_map(axis, [coords[:, 0], coords[:, 1]])
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

    def first_cell(sides, cell=cell):
        """First cell and extent in cells of each box along one axis, as ``_boxes`` computes them."""
        low, high, origin = sides
        c0 = _cell_of(low, origin, cell)
        span = _cell_of(high, origin, cell)
        span -= c0
        return c0, span

    (lox, spx), (loy, spy) = thread_map(first_cell, [(x0, x1, lo[0]), (y0, y1, lo[1])])
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
        columns = thread_map(lambda v: v.take(order), columns)
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
