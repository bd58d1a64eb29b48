"""Specification of the ejection chains of the finish: households ripple along a row of grids,
each grid handing a border unit on and taking one in, when only a chain of several evens the
grids at its ends and every grid in the middle stays within 5% of the mean.

Rows of square cells 100 m a side as rook graphs written out by hand; connectivity is checked
with networkx, sizes with plain sums and cut nodes against networkx's articulation points.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy import sparse

from spatial.grids._ejection import chain_pass, cut_nodes
from spatial.grids._graph import neighbour_lists
from spatial.grids._objective import EQUAL_FINISH, Shapes


def cells(coords):
    """Rook graph, centroids and shapes of 100 m cells at the given (col, row) places, in order."""
    at = {c: i for i, c in enumerate(coords)}
    edges = [(at[(c, r)], at[(c + dc, r + dr)]) for (c, r) in coords for dc, dr in ((1, 0), (0, 1))
             if (c + dc, r + dr) in at]
    i, j = np.array(edges).T
    n = len(coords)
    adj = sparse.csr_matrix((np.ones(2 * len(edges)), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    xy = np.array([[50.0 + 100 * c, 50.0 + 100 * r] for c, r in coords])
    return adj, xy, Shapes(np.full(n, 1e4), np.full(n, 400.0), adj * 100.0)


def row(n):
    return cells([(c, 0) for c in range(n)])


def whole(adj, labels):
    """Every part in one piece (networkx on the part's own nodes)."""
    g = nx.from_scipy_sparse_array(adj)
    return all(nx.is_connected(g.subgraph(np.flatnonzero(labels == p).tolist())) for p in np.unique(labels))


def run(adj, xy, shapes, hh, labels):
    return chain_pass(adj, hh, xy, labels, min_hh=50, max_hh=200, weights=EQUAL_FINISH, shapes=shapes)


def test_a_chain_of_four_evens_both_ends_of_a_row():
    """Five grids in a row, a mean of 100: the first holds 112 (cells of 50, 50 and 12), the last
    88, the three between 100 each (12, 76, 12). The first grid giving its cell of 12 puts the
    second at 112, past 5%, and no two grids side by side can be evened; only every grid handing
    its last cell of 12 to the next (four hand-overs) leaves all five at 100."""
    hh = np.array([50, 50, 12, 12, 76, 12, 12, 76, 12, 12, 76, 12, 12, 76], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4])
    adj, xy, shapes = row(len(hh))
    out = run(adj, xy, shapes, hh, labels)
    assert out.tolist() == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert np.bincount(out, weights=hh).tolist() == [100] * 5
    assert whole(adj, out)


def test_no_chain_where_a_middle_grid_cannot_pass_the_households_on():
    """The same row with the second and third grids ending and starting in cells of 30 (12, 58,
    30 and 30, 58, 12): whatever the second grid hands the third (30, 88 or 30 for 30) leaves it
    more than 5% off once it has taken the first grid's 12, so the row stays as it is."""
    hh = np.array([50, 50, 12, 12, 58, 30, 30, 58, 12, 12, 76, 12, 12, 76], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4])
    adj, xy, shapes = row(len(hh))
    assert run(adj, xy, shapes, hh, labels).tolist() == labels.tolist()


def test_a_chain_never_splits_a_grid():
    """The row of the first test with a cell of 40 hanging on the second grid's last cell (above
    it, touching nothing else; the middle cell 36 so the grid still holds 100). Handing that last
    cell on, as the chain of four did, would cut the cell of 40 off its grid, and with it (52)
    the third grid would be past 5%: no chain is made, and every grid stays in one piece."""
    coords = [(c, 0) for c in range(14)] + [(5, 1)]
    hh = np.array([50, 50, 12, 12, 36, 12, 12, 76, 12, 12, 76, 12, 12, 76, 40], dtype=float)
    labels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 1])
    adj, xy, shapes = cells(coords)
    out = run(adj, xy, shapes, hh, labels)
    assert out.tolist() == labels.tolist()
    assert whole(adj, out)


def test_grids_within_5_percent_are_left_alone():
    """Every grid within 5% of the mean (96, 104, 100): nothing to chain."""
    hh = np.array([48, 48, 52, 52, 50, 50], dtype=float)
    labels = np.array([0, 0, 1, 1, 2, 2])
    adj, xy, shapes = row(len(hh))
    assert run(adj, xy, shapes, hh, labels).tolist() == labels.tolist()


def test_cut_nodes_are_networkx_articulation_points_within_each_part():
    """A 4 x 4 block cut into three parts; the nodes whose loss splits their own part are the
    articulation points of each part's own subgraph."""
    adj, _, _ = cells([(c, r) for r in range(4) for c in range(4)])
    labels = np.array([0, 0, 0, 1,
                       0, 2, 0, 1,
                       0, 2, 2, 1,
                       1, 1, 1, 1])
    nbrs, _ = neighbour_lists(adj)
    got = set(np.flatnonzero(cut_nodes(nbrs, labels.tolist())).tolist())
    g = nx.from_scipy_sparse_array(adj)
    want = set()
    for p in np.unique(labels):
        want |= set(nx.articulation_points(g.subgraph(np.flatnonzero(labels == p).tolist())))
    assert got == want
    assert got  # (the parts do have cut nodes: the test can fail)


def test_a_chain_that_takes_borders_off_the_streets_is_not_made():
    """Two rows of cells, each grid three columns wide (the last two), every shared edge off the
    streets (cut cost = shared length, 100 m). The top row holds the first test's households; the
    bottom row 30 under each grid's last column and under the last cell, else none: grids of 142,
    130, 130, 130 and 118 against a mean of 130. Handing on a column (42) overshoots, so only the
    top cells of 12 can go, and each border then steps round the cell: 100 m more border off the
    streets at each of four borders. The chain is made without the street guard (all five at
    130) and not with it (400 m over the 150 m a chain may add)."""
    top = [50, 50, 12, 12, 76, 12, 12, 76, 12, 12, 76, 12, 12, 76]
    bottom = [0, 0, 30, 0, 0, 30, 0, 0, 30, 0, 0, 30, 0, 30]
    coords = [(c, 1) for c in range(14)] + [(c, 0) for c in range(14)]
    hh = np.array(top + bottom, dtype=float)
    cols = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4]
    labels = np.array(cols + cols)
    adj, xy, _ = cells(coords)
    adj = adj * 100.0
    shapes = Shapes(np.full(28, 1e4), np.full(28, 400.0), adj.copy())
    kw = dict(min_hh=50, max_hh=200, weights=EQUAL_FINISH, shapes=shapes)
    free = chain_pass(adj, hh, xy, labels, **kw, street_guard_m=None)
    assert np.bincount(free, weights=hh).tolist() == [130] * 5
    assert free[:14].tolist() == [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    assert free[14:].tolist() == cols
    assert whole(adj, free)
    assert chain_pass(adj, hh, xy, labels, **kw).tolist() == labels.tolist()
