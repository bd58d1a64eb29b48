"""A redraw's last resort for one community: all its grids drawn again together (网格整体重划).

The redraw moves as few units as it can: chains of neighbouring grids, then splits and merges
(``redraw._fix_band``). Where a locked unit stands in the way those steps can leave grids out of
the band though a plan in it exists: four units of 100, 120, 90 and 110 households in a row,
grids A = {1, 2, 3} (310) and B = {4} (110), band 150-250, unit 3 locked in A. No chain passes
unit 3 on, so A is split ({1} and {2, 3}) and two grids stay under the band, where A = {3, 4}
(200) and a grid {1, 2} (220) are both in it. Here the community is cut again by the engine
(``_engine.partition``) into as many grids as it has, or the nearest counts the band allows, and
the cut is kept when every grid's locked units stay together, apart from other grids' locked
units, and fewer households are out of the band. Grids keep the names of the planned grids they
hold most households of (a locked unit's grid its own), so the report and the moves read as a
redraw. Only communities with locked units are cut again (without locks the chains, splits and
merges are the redraw; a grid no plan can bring in, such as an island of 36 households, would
cost three engine runs for nothing). Imports numpy and the engine only.
"""

from __future__ import annotations

import math

import numpy as np

from spatial.grids._chains import band_violation

__all__ = ["recut_whole"]

#: Grid counts tried, nearest the community's present count first.
_TRIES = 3


def recut_whole(sub, hh, xy, lab, names: list, planned, fixed, lo: float, hi: float, seed: int, fresh):
    """``(labels, names)`` of the community cut again, or None when no cut puts fewer households
    out of the band with the locked units kept in their grids (see the module's docstring).
    ``fresh(root, names)`` names a grid the plan had no grid for, most of whose planned households
    were in grid ``root`` (``<root>-a``, or the community's next number: ``redraw._fix_band``)."""
    from spatial.grids._engine import partition

    hh = np.asarray(hh, dtype=float)
    size = np.bincount(lab, weights=hh, minlength=len(names))
    alive = np.bincount(lab, minlength=len(names)) > 0
    now = band_violation(size[alive], lo, hi)
    total = float(hh.sum())
    if now <= 0 or lo <= 0 or len(hh) < 2:
        return None
    counts = range(max(1, math.ceil(total / hi)), max(1, math.floor(total / lo)) + 1)
    k_now = int(alive.sum())
    for k in sorted(counts, key=lambda c: (abs(c - k_now), c))[:_TRIES]:
        if k > len(hh):
            continue
        cut = partition(sub, hh, xy, k, min_hh=lo, max_hh=hi, seed=seed, restarts=0)
        if band_violation(np.bincount(cut, weights=hh, minlength=k), lo, hi) >= now - 1e-9:
            continue
        held = _locked_parts(cut, lab, fixed)
        if held is None:
            continue
        return _named(cut, k, held, planned, hh, names, fresh)
    return None


def _locked_parts(cut, lab, fixed) -> dict | None:
    """Each grid's part of ``cut`` holding its locked units, or None when some grid's locked units
    fall in two parts, or two grids' in one."""
    held: dict = {}
    for g in np.unique(lab[fixed]):
        parts = np.unique(cut[fixed & (lab == g)])
        if len(parts) != 1 or int(parts[0]) in held.values():
            return None
        held[int(g)] = int(parts[0])
    return held


def _named(cut, k, held, planned, hh, names, fresh):
    """Labels into ``names`` (grown by new ones): a locked grid's part its name, the others the
    planned grid whose households they hold most of, largest first; the rest the name of a grid
    the redraw split off before (not in the plan), else ``fresh(root, names)``."""
    names = list(names)
    of_part = {p: g for g, p in held.items()}
    on = planned >= 0
    overlap = np.zeros((k, len(names)))
    np.add.at(overlap, (cut[on], planned[on]), hh[on])
    taken = set(held)
    for p, g in sorted(((p, g) for p in range(k) for g in range(len(names)) if overlap[p, g] > 0),
                       key=lambda t: -overlap[t]):
        if p not in of_part and g not in taken:
            of_part[p] = g
            taken.add(g)
    for p in range(k):
        if p not in of_part:
            root = names[int(np.argmax(overlap[p]))] if overlap[p].any() else names[0]
            spare = [g for g in range(len(names)) if g not in taken and not (planned == g).any()]
            if spare:  # a grid the redraw split off: its name again
                of_part[p] = spare[0]
            else:
                names.append(fresh(root, names))
                of_part[p] = len(names) - 1
            taken.add(of_part[p])
    return np.array([of_part[p] for p in cut], dtype=np.int64), names
