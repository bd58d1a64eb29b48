"""Borders through empty ground move onto streets (``_ground.settle_ground``).

Units without households change grids at no cost to balance. The references here are written
the slow, obvious way: every assignment of the empty units of a pair enumerated, its cut summed
edge by edge, and the whole objective (``objective`` with the node shapes) read before and after.
"""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.grids._ground import settle_ground
from spatial.grids._objective import Shapes, Weights, objective


def _lattice(rows: int, cols: int, cost):
    """Square cells of 10 m on a lattice: the rook graph with ``cost(a, b)`` on each edge, the
    cells' shapes and centroids."""
    n = rows * cols
    ii, jj, ww = [], [], []
    for r in range(rows):
        for c in range(cols):
            a = r * cols + c
            for b in ([a + 1] if c + 1 < cols else []) + ([a + cols] if r + 1 < rows else []):
                w = cost(a, b)
                ii += [a, b]
                jj += [b, a]
                ww += [w, w]
    adj = sparse.csr_matrix((ww, (ii, jj)), shape=(n, n))
    shared = sparse.csr_matrix((np.full(len(ii), 10.0), (ii, jj)), shape=(n, n))
    shapes = Shapes(np.full(n, 100.0), np.full(n, 40.0), shared)
    xy = np.array([[10.0 * (a % cols) + 5, 10.0 * (a // cols) + 5] for a in range(n)])
    return adj, shapes, xy


def _pieces(adj, labels, part):
    nodes = np.flatnonzero(labels == part)
    return connected_components(adj[nodes][:, nodes], directed=False)[0]


def test_an_empty_block_goes_whole_to_the_side_whose_border_is_the_street():
    # 3 x 6 cells: homes in columns 0 and 5, columns 1-4 an empty block; a street runs between
    # columns 3 and 4 (a fifth of a wall). The border starts between columns 1 and 2, through
    # the block; the empty block goes to the left grid and the border onto the street.
    street = {(a, a + 1) for a in (3, 9, 15)}
    adj, shapes, xy = _lattice(3, 6, lambda a, b: 2.0 if (a, b) in street else 10.0)
    hh = np.zeros(18)
    hh[[0, 6, 12]] = 100.0
    hh[[5, 11, 17]] = 100.0
    labels = np.array([0, 0, 1, 1, 1, 1] * 3)
    out = settle_ground(adj, hh, xy, labels, weights=Weights(spread=0.0))
    assert out.tolist() == [0, 0, 0, 0, 1, 1] * 3
    # households stay in their grids
    assert (out[hh > 0] == labels[hh > 0]).all()


def test_a_cut_that_splits_a_grid_is_not_made():
    # the cheapest cut would hand the left grid the cells beyond the right grid's home row, in
    # two pieces: nothing moves
    adj, shapes, xy = _lattice(1, 5, lambda a, b: 1.0 if a != 3 else 0.1)
    hh = np.array([100.0, 0, 100.0, 0, 0])
    # part 0: node 0, part 1: nodes 1-4; moving 3 and 4 to 0 would leave 0 in two pieces
    labels = np.array([0, 1, 1, 1, 1])
    out = settle_ground(adj, hh, xy, labels, weights=Weights(spread=0.0))
    for p in (0, 1):
        assert _pieces(adj, out, p) == 1
    assert (out[hh > 0] == labels[hh > 0]).all()


def test_fixed_units_and_a_third_grid_stay_put():
    street = {(a, a + 1) for a in (3, 9)}
    adj, shapes, xy = _lattice(3, 6, lambda a, b: 2.0 if (a, b) in street else 10.0)
    hh = np.zeros(18)
    hh[[0, 6, 5, 11, 12, 17]] = 100.0
    labels = np.array([0, 0, 1, 1, 1, 1] * 2 + [2] * 6)
    fixed = np.zeros(18, dtype=bool)
    fixed[8] = True  # an empty cell in the block that must stay with the right grid
    out = settle_ground(adj, hh, xy, labels, weights=Weights(spread=0.0), fixed=fixed)
    assert out[8] == 1
    assert (out[12:] == 2).all()


@st.composite
def _towns(draw):
    rows = draw(st.integers(2, 3))
    cols = draw(st.integers(3, 4))
    n = rows * cols
    costs = draw(st.lists(st.sampled_from([1.0, 2.0, 10.0]), min_size=2 * n, max_size=2 * n))
    hh = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 35.0, 120.0]), min_size=n, max_size=n)))
    # a staircase border: each row's left part is columns < t_r, so both parts are connected
    cuts = draw(st.lists(st.integers(1, cols - 1), min_size=rows, max_size=rows))
    labels = np.array([int(c >= cuts[r]) for r in range(rows) for c in range(cols)])
    # each part holds a home (the flow needs both sides anchored)
    for p in (0, 1):
        if not (hh[labels == p] > 0).any():
            hh[np.flatnonzero(labels == p)[0]] = 35.0
    return rows, cols, costs, hh, labels


@settings(max_examples=60, deadline=None)
@given(_towns())
def test_the_new_border_is_the_cheapest_there_is_and_the_objective_never_rises(town):
    rows, cols, costs, hh, labels = town
    adj, shapes, xy = _lattice(rows, cols, lambda a, b: costs[a + (b - a > 1) * rows * cols])
    w = Weights(spread=0.0, shape=0.0)
    out = settle_ground(adj, hh, xy, labels, weights=w)
    coo = sparse.triu(adj, k=1).tocoo()

    def cut(lab):
        return sum(d for i, j, d in zip(coo.row, coo.col, coo.data) if lab[i] != lab[j])

    assert (out[hh > 0] == labels[hh > 0]).all()
    assert all(_pieces(adj, out, p) == 1 for p in (0, 1))
    assert cut(out) <= cut(labels) + 1e-9
    if not np.array_equal(out, labels):
        # the cut made is the least over every assignment of the empty cells
        empty = np.flatnonzero(hh == 0)
        least = min(cut(_assign(labels, empty, bits)) for bits in itertools.product((0, 1), repeat=len(empty)))
        assert abs(cut(out) - least) < 1e-9
    # with spread and shape charged too, the whole objective never rises
    full = Weights(spread=0.2, shape=100.0)
    out2 = settle_ground(adj, hh, xy, labels, weights=full, shapes=shapes)
    kw = dict(min_hh=0.0, max_hh=1e9, weights=full, shapes=shapes)
    assert objective(adj, hh, xy, out2, **kw) <= objective(adj, hh, xy, labels, **kw) + 1e-9
    assert (out2[hh > 0] == labels[hh > 0]).all()
    assert all(_pieces(adj, out2, p) == 1 for p in (0, 1))


def _assign(labels, empty, bits):
    lab = labels.copy()
    lab[empty] = bits
    return lab


def test_capacities_past_32_bits_are_scaled_not_skipped():
    # the same strip as the docstring's, with cut costs in the tens of thousands of kilometres
    cost = [1e8, 1e8, 1e8, 2e7]
    adj = sparse.diags([cost, cost], [1, -1], shape=(5, 5), format="csr")
    hh = np.array([100.0, 0, 0, 0, 100.0])
    xy = np.column_stack([np.arange(5.0), np.zeros(5)])
    out = settle_ground(adj, hh, xy, np.array([0, 0, 1, 1, 1]), weights=Weights(spread=0.0))
    assert out.tolist() == [0, 0, 0, 0, 1]
