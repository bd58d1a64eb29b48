"""A last walk into the band for redraw (网格调整) where chains and splits left a grid out of it
(private plumbing of :mod:`spatial.grids.redraw`).

The redraw's chains hand each grid's whole overflow on at once, one grid to the next, and keep a
chain only when the band's violation falls; where the units are lumpy and every grid round an
over-band one is nearly full, no such chain exists though a plan in the band does. On the
regenerated demo with 20% more households, C06-18 (four units of 114-166 households, 526) reaches
the rest of C06 only through C06-17, and C06-14 to C06-18 hold 2,010 households: 18 grids in the
band were not found (a random search on the units' rook graph never got below 26 over), while with
a 19th grid every search found one (checked with networkx: each grid in one piece, 300-500).

:func:`walk_in` therefore walks single boundary units (the violation never rising,
:func:`~spatial.grids._bandwalk.walk_into_band`), first on the grids as they are, then with the
heaviest over-band grid split in two; it keeps a walk only when every grid ends in the band, and
then sends back each unit the walk moved whose going back keeps both grids in the band and in one
piece (the walk's sideways steps), then groups of units that go back only together
(:func:`send_back_groups`; the redraw runs it once more against the plan at the end). On the demo
with 20% more households, one at a time left 34 of C06's 167 units moved (176 in all); in groups
too, 19 (161 in all, against 153 before the walk, when C06-18 stayed at 526). :func:`walk_causes`
gives each unit the walk moved the grid it moved for, which its ``moves`` reason names. Imports
numpy and the engine's pieces.
"""

from __future__ import annotations

import numpy as np

from spatial.grids._bandwalk import _stays_whole, walk_into_band
from spatial.grids._engine import partition

__all__ = ["send_back_groups", "walk_causes", "walk_in"]

#: Walks (seeds) tried with the heaviest grid split, before the grid is left over the band.
_WALKS = 5


def _out(lab, hh, lo, hi, k):
    ph = np.bincount(lab, weights=hh, minlength=k)
    return float(np.maximum(ph - hi, 0).sum() + np.maximum(lo - ph, 0).sum())


def walk_in(adj, hh, xy, lab, fixed, lo, hi, seed=0):
    """``(labels, split)``: a plan with every grid in ``lo``-``hi``, ``split`` the grid split in two
    for it (its new half is label ``lab.max() + 1``) or None; None when no walk finds one."""
    k = int(lab.max()) + 1
    walked = walk_into_band(adj, hh, lab, min_hh=lo, max_hh=hi, seed=seed, fixed=fixed)
    if walked is not None and _out(walked, hh, lo, hi, k) <= 1e-9:
        return _walk_back(adj, hh, walked, lab, lo, hi), None
    ph = np.bincount(lab, weights=hh, minlength=k)
    a = int(np.argmax(ph))
    members = np.flatnonzero(lab == a)
    if ph[a] <= hi or len(members) < 2 or fixed[members].any():
        return None
    sl = partition(adj[members][:, members].tocsr(), hh[members], xy[members], 2, min_hh=lo / 2, max_hh=hi,
                   seed=seed, restarts=0)
    if len(np.unique(sl)) < 2:
        return None
    start = lab.copy()
    start[members[sl == 1]] = k
    if _out(start, hh, lo, hi, k + 1) <= 1e-9:  # the split alone does it
        return start, a
    for s in range(_WALKS):
        walked = walk_into_band(adj, hh, start, min_hh=lo, max_hh=hi, seed=seed + s, fixed=fixed)
        if walked is not None and _out(walked, hh, lo, hi, k + 1) <= 1e-9:
            return _walk_back(adj, hh, walked, start, lo, hi), a
    return None


def _walk_back(adj, hh, walked, start, lo, hi):
    """``walked`` with each node the walk moved sent back to its grid in ``start`` wherever both
    grids stay in the band and in one piece, round after round."""
    lab = walked.copy()
    nbrs = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(len(lab))]
    ph = np.bincount(lab, weights=hh, minlength=int(max(lab.max(), start.max())) + 1)
    size = np.bincount(lab, minlength=len(ph))
    for _ in range(len(lab)):
        back = False
        for v in np.flatnonzero(lab != start).tolist():
            a, b = int(lab[v]), int(start[v])
            if not (lo <= ph[a] - hh[v] <= hi and lo <= ph[b] + hh[v] <= hi) or size[a] < 2:
                continue
            if not any(lab[u] == b for u in nbrs[v]) or not _stays_whole(nbrs, lab.tolist(), v, a):
                continue
            lab[v] = b
            ph[a] -= hh[v]
            ph[b] += hh[v]
            size[a] -= 1
            size[b] += 1
            back = True
        if not back:
            break
    return send_back_groups(adj, hh, lab, start, lo, hi)


def _whole(nbrs, lab, g) -> bool:
    """Whether the nodes of grid ``g`` are one piece."""
    mine = set(np.flatnonzero(lab == g).tolist())
    if not mine:
        return False
    first = next(iter(mine))
    seen, stack = {first}, [first]
    while stack:
        for w in nbrs[stack.pop()]:
            if w in mine and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(mine)


def _groups(nbrs, lab, start, a, b):
    """Sets of nodes in ``a`` whose grid in ``start`` is ``b`` to try sending back together: all of
    them (with those gone the other way, ``b`` to ``a``, as a swap), each connected group, then a
    group's first nodes breadth-first from those touching ``b`` (largest first)."""
    there = np.flatnonzero((lab == a) & (start == b)).tolist()
    other = np.flatnonzero((lab == b) & (start == a)).tolist()
    if other:
        yield there, other
    yield there, []
    todo, comps = set(there), []
    while todo:
        first = todo.pop()
        comp, stack = [first], [first]
        while stack:
            for w in nbrs[stack.pop()]:
                if w in todo:
                    todo.discard(w)
                    comp.append(w)
                    stack.append(w)
        comps.append(comp)
    for comp in comps:
        if len(comps) > 1:
            yield comp, []
        inside = set(comp)
        order = [v for v in comp if any(lab[w] == b for w in nbrs[v])]
        seen = set(order)
        for v in order:
            for w in nbrs[v]:
                if w in inside and w not in seen:
                    seen.add(w)
                    order.append(w)
        for n in range(len(order) - 1, 0, -1):
            yield order[:n], []


def send_back_groups(adj, hh, lab, start, lo, hi):
    """``lab`` with groups of moved nodes sent back to their grid in ``start`` (-1: none) together,
    wherever both grids end in the band ``lo``-``hi`` and each stays in one piece (nodes are whole
    estates: none is cut). One node at a time cannot undo a sideways move whose going back takes a
    grid out of the band until its neighbour goes back too (two units passed from A to B, each
    alone leaving A under 300); all the nodes moved between a pair of grids go back together, or
    a swap between them both ways, or a connected group of them, or its part touching the grid it
    left. As with one unit (``_chains.put_back``), a group goes back only where the border it changes
    lengthens by at most one typical edge's cut cost: sending units back to a grid the redraw split
    in two must not pull the new border off the street it follows onto a cut through a block.
    Rounds until no group goes back."""
    lab = np.asarray(lab, dtype=np.int64).copy()
    start = np.asarray(start, dtype=np.int64)
    nbrs = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(len(lab))]
    rows = np.repeat(np.arange(len(lab)), np.diff(adj.indptr))
    typical = float(np.median(adj.data)) if adj.nnz else 0.0

    def cut(labels):
        return float(adj.data[labels[rows] != labels[adj.indices]].sum()) / 2

    k = int(max(lab.max(), start.max())) + 1
    for _ in range(len(lab)):
        ph = np.bincount(lab, weights=hh, minlength=k)
        moved = (lab != start) & (start >= 0)
        pairs = sorted(set(zip(lab[moved].tolist(), start[moved].tolist())))
        now = cut(lab)
        back = False
        for a, b in pairs:
            for there, other in _groups(nbrs, lab, start, a, b):
                h = float(hh[there].sum()) - float(hh[other].sum())
                if not (lo <= ph[a] - h <= hi and lo <= ph[b] + h <= hi):
                    continue
                trial = lab.copy()
                trial[there], trial[other] = b, a
                if cut(trial) - now <= typical + 1e-9 and _whole(nbrs, trial, a) and _whole(nbrs, trial, b):
                    lab, back = trial, True
                    break
            if back:
                break
        if not back:
            break
    return lab


def walk_causes(before, after, hh, lo, hi, names) -> dict:
    """``{node: (grid name, households)}``: for each node the walk moved (``before`` -> ``after``),
    the grid out of the band ``lo``-``hi`` before the walk that it moved to bring in (``names``:
    each grid's name by its number before the walk, None for a grid gone since): its own grid
    before or after the walk where that was out, else the one furthest out."""
    ph = np.bincount(before, weights=hh, minlength=len(names))
    off = np.maximum(ph - hi, 0) + np.maximum(lo - ph, 0) * (ph > 0)
    out = [g for g in np.argsort(-off, kind="stable").tolist() if off[g] > 0 and names[g] is not None]
    causes = {}
    for v in np.flatnonzero(before != after[:len(before)]).tolist():
        g = next((g for g in (int(before[v]), int(after[v])) if g in out), out[0] if out else None)
        if g is not None:
            causes[v] = (names[g], float(ph[g]))
    return causes
