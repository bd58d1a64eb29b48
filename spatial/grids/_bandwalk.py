"""A last walk into the band for a plan the engine left with grids out of it (private plumbing
of ``_engine``).

The engine's passes weigh the band against size, shape and streets; with ``balance="equal"``
the charge beyond the rule near the mean is 30 times the band's, and the kick and the chains
move one unit, or the overflow along one chain, only where that lowers the band's violation at
once. Where the units are lumpy a plan in the band can need several moves that each leave the
violation as it was: on libpysal's 32 Mexican states with made-up households, seven grids of a
mean 446 came out at 400-479 and one of 517 in every seed's plan, while a plan of 404-499 exists
(found by moving units one at a time, never raising the households out of the band).

:func:`walk_into_band` is that search: random boundary nodes (a gated estate or group kept
together is one node of the graph) moved to a neighbouring part while every part stays
connected and the households out of the band do not rise, until none are out. It returns a plan
only when fewer grids are out than before, or as many by fewer households (as the engine grades
plans); the engine then settles it under its own weights without letting a grid leave the band
again (``_objective.held_band``). Plain Python on the CSR arrays (a random walk with a
connectivity check a move: no library does this); imports numpy, scipy and the engine's
objective and the exhaustive search only.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy.sparse.csgraph import connected_components

from spatial.grids._bandsearch import search_band
from spatial.grids._objective import band_out

logger = logging.getLogger(__name__)

__all__ = ["into_band", "walk_into_band"]

#: Tries (random nodes) of a walk: on libpysal's 49 Columbus neighbourhoods with made-up households,
#: 13 grids, 20,000 tries left one grid at 290 where 60,000 found every grid in 300-500.
_TRIES = 60_000


def into_band(adj, hh: np.ndarray, labels: np.ndarray, *, min_hh: float, max_hh: float, seed: int, stuck,
              finish, redraw=None, restarts: int = 0, proven=None, search: bool = True,
              xy: np.ndarray | None = None) -> np.ndarray:
    """``labels``, or where parts holding no ``stuck()`` node (none beyond reach of the band:
    ``_engine.hemmed_in``) are out of the band in components of the graph whose mean part is in
    it, ``finish`` of the plan :func:`walk_into_band` finds with fewer out (the
    engine's finish, which never takes a plan further out: ``_objective.held_band``).

    Where parts are still out, ``redraw(s)`` (the engine's whole run from seed ``s``, finished) is
    tried from up to ``restarts`` other seeds, each walked the same way, until one has none out;
    the plan with the fewest parts out (then households) is kept, the first of equals (``labels``'
    own first). The walk moves one unit at a time and never lets the households out of the band
    rise, so it stops short where every plan in the band lies beyond a step that first makes
    things worse: ``balance="band"`` (one run, no restarts of its own) on libpysal's 49 Columbus
    neighbourhoods with made-up households (seed 3), 13 grids, left one grid at 288 from every
    walk's seed, while 4 of the engine's first 10 seeds draw all 13 in 300-500. Where a ``stuck()``
    node proves no plan is all in the band, no restarts are drawn (they cannot reach it, and cost
    about 4 CPU-s a community of 50 units): the walk alone tries the other grids.

    ``proven()`` (asked only where parts are out) says whether a count proves no plan is all in
    the band (``_bandproof.no_band_plan``): then neither restarts nor the search are run either.
    With ``search``, a walk that leaves parts out is
    followed by an exhaustive search of a small graph (``_bandsearch.search_band``, nodes swept
    south to north by ``xy``, within a budget of groups tried): a plan it finds is finished and
    kept (Columbus, seed 2's households, 11 grids: 502 -> 304-497, where no walk or restart got
    there); where it proves none exists, no restarts are drawn."""
    labels = np.asarray(labels, dtype=np.int64)
    hh = np.asarray(hh, dtype=float)
    ph = np.bincount(labels, weights=hh)
    out = (ph < min_hh - 1e-9) | (ph > max_hh + 1e-9)
    if not out.any():
        return labels
    held_out = stuck()
    out[np.unique(labels[held_out])] = False
    if held_out.any() or (proven is not None and proven()):  # (a unit, pocket or count: no plan is all in it)
        logger.debug("band restarts and search skipped: a proof that no plan is all in the band")
        restarts, search = 0, False
    _, comp = connected_components(adj, directed=False)
    part_comp = np.zeros(len(ph), dtype=np.int64)
    part_comp[labels] = comp
    tot, seats = np.bincount(part_comp, weights=ph), np.bincount(part_comp)
    room = (seats * min_hh <= tot + 1e-9) & (tot <= seats * max_hh + 1e-9)  # the mean part in the band
    if not (out & room[part_comp]).any():
        return labels
    best = _walked(adj, hh, labels, min_hh, max_hh, seed, finish)
    if band_out(best, hh, min_hh, max_hh)[0] and search:
        found, decided = search_band(adj, hh, int(labels.max()) + 1, min_hh=min_hh, max_hh=max_hh,
                                     order=None if xy is None else np.argsort(np.asarray(xy)[:, 1], kind="stable"))
        logger.debug("band search: %s", "a plan in the band" if found is not None else "none exists" if decided
                     else "stopped at its budget")
        if found is not None:
            return finish(found)
        restarts = 0 if decided else restarts
    for s in [seed * (restarts + 1) + j for j in range(1, restarts + 1)] if redraw is not None else []:
        if band_out(best, hh, min_hh, max_hh)[0] == 0:
            break
        other = _walked(adj, hh, redraw(s), min_hh, max_hh, s, finish)
        if band_out(other, hh, min_hh, max_hh) < band_out(best, hh, min_hh, max_hh):
            logger.debug("band restart: seed %d, (parts, households) out of the band %s -> %s", s,
                         band_out(best, hh, min_hh, max_hh), band_out(other, hh, min_hh, max_hh))
            best = other
    return best


def _walked(adj, hh, labels, min_hh, max_hh, seed, finish):
    """``labels``, or ``finish`` of the plan :func:`walk_into_band` finds with fewer out."""
    if band_out(labels, hh, min_hh, max_hh)[0] == 0:
        return labels
    walked = walk_into_band(adj, hh, labels, min_hh=min_hh, max_hh=max_hh, seed=seed)
    if walked is None:
        return labels
    logger.debug("band walk: (parts, households) out of the band %s -> %s", band_out(labels, hh, min_hh, max_hh),
                 band_out(walked, hh, min_hh, max_hh))
    return finish(walked)


def walk_into_band(adj, hh: np.ndarray, labels: np.ndarray, *, min_hh: float, max_hh: float, seed: int = 0,
                   fixed: np.ndarray | None = None) -> np.ndarray | None:
    """Labels with fewer grids out of ``min_hh``-``max_hh`` than ``labels``, or as many out by fewer
    households (none, where the walk gets there), or None when the walk finds no such plan.
    ``fixed`` nodes never move.

    Examples
    --------
    Six nodes in a row of 200, 200, 150, 150, 200, 200 households in parts {0, 1, 2, 3}, {4} and
    {5} (700, 200, 200), band 300-500: the one plan in the band is 400, 300, 400.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> i = np.arange(5)
    >>> adj = sparse.csr_matrix((np.ones(10), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(6, 6))
    >>> hh = np.array([200.0, 200, 150, 150, 200, 200])
    >>> lab = walk_into_band(adj, hh, np.array([0, 0, 0, 0, 1, 2]), min_hh=300, max_hh=500)
    >>> np.bincount(lab, weights=hh)[lab].tolist()
    [400.0, 400.0, 300.0, 300.0, 400.0, 400.0]
    """
    lab = np.asarray(labels, dtype=np.int64).copy()
    n = len(lab)
    hh = np.asarray(hh, dtype=float)
    k = int(lab.max()) + 1 if n else 0
    if n < 2 or k < 2:
        return None
    ph = np.bincount(lab, weights=hh, minlength=k)
    size = np.bincount(lab, minlength=k)

    def out(h):
        return max(h - max_hh, 0.0) + max(min_hh - h, 0.0)

    start = sum(out(h) for h in ph)
    if start <= 1e-9:
        return None
    ip, ind = adj.indptr, adj.indices
    nbrs = [ind[ip[u]:ip[u + 1]].tolist() for u in range(n)]
    movable = np.ones(n, dtype=bool) if fixed is None else ~np.asarray(fixed, dtype=bool)
    cand = np.flatnonzero(movable & (np.diff(ip) > 0))
    if not len(cand):
        return None
    rng = np.random.default_rng(seed)
    lab_l, ph_l, size_l, hh_l = lab.tolist(), ph.tolist(), size.tolist(), hh.tolist()
    now = start
    picks = cand[rng.integers(0, len(cand), size=_TRIES)].tolist()
    coins = rng.random(len(picks)).tolist()
    for v, coin in zip(picks, coins):
        a = lab_l[v]
        others = sorted({lab_l[u] for u in nbrs[v]} - {a})
        if not others or size_l[a] < 2:
            continue
        b = others[int(coin * len(others))]
        h = hh_l[v]
        after = now - out(ph_l[a]) - out(ph_l[b]) + out(ph_l[a] - h) + out(ph_l[b] + h)
        if after > now + 1e-9 or not _stays_whole(nbrs, lab_l, v, a):
            continue
        lab_l[v] = b
        ph_l[a] -= h
        ph_l[b] += h
        size_l[a] -= 1
        size_l[b] += 1
        now = after
        if now <= 1e-9:
            break
    walked = np.asarray(lab_l, dtype=np.int64)
    # fewer grids out first, as the engine grades plans, then fewer households
    return walked if band_out(walked, hh, min_hh, max_hh) < band_out(lab, hh, min_hh, max_hh) else None


def _stays_whole(nbrs, lab, v, a) -> bool:
    """Whether part ``a`` stays connected without node ``v`` (its neighbours in ``a`` reach one
    another without passing ``v``)."""
    mine = [u for u in nbrs[v] if lab[u] == a]
    if len(mine) <= 1:
        return True
    want = set(mine[1:])
    seen, stack = {v, mine[0]}, [mine[0]]
    while stack:
        u = stack.pop()
        for w in nbrs[u]:
            if w not in seen and lab[w] == a:
                if w in want:
                    want.discard(w)
                    if not want:
                        return True
                seen.add(w)
                stack.append(w)
    return False
