"""Parts for each connected component of a grid graph (private plumbing of ``_engine``).

Owns ``apportion`` (largest-remainder seats) and ``_seats`` (the graph's components and how many
parts each gets, band-aware when asked). Imports numpy and scipy only.
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components


def apportion(totals: np.ndarray, k: int, *, floor: np.ndarray | None = None) -> np.ndarray:
    """Split ``k`` seats over groups in proportion to ``totals`` (largest remainder), each >= ``floor``.

    Groups whose totals are all zero share the seats evenly. ``k`` is raised to ``floor.sum()``.
    """
    totals = np.asarray(totals, dtype=float)
    m = len(totals)
    floor = np.ones(m, dtype=int) if floor is None else np.asarray(floor, dtype=int)
    k = max(int(k), int(floor.sum()))
    w = totals if totals.sum() > 0 else np.ones(m)
    quota = w / w.sum() * k
    seats = np.maximum(np.floor(quota).astype(int), floor)
    while seats.sum() > k:  # floors pushed us over: take from the most over-served
        over = np.where(seats > floor, seats - quota, -np.inf)
        seats[int(np.argmax(over))] -= 1
    rem = quota - seats
    while seats.sum() < k:
        i = int(np.argmax(rem))
        seats[i] += 1
        rem[i] -= 1
    return seats


def _seats(adj, hh, k, band=None):
    """The graph's components, and how many parts each gets (in proportion to its households, at
    least one, at most its nodes).

    With ``band`` (least, most households), a part is then moved from one component to another
    while that puts more components' mean part in the band (``_band_seats``): a community in two
    islands of 1,489 and 674 households asked for three grids gives the 674 two grids of 337, not
    one of 674 beside two of 744 (neither of which the band can hold).
    """
    ncomp, comp = connected_components(adj, directed=False)
    totals = np.bincount(comp, weights=hh, minlength=ncomp)
    sizes = np.bincount(comp, minlength=ncomp)
    seats = np.minimum(apportion(totals, min(k, len(hh)), floor=np.ones(ncomp, dtype=int)), sizes)
    if band is not None and ncomp > 1:
        seats = _band_seats(totals, seats, sizes, *band)
    return ncomp, comp, seats


def _band_seats(totals, seats, sizes, lo, hi):
    """Move parts one at a time from one component to another while more components' mean part
    then lies in the band [lo, hi] (the move nearest the proportional share first); stops when
    no move adds one."""
    totals, seats = np.asarray(totals, dtype=float), np.array(seats, dtype=int)
    quota = totals / max(totals.sum(), 1e-9) * seats.sum()

    def held(t, s):
        return (s >= 1) & (lo <= t / np.maximum(s, 1)) & (t / np.maximum(s, 1) <= hi)

    for _ in range(int(seats.sum())):  # each move a whole table of (from, to) pairs at once
        now = held(totals, seats).astype(int)
        give = np.where(seats > 1, held(totals, seats - 1).astype(int) - now, -10)  # from a
        take = np.where(seats < sizes, held(totals, seats + 1).astype(int) - now, -10)  # to b
        gain = give[:, None] + take[None, :]
        np.fill_diagonal(gain, -10)
        if gain.max() <= 0:
            break
        off = np.abs(seats - 1 - quota)[:, None] + np.abs(seats + 1 - quota)[None, :]
        a, b = np.nonzero(gain == gain.max())  # (row-major: a, then b, ascending)
        pick = int(np.argmin(off[a, b]))  # the first of the nearest to the proportional share
        seats[a[pick]] -= 1
        seats[b[pick]] += 1
    return seats
