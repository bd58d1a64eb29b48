"""A redraw's last touches (private plumbing of :mod:`spatial.grids.redraw`): towers shared out
again between grids still beyond the rule, and borders the redraw's passes moved tidied on the
drawing's own terms. Imports the engine's ``_lumps``, ``_objective`` and ``_search`` only.
"""
from __future__ import annotations

import logging

import numpy as np

from spatial.grids._lumps import exchange_lumps
from spatial.grids._objective import EQUAL_FINISH, Weights
from spatial.grids._search import local_search

logger = logging.getLogger(__name__)


#: What the tidying charges a unit it moves away from its planned grid (in typical shared edges of
#: off-street border); a move back to the planned grid is free.
_TIDY_MOVE = 1.0


def _share_lumps(sub, hh, lab, fixed, lo, hi, pct):
    """Grids still beyond ``pct`` of their community's mean grid share their towers out again with
    a neighbouring grid (``exchange_lumps``), where every grid within the rule is in the band."""
    k = int(lab.max()) + 1
    mean = hh.sum() / max(k, 1)
    if k < 2 or mean * (1 - pct / 100) < lo or mean * (1 + pct / 100) > hi:
        return lab  # the rule reaches past the band: the chains keep the band, this would not
    return exchange_lumps(sub, hh, lab, target=np.full(k, mean), limit=pct / 100, fixed=fixed)


def _tidy(sub, hh, xy, lab, before, fixed, lo, hi, pct=None, shapes=None):
    """Borders the redraw's passes moved, tidied by the local search on the drawing's own terms
    (off-street border, spread, and with ``shapes`` each grid's Polsby-Popper, as the drawing's
    finish weighs them): a unit moves again only where that is worth ``_TIDY_MOVE`` (a move back
    to its grid in ``before``, -1: none, is free), only within grids the passes changed, never
    taking a grid out of the band (or, with ``pct``, past that share of the mean grid).

    The chains hand on boundary units one at a time by households alone, and through empty
    ground they hand on every empty unit in the way: on the uneven town of seed 2 (2,000 units,
    one block grown 60%) grid C1-28 passed 53 units (52 of them empty) to C1-23 and took 26 of
    C1-18's, Polsby-Popper 0.695 -> 0.117. Tidied: see docs/grids.md, "Redraw keeps cores"."""
    k = int(lab.max()) + 1
    moved = lab != before
    changed = np.unique(np.r_[lab[moved], before[moved]])
    changed = changed[changed >= 0]
    if k < 2 or not len(changed):
        return lab
    mean = hh.sum() / k
    w = Weights(band=1000.0, deviation=0.0, tolerance=(pct or 0.0) / 100, beyond=0.0 if pct is None else 6000.0,
                cut=EQUAL_FINISH.cut, spread=EQUAL_FINISH.spread, shape=EQUAL_FINISH.shape, move=_TIDY_MOVE)
    inside = np.isin(lab, changed)
    tidied = local_search(sub, hh, xy, lab, min_hh=lo, max_hh=hi, weights=w, fixed=fixed | ~inside, origin=before,
                          target=np.full(k, mean), active=np.flatnonzero(inside), shapes=shapes)
    # the search may trade one grid's band for another's (fewer households out in all): kept only
    # when no grid ends further out of the band or past the rule than the passes left it
    ph0, ph1 = (np.bincount(x, weights=hh, minlength=k) for x in (lab, tidied))

    def outside(ph):
        far = np.zeros(k) if pct is None else np.maximum(np.abs(ph - mean) - pct / 100 * mean, 0.0)
        return np.maximum(np.maximum(lo - ph, ph - hi), 0.0), far

    if any((new > old + 1e-9).any() for new, old in zip(outside(ph1), outside(ph0))):
        logger.debug("tidy: undone (a grid would leave the band or pass the rule)")
        return lab
    return tidied
