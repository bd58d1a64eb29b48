"""Specification of the engine's swap move: two border units of neighbouring grids trade places.

A 2 x 4 strip of equal units, as a rook graph written out by hand (cut cost 100 per shared
edge). Every single move puts a grid 25% off its size; a swap of two equal units keeps both
sizes and can straighten the border.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from spatial.grids._objective import EQUAL_WEIGHTS
from spatial.grids._swap import swap_pass

# node id = row * 4 + col; row 0 at the bottom
XY = np.array([[50.0 + 100 * c, 50.0 + 100 * r] for r in range(2) for c in range(4)])


def strip_graph(cost=100.0):
    edges = [(r * 4 + c, r * 4 + c + 1) for r in range(2) for c in range(3)]
    edges += [(c, 4 + c) for c in range(4)]
    i, j = np.array(edges).T
    return sparse.csr_matrix((np.full(2 * len(edges), cost), (np.r_[i, j], np.r_[j, i])), shape=(8, 8))


def _cut(adj, labels):
    coo = adj.tocoo()
    return coo.data[labels[coo.row] != labels[coo.col]].sum() / 2


def test_a_swap_straightens_a_zigzag_border_single_moves_cannot():
    adj = strip_graph()
    hh = np.full(8, 100.0)
    # grid 0: bottom row cols 0-2 and top-left; grid 1: the rest (a zigzag border 400 m long)
    labels = np.array([0, 0, 0, 1,
                       0, 1, 1, 1])
    assert _cut(adj, labels) == 400
    out = swap_pass(adj, hh, XY, labels, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert out.tolist() == [0, 0, 1, 1,
                            0, 0, 1, 1]  # bottom-right of grid 0 traded for the unit above it
    assert _cut(adj, out) == 200
    assert np.bincount(out, weights=hh).tolist() == [400, 400]


def test_a_swap_that_would_leave_a_grid_in_two_pieces_is_not_made():
    adj = strip_graph()
    hh = np.full(8, 100.0)
    labels = np.array([0, 0, 0, 1,
                       0, 1, 1, 1])
    fixed = np.zeros(8, dtype=bool)
    fixed[[2, 5]] = True  # the straightening pair may not move: what is left would split a grid
    out = swap_pass(adj, hh, XY, labels, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS, fixed=fixed)
    for part in (0, 1):
        nodes = np.flatnonzero(out == part)
        sub = adj[nodes][:, nodes]
        assert sparse.csgraph.connected_components(sub, directed=False)[0] == 1
    assert np.bincount(out, weights=hh).tolist() == [400, 400]
    assert _cut(adj, out) <= 400
