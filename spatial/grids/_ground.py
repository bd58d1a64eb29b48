"""Borders through empty ground, moved by an exact minimum cut between two parts.

Units without households (shops, schools, parks, the empty cells between towers) can change
grids without changing any grid's size, so where a border between two grids runs through such
ground it may follow the street instead at no cost to balance. Single moves (``_search``,
``_anneal``) find this only unit by unit, and a border across a block of empty cells moves only
once all of them have: each step alone lengthens it. Here, for each pair of neighbouring parts,
the units holding households stay where they are and every empty unit of the pair goes to the
side of the minimum cut between the two parts' households (a maximum flow, cut costs as
capacities: a street costs a fifth of a wall, so the cut runs along streets where it can). The
new border is kept when both parts stay in one piece and the pair's share of the objective
(cut, spread about each centroid, each part's Polsby-Popper) falls; sizes do not change.
Pairs that share no part have independent cuts, so a matching of them is cut in one flow; a pair
is cut again only once one of its parts has changed. On graphs of ``_AHEAD_NODES`` nodes or more
a large matching is cut in two halves at once, the second on a worker process of the call
(``spatial.core._procs.Ahead``): each pair's cut is the same (the source side of a minimum cut
that a maximum flow leaves reachable is the smallest of the minimum cuts, whatever the flow, and
the capacities are scaled alike), and so is its score (sums over its own nodes and edges, in
their order), so the labels are the same.

The flow is scipy's ``maximum_flow`` (Dinic's algorithm) on integer capacities (cut costs in
centimetres); what is left is bookkeeping no library does (which pairs, which side, the pair's
objective), so it is written here. Imports numpy, scipy and the engine's sub-graphs and objective.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, connected_components, maximum_flow

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._graph import coo_of, sub_graph
from spatial.grids._objective import Shapes, Weights, _norms, part_costs

logger = logging.getLogger(__name__)

__all__ = ["settle_ground"]

#: Cut costs become integer capacities in these units per metre (scipy's flow wants integers;
#: fewer where the graph's capacities would not fit in 32 bits).
_SCALE = 100.0
#: Graphs of at least this many nodes cut large matchings in two halves on two processes ...
_AHEAD_NODES = 3000
#: ... a matching of at least this many pairs (a flow of 50 pairs takes about 4 ms at 10,000 units).
_HALVES_PAIRS = 48


def settle_ground(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    weights: Weights,
    shapes: Shapes | None = None,
    fixed: np.ndarray | None = None,
    passes: int = 4,
    workers: int | None = None,
) -> np.ndarray:
    """Move units without households between neighbouring parts where the pair's border then
    costs less (see the module docstring).

    Parameters
    ----------
    adj : scipy.sparse.csr_matrix
        Symmetric cut costs between neighbouring nodes.
    hh : numpy.ndarray
        Households per node; nodes with none may move.
    xy : numpy.ndarray
        Node centroids (metres), for the spread term.
    labels : numpy.ndarray
        Part of each node.
    weights : Weights
        Whose cut, spread and shape terms decide (the size terms do not change).
    shapes : Shapes, optional
        Areas, perimeters and shared boundaries, for the Polsby-Popper term.
    fixed : numpy.ndarray of bool, optional
        Nodes that must stay where they are.
    passes : int
        Rounds over the pairs; a pair is cut again only when one of its parts has changed since,
        and the rounds stop when none has.
    workers : int, optional
        Processes a large matching is cut on, in halves (default: ``PROCESSES`` on graphs of
        ``_AHEAD_NODES`` nodes or more, else one); the labels are the same.

    Returns
    -------
    numpy.ndarray
        New labels; every part keeps its nodes with households, and stays in one piece.

    Examples
    --------
    A strip of five nodes: homes at both ends, empty ground between, a street (cheap edge)
    between nodes 3 and 4. The border moves from 1|2 onto the street.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> from spatial.grids._objective import Weights
    >>> cost = [1.0, 1.0, 1.0, 0.2]
    >>> a = sparse.diags([cost, cost], [1, -1], shape=(5, 5), format="csr")
    >>> hh = np.array([100.0, 0, 0, 0, 100.0])
    >>> xy = np.column_stack([np.arange(5.0), np.zeros(5)])
    >>> settle_ground(a, hh, xy, np.array([0, 0, 1, 1, 1]), weights=Weights(spread=0.0)).tolist()
    [0, 0, 0, 0, 1]
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    hh = np.asarray(hh, dtype=float)
    if len(labels) == 0 or labels.max() < 1:
        return labels
    free = hh <= 0
    if fixed is not None:
        free &= ~np.asarray(fixed, dtype=bool)
    if not free.any():
        return labels
    k = int(labels.max()) + 1
    # the cut and spread weights do not depend on the parts' wanted sizes (only the band's does)
    _, _, w_cut, w_spread = _norms(adj, xy, k, np.ones(k), weights)
    terms = _Terms(adj, xy, shapes, w_cut, w_spread, weights.shape if shapes is not None else 0.0)
    workers = workers if workers is not None else (PROCESSES if len(labels) >= _AHEAD_NODES else 1)
    # halves give each pair the capacities of the whole only where no sum of them can pass
    # scipy's 32 bits (the scale is then ``_SCALE`` for any set of pairs)
    if workers > 1 and 0.5 * np.iinfo(np.int32).max / max(float(adj.data.sum()), 1.0) < _SCALE:
        workers = 1
    with Ahead(_settle_half, (terms, free, k), workers=workers) as ahead:
        moved = _rounds(terms, labels, free, k, passes, ahead)
    logger.debug("ground: %d borders moved through empty units", moved)
    return labels


def _rounds(terms, labels, free, k, passes, ahead) -> int:
    """The rounds of :func:`settle_ground` (``labels`` changed in place); the borders moved."""
    moved = step = 0
    changed_at = np.full(k, -1)  # when each part last changed (the step of the matching)
    seen: dict[tuple[int, int], int] = {}  # when each pair was last cut
    for _ in range(passes):
        la, lb = labels[terms.row], labels[terms.col]
        # pairs whose border has an empty node on it: only those can change ...
        on = (la != lb) & (free[terms.row] | free[terms.col])
        pairs = np.unique(np.sort(np.column_stack([la[on], lb[on]]), axis=1), axis=0)
        # ... and only if a part has changed since the pair was last cut (the same cut otherwise)
        last = np.array([seen.get(p, -2) for p in map(tuple, pairs.tolist())], dtype=np.int64)
        pairs = pairs[np.maximum(changed_at[pairs[:, 0]], changed_at[pairs[:, 1]]) > last]
        if not len(pairs):
            break
        while len(pairs):
            pick = _matching(pairs, k)  # pairs sharing no part: their cuts are independent
            done = pairs[pick]
            if ahead.pool is not None and len(done) >= _HALVES_PAIRS:
                half = len(done) // 2  # the second half on a worker, the first here, at once
                ahead.send(step, (labels.copy(), done[half:]))
                first = _settle(terms, labels, free, done[:half], k)
                second, at, new = ahead.take(step, (labels, done[half:]))
                labels[at] = new
                better = np.concatenate([first, second])
            else:
                better = _settle(terms, labels, free, done, k)
            changed_at[done[better].ravel()] = step
            seen.update((p, step) for p in map(tuple, done.tolist()))
            moved += int(better.sum())
            step += 1
            pairs = pairs[~pick]
    return moved


def _settle_half(state, labels: np.ndarray, pairs: np.ndarray):
    """``_settle`` of ``pairs`` on a copy of ``labels`` (on a worker too): which pairs changed,
    and the nodes whose label changed with their new labels (``pairs`` share no part with any
    other pairs cut at the same time, so their nodes are theirs alone)."""
    terms, free, k = state
    lab = labels.copy()
    better = _settle(terms, lab, free, pairs, k)
    at = np.flatnonzero(lab != labels)
    return better, at, lab[at]


def _matching(pairs: np.ndarray, k: int) -> np.ndarray:
    """A greedy matching of ``pairs`` (in order): no part in two pairs picked."""
    used = np.zeros(k, dtype=bool)
    pick = np.zeros(len(pairs), dtype=bool)
    for i, (a, b) in enumerate(pairs.tolist()):
        if not (used[a] or used[b]):
            used[a] = used[b] = pick[i] = True
    return pick


class _Terms:
    """The graph, node shapes and the objective's weights, read once for every round."""

    def __init__(self, adj, xy, shapes, w_cut, w_spread, w_shape):
        self.adj, self.xy, self.shapes = adj, xy, shapes
        self.w_cut, self.w_spread, self.w_shape = w_cut, w_spread, w_shape
        coo = sparse.triu(adj, k=1).tocoo()
        self.row, self.col = coo.row, coo.col

    def cost(self, nodes, part, m, shared=None) -> np.ndarray:
        """Per part of ``nodes`` (``part``: 0..m-1): spread about its centroid and Polsby-Popper
        lost, weighted (``shared``: the nodes' shared boundaries as COO, if already sliced)."""
        if self.w_shape > 0:
            sh = coo_of(sub_graph(self.shapes.shared, nodes)) if shared is None else shared
            return part_costs(self.xy[nodes], part, m, w_spread=self.w_spread, w_shape=self.w_shape,
                              area=self.shapes.area[nodes], perimeter=self.shapes.perimeter[nodes], shared=sh)
        return part_costs(self.xy[nodes], part, m, w_spread=self.w_spread)


def _settle(t: _Terms, labels: np.ndarray, free: np.ndarray, pairs: np.ndarray, k: int) -> np.ndarray:
    """One minimum cut for every pair of a matching at once (their graphs share no node), each
    pair's new border kept where both parts stay in one piece and its cost falls. Changes
    ``labels`` in place; returns which pairs changed."""
    npairs = len(pairs)
    pair_of = np.full(k, -1, dtype=np.int64)
    pair_of[pairs[:, 0]] = pair_of[pairs[:, 1]] = np.arange(npairs)
    is_b = np.zeros(k, dtype=np.int64)
    is_b[pairs[:, 1]] = 1
    nodes = np.flatnonzero(pair_of[labels] >= 0)
    pn, side = pair_of[labels[nodes]], is_b[labels[nodes]]
    fr = free[nodes]
    m = len(nodes)
    sub = coo_of(sub_graph(t.adj, nodes))  # (its entries, without a scipy matrix's checks)
    inside = pn[sub.row] == pn[sub.col]  # edges between two pairs are cut whatever happens
    row, col, cost = sub.row[inside], sub.col[inside], sub.data[inside]
    # a pair with no home on one side has no cut to make: it keeps its labels
    homes = ~fr
    ok = (np.bincount(pn[homes & (side == 0)], minlength=npairs) > 0) & \
        (np.bincount(pn[homes & (side == 1)], minlength=npairs) > 0)
    # the flow graph: the empty nodes of pairs that can be cut, and two terminals standing for
    # the homes of every pair's two parts (edges between homes are cut or not whatever happens)
    cut_free = fr & ok[pn]
    f = int(cut_free.sum())
    end = np.where(side == 0, f, f + 1)
    end[cut_free] = np.arange(f)
    er, ec = end[row], end[col]
    keep = ok[pn[row]] & ((er < f) | (ec < f))
    # capacities in centimetres, coarser where their sum would pass scipy's 32-bit integers
    scale = min(_SCALE, 0.5 * np.iinfo(np.int32).max / max(float(cost[keep].sum()), 1.0))
    cap = np.maximum(np.rint(cost[keep] * scale), 1).astype(np.int64)
    g = sparse.csr_matrix((cap.astype(np.int32), (er[keep], ec[keep])), shape=(f + 2, f + 2))
    residual = (g - maximum_flow(g, f, f + 1).flow).tocsr()
    residual.data[residual.data < 0] = 0
    residual.eliminate_zeros()
    reach = np.zeros(f + 2, dtype=bool)
    reach[breadth_first_order(residual, f, directed=True, return_predecessors=False)] = True
    new = side.copy()
    new[cut_free] = np.where(reach[:f], 0, 1)
    moved = new != side
    chg = np.bincount(pn[moved], minlength=npairs) > 0
    better = np.zeros(npairs, dtype=bool)
    if not chg.any():
        return better
    # only the pairs whose cut differs from their border are checked and scored: their nodes and
    # edges renumbered
    sel = chg[pn]
    at = np.full(m, -1)
    at[sel] = np.arange(int(sel.sum()))
    e = sel[row]
    r, c, w = at[row[e]], at[col[e]], cost[e]
    q = np.flatnonzero(chg)
    qi = np.full(npairs, -1)
    qi[q] = np.arange(len(q))
    pq, mq, sub_nodes = qi[pn[sel]], len(q), nodes[sel]
    part, was = 2 * pq + new[sel], 2 * pq + side[sel]
    # both parts in one piece: pieces per part over the edges inside it
    same = part[r] == part[c]
    n_sel = len(sub_nodes)
    _, comp = connected_components(sparse.csr_matrix((np.ones(int(same.sum()), dtype=np.int8), (r[same], c[same])),
                                                     shape=(n_sel, n_sel)), connection="weak")
    pieces = np.bincount(np.unique(part * n_sel + comp) // n_sel, minlength=2 * mq)
    whole = (pieces[0::2] == 1) & (pieces[1::2] == 1)

    shared = coo_of(sub_graph(t.shapes.shared, sub_nodes)) if t.w_shape > 0 else None

    def pair_cost(p):
        cut = p[r] != p[c]
        pc = t.cost(sub_nodes, p, 2 * mq, shared)
        return pc[0::2] + pc[1::2] + t.w_cut / 2 * np.bincount(pq[r[cut]], weights=w[cut], minlength=mq)

    better[q[whole & (pair_cost(part) < pair_cost(was) - 1e-9)]] = True
    take = moved & better[pn]
    labels[nodes[take]] = pairs[pn[take], new[take]]
    return better
