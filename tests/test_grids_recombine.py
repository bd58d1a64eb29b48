"""Recombination in the grid engine: two neighbouring grids merged and cut again.

References are brute force over every split of small lumpy lattices (networkx decides
connectivity), not the engine's own cutting code.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from spatial.grids._engine import kick_into_band, local_search, objective, recombine


def lattice(rows: int, cols: int, cell_m: float = 50.0):
    """Rook lattice: symmetric CSR of shared-edge lengths, node centroids, and the networkx graph."""
    g = nx.grid_2d_graph(rows, cols)
    idx = {v: i for i, v in enumerate(sorted(g.nodes))}
    i, j = zip(*[(idx[a], idx[b]) for a, b in g.edges])
    n = rows * cols
    adj = sparse.coo_matrix((np.full(len(i), cell_m), (i, j)), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    xy = np.array([(c * cell_m, r * cell_m) for r, c in sorted(g.nodes)], dtype=float)
    return adj, xy, nx.relabel_nodes(g, idx)


def best_two_way_deviation(g: nx.Graph, hh: np.ndarray) -> float:
    """Smallest max deviation from the mean over all splits into two connected parts (brute force)."""
    n = len(hh)
    mean = hh.sum() / 2
    best = np.inf
    for r in range(1, n // 2 + 1):
        for side in itertools.combinations(range(n), r):
            rest = [v for v in range(n) if v not in side]
            if nx.is_connected(g.subgraph(side)) and nx.is_connected(g.subgraph(rest)):
                best = min(best, abs(hh[list(side)].sum() - mean) / mean)
    return best


def is_contiguous(g: nx.Graph, labels: np.ndarray) -> bool:
    return all(nx.is_connected(g.subgraph(np.flatnonzero(labels == p).tolist())) for p in np.unique(labels))


# walk-ups (35 households) and high-rise buildings (108-129) on a 3 x 4 lattice, left half vs right half
STALL = [
    [35, 115, 0, 129],
    [35, 35, 108, 35],
    [35, 0, 116, 35],
]


def test_recombine_reaches_the_brute_force_balance_where_single_moves_stall():
    adj, xy, g = lattice(3, 4)
    hh = np.array(STALL, dtype=float).ravel()
    start = np.repeat([[0, 0, 1, 1]], 3, axis=0).ravel()
    mean = hh.sum() / 2
    kw = dict(min_hh=0.5 * mean, max_hh=1.5 * mean)

    def dev(labels):
        return np.abs(np.bincount(labels, weights=hh) - mean).max() / mean

    moved = local_search(adj, hh, xy, start, **kw)
    assert dev(moved) > 0.06  # single boundary moves stop short: every one overshoots
    out = recombine(adj, hh, xy, start, **kw)
    assert is_contiguous(g, out)
    assert dev(out) <= best_two_way_deviation(g, hh) + 1e-9  # 0.9%, the best any connected split gets


@pytest.mark.parametrize("seed", range(6))
def test_recombine_never_raises_the_objective_and_keeps_grids_whole(seed):
    rng = np.random.default_rng(seed)
    adj, xy, g = lattice(4, 6)
    kind = rng.choice(3, size=24, p=[0.3, 0.4, 0.3])
    hh = np.where(kind == 0, 0, np.where(kind == 1, rng.normal(35, 6, 24), rng.normal(120, 15, 24))).round()
    start = np.repeat([[0, 0, 1, 1, 2, 2]], 4, axis=0).ravel()
    kw = dict(min_hh=0.5 * hh.sum() / 3, max_hh=1.5 * hh.sum() / 3)
    out = recombine(adj, hh, xy, start, **kw)
    assert is_contiguous(g, out)
    assert sorted(np.unique(out)) == [0, 1, 2]
    assert objective(adj, hh, xy, out, **kw) <= objective(adj, hh, xy, start, **kw) + 1e-9
    assert np.bincount(out, weights=hh).sum() == pytest.approx(hh.sum())


def test_recombine_leaves_grids_with_fixed_units_alone():
    adj, xy, g = lattice(3, 4)
    hh = np.array(STALL, dtype=float).ravel()
    start = np.repeat([[0, 0, 1, 1]], 3, axis=0).ravel()
    fixed = np.zeros(12, dtype=bool)
    fixed[0] = True  # a unit a planner pinned to grid 0
    out = recombine(adj, hh, xy, start, min_hh=100, max_hh=600, fixed=fixed)
    assert (out == start).all()


def estate_ring():
    """A ring of plots: x6 … x1, estate A (271), estate B (266), y1 … y6, back to x6; plots of 55.

    Grid P holds both estates (537, over 500); X and Y hold the plots on either side (330 each).
    Every single move and every re-cut of two grids leaves a grid out of 300-500; the plan
    {x2, x1, A} 381, {B, y1, y2} 376, the rest 440 is in the band.
    """
    names = [f"x{i}" for i in range(6, 0, -1)] + ["A", "B"] + [f"y{i}" for i in range(1, 7)]
    hh = np.array([55.0] * 6 + [271.0, 266.0] + [55.0] * 6)
    n = len(names)
    i = np.arange(n)
    adj = sparse.coo_matrix((np.full(n, 40.0), (i, (i + 1) % n)), shape=(n, n))
    adj = (adj + adj.T).tocsr()
    angle = 2 * np.pi * i / n
    xy = np.column_stack([300 * np.cos(angle), 300 * np.sin(angle)])
    labels = np.array([1] * 6 + [0, 0] + [2] * 6)
    return names, hh, adj, xy, labels


def test_a_kick_brings_a_grid_over_the_band_by_a_whole_estate_into_it():
    names, hh, adj, xy, start = estate_ring()
    kw = dict(min_hh=300, max_hh=500)

    def in_band(labels):
        ph = np.bincount(labels, weights=hh)
        return bool(((ph >= 300) & (ph <= 500)).all())

    stuck = recombine(adj, hh, xy, local_search(adj, hh, xy, start, **kw), **kw)
    assert not in_band(stuck)  # single moves and pair re-cuts cannot start the chain
    out = kick_into_band(adj, hh, xy, stuck, **kw)
    assert in_band(out)
    g = nx.cycle_graph(len(names))
    assert is_contiguous(g, out)
    assert out[names.index("A")] != out[names.index("B")]
    assert objective(adj, hh, xy, out, **kw) < objective(adj, hh, xy, stuck, **kw)

