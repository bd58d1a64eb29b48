"""Rebalancing for the grid engine: the grids furthest from their size are drawn again with all
their neighbours.

The local search, swaps and pairwise recombination lower one summed objective; they stall where
a grid is a few high-rise buildings of about 120 households (three too few, four too many) and
each neighbour is lumpy too. Evening such a grid out means passing households along a chain of
grids, which no move between two grids makes. Here a grid off its size by more than
``weights.tolerance`` + 1% is merged with every grid it touches (and, when that is not enough,
with every grid those touch: a gated estate of 301 households whose one neighbour holds 414
cannot reach its size with that neighbour alone), the region is cut again into as many grids
(the engine's balanced METIS bisection), and the search and swaps settle it with the rest of
the plan held still. The new region is kept when its worst grid comes nearer its size
and the region's objective rises by no more than ``budget`` times one mean grid's share: the
worst grid is what a planner reads, and that is what this pass trades a little compactness for.
A second round tries again the grids near a region drawn in the first.

With ``balance="equal"``, on the uneven benchmark towns it took max deviation from 5.3% to 4.5%
(2,000 units) and 17.1% to 11.7% (10,000), at about 1.1 s there; on the town of
``benchmarks.bench_blocks`` from 24.5% to 4.7% with the roads and with ``blocks`` (the estate
above).

After the kick (``out_of_band``, under either balance) grids still out of the band are drawn
again the same way (not one holding a ``hemmed_in`` node), a region kept when it puts fewer
households out of the band and no more grids, whatever its objective does (the band is the
rule). On one of nine uneven towns of 2,000 units, with
``"band"``, a grid of two gated estates of 251 and 252 households sat 3 over a band of 300-500
among neighbours that could take neither, and the kick (one unit forced across) could not start
the chain; the grids round it, cut again, put all in the band. On another (seed 12) estates of
233 and 277 households sat 10 over, and the only re-cut putting the five grids round them in the
band raised their objective by almost twice the budget above. With every grid in the band
(nearly always) this costs nothing.

On graphs of ``_AHEAD_NODES`` or more the next grids' re-cuts start on worker processes
(``spatial.core._procs.Ahead``) on the plan as it is; a result is used in its grid's turn only if
no region kept since touched the ring of two grids it read (else it is cut again then), so the
plan is the one a single core draws.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
from scipy import sparse

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._bisect import recursive_bisection
from spatial.grids._graph import n_pieces, sub_graph
from spatial.grids._objective import Weights, _targets, objective
from spatial.grids._search import local_search
from spatial.grids._swap import swap_pass

logger = logging.getLogger(__name__)

__all__ = ["rebalance_worst"]

#: Regions of more grids than this are not drawn again (a ring of two round a grid in a dense town).
_MAX_REGION = 16
#: ... and rings of more grids than this are cut from one seed only.
_MAX_RESEEDED = 6
#: On graphs too large for the engine's restarts, the grids furthest off at the start of a round
#: are tried from this many seeds (the others from three), the grids they touch too: on the
#: uneven towns of 10,000 units (seeds 1-6) the worst grid of seed 2 went from 13.3% to 10.5%
#: off, the others unchanged, for 0-0.3 s. On small graphs the restarts give that variety and
#: this only cost time (2,000 units: up to 5.2 s a call instead of 3.4 s).
_WIDER_WORST = 3
_WIDER_SEEDS = 8
#: Graphs of at least this many nodes send re-cuts ahead to worker processes (``workers``).
_AHEAD_NODES = 3000
#: For a grid out of the band after the kick (rare, and the band is the rule) regions may be
#: larger: a grid of two gated estates whose smaller one reaches the band only through an empty
#: lot needs the ring of two round it, 24 grids (the uneven benchmark town of 10,000 units, seed 2).
_MAX_REGION_OUT_OF_BAND = 32


def rebalance_worst(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *,
                    min_hh: float, max_hh: float, weights: Weights = Weights(), seed: int = 0,
                    budget: float = 2.0, rounds: int = 2, out_of_band: bool = False,
                    skip: np.ndarray | None = None, workers: int | None = None, wider: int = 0) -> np.ndarray:
    """Labels after the worst grids were drawn again with their neighbours (see module docstring).

    Parts must be connected; they stay connected and keep their number. ``budget``: how much the
    region's objective may rise, in mean parts' shares of the whole objective. With
    ``out_of_band`` only parts out of the band are tried, with any weights, and a region is kept
    when it puts fewer households out of the band and no more parts; without it, parts far off the
    mean, and only with weights that charge deviation (``weights.beyond`` > 0). Parts holding a
    node marked in ``skip`` (``hemmed_in``: no part in the band can hold it) are not tried. The
    ``wider`` parts furthest off at the start of a round are tried from ``_WIDER_SEEDS`` seeds,
    the grids they touch too (the engine asks for ``_WIDER_WORST`` on graphs too large for its
    restarts).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    if len(labels) < 2 or labels.max() < 2 or (not out_of_band and weights.beyond <= 0):
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1

    better = _Rule(out_of_band, min_hh, max_hh)
    out, off = better.out, better.off
    # out of the band: any grid out of it is tried; else a grid more than 1% past the tolerance
    limit = 0.0 if out_of_band else weights.tolerance + 0.01
    if out_of_band and out(np.bincount(labels, weights=hh, minlength=k)).max() <= 0:
        return labels
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    if off(np.bincount(labels, weights=hh, minlength=k), tgt).max() <= limit:
        return labels
    hopeless = np.zeros(k, dtype=bool)
    if skip is not None:
        hopeless[np.unique(labels[np.asarray(skip, dtype=bool)])] = True
    kw = dict(min_hh=min_hh, max_hh=max_hh, weights=weights)
    # the band is the rule: a region putting fewer households out of it is kept whatever its shape
    allow = np.inf if out_of_band else budget * abs(objective(adj, hh, xy, labels, target=tgt, **kw)) / k
    coo = adj.tocoo()
    state = (adj, hh, xy, coo, tgt, better, allow, seed, kw,
             _MAX_REGION_OUT_OF_BAND if out_of_band else _MAX_REGION)
    kept = tried = 0
    dirty = np.ones(k, dtype=bool)  # parts redrawn since a grid was last tried: only then try it again
    stamp = np.zeros(k, dtype=np.int64)  # when each part was last drawn again (a count of regions kept)

    touch = [-1, None]  # which parts touch, as of the count of regions kept
    failed: set = set()  # regions cut from a seed and not kept, as they stood (``_attempts``' keys)

    def ring(g):
        if touch[0] != kept:
            touch[:] = kept, _touching(labels, coo, k)
        return _ring(touch[1], g, 2)

    sizes = [-1, None]  # how far off each part is, as of the count of regions kept (labels change only then)

    def wanted(g):
        if sizes[0] != kept:
            sizes[:] = kept, off(np.bincount(labels, weights=hh, minlength=k), tgt)
        return sizes[1][g] > limit and not hopeless[g] and dirty[ring(g)].any()

    with Ahead(_attempts, state, workers=workers if workers is not None else
               (PROCESSES if len(labels) >= _AHEAD_NODES else 1)) as ahead:
        for _ in range(rounds):
            dev = off(np.bincount(labels, weights=hh, minlength=k), tgt)
            redrawn = np.zeros(k, dtype=bool)
            order = np.argsort(-dev, kind="stable").tolist()
            worst = set(order[:wider])  # these get more seeds (what a planner reads first)

            def job(h):  # on today's plan; used only if no region kept since touched the ring it read
                if not wanted(h):  # (which also brings ``touch`` up to today's plan)
                    return None
                return (h, labels.copy(), h in worst, frozenset(failed), touch[1]), (kept, ring(h))

            for i, g in enumerate(order):
                ahead.fill(order, i, job)  # the grids after this one start on the workers
                if not wanted(g):
                    ahead.drop(g)
                    continue
                tried += 1
                got, lost = ahead.take(g, (g, labels, g in worst, failed, touch[1]),
                                       fresh=lambda t: stamp[t[1]].max() <= t[0])
                failed.update(lost)
                if got is not None:
                    region, nodes, new = got
                    labels[nodes] = new
                    kept += 1
                    stamp[region] = kept
                    redrawn[region] = True
            if not redrawn.any():
                break
            dirty = redrawn
    logger.debug("rebalance%s: %d of %d regions drawn again", " (out of band)" if out_of_band else "", kept, tried)
    return labels


class _Rule:
    """How far off a part is, and whether a region's new sizes are ``better`` (called with the new
    sizes, the old and the targets): with ``out_of_band``, fewer households out of the band and no
    more grids out; else the region's worst grid nearer its size. An object, not a closure, so
    that it goes to the workers with the pass's state."""

    def __init__(self, out_of_band: bool, min_hh: float, max_hh: float):
        self.out_of_band, self.min_hh, self.max_hh = out_of_band, min_hh, max_hh

    def out(self, ph):
        """Households out of the band."""
        return np.maximum(ph - self.max_hh, 0) + np.maximum(self.min_hh - ph, 0)

    def off(self, ph, t):
        """How far out of the band (``out_of_band``), else off the targets ``t``, as a share of them."""
        return self.out(ph) / t if self.out_of_band else np.abs(ph - t) / t

    def __call__(self, new, old, t) -> bool:
        if self.out_of_band:
            out = self.out
            return out(new).sum() < out(old).sum() - 1e-9 and (out(new) > 0).sum() <= (out(old) > 0).sum()
        return self.off(new, t).max() < self.off(old, t).max() - 1e-9


def _attempts(state, g, labels, wider=False, failed=frozenset(), touch=None):
    """Grid ``g`` drawn again with the grids it touches, else the ring of two from a few seeds
    (with ``wider``, from more seeds, and the grids it touches from several): (region, its
    nodes, their new labels) for the first region kept, or None; and the keys of the tries not
    kept. Reads ``labels``, never writes them (runs on the workers too); ``touch``: which parts
    of ``labels`` touch (``_touching``), when the caller has it.

    A try is keyed by its seed and the region's nodes and labels: the same region as it stood,
    cut from the same seed, is cut the same way and judged the same way (the targets, budget
    and rule are those of the whole pass), so a key in ``failed`` (tries not kept before, in
    this pass) is passed over without cutting it again. On the uneven town of 10,000 units of
    seed 1, 31 of the 160 regions the pass cut (0.7 s of its 4 s) were such repeats: the second
    round tries a grid again when a region kept near it touched its ring of two, and its own
    ring of one is often as it was."""
    adj, hh, xy, coo, tgt, better, allow, seed, kw, most = state
    # the grids it touches; if that is not enough, theirs too, and a small ring cut by METIS
    # from a few seeds (a lone estate among towers: one seed's cuts all leave it alone)
    tries = [(1, seed), (2, seed), (2, seed + 1), (2, seed + 2)]
    if wider:
        tries += [(2, seed + i) for i in range(3, _WIDER_SEEDS)] + [(1, seed + i) for i in range(1, _WIDER_SEEDS)]
    touch = _touching(labels, coo, int(labels.max()) + 1) if touch is None else touch
    lost = []
    for ring, sd in tries:
        region = _ring(touch, g, ring)
        if len(region) > (most if sd == seed or ring == 1 else _MAX_RESEEDED):
            continue
        nodes = np.flatnonzero(np.isin(labels, region))
        key = (sd, hashlib.sha1(region.tobytes() + nodes.tobytes() + labels[nodes].tobytes()).digest())
        if key in failed:
            continue
        got = _redraw_region(adj, hh, xy, labels, region, tgt, better, allow, sd, kw, nodes=nodes)
        if got is not None:
            return (region, *got), lost
        lost.append(key)
    return None, lost


def _touching(labels, coo, k) -> sparse.csr_matrix:
    """Which of the ``k`` parts touch (a k x k matrix of ones, none on the diagonal; made once for
    all the rings of a plan: at 10,000 units it takes longer than a ring's search by far)."""
    la, lb = labels[coo.row], labels[coo.col]
    apart = la != lb
    pairs = np.unique(la[apart] * k + lb[apart])
    return sparse.csr_matrix((np.ones(len(pairs)), (pairs // k, pairs % k)), shape=(k, k))


def _ring(touch, g, ring) -> np.ndarray:
    """Part ``g`` and the parts within ``ring`` steps of it (sorted), from ``_touching``."""
    mine = np.zeros(touch.shape[0], dtype=bool)
    mine[g] = True
    for _ in range(ring):
        mine |= touch @ mine.astype(float) > 0
    return np.flatnonzero(mine)


def _redraw_region(adj, hh, xy, labels, region, tgt, better, allow, seed, kw, nodes=None):
    """Draw ``region`` (part ids; ``nodes``: its nodes, if known) again: (its nodes, their new
    labels) if kept, else None."""
    nodes = np.flatnonzero(np.isin(labels, region)) if nodes is None else nodes
    sub = sub_graph(adj, nodes)
    if len(region) < 2 or n_pieces(sub) != 1:
        return None
    t = tgt[region]
    trial = _redraw(sub, hh[nodes], xy[nodes], len(region), t, seed, kw)
    if trial is None:
        return None
    now = np.searchsorted(region, labels[nodes])
    new_ph = np.bincount(trial, weights=hh[nodes], minlength=len(region))
    old_ph = np.bincount(now, weights=hh[nodes], minlength=len(region))
    if not better(new_ph, old_ph, t):
        return None
    rise = objective(sub, hh[nodes], xy[nodes], trial, target=t, **kw) - \
        objective(sub, hh[nodes], xy[nodes], now, target=t, **kw)
    return (nodes, region[trial]) if rise <= allow else None


def _redraw(sub, hh, xy, k, target, seed, kw) -> np.ndarray | None:
    """A region cut again into ``k`` connected parts (0..k-1) and settled; None if METIS gave fewer."""
    lab = recursive_bisection(sub, hh, xy, k, seed=seed)
    if lab.max() + 1 != k:
        return None
    # parts keep the region's order of targets: the bisection's parts are matched to them by size
    ph = np.bincount(lab, weights=hh, minlength=k)
    order = np.empty(k, dtype=np.int64)
    order[np.argsort(ph, kind="stable")] = np.argsort(target, kind="stable")
    lab = order[lab]
    lab = local_search(sub, hh, xy, lab, target=target, seed=seed, **kw)
    lab = swap_pass(sub, hh, xy, lab, target=target, **kw)
    return local_search(sub, hh, xy, lab, target=target, seed=seed, **kw)
