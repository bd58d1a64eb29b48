"""A large plan's finish run on two halves of the town at once (the grid engine's second core).

The finish's passes (annealing, the searches, swaps, ejection chains, compound exchanges, the
empty-ground cut) each decide a step on the last, so on one graph they keep one core busy while
the other idles. Past ``_engine._RESTART_MAX_NODES`` nodes the grids are split in two along grid
borders instead (``_sides``: across the long axis of the grids' centroids), the grids of one side
on the seam (those touching the other side) held still, and each side finished on its own graph
in its own process: the two share no border that may move, so neither waits for the other. The
seam's grids with the grids round them are then finished the same way (split across their own
long axis), and so on until a few dozen grids are left, finished whole.

Each side is finished as on the whole graph: its parts' wanted sizes and the typical edge and
part radius that weigh the terms are the whole graph's (``_objective.framed``), and a border to
a part held still costs the same whichever of the side's parts a unit is in. The plan does not
depend on the cores: with one process the sides run in turn.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
from scipy import sparse

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._graph import sub_graph
from spatial.grids._objective import _targets, framed, whole_norms

logger = logging.getLogger(__name__)

__all__ = ["in_halves"]

#: A region of this many grids or fewer is finished whole (its seam would be most of it).
_LEAST = 40
#: ... and the region left after this many levels of sides (a seam's region, not shrinking).
_LEVELS = 4


def in_halves(state: tuple, labels: np.ndarray, seed: int, run: Callable) -> np.ndarray:
    """``run(state, labels, seed)`` (a module-level finish) on halves of the graph, two at a time.

    ``state`` is the engine's ``(adj, hh, xy, k, min_hh, max_hh, weights, max_rounds, shapes)``;
    ``run`` gets the same of each side (its sub-graph, its nodes' arrays, its grids numbered from
    0) and returns the side's labels. Grids keep their numbers; every grid keeps its nodes but
    those of the sides it was finished in.
    """
    adj, hh, xy = state[0], state[1], state[2]
    labels = np.asarray(labels, dtype=np.int64).copy()
    k = int(labels.max()) + 1
    target = _targets(adj, labels, hh, k)[labels]  # each node's part's wanted size (fixed: k parts)
    ref_len, r2 = whole_norms(adj, xy, k)
    region = np.arange(k)
    level = 0
    while True:
        touch = _touching(adj, labels, k)
        if len(region) <= _LEAST or level >= _LEVELS:
            sides, seam = [region], None
        else:
            sides, seam = _sides(region, labels, xy, touch, k)
            sides = [s for s in sides if len(s)]
        job_state = (state, labels, target, ref_len, r2, run, seed)
        with Ahead(_side, job_state, workers=PROCESSES if len(sides) > 1 else 1) as ahead:
            for j in range(1, len(sides)):
                ahead.send(j, (sides[j],))
            done = [_side(job_state, sides[0])] + [ahead.take(j, (sides[j],)) for j in range(1, len(sides))]
        for nodes, new in done:
            labels[nodes] = new
        logger.debug("halves: level %d, sides of %s grids", level, [len(s) for s in sides])
        if seam is None:
            return labels
        # the seam's grids and the region's grids round them, with today's borders
        touch = _touching(adj, labels, k)
        near = np.zeros(k, dtype=bool)
        near[seam] = True
        near |= np.asarray(touch[seam].sum(axis=0)).ravel() > 0
        inside = np.zeros(k, dtype=bool)
        inside[region] = True
        region = np.flatnonzero(near & inside)
        level += 1


def _touching(adj: sparse.csr_matrix, labels: np.ndarray, k: int) -> sparse.csr_matrix:
    """Which grids share a border (k x k, both ways)."""
    coo = adj.tocoo()
    a, b = labels[coo.row], labels[coo.col]
    across = a != b
    return sparse.csr_matrix((np.ones(int(across.sum())), (a[across], b[across])), shape=(k, k))


def _sides(region: np.ndarray, labels: np.ndarray, xy: np.ndarray, touch: sparse.csr_matrix,
           k: int) -> tuple[list[np.ndarray], np.ndarray]:
    """The region's grids in two sides that share no border, and the grids held still between them.

    The grids are ordered along the long axis of their centroids; the first side is the grids
    before a cut, the second those after it less the ones touching the first (the seam, held
    still). The cut is placed so that the two sides have about as many grids.
    """
    cnt = np.maximum(np.bincount(labels, minlength=k), 1)
    cen = np.column_stack([np.bincount(labels, weights=xy[:, i], minlength=k) / cnt for i in (0, 1)])[region]
    c = cen - cen.mean(axis=0)
    _, vec = np.linalg.eigh(c.T @ c)
    order = region[np.argsort(c @ vec[:, -1], kind="stable")]
    sub = touch[order][:, order]
    cut = len(order) // 2
    for _ in range(2):  # the seam comes off the second side: move the cut back by half of it
        seam = _seam(sub, cut)
        cut = max((len(order) - len(seam)) // 2, 1)
    seam = _seam(sub, cut)
    second = np.setdiff1d(np.arange(cut, len(order)), seam)
    return [np.sort(order[:cut]), np.sort(order[second])], np.sort(order[seam])


def _seam(touch: sparse.csr_matrix, cut: int) -> np.ndarray:
    """Positions at ``cut`` or after that touch a position before it."""
    return cut + np.flatnonzero(np.asarray(touch[:cut, cut:].sum(axis=0)).ravel() > 0)


def _side(job_state: tuple, grids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, labels) of the side's ``grids`` finished on their own graph (runs on a worker
    too; reads the plan, never writes it)."""
    state, labels, target, ref_len, r2, run, seed = job_state
    adj, hh, xy, _, min_hh, max_hh, weights, max_rounds, shapes = state
    nodes = np.flatnonzero(np.isin(labels, grids))
    twin = shapes is not None and np.array_equal(shapes.shared.indptr, adj.indptr) and \
        np.array_equal(shapes.shared.indices, adj.indices)
    if twin:
        sub, shared = sub_graph(adj, nodes, twin=shapes.shared)
        part = type(shapes)(shapes.area[nodes], shapes.perimeter[nodes], shared)
    else:
        sub = sub_graph(adj, nodes)
        part = None if shapes is None else shapes.take(nodes)
    own = np.searchsorted(grids, labels[nodes])
    sub_state = (sub, hh[nodes], xy[nodes], len(grids), min_hh, max_hh, weights, max_rounds, part)
    with framed(sub, target[nodes], ref_len=ref_len, r2=r2):
        out = run(sub_state, own, seed)
    return nodes, grids[np.asarray(out, dtype=np.int64)]
