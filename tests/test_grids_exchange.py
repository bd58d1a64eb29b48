"""Specification of the compound exchanges of the finish: several border units of two neighbouring
grids trade places at once (two for none, two for one, two for two), when no move of one unit and
no swap of one for one evens the grids or keeps them in one piece.

Blocks of square cells 100 m a side as rook graphs written out by hand; connectivity is checked
with networkx and the sizes with plain sums.
"""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from spatial.grids._exchange import exchange_pass
from spatial.grids._objective import EQUAL_FINISH, Shapes, Weights, objective
from spatial.grids._search import local_search
from spatial.grids._swap import swap_pass

sys.path.insert(0, str(Path(__file__).parent))
from test_grids_fm import grown_parts  # noqa: E402  (k connected parts of a graph, grown at random)

#: Sizes alone decide (no cut, spread or shape charge): the known answers are the even plans.
SIZES_ONLY = Weights(deviation=400.0, beyond=1500.0, tolerance=0.04, cut=0.0, spread=0.0, shape=0.0)


def block(rows, cols):
    """Rook graph, centroids and shapes of a rows x cols block of 100 m cells; node = row * cols + col."""
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    i, j = np.array(edges).T
    n = rows * cols
    adj = sparse.csr_matrix((np.ones(2 * len(edges)), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    xy = np.array([[50.0 + 100 * c, 50.0 + 100 * r] for r in range(rows) for c in range(cols)])
    shapes = Shapes(np.full(n, 1e4), np.full(n, 400.0), adj * 100.0)
    return adj, xy, shapes


def whole(adj, labels):
    """Every part in one piece (networkx on the part's own nodes)."""
    g = nx.from_scipy_sparse_array(adj)
    return all(nx.is_connected(g.subgraph(np.flatnonzero(labels == p).tolist())) for p in np.unique(labels))


def test_two_for_one_evens_two_grids_that_no_move_or_swap_can():
    """Grid 0 holds the bottom left cell and the top left and middle cells (200 + 60 + 60 = 320),
    grid 1 the rest (100 + 80 + 100 = 280), a mean of 300. The one even split into two pieces
    each in one piece is the bottom left and middle cells (300) against the rest (300): grid 0
    giving its two top cells for the bottom middle one, or, the same split, grid 1 giving its two
    right cells for the bottom left one. No single move or swap of one for one gets there (each
    leaves the grids 20 or more off, or one of them in two pieces)."""
    #   row 1:  60  60 | 100        (top: cells 3 4 5)
    #   row 0: 200 |100  80         (bottom: cells 0 1 2)
    adj, xy, shapes = block(2, 3)
    hh = np.array([200, 100, 80, 60, 60, 100], dtype=float)
    labels = np.array([0, 1, 1, 0, 0, 1])
    out = exchange_pass(adj, hh, xy, labels, min_hh=100, max_hh=1000, weights=SIZES_ONLY, shapes=shapes)
    split = {frozenset(np.flatnonzero(out == p).tolist()) for p in (0, 1)}
    assert split == {frozenset({0, 1}), frozenset({2, 3, 4, 5})}
    assert np.bincount(out, weights=hh).tolist() == [300, 300]
    assert whole(adj, out)
    # what the exchange is for: the search of single moves and the one-for-one swaps stay at 320 / 280
    kw = dict(min_hh=100, max_hh=1000, weights=SIZES_ONLY)
    plain = local_search(adj, hh, xy, swap_pass(adj, hh, xy, local_search(adj, hh, xy, labels, **kw), **kw), **kw)
    assert sorted(np.bincount(plain, weights=hh).tolist()) == [280, 320]


def test_a_unit_goes_with_the_neighbour_that_hangs_on_it():
    """A cell of grid 0 on the border carries a cell that touches nothing else (a dead end): the
    border cell alone cannot go (its neighbour would be cut off), the dead end cannot either (it
    does not touch grid 1); both together even the grids (400 and 200 to 300 and 300)."""
    #   row 1:  .   .   50 | .        cell 6 hangs on cell 2 only (cells 4, 5, 7 not in the graph)
    #   row 0: 150 150  50 | 200
    adj, xy, shapes = block(2, 4)
    keep = np.array([0, 1, 2, 3, 6])
    adj, xy = adj[keep][:, keep].tocsr(), xy[keep]
    shapes = Shapes(shapes.area[keep], shapes.perimeter[keep], shapes.shared[keep][:, keep].tocsr())
    hh = np.array([150, 150, 50, 200, 50], dtype=float)
    labels = np.array([0, 0, 0, 1, 0])
    out = exchange_pass(adj, hh, xy, labels, min_hh=100, max_hh=1000, weights=SIZES_ONLY, shapes=shapes)
    assert out.tolist() == [0, 0, 1, 1, 1]
    assert whole(adj, out)


def test_even_grids_are_left_alone_when_nothing_pays():
    adj, xy, shapes = block(2, 4)
    hh = np.full(8, 50.0)
    labels = np.array([0, 0, 1, 1] * 2)  # two 2 x 2 squares of 200: even, round, a straight border
    out = exchange_pass(adj, hh, xy, labels, min_hh=100, max_hh=1000, weights=EQUAL_FINISH, shapes=shapes)
    assert out.tolist() == labels.tolist()


def test_a_two_cell_bump_is_traded_for_a_one_cell_notch_at_the_same_sizes():
    """Under the finish's weights (shape and cut charged, sizes within 4.5% free): grid 0 reaches
    two cells of 25 households into grid 1 at the top, and grid 1 one cell of 50 into grid 0 at
    the bottom, both grids at 300. Trading the bump for the notch (two for one) keeps both at 300
    and makes the border straight; each single move or swap of these cells takes a grid 25
    households (8%) off, and the search and swaps leave the staircase as it is."""
    adj, xy, shapes = block(2, 6)
    #   row 1:  50 50 50 25 25 | 100     (top: cells 6-11)
    #   row 0:  50 50 | 50 50 50 50      (bottom: cells 0-5)
    hh = np.array([50, 50, 50, 50, 50, 50, 50, 50, 50, 25, 25, 100], dtype=float)
    labels = np.array([0, 0, 1, 1, 1, 1,
                       0, 0, 0, 0, 0, 1])
    kw = dict(min_hh=100, max_hh=1000, weights=EQUAL_FINISH, shapes=shapes)
    out = exchange_pass(adj, hh, xy, labels, **kw)
    assert out.tolist() == [0, 0, 0, 1, 1, 1] * 2
    assert np.bincount(out, weights=hh).tolist() == [300, 300]
    assert objective(adj, hh, xy, out, **kw) < objective(adj, hh, xy, labels, **kw)
    plain = local_search(adj, hh, xy, swap_pass(adj, hh, xy, labels, **kw), **kw)
    assert plain.tolist() == labels.tolist()


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 6), st.integers(3, 6), st.integers(2, 4), st.integers(0, 2**31 - 1))
def test_on_any_block_the_objective_never_rises_and_every_grid_stays_whole(rows, cols, k, seed):
    rng = np.random.default_rng(seed)
    adj, xy, shapes = block(rows, cols)
    n = rows * cols
    hh = rng.choice([0.0, 35.0, 120.0], size=n, p=[0.3, 0.5, 0.2])
    labels = grown_parts(adj, k, rng)  # connected by construction
    kw = dict(min_hh=50, max_hh=2000, weights=EQUAL_FINISH, shapes=shapes)
    out = exchange_pass(adj, hh, xy, labels, **kw)
    assert whole(adj, out)
    assert sorted(np.unique(out)) == list(range(k))
    assert objective(adj, hh, xy, out, **kw) <= objective(adj, hh, xy, labels, **kw) + 1e-9
    assert np.bincount(out, weights=hh).sum() == pytest.approx(hh.sum())
