"""Simulated annealing for the grid engine's finish: boundary units move between neighbouring
parts, a move that raises the objective kept now and then while the temperature falls, so the
search can leave the local optimum where the greedy moves of ``_search`` stop.

Once sizes are settled the greedy search ends on plans whose grids are ragged along their
internal borders: straightening such a border needs a few moves that each cost a little before
the last one pays (on the uneven benchmark towns of 2,000 units, mean Polsby-Popper 0.51 after
the greedy finish, about 0.55 after annealing the same plan, see ``benchmarks/bench_grids``).
The objective is the finish's (``_objective``: size terms, cut cost, spread, each part's
Polsby-Popper); a move that takes a part further past ``weights.tolerance`` of its wanted size
or out of the band is never made, and no part is ever left in pieces or empty.

The temperature falls linearly from ``T0_PER_SHAPE * weights.shape`` to 0 over the moves tried,
so it is measured against the shape charge (at 100: a move that costs 0.01 of one grid's
Polsby-Popper is kept four times in five at the start, 0.05 one time in three). Moves are drawn
from the border edges (a node and a neighbour in another part, kept in an indexable set as the
border moves) with a ``random.Random(seed)``: the same input and seed give the same plan on any
machine.

Hand-written for the reasons of ``_search`` (plain Python over neighbour lists, one move at a
time); the annealers that ship in libraries (``scipy.optimize.dual_annealing``, ``simanneal``)
work on continuous vectors or whole-state copies, and know nothing of contiguity.
"""

from __future__ import annotations

import logging
import math
import random

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _connected_without, _lists
from spatial.grids._objective import Shapes, Weights, _norms, _size_fn, _targets

logger = logging.getLogger(__name__)

__all__ = ["anneal"]

#: Starting temperature per unit of ``Weights.shape`` (0.05 of one grid's Polsby-Popper).
T0_PER_SHAPE = 0.05
#: Most moves tried in one call, whatever ``sweeps`` asks (about a second of work).
MAX_TRIES = 200_000


def anneal(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    min_hh: float,
    max_hh: float,
    weights: Weights,
    shapes: Shapes,
    sweeps: int,
    seed: int = 0,
    fixed: np.ndarray | None = None,
) -> np.ndarray:
    """Labels after ``sweeps`` tries per free node of simulated annealing (at most ``MAX_TRIES``).

    The graph, households, centroids and ``shapes`` are those of
    :func:`spatial.grids._search.local_search`; ``labels`` must give connected parts. Each try
    draws a node with a neighbour in another part; moving the node there is priced by the
    objective of ``weights`` and made if it lowers it, or else with the probability
    ``exp(-rise / temperature)``. Sizes never go further past
    ``weights.tolerance`` of the wanted size (the mean part of its component of the graph) nor
    further out of ``[min_hh, max_hh]``; parts stay connected and non-empty.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    n = len(labels)
    hh = np.asarray(hh, dtype=float)
    if n < 2 or weights.shape <= 0 or sweeps <= 0:
        return labels
    k = int(labels.max()) + 1
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    f = _size_fn(min_hh, max_hh, w_band, weights)
    adj = adj.tocsr()
    if not adj.has_sorted_indices:  # (edges in (row, column) order, for ``rev`` below; the engine's
        adj = adj.sorted_indices()  # graph has them so, and its neighbour lists are made already)
    nbrs, _ = _lists(adj)
    # per node, each neighbour with its cut cost and the boundary they share, in one list
    sh = shapes.shared.tocoo()
    rows = np.repeat(np.arange(n), np.diff(adj.indptr))
    cols = adj.indices
    ka, ks = rows * n + cols, sh.row.astype(np.int64) * n + sh.col
    if adj.has_canonical_format and np.array_equal(ka, ks):  # (the engine's: both on one graph's entries)
        keys, cost, shared = ka, adj.data.astype(float), sh.data + 0.0
    else:
        keys = np.union1d(ka, ks)
        cost, shared = np.zeros(len(keys)), np.zeros(len(keys))
        cost[np.searchsorted(keys, ka)] = adj.data
        np.add.at(shared, np.searchsorted(keys, ks), sh.data)
    trio = list(zip((keys % n).tolist(), cost.tolist(), shared.tolist()))
    start = np.searchsorted(keys // n, np.arange(n + 1)).tolist()
    near = [trio[start[u]:start[u + 1]] for u in range(n)]
    free = np.ones(n, dtype=bool) if fixed is None else ~np.asarray(fixed, dtype=bool)
    tries = min(int(sweeps) * int(free.sum()), MAX_TRIES)
    if tries <= 0:
        return labels
    # the moves to draw from: directed edges u -> v between parts, u free (an indexable set)
    rev = np.lexsort((rows, cols)).tolist()  # the edge v -> u of each edge u -> v (symmetric CSR)
    live = (labels[rows] != labels[cols]) & free[rows]
    moves = np.flatnonzero(live).tolist()
    where = np.full(len(rows), -1, dtype=np.int64)
    where[live] = np.arange(len(moves))
    where = where.tolist()
    erow, ecol = rows.tolist(), cols.tolist()
    freel = free.tolist()
    ip = adj.indptr.tolist()
    lab = labels.tolist()
    hl, xs, ys, tg = hh.tolist(), xy[:, 0].tolist(), xy[:, 1].tolist(), tgt.tolist()
    # how far a part's households lie outside what it may hold: max(lo - h, h - hi, 0)
    lo = [max(t * (1 - weights.tolerance), min_hh) for t in tg]
    hi = [min(t * (1 + weights.tolerance), max_hh) for t in tg]

    ph = np.bincount(labels, weights=hh, minlength=k).tolist()
    pn = np.bincount(labels, minlength=k).tolist()
    sx = np.bincount(labels, weights=xy[:, 0], minlength=k).tolist()
    sy = np.bincount(labels, weights=xy[:, 1], minlength=k).tolist()
    ar, pl = shapes.area.tolist(), shapes.perimeter.tolist()
    pa, per = (x.tolist() for x in shapes.parts(labels, k))
    w_pp, c4 = weights.shape, 4 * math.pi
    t0 = T0_PER_SHAPE * w_pp
    rng = random.Random(seed)
    draw = rng.random

    def flip(e, cut):
        """Put edge ``e`` in the set of moves or take it out."""
        i = where[e]
        if cut and i < 0:
            where[e] = len(moves)
            moves.append(e)
        elif not cut and i >= 0:
            last = moves.pop()
            if last != e:
                moves[i] = last
                where[last] = i
            where[e] = -1

    sets: dict[int, set] = {}  # neighbour sets, made as needed

    def simple(u, a):
        """Whether ``u``'s neighbours in part ``a`` are linked among themselves (then ``a``
        stays in one piece without ``u``: any path through ``u`` goes round it)."""
        ring = [v for v in nbrs[u] if lab[v] == a]
        if len(ring) <= 1:
            return len(ring) == 1
        left = set(ring[1:])
        stack = [ring[0]]
        while stack and left:
            x = stack.pop()
            nx = sets.get(x)
            if nx is None:
                nx = sets[x] = set(nbrs[x])
            found = left & nx
            left -= found
            stack.extend(found)
        return not left

    kept = 0
    for i in range(tries):
        if not moves:
            break
        e = moves[int(draw() * len(moves))]
        u = erow[e]
        a, b = lab[u], lab[ecol[e]]
        if a == b or pn[a] <= 1:  # (the set holds only edges between parts: a guard)
            continue
        x = hl[u]
        ha, hb = ph[a], ph[b]
        if x:
            # never further past the tolerance or out of the band (``out``, written out: most
            # tries with households end here)
            h1, la, ua = ha - x, lo[a], hi[a]
            if max(la - h1, h1 - ua, 0.0) > max(la - ha, ha - ua, 0.0) + 1e-9:
                continue
            h1, la, ua = hb + x, lo[b], hi[b]
            if max(la - h1, h1 - ua, 0.0) > max(la - hb, hb - ua, 0.0) + 1e-9:
                continue
            ta, tb = tg[a], tg[b]
            d = f(ha - x, ta) - f(ha, ta) + f(hb + x, tb) - f(hb, tb)
        else:
            d = 0.0
        ca = cb = sa = sb = 0.0
        for v, c, ln in near[u]:
            lv = lab[v]
            if lv == a:
                ca += c
                sa += ln
            elif lv == b:
                cb += c
                sb += ln
        d += w_cut * (ca - cb)
        na, nbn = pn[a], pn[b]
        d += w_spread * ((xs[u] - sx[b] / nbn) ** 2 + (ys[u] - sy[b] / nbn) ** 2
                         - (xs[u] - sx[a] / na) ** 2 - (ys[u] - sy[a] / na) ** 2)
        au, lu = ar[u], pl[u]
        qa, qb = per[a] - lu + 2 * sa, per[b] + lu - 2 * sb
        # (perimeters stay positive: no part is ever emptied)
        d -= w_pp * (c4 * (pa[a] - au) / (qa * qa) + c4 * (pa[b] + au) / (qb * qb)
                     - c4 * pa[a] / (per[a] * per[a]) - c4 * pa[b] / (per[b] * per[b]))
        if d > 0:
            temp = t0 * (1.0 - i / tries)
            if temp <= 0 or draw() >= math.exp(-d / temp):
                continue
        if not simple(u, a) and not _connected_without(u, a, lab, nbrs, na):
            continue
        lab[u] = b
        ph[a], ph[b] = ha - x, hb + x
        pn[a], pn[b] = na - 1, nbn + 1
        sx[a] -= xs[u]
        sy[a] -= ys[u]
        sx[b] += xs[u]
        sy[b] += ys[u]
        pa[a] -= au
        pa[b] += au
        per[a], per[b] = qa, qb
        kept += 1
        for e in range(ip[u], ip[u + 1]):
            v = ecol[e]
            flip(e, lab[v] != b)
            if freel[v]:
                flip(rev[e], lab[v] != b)
    logger.debug("anneal: %d of %d tries kept", kept, tries)
    return np.asarray(lab, dtype=np.int64)
