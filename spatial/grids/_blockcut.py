"""Street blocks' grids drawn again together, the last step of the grid engine's finish.

At 10,000 units a grid is about half a superblock (街坊), and a plan's border on the streets is
set less by how straight its cuts through blocks run (on the uneven benchmark town of seed 1
within 6% of the shortest straight cuts that give each block its pieces) than by how many grids
share each block: 370 pieces of high-rise blocks where 279 would do. Moves between two grids
(search, swaps, pair re-cuts) cannot change which grids share a block; here every street block's
grids, all at once (at most ``_MAX_REGION``), are merged and cut again by the engine's
street-following METIS bisection, settled under the finish's weights (shape and streets, within
its tolerance), and kept when that objective falls, no grid goes further off its size than
the finish allows or than the region's furthest grid was, and no more of them end out of the band. On the uneven benchmark towns of
10,000 units (seeds 1-4) it took mean Polsby-Popper up by 0.003-0.010 and border on streets by
0.4-0.9 points, with as many grids within 5% or more, for about 0.5 s. On smaller graphs, where
restarts choose the plan, it ends each plan finished: on uneven towns of 2,000 units the engine
was not tuned on (seeds 16-45) mean Polsby-Popper 0.568 -> 0.582 and 0.569 -> 0.575.

A street block is a piece of the graph when the edges lying mostly on a street are taken out:
the cut cost of an edge is its shared boundary less four fifths of what lies on a road
(``_prep.ROAD_CUT_FACTOR``), so an edge whose cost is under ``_STREET_RATIO`` of its shared
boundary (``Shapes.shared``) is a street. With no streets at all a community is one block,
drawn again only if it holds no more than ``_MAX_REGION`` grids.

Written here because no library re-cuts regions of a partition under this objective; the cuts
are METIS's (``_bisect``), the settling the engine's own search. On graphs of ``_AHEAD_NODES``
or more the next blocks' re-cuts start on worker processes (``spatial.core._procs.Ahead``) on
the plan as it is; a result is used in its block's turn only if the block's grids are the same
and none of them changed since (else it is cut again then), so the plan is the one a single core
draws. Imports numpy, scipy and the engine's private modules only.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._bisect import recursive_bisection
from spatial.grids._graph import n_pieces, sub_graph
from spatial.grids._objective import Shapes, Weights, _targets, band_out, objective
from spatial.grids._search import local_search
from spatial.grids._swap import swap_pass

logger = logging.getLogger(__name__)

__all__ = ["recut_blocks", "street_blocks"]

#: An edge whose cut cost is under this share of its shared boundary lies mostly on a street
#: (a street's cost is a fifth of its length, an arterial's a tenth, a block's inside its whole).
_STREET_RATIO = 0.6
#: Blocks shared by more grids than this are left as they are (a re-cut of many grids costs
#: more than it finds: at most 8 instead of 6 found no more on the uneven town of seed 1).
_MAX_REGION = 6
#: Graphs of at least this many nodes send re-cuts ahead to worker processes.
_AHEAD_NODES = 3000


def street_blocks(adj: sparse.csr_matrix, shapes: Shapes) -> np.ndarray:
    """Block id (0..b-1) of each node: the pieces of the graph without the edges on streets.

    Examples
    --------
    Four cells in a row, the middle edge on a street (cost a fifth of its 10 m):

    >>> import numpy as np
    >>> from scipy import sparse
    >>> from spatial.grids._objective import Shapes
    >>> i, j = np.array([0, 1, 2, 1, 2, 3]), np.array([1, 2, 3, 0, 1, 2])
    >>> cost = sparse.csr_matrix((np.array([10.0, 2.0, 10.0, 10.0, 2.0, 10.0]), (i, j)), shape=(4, 4))
    >>> shared = sparse.csr_matrix((np.full(6, 10.0), (i, j)), shape=(4, 4))
    >>> street_blocks(cost, Shapes(np.ones(4), np.full(4, 40.0), shared)).tolist()
    [0, 0, 1, 1]
    """
    coo = adj.tocoo()
    shared = np.asarray(shapes.shared.tocsr()[coo.row, coo.col]).ravel()
    inner = coo.data >= _STREET_RATIO * shared
    m = sparse.csr_matrix((np.ones(int(inner.sum())), (coo.row[inner], coo.col[inner])), shape=adj.shape)
    return connected_components(m, directed=False)[1]


def recut_blocks(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
                 max_hh: float, weights: Weights, shapes: Shapes, seed: int = 0, workers: int | None = None
                 ) -> np.ndarray:
    """Labels after each street block's grids were drawn again together (see module docstring).

    Parts must be connected; they stay connected and keep their number and ids. ``weights``: the
    finish's (their ``tolerance`` is how far off its size a grid may go).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    if len(labels) < 4 or labels.max() < 1:
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1
    block = street_blocks(adj, shapes)
    nb = int(block.max()) + 1
    members = np.split(np.argsort(block, kind="stable"), np.cumsum(np.bincount(block, minlength=nb))[:-1])
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    state = (adj, hh, xy, tgt, min_hh, max_hh, weights, shapes, seed)
    stamp = np.zeros(k, dtype=np.int64)  # when each part was last drawn again (a count of regions kept)
    kept = tried = 0

    def region_of(b):
        region = np.unique(labels[members[b]])
        return region if 2 <= len(region) <= _MAX_REGION else None

    def job(b):
        region = region_of(b)
        if region is None:
            return None
        return (region, labels.copy()), (kept, region)

    order = list(range(nb))
    with Ahead(_recut, state, workers=workers if workers is not None else
               (PROCESSES if len(labels) >= _AHEAD_NODES else 1)) as ahead:
        for i, b in enumerate(order):
            ahead.fill(order, i, job)
            region = region_of(b)
            if region is None:
                ahead.drop(b)
                continue
            tried += 1
            got = ahead.take(b, (region, labels),
                             fresh=lambda t: np.array_equal(t[1], region) and stamp[region].max() <= t[0])
            if got is not None:
                nodes, new = got
                labels[nodes] = new
                kept += 1
                stamp[region] = kept
    logger.debug("block re-cuts: %d of %d blocks' grids drawn again", kept, tried)
    return labels


def _recut(state, region: np.ndarray, labels: np.ndarray):
    """(nodes, new labels) of ``region``'s grids cut again, or None when not better (runs on the
    workers too; reads ``labels``, never writes them)."""
    adj, hh, xy, tgt, min_hh, max_hh, weights, shapes, seed = state
    nodes = np.flatnonzero(np.isin(labels, region))
    sub = sub_graph(adj, nodes)
    if n_pieces(sub) != 1:
        return None
    m = len(region)
    h, p, s, t = hh[nodes], xy[nodes], shapes.take(nodes), tgt[region]
    trial = recursive_bisection(sub, h, p, m, seed=seed)
    if trial.max() + 1 != m:
        return None
    # the bisection's parts are matched to the region's targets by size
    order = np.empty(m, dtype=np.int64)
    order[np.argsort(np.bincount(trial, weights=h, minlength=m), kind="stable")] = np.argsort(t, kind="stable")
    trial = order[trial]
    kw = dict(min_hh=min_hh, max_hh=max_hh, weights=weights, target=t, shapes=s)
    trial = local_search(sub, h, p, trial, seed=seed, **kw)
    trial = local_search(sub, h, p, swap_pass(sub, h, p, trial, **kw), seed=seed, **kw)
    now = np.searchsorted(region, labels[nodes])
    off_new = np.abs(np.bincount(trial, weights=h, minlength=m) - t) / t
    off_now = np.abs(np.bincount(now, weights=h, minlength=m) - t) / t
    if off_new.max() > max(off_now.max(), weights.tolerance) + 1e-9:
        return None
    if band_out(trial, h, min_hh, max_hh) > band_out(now, h, min_hh, max_hh):  # the band is a hard rule
        return None
    if objective(sub, h, p, trial, **kw) >= objective(sub, h, p, now, **kw) - 1e-9:
        return None
    return nodes, region[trial]
