"""Swaps for the grid engine: one boundary unit of each of two neighbouring parts trade places.

Where units are lumpy (high-rise buildings of about 120 households, whole estates) a single move
changes a part's size by a whole building, so the local search leaves borders that are ragged
or off the street: straightening them one unit at a time overshoots. Trading a building for a
building of about the same size keeps both parts' sizes and lets the border move (the exchange
move of Kernighan-Lin, here between two parts of a contiguous partition). Only units on the
border between the two parts are paired; a swap is kept when it lowers the same objective as the
local search (``_objective``) and both parts stay connected. Each round scores the swaps of all
pairs at once in arrays (on the 10,000-unit town a round weighs some 27,000 swaps of 1,380 pairs,
about twenty each: one pair at a time in arrays cost more than in plain Python) with the scalar
search's arithmetic term by term, so the same swaps are picked; the swaps are then made pair by
pair in order, as before.

Written here because the partitioners that ship swap moves (METIS's FM refinement, KaHIP) work on
edge cut and balance alone, without this objective's contiguity, band and spread terms.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _reach
from spatial.grids._graph import neighbour_lists, pass_arrays
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets

logger = logging.getLogger(__name__)

__all__ = ["swap_pass"]

_NO_PAIRS = (np.zeros(0, dtype=np.int64),) * 10


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
    labels, hh, xy, k = pass_arrays(labels, hh, xy)
    if not k:
        return labels
    n = len(labels)
    tgt = np.maximum(_targets(adj, labels, hh, k) if target is None else np.asarray(target, float), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)

    def size(h, t):  # the objective's size terms, as the search's scalar ``_size_fn`` computes them
        return _size_cost(h, t, min_hh, max_hh, w_band, weights)

    nbrs, _ = neighbour_lists(adj)
    edges = _Entries.of(adj)
    free = np.ones(n, dtype=bool) if fixed is None else ~np.asarray(fixed, dtype=bool)
    w_pp = weights.shape if shapes is not None else 0.0
    if w_pp > 0:
        bounds = _Entries.of(shapes.shared, as_dict=True)
        ar, pl = np.asarray(shapes.area, dtype=float), np.asarray(shapes.perimeter, dtype=float)
        c4 = 4 * np.pi

    total = 0
    for _ in range(rounds):
        lab = labels.tolist()
        ph = np.bincount(labels, weights=hh, minlength=k)
        cnt = np.bincount(labels, minlength=k)
        sizes = cnt.tolist()
        with np.errstate(divide="ignore", invalid="ignore"):  # (labels not in use: no pair holds them)
            cx = np.bincount(labels, weights=xy[:, 0], minlength=k) / cnt
            cy = np.bincount(labels, weights=xy[:, 1], minlength=k) / cnt
        if w_pp > 0:
            pa, per = shapes.parts(labels, k)
        pid, a_p, b_p, ue, ve, node, own, oth, cut_own, cut_oth = _pairs(edges, labels, free, k)
        if len(pid):
            # every swap of a border unit u of part a with a border unit v of part b, all pairs at
            # once: the same sums in the same order as one at a time (``_size_fn``'s arithmetic,
            # Python's pow for squares), so the same swaps are picked
            U, V, A, B = node[ue], node[ve], a_p[pid], b_p[pid]
            x = xy[node, 0] - cx[oth], xy[node, 1] - cy[oth], xy[node, 0] - cx[own], xy[node, 1] - cy[own]
            dist = (_sq(x[0]) + _sq(x[1])) - (_sq(x[2]) + _sq(x[3]))  # u to b less u to a (v: to a less to b)
            base = size(ph[a_p], tgt[a_p]) + size(ph[b_p], tgt[b_p])
            delta = size(ph[A] - hh[U] + hh[V], tgt[A]) + size(ph[B] + hh[U] - hh[V], tgt[B]) - base[pid]
            # u and v neighbours: their shared edge is cut before and after, counted once each way
            dcut = cut_own[ue] - cut_oth[ue] + cut_own[ve] - cut_oth[ve] + 2.0 * edges.value(U, V)
            delta += w_cut * dcut
            delta += w_spread * (dist[ue] + dist[ve])
            if w_pp > 0:
                sh_own, sh_oth = bounds.sums(labels, k, node, own, oth)
                pp0 = (c4 * pa[a_p] / _sq(np.maximum(per[a_p], 1e-9)) + c4 * pa[b_p] / _sq(np.maximum(per[b_p], 1e-9)))
                suv = bounds.value(U, V)
                ea, eb = pa[A] - ar[U] + ar[V], pa[B] - ar[V] + ar[U]
                qa = per[A] - pl[U] + 2 * sh_own[ue] + pl[V] - 2 * sh_oth[ve] + 2 * suv
                qb = per[B] - pl[V] + 2 * sh_own[ve] + pl[U] - 2 * sh_oth[ue] + 2 * suv
                delta -= w_pp * (c4 * ea / _sq(np.maximum(qa, 1e-9)) + c4 * eb / _sq(np.maximum(qb, 1e-9)) - pp0[pid])
            delta[np.isnan(delta)] = np.inf  # (never below the best, as in a comparison)
            # each pair's best swap: the first of its lowest, if below -1e-9
            starts = np.flatnonzero(np.r_[True, pid[1:] != pid[:-1]])
            low = np.minimum.reduceat(delta, starts)
            hit = np.flatnonzero(delta == low[pid])
            first = hit[np.r_[True, pid[hit[1:]] != pid[hit[:-1]]]]
            picks = zip(a_p.tolist(), b_p.tolist(), (low < -1e-9).tolist(), U[first].tolist(), V[first].tolist())
        else:
            picks = ()
        busy = [False] * k
        done = 0
        for a, b, better, u, v in picks:
            if busy[a] or busy[b] or not better:
                continue
            lab[u], lab[v] = b, a
            if _reach(nbrs, lab, a, v) == sizes[a] and _reach(nbrs, lab, b, u) == sizes[b]:
                labels[u], labels[v] = b, a
                busy[a] = busy[b] = True  # (their sizes, centroids and shapes are taken afresh next round)
                done += 1
            else:
                lab[u], lab[v] = a, b
        total += done
        if not done:
            break
    logger.debug("swap pass: %d swaps", total)
    return labels


def _sq(x: np.ndarray) -> np.ndarray:
    """``x ** 2`` element by element as Python's float power gives it (C ``pow``: numpy squares by
    multiplying for a scalar exponent, which differs in the last bit now and then)."""
    return np.power(x, np.full_like(x, 2.0))


class _Entries:
    """A CSR matrix's entries row by row (``row``, ``col``, ``data``, int64 and float), with the
    value of each (row, col) looked up as a dict built from the row would give it (the last).

    ``of(m, as_dict=True)`` keeps one entry per (row, col), where it was first met, with the last
    value (the entries of a dict built from each row, in its order)."""

    def __init__(self, row: np.ndarray, col: np.ndarray, data: np.ndarray, n: int):
        self.row, self.col, self.data, self.n = row, col, data, n
        key = row * n + col
        order = np.argsort(key, kind="stable")
        ks = key[order]
        last = np.r_[ks[1:] != ks[:-1], True] if len(ks) else np.zeros(0, dtype=bool)
        self._key, self._val = ks[last], data[order[last]]

    @classmethod
    def of(cls, m: sparse.csr_matrix, as_dict: bool = False) -> "_Entries":
        n = m.shape[0]
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(m.indptr))
        col, data = m.indices.astype(np.int64), m.data.astype(float)
        if as_dict and len(row):
            key = row * max(n, m.shape[1]) + col
            order = np.argsort(key, kind="stable")
            ks = key[order]
            head = np.r_[True, ks[1:] != ks[:-1]]
            tail = np.r_[ks[1:] != ks[:-1], True]
            pos, val = order[head], data[order[tail]]
            o = np.argsort(pos, kind="stable")
            row, col, data = row[pos[o]], col[pos[o]], val[o]
        return cls(row, col, data, max(n, m.shape[1]))

    def value(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The value of entry (``u``, ``v``) of each pair, 0 where there is none."""
        q = u * self.n + v
        if not len(self._key):
            return np.zeros(len(q))
        p = np.minimum(np.searchsorted(self._key, q), len(self._key) - 1)
        return np.where(self._key[p] == q, self._val[p], 0.0)

    def sums(self, labels: np.ndarray, k: int, node: np.ndarray, *parts: np.ndarray) -> list[np.ndarray]:
        """Per part array: each ``node``'s entries to nodes labelled that part, summed in row order."""
        uk, tot = _by_part(self.row, labels[self.col], self.data, k)[:2]
        return [_look(uk, tot, node * k + p) for p in parts]


def _by_part(row, lc, data, k):
    """Keys ``row * k + lc`` of the entries, distinct and sorted, each one's data summed in entry
    order (as ``d[key] = d.get(key, 0.0) + x`` would), the first entry of each and every entry's key."""
    uk, first, inv = np.unique(row * k + lc, return_index=True, return_inverse=True)
    return uk, np.bincount(inv, weights=data, minlength=len(uk)), first, inv


def _look(uk, tot, q):
    if not len(uk):
        return np.zeros(len(q))
    p = np.minimum(np.searchsorted(uk, q), len(uk) - 1)
    return np.where(uk[p] == q, tot[p], 0.0)


def _pairs(edges: _Entries, labels: np.ndarray, free: np.ndarray, k: int) -> tuple:
    """Every swap to score this round: border unit u of part a with border unit v of part b.

    Returns ``pid`` (the pair of each swap, pairs in the order their first border unit comes in
    the graph, a < b, both ways on the border), each pair's ``a`` and ``b``, each swap's border
    entries ``ue`` and ``ve`` (u's in its pair's node order, then v's), and per border entry (a
    free node touching another part): the ``node``, its part ``own``, the part touched ``oth``,
    and its cut costs to ``own`` and to ``oth``."""
    row, col = edges.row, edges.col
    lr, lc = labels[row], labels[col]
    uk, tot, first, inv = _by_part(row, lc, edges.data, k)
    at = np.sort(first[(lr[first] != lc[first]) & free[row[first]]])
    if not len(at):
        return _NO_PAIRS
    node, own, oth = row[at], lr[at], lc[at]
    gk, gfirst, ginv, gcnt = np.unique(own * k + oth, return_index=True, return_inverse=True, return_counts=True)
    members = np.argsort(ginv, kind="stable")  # border entries pair by pair, in node order
    gstart = np.cumsum(gcnt) - gcnt
    ga, gb = gk // k, gk % k
    rk = gb * k + ga
    rev = np.minimum(np.searchsorted(gk, rk), len(gk) - 1)
    ok = (ga < gb) & (gk[rev] == rk)
    order = np.argsort(gfirst, kind="stable")
    pp = order[ok[order]]
    qq = rev[pp]
    sz = gcnt[pp] * gcnt[qq]
    pid = np.repeat(np.arange(len(pp)), sz)
    local = np.arange(len(pid)) - np.repeat(np.cumsum(sz) - sz, sz)
    li = gcnt[qq][pid]
    ue = members[gstart[pp][pid] + local // li]
    ve = members[gstart[qq][pid] + local % li]
    return pid, ga[pp], gb[pp], ue, ve, node, own, oth, _look(uk, tot, node * k + own), tot[inv[at]]
