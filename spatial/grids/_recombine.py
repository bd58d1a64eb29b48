"""Recombination for the grid engine: neighbouring parts merged and cut again.

Single-unit moves stall where units are lumpy (whole gated estates, high-rise buildings of 120
households): every move overshoots. Cutting two neighbouring parts' union afresh reaches balanced
plans no chain of single moves passes through (the move of GerryChain's ReCom chain, used here
as a greedy improvement rather than a random walk). The cuts come from ``_bisect``.

A min-max variant (cut the worst part again with a neighbour whenever both end nearer their
targets, within a budget of extra border and spread) was tried on the uneven benchmark towns:
at a budget of 25% it changed nothing, at 200% it took the 2,000-unit town from 7.5% to 5.3%
max deviation but cost 0.03 of mean Polsby-Popper and 5 points of border on streets, and 10,000
units went from 78% to 83% of grids within 5% at 1 s more; it was left out.

In the finish (``every``, with the nodes' shapes, ``balance="equal"``) every pair of
neighbouring parts is cut again at the sizes it has, by METIS (borders on streets) and by a
straight line (round parts), and the cut kept where the pair's cut, spread and Polsby-Popper
cost less, no part going further past the tolerance. Single moves and the annealing straighten
a staircase border only a unit at a time, each step costing first; a cut of the whole pair
makes it straight at once. On the uneven benchmark towns of 10,000 units (seeds 1-6) mean
Polsby-Popper 0.485 -> 0.503 (worst town 0.475 -> 0.489), border on streets 40.0% -> 40.7%,
grids within 5% unchanged (93.8%), for 0.2 s (two passes); at 2,000 units (seeds 1-15)
0.559 -> 0.570 (0.518 -> 0.536), every grid within 5% still on every town. Either cut alone
gave about half that.

On graphs of ``_AHEAD_NODES`` or more the next pairs are cut on worker processes
(``spatial.core._procs.Ahead``), ``_BATCH`` pairs a job (one pair a job spent more time passing
it than cutting it), while the pass decides in order; a pair is cut only while neither part has
changed in the pass, so a cut made ahead is the one it would get in its turn.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._bisect import _Views, loose_split, resplit, split_in_two, straight_cut
from spatial.grids._graph import Coo, coo_of, same_structure, sub_graph
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets, part_costs

logger = logging.getLogger(__name__)

__all__ = ["recombine"]

#: Graphs of at least this many nodes send cuts ahead to worker processes (``workers``).
_AHEAD_NODES = 3000
#: Pairs a job on a worker cuts.
_BATCH = 16
#: With ``every``: angles of the straight cut tried, and prefixes nearest the pair's sizes per angle
#: (16 and 6 gave no rounder grids on the uneven benchmark towns, for more time) ...
_ANGLES = 8
_NEAREST = 3
#: ... pairs whose border costs at most this per metre (nearly all of it on streets) are not
#: tried (of 525 such pairs tried on the town of 10,000 units of seed 1, 3 were cut again) ...
_ON_STREET = 0.3
#: ... nor pairs whose mean Polsby-Popper is this or more (a fifth of the pairs tried there, a
#: tenth of the pairs cut again, 5% of what the cuts gained).
_ROUND = 0.5


class _Pairs:
    """Cutting the union of two parts of one labelling, and scoring the cuts."""

    def __init__(self, adj, hh, xy, labels, *, min_hh, max_hh, weights, target, fixed, origin, seed,
                 shapes=None, every=False):
        self.adj, self.hh, self.xy, self.labels = adj, hh, xy, labels
        self.min_hh, self.max_hh, self.weights, self.origin, self.seed = min_hh, max_hh, weights, origin, seed
        self.shapes, self.every = shapes, every
        self.w_shape = weights.shape if shapes is not None else 0.0
        # the shared boundaries stored where the cut costs are: a pair's two sub-graphs from one selection
        self.twin = self.w_shape > 0 and same_structure(adj, shapes.shared)
        k = int(labels.max()) + 1
        self.k = k
        self.tgt = np.maximum(_targets(adj, labels, hh, k) if target is None else np.asarray(target, float), 1.0)
        self.w_band, _, self.w_cut, self.w_spread = _norms(adj, xy, k, self.tgt, weights)
        self.fixed_part = np.zeros(k, dtype=bool)
        if fixed is not None:
            self.fixed_part[np.unique(labels[np.asarray(fixed, dtype=bool)])] = True
        self.version = np.zeros(k, dtype=np.int64)  # how often each part was cut again
        self.refresh()

    def refresh(self):
        """Members and households of every part, from the labels."""
        lab = self.labels
        order = np.argsort(lab, kind="stable")
        starts = np.searchsorted(lab[order], np.arange(self.k + 1))
        self.members = [order[starts[p]:starts[p + 1]] for p in range(self.k)]
        self.ph = np.bincount(lab, weights=self.hh, minlength=self.k)

    def dev(self):
        return (self.ph - self.tgt) / self.tgt

    def pair(self, a, b):
        """Nodes of the pair and their labels now (0 = ``a``)."""
        nodes = np.concatenate([self.members[a], self.members[b]])
        return nodes, (self.labels[nodes] == b).astype(np.int64)

    def cuts(self, a, b, nodes, now, sub=None):
        """The pair's sub-graph and candidate cuts of its ``nodes`` (both ways; ``now``: their
        sides today; ``sub``: the sub-graph, if cut already); reads no labels."""
        sub = sub_graph(self.adj, nodes) if sub is None else sub
        h = self.hh[nodes]
        if self.every:  # at the sizes they have: a METIS cut (streets) and a straight one (round)
            g = _Views(sub)
            ha = float(h[now == 0].sum())
            cands = [resplit(g, h, now, seed=self.seed)]
            alt = straight_cut(g, h, self.xy[nodes], ha, n_angles=_ANGLES, n_try=_NEAREST)
            cands += [] if alt is None else [alt]
            return g.coo, [x for c in cands if c.min() != c.max() for x in (c, 1 - c)]
        frac = self.tgt[a] / (self.tgt[a] + self.tgt[b])
        accept = None
        if self.weights.band_cuts:  # any cut leaving both in the band (a tenth of it kept free at each end)
            edge = 0.1 * (self.max_hh - self.min_hh)
            lo, hi = self.min_hh + edge, self.max_hh - edge
            accept = (max(lo, h.sum() - hi), min(hi, h.sum() - lo))
        loose = None if accept is None else loose_split(sub, h, self.xy[nodes], frac, accept, seed=self.seed, ncuts=1)
        cands = [loose if loose is not None else
                 split_in_two(sub, h, self.xy[nodes], frac, (self.tgt[a] + self.tgt[b]) / 2, seed=self.seed,
                              straight=False, ncuts=1)]
        if accept is None and abs(h[cands[0] == 0].sum() - frac * h.sum()) > self.weights.tolerance * self.tgt[a] \
                and len(nodes) <= 400:
            # lumpy units (whole estates, high-rise blocks): a straight cut may balance where METIS did not
            alt = straight_cut(sub, h, self.xy[nodes], frac * h.sum(), n_angles=12, n_try=4)
            if alt is not None:
                cands.append(alt)
        cands = [x for c in cands if c.min() != c.max() for x in (c, 1 - c)]
        return coo_of(sub), cands

    def sizes(self, nodes, side, a, b):
        return np.bincount(side, weights=self.hh[nodes], minlength=2), self.tgt[[a, b]]

    def outside(self, nodes, side, a, b):
        """How far each of the two parts lies outside ``weights.tolerance`` of its wanted size
        and the band (households)."""
        hs, t = self.sizes(nodes, side, a, b)
        tol = self.weights.tolerance
        return np.maximum.reduce([np.maximum(t * (1 - tol), self.min_hh) - hs,
                                  hs - np.minimum(t * (1 + tol), self.max_hh), np.zeros(2)])

    def size_cost(self, nodes, side, a, b):
        hs, t = self.sizes(nodes, side, a, b)
        return float(_size_cost(hs, t, self.min_hh, self.max_hh, self.w_band, self.weights).sum())

    def shape_cost(self, nodes, side, a, b, sub_coo, shared=None):
        """Cut between the two, spread about each centroid (and with ``shapes``, the Polsby-Popper
        each lacks; ``shared``: the nodes' shared boundaries as COO), moves away from ``origin``."""
        c = self.w_cut * sub_coo.data[side[sub_coo.row] != side[sub_coo.col]].sum() / 2
        if self.w_shape > 0:
            c += float(part_costs(self.xy[nodes], side, 2, w_spread=self.w_spread, w_shape=self.w_shape,
                                  area=self.shapes.area[nodes], perimeter=self.shapes.perimeter[nodes],
                                  shared=shared).sum())
        else:
            c += float(part_costs(self.xy[nodes], side, 2, w_spread=self.w_spread).sum())
        if self.origin is not None:
            c += self.weights.move * (np.where(side == 0, a, b) != self.origin[nodes]).sum()
        return float(c)

    def costs(self, nodes, sides, a, b, sub_coo, shared=None) -> tuple[list[float], np.ndarray]:
        """``size_cost + shape_cost`` of each of ``sides`` (a list of sides of ``nodes``), and how
        far each lies ``outside`` (rows), number for number: the sides' sums in one array call
        each, side ``i`` holding parts ``2i`` and ``2i + 1`` (each part's sums run over its nodes
        in the same order as for one side alone)."""
        m, n = len(sides), len(nodes)
        part = (np.asarray(sides) + 2 * np.arange(m)[:, None]).ravel()
        hs = np.bincount(part, weights=np.tile(self.hh[nodes], m), minlength=2 * m).reshape(m, 2)
        t = np.broadcast_to(self.tgt[[a, b]], (m, 2))
        tol = self.weights.tolerance
        out = np.maximum(np.maximum(np.maximum(t * (1 - tol), self.min_hh) - hs,
                                    hs - np.minimum(t * (1 + tol), self.max_hh)), 0.0)
        size = _size_cost(hs, t, self.min_hh, self.max_hh, self.w_band, self.weights).sum(axis=1).tolist()
        xy = np.tile(self.xy[nodes], (m, 1))
        if self.w_shape > 0:
            at = np.repeat(np.arange(m) * n, len(shared.row))
            tiled = Coo(np.tile(shared.row, m) + at, np.tile(shared.col, m) + at, np.tile(shared.data, m))
            pc = part_costs(xy, part, 2 * m, w_spread=self.w_spread, w_shape=self.w_shape,
                            area=np.tile(self.shapes.area[nodes], m), perimeter=np.tile(self.shapes.perimeter[nodes], m),
                            shared=tiled)
        else:
            pc = part_costs(xy, part, 2 * m, w_spread=self.w_spread)
        pc = pc.reshape(m, 2).sum(axis=1).tolist()
        got = []
        for i, side in enumerate(sides):
            c = self.w_cut * sub_coo.data[side[sub_coo.row] != side[sub_coo.col]].sum() / 2
            c += pc[i]
            if self.origin is not None:
                c += self.weights.move * (np.where(side == 0, a, b) != self.origin[nodes]).sum()
            got.append(size[i] + float(c))
        return got, out

    def apply(self, nodes, side, a, b):
        self.labels[nodes] = np.where(side == 0, a, b)
        self.members[a], self.members[b] = nodes[side == 0], nodes[side == 1]
        self.ph[a], self.ph[b] = self.hh[self.members[a]].sum(), self.hh[self.members[b]].sum()
        self.version[[a, b]] += 1


def recombine(
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
    passes: int = 4,
    workers: int | None = None,
    shapes: Shapes | None = None,
    every: bool = False,
) -> np.ndarray:
    """Merge two neighbouring parts and cut the pair again where the objective falls (recombination).

    Pairs with a part off its target by more than ``weights.tolerance`` are tried, the most
    unequal first; a new cut is kept only when the pair's share of the objective (size terms, cut
    between the two, spread, moves away from ``origin``; with ``shapes``, each part's
    Polsby-Popper) falls. Parts with ``fixed`` nodes are left alone. Parts stay connected.

    With ``every`` (the finish, sizes settled): every pair of neighbouring parts is tried, the
    least round first, except pairs whose mean Polsby-Popper is ``_ROUND`` or more and pairs
    whose border runs nearly all on streets (``_ON_STREET``), and it is cut at the sizes it has:
    a METIS cut of the pair's cut costs at its present weights (``_bisect.resplit``) and the
    straight cut nearest its present sizes (``_bisect.straight_cut``). A cut that takes a part
    further past ``weights.tolerance`` of its target or out of the band is not made (the
    annealing's rule).

    Examples
    --------
    Two grids of 12 cells of 10 households on a 4 x 6 lattice, their border a staircase: cut
    again at the same sizes, the border runs straight down the middle.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> from spatial.grids._objective import EQUAL_FINISH, Shapes
    >>> n = 24
    >>> right = [(a, a + 1) for a in range(n) if a % 6 < 5]
    >>> up = [(a, a + 6) for a in range(n - 6)]
    >>> i, j = np.array(right + up).T
    >>> adj = sparse.csr_matrix((np.full(2 * len(i), 10.0), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    >>> shapes = Shapes(np.full(n, 100.0), np.full(n, 40.0), adj)
    >>> xy = np.column_stack([np.arange(n) % 6 * 10.0 + 5, np.arange(n) // 6 * 10.0 + 5])
    >>> stairs = np.array([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1])
    >>> out = recombine(adj, np.full(n, 10.0), xy, stairs, min_hh=60, max_hh=180,
    ...                 weights=EQUAL_FINISH, shapes=shapes, every=True)
    >>> out.reshape(4, 6).tolist()
    [[0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    if len(labels) == 0 or labels.max() < 1:
        return labels
    pr = _Pairs(adj, np.asarray(hh, dtype=float), xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights,
                target=target, fixed=fixed, origin=origin, seed=seed, shapes=shapes, every=every)
    coo = sparse.triu(adj, k=1).tocoo()
    tried = set()
    with Ahead(_best_cuts, pr, workers=workers if workers is not None else
               (PROCESSES if len(labels) >= _AHEAD_NODES else 1)) as ahead:
        for passed in range(passes):
            dev = pr.dev()
            off = (np.abs(dev) > weights.tolerance) | every
            la, lb = labels[coo.row], labels[coo.col]
            between = la != lb
            pairs = np.unique(np.sort(np.column_stack([la[between], lb[between]]), axis=1), axis=0)
            pairs = pairs[(off[pairs[:, 0]] | off[pairs[:, 1]]) &
                          ~(pr.fixed_part[pairs[:, 0]] | pr.fixed_part[pairs[:, 1]])]
            if every:  # the least round pairs first, not those round already or on the streets
                pp = shapes.polsby_popper(labels) if shapes is not None else np.zeros(pr.k)
                if shapes is not None and len(pairs):
                    pairs = pairs[(_cost_per_metre(coo, shapes, labels, pairs, pr.k) > _ON_STREET) &
                                  (pp[pairs[:, 0]] + pp[pairs[:, 1]] < 2 * _ROUND)]
                first = pp[pairs[:, 0]] + pp[pairs[:, 1]]
            else:  # the most unequal pairs first
                first = -np.abs(dev[pairs[:, 0]] - dev[pairs[:, 1]])
            pairs = [tuple(p) for p in pairs[np.argsort(first, kind="stable")].tolist()]
            touched = np.zeros(pr.k, dtype=bool)

            def state(a, b):  # a pair's cut is the same while neither part changes (sizes, without ``every``)
                return (a, b, pr.version[a], pr.version[b]) if every else (a, b, round(pr.ph[a]), round(pr.ph[b]))

            def skipped(a, b):
                return touched[a] or touched[b] or state(a, b) in tried

            # pairs go to the workers in batches (one pair a job costs more in passing it than in
            # cutting it); inline, one at a time, so that no pair is cut once it is skipped
            size = _BATCH if ahead.pool is not None else 1
            batches = [pairs[j:j + size] for j in range(0, len(pairs), size)]
            keys = [(passed, j) for j in range(len(batches))]

            def todo(j):  # the batch's pairs not skipped yet, with their nodes as they are now
                return [(a, b, *pr.pair(a, b)) for a, b in batches[j] if not skipped(a, b)]

            def job(key):
                got = todo(key[1])
                return ((got,), None) if got else None

            changed = decided = wasted = 0
            for j, batch in enumerate(batches):
                # the batches after this one are cut on the workers: a pair is cut only while
                # neither part has changed this pass, so a cut made ahead is the one it would get
                # now (a pair whose part changes after its batch was sent is skipped in its turn)
                ahead.fill(keys, j, job)
                now = todo(j)
                if not now:
                    ahead.drop(keys[j])
                    continue
                cut = {(a, b): side for a, b, side in ahead.take(keys[j], (now,))}
                for a, b in batch:
                    if skipped(a, b):
                        wasted += (a, b) in cut  # cut ahead, then one of its parts changed
                        continue
                    tried.add(state(a, b))
                    decided += 1
                    side = cut[(a, b)]
                    if side is not None:
                        pr.apply(pr.pair(a, b)[0], side, a, b)
                        touched[[a, b]] = True
                        changed += 1
            logger.debug("recombine%s, pass %d: %d of %d pairs cut again (%d listed; %d cut ahead and not used)",
                         " every" if every else "", passed, changed, decided, len(pairs), wasted)
            if not changed:
                break
    return labels


def _cost_per_metre(coo, shapes: Shapes, labels, pairs, k) -> np.ndarray:
    """Per pair of parts (``pairs``, rows ``a < b``, sorted): the cut cost of their border (``coo``:
    the upper triangle of the cut costs) per metre of it (``shapes.shared``): 1 through a block,
    a fifth along a street."""
    key = pairs[:, 0] * k + pairs[:, 1]

    def per_pair(m):
        la, lb = labels[m.row], labels[m.col]
        e = la != lb
        at = np.searchsorted(key, np.minimum(la[e], lb[e]) * k + np.maximum(la[e], lb[e]))
        at = np.minimum(at, len(key) - 1)
        hit = key[at] == np.minimum(la[e], lb[e]) * k + np.maximum(la[e], lb[e])
        return np.bincount(at[hit], weights=m.data[e][hit], minlength=len(key))

    return per_pair(coo) / np.maximum(per_pair(sparse.triu(shapes.shared, k=1).tocoo()), 1e-9)


def _best_cuts(pr: _Pairs, todo: list) -> list:
    """:func:`_best_cut` of each ``(a, b, nodes, now)`` of ``todo``, as ``(a, b, side or None)``
    (runs on the workers too)."""
    return [(a, b, _best_cut(pr, a, b, nodes, now)) for a, b, nodes, now in todo]


def _best_cut(pr: _Pairs, a: int, b: int, nodes: np.ndarray, now: np.ndarray) -> np.ndarray | None:
    """The cheapest new cut of the pair (sides of ``nodes``, 0 = ``a``) if it beats ``now``, else
    None (runs on the workers too: reads only what does not change in a pass)."""
    if pr.twin:
        sub, shared = sub_graph(pr.adj, nodes, twin=pr.shapes.shared)
        sub_coo, cands = pr.cuts(a, b, nodes, now, sub=sub)
        shared = coo_of(shared)
    else:
        sub_coo, cands = pr.cuts(a, b, nodes, now)
        shared = coo_of(sub_graph(pr.shapes.shared, nodes)) if pr.w_shape > 0 else None

    if not cands:
        return None
    costs, out = pr.costs(nodes, cands + [now], a, b, sub_coo, shared)  # (the last: now)
    if pr.every:  # never further past the tolerance or out of the band (the annealing's rule)
        keep = [i for i in range(len(cands)) if (out[i] <= out[-1] + 1e-9).all()]
        cands, costs = [cands[i] for i in keep], [costs[i] for i in keep] + [costs[-1]]
    scored = [(costs[i], i) for i in range(len(cands))]
    if scored and min(scored)[0] < costs[-1] - 1e-9:
        return cands[min(scored)[1]]
    return None
