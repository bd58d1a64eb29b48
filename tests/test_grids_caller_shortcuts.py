"""Shortcuts of the calling process's serial work give what the long way gave.

* A line's share along a road does not depend on repeated points in it, and a line of no length
  has none (``road_fractions`` measures each part of a line as it is, without merging it first).
* The FM passes' check that both sides of a pair stay whole (a walk over the pair's own entries)
  answers as networkx does, on every labelling of a small lattice.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import shapely

from spatial.grids._adjacency import road_fractions
from spatial.grids._fm import _whole


def test_repeated_points_leave_a_lines_road_share_as_it_was():
    road = np.array([shapely.LineString([(0, -1), (100, -1)])], dtype=object)
    plain = shapely.LineString([(0, 0), (40, 0), (40, 30)])
    doubled = shapely.LineString([(0, 0), (0, 0), (40, 0), (40, 0), (40, 30), (40, 30)])
    assert shapely.equals(shapely.remove_repeated_points(doubled), plain)
    lines = np.array([plain, doubled, shapely.MultiLineString([list(doubled.coords)])], dtype=object)
    got = road_fractions(lines, [road], buffer_m=5.0, max_pieces=4)[0]
    # pieces of at most 70 / 4 m judged at their midpoints: the 40 m along the road in three (all
    # within 5 m of it), the 30 m away from it in two (midpoints 8.5 and 23.5 m off)
    assert got[0] == pytest.approx(40 / 70, abs=1e-12)
    assert got.tolist() == [got[0]] * 3


def test_a_line_of_no_length_has_no_road_share():
    road = np.array([shapely.LineString([(0, -1), (100, -1)])], dtype=object)
    lines = np.array([shapely.LineString([(3, 0), (3, 0)]),
                      shapely.MultiLineString([[(5, 0), (5, 0)], [(10, 0), (20, 0)]])], dtype=object)
    got = road_fractions(lines, [road], buffer_m=5.0, max_pieces=4)[0]
    assert got.tolist() == [0.0, 1.0]


def test_fm_sides_whole_as_networkx_finds_them():
    w, h = 3, 3
    grid = nx.grid_2d_graph(w, h)
    node = {(i, j): j * w + i for i, j in grid.nodes}
    nbrs = [[] for _ in range(w * h)]
    for u, v in grid.edges:
        nbrs[node[u]].append(node[v])
        nbrs[node[v]].append(node[u])
    ptr = np.r_[0, np.cumsum([len(r) for r in nbrs])].tolist()
    col = [v for r in nbrs for v in r]
    g = nx.relabel_nodes(grid, node)
    for side in itertools.product((0, 1), repeat=w * h):
        want = all(any(t == s for t in side) and nx.is_connected(g.subgraph([v for v, t in enumerate(side) if t == s]))
                   for s in (0, 1))
        assert _whole(list(side), ptr, col) == want, side
