"""Ejection chains for the grid engine's finish: households ripple along a path of neighbouring
parts, each link an exchange of border units (up to two each way), so that a part far off its
size evens out while every part in the middle nets a little and stays within the rule.

A link ``g -> h`` is an exchange between neighbouring parts ``g`` and ``h``: a side of ``g`` (no
unit, one border unit touching ``h`` or such a unit and a neighbour of it in ``g``) goes to ``h``
and a side of ``h`` to ``g``; its value is the households it moves from ``g`` to ``h`` (negative:
the other way). A chain ``g0 -> g1 -> ... -> gk`` takes one link out of each part: ``g0`` nets
``-d0`` (it moves towards its size), each middle part ``gi`` nets ``d(i-1) - di`` and must end
within ``within`` of its size, and ``gk`` nets ``d(k-1)`` and ends within ``within``; the part far
off may also sit inside a chain (a half out of it to an end, a half into it from a head, the part
netting the difference: a tower given at one border, walk-ups taken at another). Which links
can still end a chain in ``l`` more links depends only on the link (the part it reaches and the
households it brings), so the links' distances to an end are found for the whole plan at once,
layer by layer in arrays (a range query over each part's links sorted by value); the chains of
each part far off its size are then read out along links one layer nearer the end, made on the
plan, and kept when every part they touch is in one piece and the objective falls.

It runs in each finished plan of ``balance="equal"`` before the compound exchanges
(``_engine._anneal_finish``). On the uneven benchmark towns of 10,000 units (seeds 1-6, December
2026) grids within 5% 94.37% -> 94.53%, the furthest grid, mean Polsby-Popper (0.5142 -> 0.5145)
and border on streets (43.57%) as they were, 0.17-0.33 CPU-s a call: most grids still past 5% are
grids of towers among grids of towers, which no exchange of up to two units each way with a
neighbour takes nearer their size, or only with a border through a block (``_STREET_GUARD_M``;
``docs/grids.md``, "Ejection chains found by one search").
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
from scipy import sparse

from spatial.grids._bisect import _reach
from spatial.grids._exchange import side_pairs
from spatial.grids._graph import cut_nodes, neighbour_lists, pass_arrays
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets

logger = logging.getLogger(__name__)

__all__ = ["chain_links", "chain_pass", "cut_nodes", "link_distances"]

#: Links in a chain at most (on the uneven towns of 10,000 units the chains made have 1-6).
_MAX_LEN = 6
#: Links followed from each part far off its size, and chains read out of it, at most.
_TRIES, _LIMIT = 60, 4
#: Parts far off their size a call follows links from at most (``_TRIES`` each): the time cap.
_FAR_MAX = 64
#: The chains' charge on cut, spread and shape: this many times the finish's (at 1, grids within
#: 5% on the uneven towns of 10,000 units rise more, 94.4% -> 95.2%, but mean Polsby-Popper falls
#: by 0.0006 after the exchanges and the search that follow; at 2 it does not fall).
_PRICE = 2.0
#: Border off the streets a chain may add at most (metres; a cut cost over half the shared
#: length). Evening a grid of towers mostly needs a border through a block: on the uneven towns
#: of 10,000 units the chains made without it added 6-660 m each, and the plans lost up to 0.3
#: points of border on streets (seed 6: 44.9% -> 44.6%, for its furthest grid 16.8% -> 15.0%).
_STREET_GUARD_M = 150.0


class _Units:
    """One or two units per row (``-1``: none), read as tuples."""

    __slots__ = ("m1", "m2")

    def __init__(self, m1, m2):
        self.m1, self.m2 = m1, m2

    def __getitem__(self, i) -> tuple:
        u, v = int(self.m1[i]), int(self.m2[i])
        return () if u < 0 else ((u,) if v < 0 else (u, v))


class Links:
    """Directed links of a plan, column by column, in pairs (``x ^ 1`` the reverse of ``x``):
    from part ``g`` to part ``h``, ``d`` households netted from ``g`` to ``h``, the exchange
    realising it (``give[x]``: units of ``g`` to ``h``, ``take[x]``: units of ``h`` to ``g``) and
    ``cost``, the cut change it makes alone (the edges between its two sides left out)."""

    def __init__(self, g, h, d, give, take, cost):
        self.g, self.h, self.d, self.give, self.take, self.cost = g, h, d, give, take, cost


def chain_links(adj: sparse.csr_matrix, hh: np.ndarray, labels: np.ndarray, *, per_value: int = 2) -> Links:
    """Every link of the plan ``labels``: for each pair of neighbouring parts and each household
    value an exchange between them can net, the ``per_value`` exchanges of fewest units, then
    lowest cut change. A side is no unit, a border unit, or a border unit and a neighbour of it
    in its part, neither a cut node of the part (a side that would split its part alone is left
    out; two units may still split it, which the read-out checks)."""
    labels = np.asarray(labels, dtype=np.int64)
    hh = np.asarray(hh, dtype=float)
    n, k = len(labels), int(labels.max()) + 1
    nbrs, _ = neighbour_lists(adj)
    size = np.bincount(labels, minlength=k)
    free = ~cut_nodes(nbrs, labels.tolist()) & (size[labels] > 1)
    row = np.repeat(np.arange(n, dtype=np.int64), np.diff(adj.indptr))
    col, data = adj.indices.astype(np.int64), adj.data.astype(float)
    lr, lc = labels[row], labels[col]
    uk, inv = np.unique(row * k + lc, return_inverse=True)
    ctot = np.bincount(inv, weights=data, minlength=len(uk))

    def to(u, part):
        q = u * k + part
        p = np.minimum(np.searchsorted(uk, q), len(uk) - 1)
        return np.where(uk[p] == q, ctot[p], 0.0)

    node, oth = uk // k, uk % k
    on = (oth != labels[node]) & free[node]
    node, oth = node[on], oth[on]
    own = labels[node]
    # doubles: a border unit u (touching part oth) and a neighbour v in its part, both free or
    # one of them hanging on the other alone (an empty lot behind a building)
    same = lr == lc
    deg = np.bincount(row[same], minlength=n)
    e = same & ((free[row] & free[col]) | (deg[row] == 1) | (deg[col] == 1)) & (size[lr] > 2)
    r, c, w = row[e], col[e], data[e]
    node_all, oth_all = uk // k, uk % k
    on_all = oth_all != labels[node_all]
    node_all, oth_all = node_all[on_all], oth_all[on_all]
    lo_, hi_ = np.searchsorted(node_all, r, "left"), np.searchsorted(node_all, r, "right")
    cnt = hi_ - lo_
    idx = np.repeat(lo_ - np.cumsum(cnt) + cnt, cnt) + np.arange(cnt.sum())
    rr, cc, ww, ob = np.repeat(r, cnt), np.repeat(c, cnt), np.repeat(w, cnt), oth_all[idx]
    d1, d2 = np.minimum(rr, cc), np.maximum(rr, cc)
    first = np.unique((d1 * n + d2) * k + ob, return_index=True)[1]
    d1, d2, dob, dw = d1[first], d2[first], ob[first], ww[first]
    own_d = labels[d1]
    keys = np.unique(labels[node_all] * k + oth_all)  # an empty side for every pair of neighbours
    m1 = np.r_[node, d1, np.full(len(keys), -1)]
    m2 = np.r_[np.full(len(node), -1), d2, np.full(len(keys), -1)]
    grp = np.r_[own * k + oth, own_d * k + dob, keys]
    sh = np.r_[hh[node], hh[d1] + hh[d2], np.zeros(len(keys))]
    sc = np.r_[to(node, own) - to(node, oth),
               to(d1, own_d) + to(d2, own_d) - 2 * dw - to(d1, dob) - to(d2, dob), np.zeros(len(keys))]
    nu = np.r_[np.ones(len(node)), np.full(len(d1), 2), np.zeros(len(keys))]
    o = np.argsort(grp, kind="stable")
    m1, m2, grp, sh, sc, nu = m1[o], m2[o], grp[o], sh[o], sc[o], nu[o]
    pid, pa, pb, ia, ib = side_pairs(grp, k)
    units = nu[ia] + nu[ib]
    keep = units > 0
    ia, ib, pid, units = ia[keep], ib[keep], pid[keep], units[keep]
    dv = np.round(sh[ia] - sh[ib], 6)
    cost = sc[ia] + sc[ib]
    o = np.lexsort((cost, units, dv, pid))
    ia, ib, pid, dv, cost = ia[o], ib[o], pid[o], dv[o], cost[o]
    head = np.r_[True, (pid[1:] != pid[:-1]) | (dv[1:] != dv[:-1])]
    at = np.arange(len(pid))
    rank = at - np.maximum.accumulate(np.where(head, at, 0))
    sel = rank < per_value
    ia, ib, pid, dv, cost = ia[sel], ib[sel], pid[sel], dv[sel], cost[sel]
    ga, gb = pa[pid], pb[pid]

    def pair(x, y):
        return np.column_stack([x, y]).ravel()

    return Links(pair(ga, gb), pair(gb, ga), pair(dv, -dv),
                 _Units(pair(m1[ia], m1[ib]), pair(m2[ia], m2[ib])),
                 _Units(pair(m1[ib], m1[ia]), pair(m2[ib], m2[ia])), pair(cost, cost))


def link_distances(links: Links, ph: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, max_len: int) -> np.ndarray:
    """Each link's distance to a chain's end: 0 when the part it reaches ends within ``lo``-``hi``
    with what it brings, ``l`` when a link out of that part of distance ``l - 1`` keeps the part
    within ``lo``-``hi``; ``max_len + 1`` beyond ``max_len``. Distinct values per part are the
    same link (the side chosen at read-out)."""
    k = len(ph)
    n = len(links.d)
    far = max_len + 1
    dist = np.full(n, far, dtype=np.int64)
    end = ph[links.h] + links.d
    dist[(end >= lo[links.h] - 1e-9) & (end <= hi[links.h] + 1e-9)] = 0
    # links out of each part sorted by (part, value)
    o = np.lexsort((links.d, links.g))
    og, od = links.g[o], links.d[o]
    start = np.searchsorted(og, np.arange(k + 1))
    # link x = (g -> h, d) needs a link out of h with value in [ph[h] + d - hi[h], ph[h] + d - lo[h]]
    q_lo = ph[links.h] + links.d - hi[links.h] - 1e-9
    q_hi = ph[links.h] + links.d - lo[links.h] + 1e-9
    key = og * 1e7 + od  # values are households (|d| < 1e6): one sorted key for part and value
    a = np.searchsorted(key, links.h * 1e7 + q_lo, "left")
    b = np.searchsorted(key, links.h * 1e7 + q_hi, "right")
    a, b = np.maximum(a, start[links.h]), np.minimum(b, start[links.h + 1])
    for level in range(1, max_len + 1):
        ok = (dist[o] == level - 1).astype(np.int64)
        csum = np.r_[0, np.cumsum(ok)]
        hit = (dist == far) & (b > a) & (csum[np.maximum(b, a)] - csum[a] > 0)
        if not hit.any():
            break
        dist[hit] = level
    return dist


def _made(links: Links, chain: list[int], labels: np.ndarray) -> np.ndarray | None:
    """``labels`` with the chain's exchanges made (a copy), or ``None`` when two of its
    exchanges move the same unit."""
    new = labels.copy()
    seen = set()
    for x in chain:
        g, h = int(links.g[x]), int(links.h[x])
        for u in links.give[x]:
            if u in seen or labels[u] != g:
                return None
            seen.add(u)
            new[u] = h
        for u in links.take[x]:
            if u in seen or labels[u] != h:
                return None
            seen.add(u)
            new[u] = g
    return new


def _all_whole(nbrs, new: np.ndarray, parts) -> bool:
    """Whether each of ``parts`` is in one piece (and not empty) under ``new``."""
    lab = new.tolist()
    for p in parts:
        nodes = np.flatnonzero(new == p)
        if not len(nodes) or _reach(nbrs, lab, p, int(nodes[0])) != len(nodes):
            return False
    return True


class _Terms:
    """The objective's terms of a few parts under a labelling, from their nodes alone (sizes,
    cut to every other part, spread about their centres, Polsby-Popper): what a chain changes."""

    def __init__(self, adj, hh, xy, tgt, weights, shapes, min_hh, max_hh, k):
        self.adj, self.hh, self.tgt, self.w = adj, hh, tgt, weights
        self.band = (min_hh, max_hh)
        self.w_band, _, self.w_cut, self.w_spread = _norms(adj, xy, k, tgt, weights)
        xy = np.asarray(xy, float) - np.asarray(xy, float).mean(axis=0)
        self.x, self.y = xy[:, 0], xy[:, 1]
        self.shapes = shapes

    def off(self, parts: np.ndarray, lab: np.ndarray) -> float:
        """Border length of ``parts`` off the streets (a cut cost above half the shared length)."""
        if not hasattr(self, "_off"):
            ln = self.shapes.shared.tocsr()
            self._off = ln.multiply(self.adj > 0.5 * ln).tocsr()
        nodes = np.flatnonzero(np.isin(lab, parts))
        sub = self._off[nodes]
        rows = np.repeat(np.arange(len(nodes)), np.diff(sub.indptr))
        return float(sub.data[lab[sub.indices] != lab[nodes][rows]].sum())

    def __call__(self, parts: np.ndarray, lab: np.ndarray) -> float:
        nodes = np.flatnonzero(np.isin(lab, parts))
        own = lab[nodes]
        pos = np.searchsorted(parts, own)
        m = len(parts)
        ph = np.bincount(pos, weights=self.hh[nodes], minlength=m)
        total = float(_size_cost(ph, self.tgt[parts], *self.band, self.w_band, self.w).sum())
        sub = self.adj[nodes]
        rows = np.repeat(np.arange(len(nodes)), np.diff(sub.indptr))
        ext = lab[sub.indices] != own[rows]
        total += self.w_cut * 0.5 * float(sub.data[ext].sum())
        x, y = self.x[nodes], self.y[nodes]
        cnt = np.maximum(np.bincount(pos, minlength=m), 1)
        sx, sy = np.bincount(pos, weights=x, minlength=m), np.bincount(pos, weights=y, minlength=m)
        total += self.w_spread * float((x * x + y * y).sum() - ((sx * sx + sy * sy) / cnt).sum())
        if self.w.shape > 0 and self.shapes is not None:
            sh = self.shapes.shared[nodes]
            srows = np.repeat(np.arange(len(nodes)), np.diff(sh.indptr))
            inner = np.bincount(pos[srows], weights=np.where(lab[sh.indices] == own[srows], sh.data, 0.0), minlength=m)
            area = np.bincount(pos, weights=self.shapes.area[nodes], minlength=m)
            per = np.bincount(pos, weights=self.shapes.perimeter[nodes], minlength=m) - inner
            total += self.w.shape * float((1 - 4 * np.pi * area / np.maximum(per, 1e-9) ** 2).sum())
        return total


def chain_pass(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
               max_hh: float, weights: Weights, shapes: Shapes | None = None, within: float = 0.05,
               max_len: int = _MAX_LEN, tries: int = _TRIES, limit: int = _LIMIT, price: float = _PRICE,
               street_guard_m: float | None = _STREET_GUARD_M) -> np.ndarray:
    """Labels after ejection chains through the parts more than ``within`` off their size.

    Parameters
    ----------
    adj, hh, xy
        The engine's graph of cut costs (symmetric CSR), households and centroids (metres).
    labels
        Connected parts 0..k-1.
    min_hh, max_hh
        The band (the objective's band term).
    weights
        The objective's weights (the finish's); cut, spread and shape charged ``price`` times
        theirs, so that a chain evens a part only where its borders do not pay for it much.
    shapes
        The nodes' areas, perimeters and shared boundaries (each part's Polsby-Popper counts).
    within
        How far off its size (a share of its mean part) a part in a chain may end.
    max_len
        Links in a chain at most.
    tries, limit
        Links followed from each part far off its size at most, and chains read out of it.

    Returns
    -------
    numpy.ndarray
        The labels. Furthest part first, the links are read out into up to ``limit`` chains
        through the part, each taking it nearer its size and leaving every other part it
        touches within ``within`` and in one piece; the one that lowers the objective most is
        made. A part takes part in one chain; parts are left as they are when none pays.
    """
    labels, hh, _, k = pass_arrays(labels, hh)
    if not k:
        return labels
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    ph = np.bincount(labels, weights=hh, minlength=k)
    dev = np.abs(ph - tgt) / tgt
    far = np.flatnonzero(dev > within + 1e-9)
    if not len(far):
        return labels
    lo, hi = (1 - within) * tgt, (1 + within) * tgt
    nbrs, _ = neighbour_lists(adj)
    weights = replace(weights, cut=weights.cut * price, spread=weights.spread * price, shape=weights.shape * price)
    terms = _Terms(adj, hh, xy, tgt, weights, shapes, min_hh, max_hh, k)
    guard = street_guard_m is not None and shapes is not None
    links = chain_links(adj, hh, labels)
    dist = link_distances(links, ph, lo, hi, max_len=max_len)
    reader = _Reader(links, dist, ph, tgt, lo, hi, labels, nbrs, [tries])
    made, left = 0, tries * _FAR_MAX
    for f in far[np.argsort(-dev[far], kind="stable")].tolist():
        if reader.busy[f]:
            continue
        if left <= 0:
            break
        best, best_delta = None, -1e-9
        reader.budget[0] = min(tries, left)
        for c in reader.through(f, max_len=max_len, limit=limit):
            parts = np.unique(np.r_[links.g[c], links.h[c]])
            new = _made(links, c, labels)
            if new is None or not _all_whole(nbrs, new, parts.tolist()):
                continue
            delta = terms(parts, new) - terms(parts, labels)
            if guard and terms.off(parts, new) - terms.off(parts, labels) > street_guard_m:
                continue
            if delta < best_delta:
                best, best_delta = (new, parts, c), delta
        left -= min(tries, left) - reader.budget[0]
        if best is not None:
            logger.debug("chain through part %d (%.1f%% off): %d links, objective %.1f, off-street border %+.0f m",
                         f, 100 * dev[f], len(best[2]), best_delta,
                         terms.off(best[1], best[0]) - terms.off(best[1], labels) if guard else 0.0)
            labels = best[0]
            reader.busy[best[1]] = True
            made += 1
    logger.debug("ejection chains: %d made of %d parts past %.0f%%", made, len(far), 100 * within)
    return labels


class _Reader:
    """Reads chains out of the links along their distances, checking as it goes that each part
    it passes gives no unit twice and stays in one piece."""

    def __init__(self, links, dist, ph, tgt, lo, hi, labels, nbrs, budget):
        self.links, self.dist, self.ph, self.tgt, self.lo, self.hi = links, dist, ph, tgt, lo, hi
        self.nbrs = nbrs
        self.o = np.lexsort((links.d, links.g))
        self.od = links.d[self.o]
        self.start = np.searchsorted(links.g[self.o], np.arange(len(ph) + 1))
        self.members = [set() for _ in range(len(ph))]
        for u, g in enumerate(labels.tolist()):
            self.members[g].add(u)
        self.budget = budget
        self.cache: dict = {}
        self.busy = np.zeros(len(ph), dtype=bool)  # parts a chain made this round: passed by no other

    def whole(self, p, gone, got) -> bool:
        """Whether part ``p`` is in one piece without the units ``gone`` and with ``got``."""
        key = (p, gone, got)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self._whole(p, gone, got)
        return hit

    def _whole(self, p, gone, got) -> bool:
        if set(gone) & set(got) or len(set(gone)) < len(gone):
            return False
        nodes = (self.members[p] - set(gone)) | set(got)
        if not nodes:
            return False
        first = next(iter(nodes))
        seen, stack = {first}, [first]
        while stack:
            for y in self.nbrs[stack.pop()]:
                if y in nodes and y not in seen:
                    seen.add(y)
                    stack.append(y)
        return len(seen) == len(nodes)

    def follow(self, x, grids, gone, got, limit):
        """Up to ``limit`` ways on from link ``x`` to a chain's end, one link nearer each step,
        through no part of ``grids``; ``gone`` and ``got``: what the part ``x`` leaves has
        given and taken already (checked by the caller)."""
        L = self.links
        found = []

        def go(path, grids):
            if self.budget[0] <= 0 or len(found) >= limit:
                return
            self.budget[0] -= 1
            x = path[-1]
            h = int(L.h[x])
            if self.dist[x] == 0:
                if self.whole(h, L.take[x], L.give[x]):
                    found.append(list(path))
                return
            q_lo = self.ph[h] + L.d[x] - self.hi[h] - 1e-9
            q_hi = self.ph[h] + L.d[x] - self.lo[h] + 1e-9
            s0, s1 = self.start[h], self.start[h + 1]
            a = s0 + np.searchsorted(self.od[s0:s1], q_lo, "left")
            b = s0 + np.searchsorted(self.od[s0:s1], q_hi, "right")
            nxt = self.o[a:b]
            nxt = nxt[(self.dist[nxt] < self.dist[x]) & ~np.isin(L.h[nxt], grids) & ~self.busy[L.h[nxt]]]
            for y in nxt[np.lexsort((L.cost[nxt], self.dist[nxt]))].tolist():
                if not self.whole(h, L.take[x] + L.give[y], L.give[x] + L.take[y]):
                    continue
                go(path + [y], grids + [int(L.h[y])])
                if self.budget[0] <= 0 or len(found) >= limit:
                    return

        go([x], list(grids))
        return found

    def through(self, f, *, max_len, limit, within_only=False):
        """Chains through part ``f``: a link out of ``f`` followed on to an end, and a link into
        ``f`` followed back to a head (a part that gives and ends within ``lo``-``hi``), ``f``
        netting the difference nearer its size; either half may be missing (then ``f`` heads
        or ends the chain). Links come in pairs, ``x ^ 1`` the reverse of ``x``; the reverse of
        a chain of links is a chain (the same exchanges), so the half into ``f`` is read out
        from ``f`` along the reverses."""
        L, dist, ph, tgt, lo, hi = self.links, self.dist, self.ph, self.tgt, self.lo, self.hi
        gap = abs(ph[f] - tgt[f])
        out = self.o[self.start[f]:self.start[f + 1]]
        out = out[dist[out] <= max_len - 1]
        inn = out ^ 1  # into f, each from the part its reverse reaches
        nx = len(out)
        X, Y = np.meshgrid(np.arange(nx + 1), np.arange(nx + 1), indexing="ij")
        X, Y = X.ravel(), Y.ravel()
        keep = ~((X == nx) & (Y == nx))
        X, Y = X[keep], Y[keep]
        xs, ys = np.r_[out, -1][X], np.r_[inn, -1][Y]
        dx, dy = np.r_[L.d[out], 0.0][X], np.r_[L.d[inn], 0.0][Y]
        steps = np.r_[dist[out] + 1, 0][X] + np.r_[dist[out] + 1, 0][Y]
        new = ph[f] - dx + dy
        ok = (np.abs(new - tgt[f]) < gap - 1e-6) & (steps <= max_len)
        ok &= (X == nx) | (Y == nx) | (L.h[np.maximum(xs, 0)] != L.g[np.maximum(ys, 0)])
        ok &= ((X == nx) | ~self.busy[L.h[np.maximum(xs, 0)]]) & ((Y == nx) | ~self.busy[L.g[np.maximum(ys, 0)]])
        miss = np.maximum(np.maximum(lo[f] - new, new - hi[f]), 0.0)
        if within_only:
            ok &= miss <= 1e-9
        idx = np.flatnonzero(ok)
        cost = np.r_[L.cost[out], 0.0][X] + np.r_[L.cost[inn], 0.0][Y]
        idx = idx[np.lexsort((cost[idx], steps[idx], np.round(miss[idx], 6)))]
        found = []
        for i in idx.tolist():
            if self.budget[0] <= 0 or len(found) >= limit:
                break
            x, y = int(xs[i]), int(ys[i])
            gone = (L.give[x] if x >= 0 else ()) + (L.take[y] if y >= 0 else ())
            got = (L.take[x] if x >= 0 else ()) + (L.give[y] if y >= 0 else ())
            if not self.whole(f, gone, got):
                continue
            halves = self.follow(x, [f, int(L.h[x])], gone, got, 1) if x >= 0 else [[]]
            for half in halves:
                if y < 0:
                    found.append(half)
                    continue
                grids = [f] + [int(L.h[z]) for z in half] + [int(L.g[y])]
                back = self.follow(y ^ 1, grids, gone, got, 1)
                if back:
                    found.append(half + [z ^ 1 for z in back[0]])
        seen, out = set(), []
        for c in found:  # a chain and its reverse make the same exchanges
            key = frozenset(x & ~1 for x in c)
            if key not in seen:
                seen.add(key)
                out.append(c)
        return out
