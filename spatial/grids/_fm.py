"""Fiduccia-Mattheyses passes on pairs of neighbouring grids for the grid engine's finish: border
units move one at a time, each unit once, always from the grid further over its size, the move
that costs least taken even when it costs, and the pair then goes back to the best prefix of the
moves that keeps both grids within the rule and in one piece.

The finish's greedy search, swaps and compound exchanges only make moves that pay at once (one
unit, two for one, two for two); annealing at four tries a unit past 5,000 nodes rarely strings
together the few moves that each cost before the last one pays. A ragged border between two
grids of walk-ups and towers straightens only so: a tower over, then walk-ups back, then a unit
of empty ground. Here the moves are priced by the finish's objective without its size terms
(cut, spread, each grid's Polsby-Popper: the same arithmetic as ``_objective.objective``), the
side a move leaves is the one further over its size (so the sizes swing about the mean), and
the size terms come back when the prefixes are compared: the prefix kept is the one of the
lowest whole objective whose grids are each within the finish's tolerance of their size or no
further off than they were, no more of them out of the band, both in one piece, and whose
border on streets gained is at least the plan's share of the border gained (so the plan's share
of border on streets never falls: without that rule the passes bought roundness with it, on the
uneven town of seed 1 at 10,000 units mean Polsby-Popper 0.516 -> 0.520 for border on streets
42.9% -> 42.7%). Only pairs whose border lies mostly off the streets are passed over.

It runs in the finish past 5,000 nodes, after the block-piece moves (``_pieces``), where no
restarts choose the plan and the annealing makes four tries a unit. On the uneven benchmark
towns of 10,000 units (seeds 1-6) the two passes together took mean Polsby-Popper 0.514 -> 0.516
and border on streets 43.6% -> 44.0%, every town higher in both, the sizes as they were
(``docs/grids.md``, ``benchmarks/fm_probe.py``).

Each pair's pass reads only the plan as it stood at the pass's start (a pair one of whose grids
changed earlier in the pass is left out), so on graphs of ``_AHEAD_NODES`` nodes or more the
passes of the pairs after the one in turn are drawn ahead on the call's worker processes, a batch
a job (``spatial.core._procs.Foreseen``), and taken in their turn: the labels are the same.

Written here because no library runs FM passes under this objective (METIS's refinement knows
cut and balance only). Imports numpy, scipy and the engine's private modules only.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.core._procs import PROCESSES, Foreseen
from spatial.grids._graph import pass_arrays
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets
from spatial.grids._pieces import _row_entries
from spatial.grids._prep import ROAD_CUT_FACTOR

logger = logging.getLogger(__name__)

__all__ = ["fm_pass"]

#: Moves of one pair's pass at most. On the uneven towns of 10,000 units (seeds 1-6, after the
#: block-piece moves) 24 gave mean Polsby-Popper 0.517 and border on streets 44.1% against 0.516
#: and 44.0% with 12, for about a third more time.
_STEPS = 12
#: Graphs of at least this many nodes draw the pairs' passes ahead on the worker processes.
_AHEAD_NODES = 3000
#: Pairs in one job sent to a worker (a pair's pass takes about 0.3 ms at 10,000 units).
_BATCH = 24
#: Pairs whose border lies on streets for less than this share are passed over (on the uneven town
#: of seed 1 at 10,000 units, 16 of the 17 pairs changed among all 1,379).
_OFF_STREET = 0.5


def fm_pass(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
            max_hh: float, weights: Weights, shapes: Shapes, pairs: np.ndarray | None = None,
            steps: int = _STEPS, workers: int | None = None) -> np.ndarray:
    """Labels after one FM pass over pairs of neighbouring parts (see module docstring).

    Parameters
    ----------
    adj, hh, xy
        The engine's graph of cut costs (symmetric CSR), households and centroids (metres).
    labels
        Connected parts 0..k-1.
    min_hh, max_hh
        The band.
    weights
        The finish's weights (``tolerance``: how far off its size a grid may end).
    shapes
        The nodes' areas, perimeters and shared boundaries (each part's Polsby-Popper).
    pairs
        ``(m, 2)`` pairs of parts to pass over, in turn (default: every pair of neighbouring
        parts whose border lies less than half on streets, ordered by part ids). A pair one of
        whose parts changed earlier in the pass is left out.
    steps
        Moves of one pair's pass at most.
    workers
        Processes the pairs' passes are drawn on ahead of their turn (default: ``PROCESSES`` on
        graphs of ``_AHEAD_NODES`` nodes or more, else none); the labels are the same.

    Returns
    -------
    numpy.ndarray
        The labels; each pair changed lowered the objective (``_objective.objective`` with
        ``shapes``), stayed two connected parts and kept the plan's share of border on streets.
    """
    labels, hh, xy, k = pass_arrays(labels, hh, xy)
    if not k:
        return labels
    n = len(labels)
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    x, y = xy[:, 0] - xy[:, 0].mean(), xy[:, 1] - xy[:, 1].mean()
    q = x * x + y * y
    shared = shapes.shared.tocsr()
    area, perim = np.asarray(shapes.area, float), np.asarray(shapes.perimeter, float)
    # every value read at the cut graph's own entries: its cut cost, the shared boundary (each
    # part's perimeter) and the length of that on a street (the cut cost is the shared boundary
    # less four fifths of that, nine tenths on an arterial: ``_prep``)
    coo = adj.tocoo()
    same = shared.shape == adj.shape and shared.nnz == adj.nnz and np.array_equal(shared.indptr, adj.indptr) \
        and np.array_equal(shared.indices, adj.indices)
    bound = shared.data if same else np.asarray(shared[coo.row, coo.col]).ravel()
    on_street = np.clip((bound - coo.data) / (1 - ROAD_CUT_FACTOR), 0.0, bound)
    cut = labels[coo.row] != labels[coo.col]
    g_share = float(on_street[cut].sum() / max(bound[cut].sum(), 1e-9))
    if pairs is None:
        # the pairs whose border runs mostly off the streets, in the order of their part ids
        up = cut & (labels[coo.row] < labels[coo.col])
        key = labels[coo.row[up]] * k + labels[coo.col[up]]
        uk, inv = np.unique(key, return_inverse=True)
        st = np.bincount(inv, weights=on_street[up]) / np.maximum(np.bincount(inv, weights=bound[up]), 1e-9)
        uk = uk[st < _OFF_STREET]
        pairs = np.stack([uk // k, uk % k], axis=1)
    members = np.split(np.argsort(labels, kind="stable"), np.cumsum(np.bincount(labels, minlength=k))[:-1])
    changed = np.zeros(k, dtype=bool)
    env = (adj, bound, on_street, g_share, hh, x, y, q, area, perim, tgt, w_band, w_cut, w_spread, weights,
           min_hh, max_hh)
    kept, gain = 0, 0.0
    turns = [(int(a), int(b)) for a, b in np.asarray(pairs, dtype=np.int64).reshape(-1, 2)]
    # each pair's pass reads only the plan as it was at the start (a pair one of whose parts
    # changed since is left out): the passes after this one are drawn ahead on the workers
    workers = workers if workers is not None else (PROCESSES if n >= _AHEAD_NODES else 1)
    with Foreseen(_pass_of, (env, members, steps), turns, workers=workers, batch=_BATCH) as ahead:
        for i, (a, b) in enumerate(turns):
            if a == b or changed[a] or changed[b]:
                continue
            got = ahead.get(i)
            if got is None:
                continue
            side, delta = got
            nodes = np.concatenate([members[a], members[b]])
            labels[nodes] = np.where(side == 0, a, b)
            changed[[a, b]] = True
            kept += 1
            gain += delta
    logger.debug("FM passes: %d pairs changed, objective %.1f (%d passes drawn ahead)", kept, gain, ahead.used)
    return labels


def _pass_of(state, pair: tuple[int, int]):
    """``_pair`` of the two parts of ``pair`` as they were at the pass's start (on the workers too)."""
    env, members, steps = state
    a, b = pair
    if a == b:
        return None
    return _pair(env, np.concatenate([members[a], members[b]]), len(members[a]), a, b, steps)


def _pair(env, nodes: np.ndarray, na: int, a: int, b: int, steps: int):
    """(side of each node, objective change) after the best prefix of one FM pass over the pair's
    ``nodes`` (the first ``na`` of part ``a``), or None when no prefix pays within the rules.

    The moves run in plain Python over the pair's few dozen nodes (each step prices the movable
    nodes of one side and updates the sums of the moved node's neighbours only)."""
    (adj, bound, on_street, g_share, hh, x, y, q, area, perim, tgt, w_band, w_cut, w_spread, weights,
     min_hh, max_hh) = env
    m = len(nodes)
    if m < 3:
        return None
    # the pair's own entries of the graph, row by row (a local CSR: ptr, col and the values)
    length = adj.indptr[nodes + 1] - adj.indptr[nodes]
    at = _row_entries(adj, nodes)
    pos = np.full(adj.shape[1], -1, dtype=np.intp)
    pos[nodes] = np.arange(m)
    col = pos[adj.indices[at]]
    keep = col >= 0
    row = np.repeat(np.arange(m), length)[keep]
    col, at = col[keep], at[keep]
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=m), out=ptr[1:])
    side0 = np.zeros(m, dtype=np.int64)
    side0[na:] = 1
    c_e, s_e, r_e = adj.data[at], bound[at], on_street[at]
    slot = row * 2 + side0[col]  # (node, side of the neighbour)
    to = np.bincount(slot, weights=c_e, minlength=2 * m).reshape(m, 2)
    sbm = np.bincount(slot, weights=s_e, minlength=2 * m).reshape(m, 2)
    rb = np.bincount(slot, weights=r_e, minlength=2 * m).reshape(m, 2).tolist()
    nto = np.bincount(slot, minlength=2 * m).reshape(m, 2).tolist()
    to, sb = to.tolist(), sbm.tolist()
    ptr, col_l, c_l, s_l, r_l = ptr.tolist(), col.tolist(), c_e.tolist(), s_e.tolist(), r_e.tolist()
    h, px, py, pq = hh[nodes], x[nodes], y[nodes], q[nodes]
    ar, pe = area[nodes], perim[nodes]
    t0, t1 = float(tgt[a]), float(tgt[b])
    hs = [float(h[:na].sum()), float(h[na:].sum())]
    cnt = [na, m - na]
    sx = [float(px[:na].sum()), float(px[na:].sum())]
    sy = [float(py[:na].sum()), float(py[na:].sum())]
    sq = [float(pq[:na].sum()), float(pq[na:].sum())]
    A = [float(ar[:na].sum()), float(ar[na:].sum())]
    P = [float(pe[:na].sum() - sbm[:na, 0].sum()), float(pe[na:].sum() - sbm[na:, 1].sum())]
    h, px, py, pq, ar, pe = h.tolist(), px.tolist(), py.tolist(), pq.tolist(), ar.tolist(), pe.tolist()
    w_pp = weights.shape
    c4 = 4 * np.pi
    h0 = np.array(hs)
    t = np.array([t0, t1])
    off0 = np.abs(h0 - t) / t
    out0 = int(((h0 < min_hh) | (h0 > max_hh)).sum())
    size0 = float(_size_cost(h0, t, min_hh, max_hh, w_band, weights).sum())
    side = side0.tolist()
    locked = [False] * m
    # the movable nodes of each side: not moved yet, with a neighbour on the other side
    movable = [{v for v in range(m) if side[v] == s and nto[v][1 - s] > 0} for s in (0, 1)]
    seq, hist = [], []
    run = 0.0  # the objective's change so far, without size terms
    run_st = 0.0  # border on streets gained less the plan's share of the border gained
    for _ in range(min(steps, m - 2)):
        s = 0 if (hs[0] - t0) / t0 > (hs[1] - t1) / t1 else 1
        o = 1 - s
        if cnt[s] <= 1:
            break
        n1, n2 = cnt[s] - 1, cnt[o] + 1
        sp_now = sq[s] - (sx[s] ** 2 + sy[s] ** 2) / cnt[s] + sq[o] - (sx[o] ** 2 + sy[o] ** 2) / cnt[o]
        pp_now = c4 * A[s] / max(P[s], 1e-9) ** 2 + c4 * A[o] / max(P[o], 1e-9) ** 2
        best, u = None, -1
        for v in sorted(movable[s]):
            x1, y1 = sx[s] - px[v], sy[s] - py[v]
            x2, y2 = sx[o] + px[v], sy[o] + py[v]
            d = w_cut * (to[v][s] - to[v][o]) + w_spread * (
                sq[s] - pq[v] - (x1 * x1 + y1 * y1) / n1 + sq[o] + pq[v] - (x2 * x2 + y2 * y2) / n2 - sp_now)
            if w_pp > 0:
                p1 = max(P[s] - pe[v] + 2 * sb[v][s], 1e-9)
                p2 = max(P[o] + pe[v] - 2 * sb[v][o], 1e-9)
                d += w_pp * (pp_now - c4 * (A[s] - ar[v]) / (p1 * p1) - c4 * (A[o] + ar[v]) / (p2 * p2))
            if best is None or d < best:
                best, u = d, v
        if u < 0:
            break
        run += best
        run_st += rb[u][s] - rb[u][o] - g_share * (sb[u][s] - sb[u][o])
        P[s], P[o] = P[s] - pe[u] + 2 * sb[u][s], P[o] + pe[u] - 2 * sb[u][o]
        A[s] -= ar[u]
        A[o] += ar[u]
        hs[s] -= h[u]
        hs[o] += h[u]
        cnt[s] -= 1
        cnt[o] += 1
        sx[s] -= px[u]
        sx[o] += px[u]
        sy[s] -= py[u]
        sy[o] += py[u]
        sq[s] -= pq[u]
        sq[o] += pq[u]
        for e in range(ptr[u], ptr[u + 1]):
            j, c, sh, r = col_l[e], c_l[e], s_l[e], r_l[e]
            to[j][s] -= c
            to[j][o] += c
            sb[j][s] -= sh
            sb[j][o] += sh
            rb[j][s] -= r
            rb[j][o] += r
            nto[j][s] -= 1
            nto[j][o] += 1
        side[u] = o
        locked[u] = True
        movable[s].discard(u)
        for j in col_l[ptr[u]:ptr[u + 1]]:
            if not locked[j]:
                sj = side[j]
                if nto[j][1 - sj] > 0:
                    movable[sj].add(j)
                else:
                    movable[sj].discard(j)
        seq.append(u)
        hist.append((hs[0], hs[1], run, run_st))
    if not hist:
        return None
    got = np.array(hist)
    vals = got[:, 2] + _size_cost(got[:, :2], t, min_hh, max_hh, w_band, weights).sum(axis=1) - size0
    for i in np.argsort(vals, kind="stable"):
        delta, hs_i, gained = vals[i], got[i, :2], got[i, 3]
        if delta >= -1e-9:
            break
        if gained < -1e-9:  # the plan's share of border on streets would fall
            continue
        off = np.abs(hs_i - t) / t
        if (off > np.maximum(off0, weights.tolerance) + 1e-9).any():
            continue
        if int(((hs_i < min_hh) | (hs_i > max_hh)).sum()) > out0:
            continue
        trial = side0.copy()
        trial[seq[: i + 1]] = 1 - trial[seq[: i + 1]]
        if not _whole(trial.tolist(), ptr, col_l):
            continue
        return trial, float(delta)
    return None


def _whole(side: list, ptr: list, col: list) -> bool:
    """Whether each of the two sides (``side``: 0 or 1 per node) is one connected piece, not empty,
    over the pair's own entries (row ``v``'s neighbours ``col[ptr[v]:ptr[v + 1]]``): a walk in
    Python over a few dozen nodes, where a scipy sub-graph a side costs more."""
    for s in (0, 1):
        members = [v for v, t in enumerate(side) if t == s]
        if not members:
            return False
        seen = {members[0]}
        todo = [members[0]]
        while todo:
            v = todo.pop()
            for j in col[ptr[v]:ptr[v + 1]]:
                if side[j] == s and j not in seen:
                    seen.add(j)
                    todo.append(j)
        if len(seen) != len(members):
            return False
    return True
