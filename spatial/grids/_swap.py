"""Swaps for the grid engine: one boundary unit of each of two neighbouring parts trade places.

Where units are lumpy (high-rise buildings of about 120 households, whole estates) a single move
changes a part's size by a whole building, so the local search leaves borders that are ragged
or off the street: straightening them one unit at a time overshoots. Trading a building for a
building of about the same size keeps both parts' sizes and lets the border move (the exchange
move of Kernighan-Lin, here between two parts of a contiguous partition). Only units on the
border between the two parts are paired; a swap is kept when it lowers the same objective as the
local search (``_objective``) and both parts stay connected.

Written here because the partitioners that ship swap moves (METIS's FM refinement, KaHIP) work on
edge cut and balance alone, without this objective's contiguity, band and spread terms.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _reach
from spatial.grids._objective import Shapes, Weights, _norms, _size_fn, _targets

logger = logging.getLogger(__name__)

__all__ = ["swap_pass"]


def swap_pass(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
              max_hh: float, weights: Weights = Weights(), fixed: np.ndarray | None = None,
              target: np.ndarray | None = None, rounds: int = 3, shapes: Shapes | None = None) -> np.ndarray:
    """Labels after the best improving swap of two border units between each pair of neighbouring
    parts, for up to ``rounds`` rounds (a part takes part in one swap per round).

    The graph, households and centroids are those of :func:`spatial.grids._engine.local_search`;
    ``labels`` must give connected parts, ``fixed`` nodes never move and ``target`` is the wanted
    size of each part (default: the mean of its connected component). Every part stays
    connected and keeps its number of nodes; a swap is made only when the objective falls (with
    ``shapes`` and ``weights.shape``, each part's Polsby-Popper counts too).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    n = len(labels)
    if n < 4 or labels.max() < 1:
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1
    tgt = np.maximum(_targets(adj, labels, hh, k) if target is None else np.asarray(target, float), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    f = _size_fn(min_hh, max_hh, w_band, weights)
    ip, ind, dat = adj.indptr.tolist(), adj.indices.tolist(), adj.data.tolist()
    nbrs = [ind[a:b] for a, b in zip(ip[:-1], ip[1:])]
    costs = [dat[a:b] for a, b in zip(ip[:-1], ip[1:])]
    free = [True] * n if fixed is None else (~np.asarray(fixed, dtype=bool)).tolist()
    hl, xs, ys, tg = hh.tolist(), xy[:, 0].tolist(), xy[:, 1].tolist(), tgt.tolist()
    w_pp = weights.shape if shapes is not None else 0.0
    if w_pp > 0:
        s_ip, s_ind, s_dat = shapes.shared.indptr.tolist(), shapes.shared.indices.tolist(), shapes.shared.data.tolist()
        s_row = [dict(zip(s_ind[a:b], s_dat[a:b])) for a, b in zip(s_ip[:-1], s_ip[1:])]
        ar, pl = shapes.area.tolist(), shapes.perimeter.tolist()
        c4 = 4 * np.pi

    total = 0
    for _ in range(rounds):
        lab = labels.tolist()
        ph = np.bincount(labels, weights=hh, minlength=k).tolist()
        cnt = np.bincount(labels, minlength=k)
        sizes = cnt.tolist()
        cx = (np.bincount(labels, weights=xy[:, 0], minlength=k) / cnt).tolist()
        cy = (np.bincount(labels, weights=xy[:, 1], minlength=k) / cnt).tolist()
        if w_pp > 0:
            pa, per = (x.tolist() for x in shapes.parts(labels, k))
        # border units of each ordered pair of parts, with each unit's cut cost to every part
        border: dict[tuple[int, int], list[int]] = {}
        to: dict[int, dict[int, float]] = {}
        for u in range(n):
            if not free[u]:
                continue
            a = lab[u]
            c: dict[int, float] = {}
            for v, w in zip(nbrs[u], costs[u]):
                c[lab[v]] = c.get(lab[v], 0.0) + w
            if len(c) > 1 or a not in c:
                to[u] = c
                for b in c:
                    if b != a:
                        border.setdefault((a, b), []).append(u)
        busy = [False] * k
        done = 0
        for (a, b), us in border.items():
            if a > b or busy[a] or busy[b] or (b, a) not in border:
                continue
            vs = border[(b, a)]
            base = f(ph[a], tg[a]) + f(ph[b], tg[b])
            if w_pp > 0:
                pp0 = c4 * pa[a] / max(per[a], 1e-9) ** 2 + c4 * pa[b] / max(per[b], 1e-9) ** 2
                sab = {}
                for x in us + vs:
                    d: dict[int, float] = {}
                    for y, ln in s_row[x].items():
                        d[lab[y]] = d.get(lab[y], 0.0) + ln
                    sab[x] = (d.get(a, 0.0), d.get(b, 0.0))
            best, pick = -1e-9, None
            for u in us:
                cu, xu = to[u], hl[u]
                du = ((xs[u] - cx[b]) ** 2 + (ys[u] - cy[b]) ** 2) - ((xs[u] - cx[a]) ** 2 + (ys[u] - cy[a]) ** 2)
                cut_u = cu.get(a, 0.0) - cu.get(b, 0.0)
                nu = dict(zip(nbrs[u], costs[u]))
                for v in vs:
                    cv, xv = to[v], hl[v]
                    delta = f(ph[a] - xu + xv, tg[a]) + f(ph[b] + xu - xv, tg[b]) - base
                    # u and v neighbours: their shared edge is cut before and after, counted once each way
                    dcut = cut_u + cv.get(b, 0.0) - cv.get(a, 0.0) + 2.0 * nu.get(v, 0.0)
                    delta += w_cut * dcut
                    dv = ((xs[v] - cx[a]) ** 2 + (ys[v] - cy[a]) ** 2) - ((xs[v] - cx[b]) ** 2 + (ys[v] - cy[b]) ** 2)
                    delta += w_spread * (du + dv)
                    if w_pp > 0:
                        (ua, ub), (va, vb), suv = sab[u], sab[v], s_row[u].get(v, 0.0)
                        ea, eb = pa[a] - ar[u] + ar[v], pa[b] - ar[v] + ar[u]
                        qa = per[a] - pl[u] + 2 * ua + pl[v] - 2 * va + 2 * suv
                        qb = per[b] - pl[v] + 2 * vb + pl[u] - 2 * ub + 2 * suv
                        delta -= w_pp * (c4 * ea / max(qa, 1e-9) ** 2 + c4 * eb / max(qb, 1e-9) ** 2 - pp0)
                    if delta < best:
                        best, pick = delta, (u, v)
            if pick is None:
                continue
            u, v = pick
            lab[u], lab[v] = b, a
            if _reach(nbrs, lab, a, v) == sizes[a] and _reach(nbrs, lab, b, u) == sizes[b]:
                labels[u], labels[v] = b, a
                ph[a] += hl[v] - hl[u]
                ph[b] += hl[u] - hl[v]
                busy[a] = busy[b] = True  # (their areas and perimeters are taken afresh next round)
                done += 1
            else:
                lab[u], lab[v] = a, b
        total += done
        if not done:
            break
    logger.debug("swap pass: %d swaps", total)
    return labels
