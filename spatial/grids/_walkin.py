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
piece (the walk's sideways steps), so few units move. Imports numpy and the engine's pieces.
"""

from __future__ import annotations

import numpy as np

from spatial.grids._bandwalk import _stays_whole, walk_into_band
from spatial.grids._engine import partition

__all__ = ["walk_in"]

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
    return lab
