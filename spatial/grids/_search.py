"""Local search for the grid engine: boundary units move between neighbouring parts while one
objective (``_objective``) falls, and no part is ever left in pieces.

Plain Python over neighbour lists: each move is decided on a handful of numbers (the unit's
households and centroid, its cut cost to each neighbouring part), where array calls would cost
more than the arithmetic; the only non-local step, the connectivity check of the donor, is a
breadth-first search over the donor part alone.
"""

from __future__ import annotations

import logging
from collections import deque

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _connected_without
from spatial.grids._graph import neighbour_lists
from spatial.grids._objective import Shapes, Weights, _norms, _size_fn, _targets

logger = logging.getLogger(__name__)

__all__ = ["local_search"]


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
    budget = max_rounds * n
    moves = 0
    while queue and budget > 0:
        budget -= 1
        u = queue.popleft()
        inq[u] = False
        a = lab[u]
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
