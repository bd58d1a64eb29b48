"""The rook pairs of polygons and their shared edges are the same however many pairs are cut at
once (``shared_edges`` cuts them a slice at a time and lets the corner contacts go at once, to
keep a 100,000-unit plan's memory down).

The scene: a 4 x 3 lattice of 10 m squares, its rook pairs known from the lattice (cells side by
side), none of its 12 queen (corner) contacts among them.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import spatial.grids._adjacency as adjacency

COLS, ROWS = 4, 3


def _lattice() -> np.ndarray:
    return np.array([shapely.box(10 * i, 10 * j, 10 * (i + 1), 10 * (j + 1)) for j in range(ROWS) for i in range(COLS)],
                    dtype=object)


def _rook_pairs() -> set[tuple[int, int]]:
    """Cells side by side, from their places in the lattice alone."""
    at = {(i, j): j * COLS + i for j in range(ROWS) for i in range(COLS)}
    out = set()
    for (i, j), k in at.items():
        for di, dj in ((1, 0), (0, 1)):
            if (i + di, j + dj) in at:
                out.add((min(k, at[i + di, j + dj]), max(k, at[i + di, j + dj])))
    return out


@pytest.mark.parametrize("at_once", [1, 2, 5, 16_384])
def test_the_same_rook_pairs_and_edges_however_many_pairs_are_cut_at_once(monkeypatch, at_once):
    monkeypatch.setattr(adjacency, "_PAIRS_AT_ONCE", at_once)
    monkeypatch.setattr(adjacency, "_MIN_PAIRS", 1)  # on every thread
    a, b, shared, length = adjacency.shared_edges(_lattice(), tol_m=0.1)
    assert set(zip(a.tolist(), b.tolist())) == _rook_pairs()  # 17 pairs; the 12 corners left out
    assert len(a) == 17 and (a < b).all()
    # each edge 10 m, and the 0.1 m of the two edges leaving each of its ends the buffer catches
    np.testing.assert_allclose(length, 10.2, atol=1e-9)
    np.testing.assert_allclose(shapely.length(shared), length)
    # a pair's shared line lies on both cells' boundaries
    cells = _lattice()
    assert shapely.covers(shapely.buffer(shapely.boundary(cells[a]), 1e-6), shared).all()
    assert (shapely.distance(shared, cells[b]) < 1e-9).all()


def test_no_pairs_when_no_polygons_touch(monkeypatch):
    monkeypatch.setattr(adjacency, "_PAIRS_AT_ONCE", 1)
    a, b, shared, length = adjacency.shared_edges(np.array([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)]))
    assert len(a) == len(b) == len(shared) == len(length) == 0


@pytest.mark.parametrize("at_once", [1, 3, 32_768])
def test_each_lines_share_along_the_roads_is_its_own_however_many_lines_are_cut_at_once(monkeypatch, at_once):
    monkeypatch.setattr(adjacency, "_LINES_AT_ONCE", at_once)
    monkeypatch.setattr(adjacency, "_MIN_LINES", 1)
    road = np.array([shapely.LineString([(0, 0), (100, 0)])], dtype=object)
    lines = np.array([
        shapely.LineString([(0, 1), (100, 1)]),       # along the road, 1 m off: all of it
        shapely.LineString([(50, 2), (150, 2)]),      # beside the road's second half, and 4.7 m past its end
        shapely.LineString([(0, 50), (100, 50)]),     # 50 m off: none
        shapely.LineString(),                         # empty: 0
        shapely.LineString([(-100, -3), (0, -3)]),    # ends where the road starts: the last piece, 4 m
    ], dtype=object)
    near, far = adjacency.road_fractions(lines, [road, road[:0]], buffer_m=5.0, spacing_m=4.0)
    # 4 m pieces count by their midpoints within hypot(5, 1.25) = 5.15 m of a road vertex (the road
    # densified to 2.5 m): the second line's midpoints 52, 56 ... 104 (14 of 25; 104 is 4.47 m from
    # the road's end), the last line's at -2 only (1 of 25; -6 is 6.7 m off)
    np.testing.assert_allclose(near, [1.0, 14 / 25, 0.0, 0.0, 1 / 25], atol=1e-12)
    np.testing.assert_array_equal(far, 0.0)  # a set of no roads: nothing along it
