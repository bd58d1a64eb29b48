"""Local search for the grid engine: boundary units move between neighbouring parts while one
objective (``_objective``) falls, and no part is ever left in pieces.

Plain Python over neighbour lists: each move is decided on a handful of numbers (the unit's
households and centroid, its cut cost to each neighbouring part), where array calls would cost
more than the arithmetic; the only non-local step, the connectivity check of the donor, is a
breadth-first search over the donor part alone.
"""

from __future__ import annotations

import logging
import functools
from collections import deque

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _connected_without
from spatial.grids._graph import neighbour_lists
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _size_fn, _targets
from spatial.grids._swap import _by_part, _look

logger = logging.getLogger(__name__)

__all__ = ["local_search"]

#: Searches whose queue starts this long screen it first (``_calm``); shorter ones (the passes'
#: regions and pairs) evaluate every node, where the arrays would cost more than they save.
_SCREEN_NODES = 1_000
#: A node is screened calm only where each of its moves' rise clears the search's -1e-9 by this
#: share of the sizes of the numbers that made it (summed in another order than the scalar
#: search's, they may differ from its figures by a few units in their last place).
_SCREEN_ROOM = 1e-11


def local_search(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    min_hh: float,
    max_hh: float,
    weights: Weights = Weights(),
    fixed: np.ndarray | None = None,
    origin: np.ndarray | None = None,
    target: np.ndarray | None = None,
    seed: int = 0,
    max_rounds: int = 40,
    active: np.ndarray | None = None,
    shapes: Shapes | None = None,
) -> np.ndarray:
    """Move boundary units between neighbouring parts while the objective falls; parts stay connected.

    ``fixed`` nodes never move; ``origin`` labels make each move away from them cost
    ``weights.move``; ``target`` gives the wanted size of each part (default: the mean per
    connected component of the graph). With ``active`` (node positions) only those nodes are
    looked at first; the search spreads from each move to the neighbours of the unit moved.
    With ``shapes`` and ``weights.shape`` each part's Polsby-Popper counts too.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    n = len(labels)
    if n < 2:
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1
    fixed = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    nbrs, costs = neighbour_lists(adj)
    part_hh = np.bincount(labels, weights=hh, minlength=k).astype(float)
    part_n = np.bincount(labels, minlength=k)
    if target is None:
        target = _targets(adj, labels, hh, k)
    tgt = np.maximum(np.asarray(target, dtype=float), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    w_move = weights.move
    origin_l = None if origin is None else np.asarray(origin).tolist()
    lab = labels.tolist()
    hhl = hh.tolist()
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    ph = part_hh.tolist()
    pn = part_n.tolist()
    sx = np.bincount(labels, weights=xy[:, 0], minlength=k).tolist()
    sy = np.bincount(labels, weights=xy[:, 1], minlength=k).tolist()
    tg = tgt.tolist()

    f = _size_fn(min_hh, max_hh, w_band, weights)
    w_pp = weights.shape if shapes is not None else 0.0
    if w_pp > 0:
        s_nbrs, s_len = neighbour_lists(shapes.shared)
        ar = shapes.area.tolist()
        pl = shapes.perimeter.tolist()
        pa, per = (x.tolist() for x in shapes.parts(labels, k))
        c4 = 4 * np.pi

    fc = [f(h, t) for h, t in zip(ph, tg)]  # each part's size terms at its size now (kept so on every move)
    fix = fixed.tolist()
    rng = np.random.default_rng(seed)
    order = rng.permutation(n) if active is None else rng.permutation(np.unique(np.asarray(active, dtype=np.int64)))
    queue = deque(u for u in order.tolist() if not fix[u])
    inq = [False] * n
    for u in queue:
        inq[u] = True
    # nodes that no move improves on the plan as it stands, found all at once (long queues only);
    # one is passed over while no part it or a neighbour is in has changed since (``changed``)
    if len(queue) >= _SCREEN_NODES:
        size_arr = functools.partial(_size_cost, min_hh=min_hh, max_hh=max_hh, w_band=w_band, weights=weights)
        calm = _calm(adj, hh, xy, labels, ph, pn, sx, sy, fc, tg, f_arr=size_arr, w_cut=w_cut, w_spread=w_spread,
                     w_move=w_move, origin=origin, shape=(shapes, pa, per) if w_pp > 0 else None,
                     w_pp=w_pp).tolist()
    else:
        calm = [False] * n
    changed = [False] * k
    budget = max_rounds * n
    moves = 0
    while queue and budget > 0:
        budget -= 1
        u = queue.popleft()
        inq[u] = False
        a = lab[u]
        if calm[u] and not changed[a]:
            for v in nbrs[u]:
                if changed[lab[v]]:
                    break
            else:
                continue  # as it was screened: no move of it lowers the objective
        if pn[a] <= 1:
            continue
        for v in nbrs[u]:
            if lab[v] != a:
                break
        else:
            continue  # no neighbour in another part: nothing to move to
        cand = {}
        for v, c in zip(nbrs[u], costs[u]):
            lv = lab[v]
            cand[lv] = cand.get(lv, 0.0) + c
        if len(cand) == 1:
            continue
        x = hhl[u]
        ca = cand.get(a, 0.0)
        ha, ta = ph[a], tg[a]
        fa = f(ha - x, ta) - fc[a]
        ax, ay = sx[a] / pn[a], sy[a] / pn[a]
        da = (xs[u] - ax) ** 2 + (ys[u] - ay) ** 2
        if w_pp > 0:
            sh = {}
            for v, c in zip(s_nbrs[u], s_len[u]):
                sh[lab[v]] = sh.get(lab[v], 0.0) + c
            au, lu = ar[u], pl[u]
            na, npa = pa[a] - au, per[a] - lu + 2 * sh.get(a, 0.0)
            ppa = c4 * pa[a] / max(per[a], 1e-9) ** 2
            ppa_new = c4 * na / max(npa, 1e-9) ** 2
        best, best_b = -1e-9, -1
        for b, cb in cand.items():
            if b == a:
                continue
            delta = fa + f(ph[b] + x, tg[b]) - fc[b]
            delta += w_cut * (ca - cb)
            bx, by = sx[b] / pn[b], sy[b] / pn[b]
            delta += w_spread * ((xs[u] - bx) ** 2 + (ys[u] - by) ** 2 - da)
            if origin_l is not None:
                o = origin_l[u]
                delta += w_move * ((b != o) - (a != o))
            if w_pp > 0:
                npb = per[b] + lu - 2 * sh.get(b, 0.0)
                delta -= w_pp * (ppa_new + c4 * (pa[b] + au) / max(npb, 1e-9) ** 2 - ppa
                                 - c4 * pa[b] / max(per[b], 1e-9) ** 2)
            if delta < best:
                best, best_b = delta, b
        if best_b < 0 or not _connected_without(u, a, lab, nbrs, pn[a]):
            continue
        b = best_b
        lab[u] = b
        changed[a] = changed[b] = True
        ph[a] -= x
        ph[b] += x
        fc[a], fc[b] = f(ph[a], tg[a]), f(ph[b], tg[b])
        pn[a] -= 1
        pn[b] += 1
        sx[a] -= xs[u]
        sy[a] -= ys[u]
        sx[b] += xs[u]
        sy[b] += ys[u]
        if w_pp > 0:
            pa[a] -= au
            pa[b] += au
            per[a] = npa
            per[b] += lu - 2 * sh.get(b, 0.0)
        moves += 1
        for v in nbrs[u]:
            if not inq[v] and not fix[v]:
                inq[v] = True
                queue.append(v)
        if not inq[u]:
            inq[u] = True
            queue.append(u)
    logger.debug("local search: %d moves, %d evaluations left", moves, budget)
    return np.asarray(lab, dtype=np.int64)


def _calm(adj, hh, xy, labels, ph, pn, sx, sy, fc, tg, *, f_arr, w_cut, w_spread, w_move, origin, shape,
          w_pp) -> np.ndarray:
    """Per node: whether no move of it to a neighbouring part lowers ``local_search``'s objective
    by more than 1e-9 on the plan as it is (the search's own test), all nodes at once.

    The arrays are the search's own at its start (``ph``, ``pn``, ``sx``, ``sy``: each part's
    households, nodes and centroid sums; ``fc``: its size terms; ``tg``: its wanted size; with
    ``shape``, the node shapes and each part's area and perimeter). Each rise is computed with the
    search's arithmetic, but summed in another order, so a node is calm only where every rise
    clears -1e-9 by ``_SCREEN_ROOM`` of the sizes of the numbers in it (and is finite). A node of
    a part of one node, or with no neighbour in another part, is calm (the search passes it over).
    """
    n, k = len(labels), len(ph)
    ph, sx, sy, fc, tg = (np.asarray(v, dtype=float) for v in (ph, sx, sy, fc, tg))
    pn = np.asarray(pn, dtype=float)
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(adj.indptr))
    uk, tot, mag_c = _sums(row, labels[adj.indices], adj.data, k)
    uu, bb = uk // k, uk % k
    own = bb == labels[uu]
    ca, ca_m = np.zeros(n), np.zeros(n)
    ca[uu[own]], ca_m[uu[own]] = tot[own], mag_c[own]
    other = ~own
    U, B, cb, cb_m = uu[other], bb[other], tot[other], mag_c[other]
    A = labels[U]
    x = hh[U]
    fa, fb = f_arr(ph[A] - x, tg[A]), f_arr(ph[B] + x, tg[B])
    delta = fa - fc[A] + fb - fc[B]
    mag = np.abs(fa) + np.abs(fc[A]) + np.abs(fb) + np.abs(fc[B]) + 8 * (np.abs(fa) + np.abs(fb) + 1.0) * (
        (ph[A] + ph[B] + 2 * np.abs(x)) / np.minimum(tg[A], tg[B]) + 1.0)
    delta += w_cut * (ca[U] - cb)
    mag += abs(w_cut) * 8 * (ca_m[U] + cb_m)
    xs, ys = xy[U, 0], xy[U, 1]
    da = (xs - sx[A] / pn[A]) ** 2 + (ys - sy[A] / pn[A]) ** 2
    db = (xs - sx[B] / pn[B]) ** 2 + (ys - sy[B] / pn[B]) ** 2
    delta += w_spread * (db - da)
    mag += abs(w_spread) * 4 * (da + db)
    if origin is not None:
        o = np.asarray(origin)[U]
        delta += w_move * ((B != o).astype(float) - (A != o))
        mag += 2 * abs(w_move)
    if shape is not None:
        shapes, pa, per = shape
        pa, per = np.asarray(pa, dtype=float), np.asarray(per, dtype=float)
        coo = shapes._coo
        sk, st, sm = _sums(coo.row.astype(np.int64), labels[coo.col], coo.data, k)
        sha, sha_m = _look(sk, st, U * k + A), _look(sk, sm, U * k + A)
        shb, shb_m = _look(sk, st, U * k + B), _look(sk, sm, U * k + B)
        au, lu = shapes.area[U], shapes.perimeter[U]
        c4 = 4 * np.pi
        gain, err = [], []
        for area, p, area_m, p_m in ((pa[A] - au, per[A] - lu + 2 * sha, pa[A] + au, per[A] + lu + 2 * sha_m),
                                     (pa[B] + au, per[B] + lu - 2 * shb, pa[B] + au, per[B] + lu + 2 * shb_m),
                                     (pa[A], per[A], pa[A], per[A]), (pa[B], per[B], pa[B], per[B])):
            q = np.maximum(p, 1e-9)
            pp = c4 * area / q**2
            gain.append(pp)
            err.append(c4 * np.abs(area_m) / q**2 + 2 * np.abs(pp) * np.abs(p_m) / q + 4 * np.abs(pp))
        delta -= w_pp * (gain[0] + gain[1] - gain[2] - gain[3])
        mag += abs(w_pp) * 8 * (err[0] + err[1] + err[2] + err[3])
    ok = (delta >= -1e-9 + _SCREEN_ROOM * mag) & np.isfinite(mag)
    calm = np.ones(n, dtype=bool)
    calm[U[~ok]] = False
    calm[pn[labels] <= 1] = True
    return calm


def _sums(row: np.ndarray, part: np.ndarray, data: np.ndarray, k: int) -> tuple:
    """Keys ``row * k + part`` of entries, distinct and sorted (``_swap._by_part``), with each
    one's values summed and their absolute values summed."""
    uk, tot, _, inv = _by_part(row, part, data, k)
    return uk, tot, np.bincount(inv, weights=np.abs(data), minlength=len(uk))
