"""Compound exchanges for the grid engine's finish: several border units of two neighbouring
parts trade places at once (two for none, two for one, two for two), households netting within
the finish's rule, scored by the finish's objective, both parts kept in one piece.

Under a 5% rule (±20 households of a mean grid of 400) almost no single move of a 35-household
walk-up is allowed once the grids are even, and a one-for-one swap (``_swap``) moves one unit
each way: a border two units deep, or a bump of two units, straightens only when the units go
together. Pairs of units here are a border unit and a neighbour of it in the same part that also
touches the other part; each round scores every exchange of every pair of neighbouring parts at
once in arrays (the sums of each side's units and their cut costs and shared boundaries to
either part, the terms between the two sides looked up), makes the best one of each pair whose
parts both stay connected (a part takes part in one exchange a round, the pairs with the most to
gain first), and in later rounds tries again only the pairs touching a part that changed or
that waited its turn.

It ends each finished plan of ``balance="equal"`` (``_engine._anneal_finish``). On the uneven
benchmark towns (December 2026): at 10,000 units (seeds 1-6) the furthest grid 13.2% -> 12.4%
on average, grids within 5% 94.0% -> 94.4%, mean Polsby-Popper 0.506 -> 0.514, border on streets
43.3% -> 43.6%, for 0.2-0.3 CPU-s; at 2,000 units (seeds 1-15) mean Polsby-Popper 0.593 -> 0.598,
border on streets 71.7% -> 72.2%, every grid within 5% still (``docs/grids.md``).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _reach
from spatial.grids._graph import neighbour_lists, pass_arrays
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets
from spatial.grids._swap import _Entries, _by_part, _look

logger = logging.getLogger(__name__)

__all__ = ["exchange_pass"]

#: Improving exchanges of a pair tried, best first, until one keeps both parts connected.
_TRIES = 6


def exchange_pass(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
                  max_hh: float, weights: Weights, shapes: Shapes, rounds: int = 4) -> np.ndarray:
    """Labels after compound exchanges of border units between neighbouring parts.

    Parameters
    ----------
    adj, hh, xy
        The engine's graph of cut costs (symmetric CSR), households and centroids (metres).
    labels
        Connected parts 0..k-1.
    min_hh, max_hh
        The band.
    weights
        The objective's weights (the finish's); its size terms decide which exchanges net
        within the rule.
    shapes
        The nodes' areas, perimeters and shared boundaries (each part's Polsby-Popper counts).
    rounds
        Rounds at most (a part takes part in one exchange a round).

    Returns
    -------
    numpy.ndarray
        The labels; every exchange made lowered the objective (``_objective.objective`` with
        ``shapes``) and left both parts connected. Sizes change only by what the objective allows.
    """
    labels, hh, _, k = pass_arrays(labels, hh)
    if not k:
        return labels
    n = len(labels)
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    w_pp = weights.shape
    xy = np.asarray(xy, dtype=float)
    xy = xy - xy.mean(axis=0)  # (the spread does not change; its sums lose fewer digits)
    x, y = xy[:, 0], xy[:, 1]
    q = x * x + y * y
    ar, pl = np.asarray(shapes.area, dtype=float), np.asarray(shapes.perimeter, dtype=float)
    cuts = _Entries.of(adj)
    bounds = _Entries.of(shapes.shared, as_dict=True)
    nbrs, _ = neighbour_lists(adj)
    c4 = 4 * np.pi
    active = None  # parts whose pairs are tried (all in the first round)
    total, saved = 0, 0.0
    for _ in range(rounds):
        ph = np.bincount(labels, weights=hh, minlength=k)
        pn = np.bincount(labels, minlength=k)
        sx, sy = np.bincount(labels, weights=x, minlength=k), np.bincount(labels, weights=y, minlength=k)
        sq = np.bincount(labels, weights=q, minlength=k)
        pa, per = shapes.parts(labels, k)
        cand = _candidates(cuts, bounds, labels, k, n, hh, x, y, q, ar, pl, active)
        if cand is None:
            break
        pid, pa_, pb_, ia, ib, sides = cand
        # each part's terms after the exchange: a loses side A and gains side B, b the other way
        dh = sides.h[ib] - sides.h[ia]
        base = _size_cost(ph[pa_], tgt[pa_], min_hh, max_hh, w_band, weights) + \
            _size_cost(ph[pb_], tgt[pb_], min_hh, max_hh, w_band, weights)
        a, b = pa_[pid], pb_[pid]
        delta = (_size_cost(ph[a] + dh, tgt[a], min_hh, max_hh, w_band, weights)
                 + _size_cost(ph[b] - dh, tgt[b], min_hh, max_hh, w_band, weights) - base[pid])
        keep = np.flatnonzero(delta <= 1.0)  # (a size term rising by more pays for no shape)
        pid, a, b, delta = pid[keep], a[keep], b[keep], delta[keep]
        A, B = sides.take(ia[keep]), sides.take(ib[keep])
        na, nb = pn[a] - A.size + B.size, pn[b] - B.size + A.size
        ok = (na > 0) & (nb > 0)
        delta += w_cut * (A.c_own - A.c_oth + B.c_own - B.c_oth)
        for part, m, gain, lose in ((a, na, B, A), (b, nb, A, B)):
            m = np.maximum(m, 1)
            ex, ey = sx[part] - lose.x + gain.x, sy[part] - lose.y + gain.y
            spread = sq[part] - lose.q + gain.q - (ex * ex + ey * ey) / m
            old = sq[part] - (sx[part] ** 2 + sy[part] ** 2) / np.maximum(pn[part], 1)
            delta += w_spread * (spread - old)
        if w_pp > 0:
            area_a, area_b = pa[a] - A.ar + B.ar, pa[b] - B.ar + A.ar
            per_a = per[a] - A.epl + B.epl + 2 * A.s_own - 2 * B.s_oth
            per_b = per[b] - B.epl + A.epl + 2 * B.s_own - 2 * A.s_oth
            pp_old = c4 * pa[a] / np.maximum(per[a], 1e-9) ** 2 + c4 * pa[b] / np.maximum(per[b], 1e-9) ** 2
            pp_new = c4 * area_a / np.maximum(per_a, 1e-9) ** 2 + c4 * area_b / np.maximum(per_b, 1e-9) ** 2
            bound = delta - w_pp * (pp_new - pp_old)
        else:
            bound = delta
        # the units between the two sides stay cut and add their boundary to both perimeters:
        # they only ever add to the cost, so only exchanges that pay without them are looked up
        near = np.flatnonzero(ok & (bound < -1e-9))
        pid, a, b, delta, na, nb = pid[near], a[near], b[near], delta[near], na[near], nb[near]
        A, B = A.take(near), B.take(near)
        delta += 2 * w_cut * _between(cuts, A, B)
        if w_pp > 0:
            xs = 2 * _between(bounds, A, B)
            per_a, per_b = per_a[near] + xs, per_b[near] + xs
            pp_new = c4 * area_a[near] / np.maximum(per_a, 1e-9) ** 2 + c4 * area_b[near] / np.maximum(per_b, 1e-9) ** 2
            delta -= w_pp * (pp_new - pp_old[near])
        delta[np.isnan(delta)] = np.inf
        good = np.flatnonzero(delta < -1e-9)
        if not len(good):
            break
        # pairs with the most to gain first; within a pair, its exchanges best first
        best = np.full(len(pa_), np.inf)
        np.minimum.at(best, pid[good], delta[good])
        order = good[np.lexsort((delta[good], pid[good], best[pid[good]]))]
        lab = labels.tolist()
        busy = np.zeros(k, dtype=bool)
        waited = np.zeros(k, dtype=bool)
        tried = {}
        done = 0
        for i in order.tolist():
            p = int(pid[i])
            ai, bi = int(a[i]), int(b[i])
            if busy[ai] or busy[bi]:
                if not (busy[ai] and busy[bi]):
                    waited[ai] = waited[bi] = True
                continue
            t = tried.get(p, 0)
            if t >= _TRIES:
                continue
            tried[p] = t + 1
            sa, sb = A.members(i), B.members(i)
            if _connected_after(nbrs, lab, ai, bi, sa, sb, int(na[i]), int(nb[i])):
                for u in sa:
                    lab[u] = bi
                    labels[u] = bi
                for v in sb:
                    lab[v] = ai
                    labels[v] = ai
                busy[ai] = busy[bi] = True
                done += 1
                saved += float(delta[i])
        total += done
        if not done:
            break
        active = busy | waited
    logger.debug("exchange pass: %d compound exchanges, objective %.3f", total, saved)
    return labels


class _Sides:
    """The sets of units on one side of each exchange (one, two or no units), column by column."""

    __slots__ = ("m1", "m2", "size", "h", "x", "y", "q", "ar", "epl", "c_own", "c_oth", "s_own", "s_oth")

    def __init__(self, **cols):
        for key, value in cols.items():
            setattr(self, key, value)

    def take(self, idx: np.ndarray) -> "_Sides":
        return _Sides(**{key: getattr(self, key)[idx] for key in self.__slots__})

    def members(self, i: int) -> list[int]:
        return [int(u) for u in (self.m1[i], self.m2[i]) if u >= 0]


def _candidates(cuts: _Entries, bounds: _Entries, labels, k, n, hh, x, y, q, ar, pl, active):
    """Every exchange to score: its pair's id, each pair's parts ``a`` < ``b``, each exchange's
    two sides as indices into the sides (what ``a`` gives, what ``b`` gives; at least one side of
    two units) and the sides (``_Sides``). Only pairs touching an ``active`` part (all when
    ``None``). ``None`` when there is none."""
    row, col = cuts.row, cuts.col
    lr, lc = labels[row], labels[col]
    uk, ctot = _by_part(row, lc, cuts.data, k)[:2]
    sk, stot = _by_part(bounds.row, labels[bounds.col], bounds.data, k)[:2]
    # border units: (node, part touched) with the part touched not its own
    node, oth = uk // k, uk % k
    on = oth != labels[node]
    node, oth = node[on], oth[on]
    own = labels[node]
    if active is not None:
        keep = active[own] | active[oth]
        node, own, oth = node[keep], own[keep], oth[keep]
    if not len(node):
        return None
    # doubles: a border unit and any neighbour of it in its own part (itself on the border or
    # not), each pair of units once per part touched
    e = lr == lc
    r, c = row[e], col[e]
    lo, hi = np.searchsorted(node, r, "left"), np.searchsorted(node, r, "right")
    cnt = hi - lo  # the parts r touches
    rr, cc = np.repeat(r, cnt), np.repeat(c, cnt)
    ob = oth[np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())]
    d1, d2 = np.minimum(rr, cc), np.maximum(rr, cc)
    first = np.sort(np.unique((d1 * n + d2) * k + ob, return_index=True)[1])
    d1, d2, dob = d1[first], d2[first], ob[first]
    # the sides: singles (each border unit), doubles, and one empty side per ordered pair
    g_single = labels[node] * k + oth
    g_double = labels[d1] * k + dob
    pair_keys = np.unique(g_single)
    m1 = np.concatenate([node, d1, np.full(len(pair_keys), -1)])
    m2 = np.concatenate([np.full(len(node), -1), d2, np.full(len(pair_keys), -1)])
    grp = np.concatenate([g_single, g_double, pair_keys])
    o = np.argsort(grp, kind="stable")
    m1, m2, grp = m1[o], m2[o], grp[o]
    ga, gb = grp // k, grp % k
    size = (m1 >= 0).astype(np.int64) + (m2 >= 0)

    def s(v, m):
        return np.where(m >= 0, v[np.maximum(m, 0)], 0.0)

    def to(keys, tot, m, part):
        return np.where(m >= 0, _look(keys, tot, np.maximum(m, 0) * k + part), 0.0)

    c_in = np.where(m2 >= 0, cuts.value(np.maximum(m1, 0), np.maximum(m2, 0)), 0.0)
    s_in = np.where(m2 >= 0, bounds.value(np.maximum(m1, 0), np.maximum(m2, 0)), 0.0)
    sides = _Sides(
        m1=m1, m2=m2, size=size, h=s(hh, m1) + s(hh, m2), x=s(x, m1) + s(x, m2), y=s(y, m1) + s(y, m2),
        q=s(q, m1) + s(q, m2), ar=s(ar, m1) + s(ar, m2), epl=s(pl, m1) + s(pl, m2) - 2 * s_in,
        c_own=to(uk, ctot, m1, ga) + to(uk, ctot, m2, ga) - 2 * c_in,
        c_oth=to(uk, ctot, m1, gb) + to(uk, ctot, m2, gb),
        s_own=to(sk, stot, m1, ga) + to(sk, stot, m2, ga) - 2 * s_in,
        s_oth=to(sk, stot, m1, gb) + to(sk, stot, m2, gb))
    pid, pa, pb, ia, ib = side_pairs(grp, k)
    big = (size[ia] == 2) | (size[ib] == 2)  # singles and moves are the swaps' and the search's
    ia, ib, pid = ia[big], ib[big], pid[big]
    if not len(pid):
        return None
    return pid, pa, pb, ia, ib, sides


def side_pairs(grp: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """Every side of ``a`` towards ``b`` times every side of ``b`` towards ``a``, for each pair of
    parts ``a < b`` with sides both ways.

    ``grp`` holds each side's ``part * k + other part``, sorted. Returns ``pid`` (the pair of
    each combination), ``a`` and ``b`` (each pair's parts) and ``ia``, ``ib`` (the two sides'
    positions in ``grp``).

    Examples
    --------
    >>> import numpy as np
    >>> pid, a, b, ia, ib = side_pairs(np.array([0 * 3 + 1, 0 * 3 + 1, 1 * 3 + 0, 2 * 3 + 0]), 3)
    >>> a.tolist(), b.tolist(), ia.tolist(), ib.tolist()
    ([0], [1], [0, 1], [2, 2])
    """
    gstart = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    gcnt = np.diff(np.r_[gstart, len(grp)])
    gk = grp[gstart]
    a_, b_ = gk // k, gk % k
    rk = b_ * k + a_
    rev = np.minimum(np.searchsorted(gk, rk), len(gk) - 1)
    ok = (a_ < b_) & (gk[rev] == rk)
    pp, qq = np.flatnonzero(ok), rev[ok]
    sz = gcnt[pp] * gcnt[qq]
    pid = np.repeat(np.arange(len(pp)), sz)
    local = np.arange(len(pid)) - np.repeat(np.cumsum(sz) - sz, sz)
    li = gcnt[qq][pid]
    ia = gstart[pp][pid] + local // li
    ib = gstart[qq][pid] + local % li
    return pid, a_[pp], b_[pp], ia, ib


def _between(entries: _Entries, A: _Sides, B: _Sides) -> np.ndarray:
    """The entries between each exchange's two sides (up to four pairs of units)."""
    tot = np.zeros(len(A.m1))
    for u in (A.m1, A.m2):
        for v in (B.m1, B.m2):
            hit = (u >= 0) & (v >= 0)
            if hit.any():
                tot[hit] += entries.value(u[hit], v[hit])
    return tot


def _connected_after(nbrs, lab, a, b, sa, sb, na, nb) -> bool:
    """Whether parts ``a`` and ``b`` are each in one piece once ``sa`` goes to ``b`` and ``sb`` to
    ``a`` (``lab`` a list, left as it was)."""
    for u in sa:
        lab[u] = b
    for v in sb:
        lab[v] = a
    ok = True
    for part, got, gone, m in ((a, sb, sa, na), (b, sa, sb, nb)):
        start = got[0] if got else next((w for u in gone for w in nbrs[u] if lab[w] == part), None)
        if start is None or _reach(nbrs, lab, part, start) != m:
            ok = False
            break
    for u in sa:
        lab[u] = a
    for v in sb:
        lab[v] = b
    return ok
