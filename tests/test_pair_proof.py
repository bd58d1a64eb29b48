"""The integer program behind docs/grids.md's proof (``benchmarks.pair_proof.split_pair``) answers
as brute force does: two connected sides, each within the households asked."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from benchmarks.pair_proof import split_pair


def _grid_graph(rows: int, cols: int) -> sparse.csr_matrix:
    """Rook adjacency of a rows x cols block of cells."""
    idx = np.arange(rows * cols).reshape(rows, cols)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    m = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(rows * cols,) * 2)
    return (m + m.T).tocsr()


def _brute(adj, hh, lo, hi) -> bool:
    """Every way of putting the cells on two sides, by enumeration."""
    n = adj.shape[0]
    for bits in itertools.product((False, True), repeat=n - 1):
        side = np.array((True,) + bits)  # cell 0 on side a: each split once
        if side.all():
            continue
        if not (lo <= hh[side].sum() <= hi and lo <= hh[~side].sum() <= hi):
            continue
        if all(connected_components(adj[s][:, s], directed=False)[0] == 1 for s in (side, ~side)):
            return True
    return False


def test_towers_that_add_up_only_apart_cannot_be_split():
    # a row of four: 100 | 150 | 50 | 100; 200 each needs {150, 50} against the two ends apart
    row = sparse.diags([1.0, 1.0], [-1, 1], shape=(4, 4), format="csr")
    assert split_pair(row, np.array([100.0, 150, 50, 100]), 190, 210) == "no"
    assert split_pair(row, np.array([100.0, 100, 150, 50]), 190, 210) == "yes"


@pytest.mark.parametrize("seed", range(12))
def test_answers_as_brute_force_on_small_uneven_blocks(seed):
    rng = np.random.default_rng(seed)
    adj = _grid_graph(3, 3)
    # towers of about 120 households, walk-ups of about 35 and empty cells, as in the benchmark towns
    hh = rng.choice([0.0, 0.0, 35.0, 120.0], size=9) + rng.integers(0, 9, size=9) * (rng.random(9) < 0.5)
    total = hh.sum()
    lo, hi = 0.45 * total, 0.55 * total
    want = "yes" if _brute(adj, hh, lo, hi) else "no"
    assert split_pair(adj, hh, lo, hi, time_limit=30) == want
