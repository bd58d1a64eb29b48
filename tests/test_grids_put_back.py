"""Units a redraw moved go back to their planned grid when nothing asked for is lost
(``_chains.put_back``): known answers on rows and small blocks of cells."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from spatial.grids._chains import put_back


def _row(n: int, w=None) -> sparse.csr_matrix:
    """A row of ``n`` cells, neighbours sharing an edge of cut cost ``w[i]`` (1 by default)."""
    w = np.ones(n - 1) if w is None else np.asarray(w, dtype=float)
    a, b = np.arange(n - 1), np.arange(1, n)
    m = sparse.coo_matrix((w, (a, b)), shape=(n, n))
    return (m + m.T).tocsr()


def _back(adj, hh, lab, planned, *, lo=0, hi=1000, pct=None, fixed=None):
    fixed = np.zeros(len(hh), dtype=bool) if fixed is None else fixed
    return put_back(adj, np.asarray(hh, dtype=float), np.asarray(lab), np.asarray(planned), fixed,
                    lo=lo, hi=hi, pct=pct).tolist()


def test_an_empty_cell_handed_on_for_nothing_goes_back():
    # the chain moved cell 1 (no homes) to grid 1; back home the border is as long
    assert _back(_row(4), [100, 0, 50, 100], [0, 1, 1, 1], [0, 0, 1, 1]) == [0, 0, 1, 1]


def test_a_corridor_of_empty_cells_goes_back_cell_by_cell():
    # grid 1 took cells 1-3 on its way; cells 1 and 2 go back once 3, then 2, are back
    assert _back(_row(6), [100, 0, 0, 0, 50, 100], [0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 1]) == [0, 0, 0, 0, 1, 1]


def test_homes_stay_where_going_back_takes_a_grid_out_of_the_band():
    # grid 0 was over the band (350 > 300) and gave cell 1 (150) away: back, it is over again
    assert _back(_row(4), [200, 150, 100, 100], [0, 1, 1, 1], [0, 0, 1, 1], lo=100, hi=300) == [0, 1, 1, 1]
    # with room in the band it goes back
    assert _back(_row(4), [200, 150, 100, 100], [0, 1, 1, 1], [0, 0, 1, 1], lo=100, hi=400) == [0, 0, 1, 1]


def test_homes_stay_where_going_back_takes_a_grid_past_the_rule():
    # 225 | 225 now, the mean; going back gives 275 | 175, both past a rule of 10%
    assert _back(_row(4), [225, 50, 0, 175], [0, 1, 1, 1], [0, 0, 1, 1], pct=10) == [0, 1, 1, 1]
    assert _back(_row(4), [225, 50, 0, 175], [0, 1, 1, 1], [0, 0, 1, 1]) == [0, 0, 1, 1]


def test_a_cell_that_holds_its_grid_together_stays():
    # grid 1 is cells 1, 2 and 3 of a row; cell 2 was grid 0's but joins 1 to 3
    adj = _row(5)
    assert _back(adj, [0, 50, 0, 50, 100], [0, 1, 1, 1, 2], [0, 1, 0, 1, 2]) == [0, 1, 1, 1, 2]


def test_a_grid_keeps_its_last_cell_and_a_locked_cell_stays():
    assert _back(_row(3), [0, 100, 100], [0, 1, 2], [0, 0, 2]) == [0, 1, 2]
    fixed = np.array([False, True, False, False])
    assert _back(_row(4), [100, 0, 50, 100], [0, 1, 1, 1], [0, 0, 1, 1], fixed=fixed) == [0, 1, 1, 1]


def test_a_cell_whose_way_back_lengthens_the_border_stays():
    # a 2 x 3 block: cell 4 (middle of the bottom row) moved from grid 0 to grid 1; back, its
    # edges to cells 1 and 5 of grid 1 (4 + 1) are cut and its edge to cell 3 (1) is not: 4 more
    #   0 1 2
    #   3 4 5
    a = np.array([0, 1, 3, 4, 0, 1, 2])
    b = np.array([1, 2, 4, 5, 3, 4, 5])
    w = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 4.0, 1.0])
    m = sparse.coo_matrix((w, (a, b)), shape=(6, 6))
    adj = (m + m.T).tocsr()
    assert _back(adj, [50, 50, 50, 50, 0, 50], [0, 1, 1, 0, 1, 1], [0, 1, 1, 0, 0, 1]) == [0, 1, 1, 0, 1, 1]
    # with the edge to cell 1 as cheap as the others, the way back costs nothing more and it goes
    w[5] = 1.0
    m = sparse.coo_matrix((w, (a, b)), shape=(6, 6))
    assert _back((m + m.T).tocsr(), [50, 50, 50, 50, 0, 50], [0, 1, 1, 0, 1, 1], [0, 1, 1, 0, 0, 1]) == [0, 1, 1, 0, 0, 1]
