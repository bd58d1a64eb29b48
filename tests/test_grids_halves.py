"""A large plan's finish on two halves of the town at once (``spatial.grids._halves``).

Past 5,000 nodes the finish's passes run on two sides of the town that share no border that may
move, each on its own graph in its own process, then on the seam between them. Each side is
scored as the whole graph would score it: its grids' wanted size is the whole town's mean grid,
and the terms are weighed by the whole graph's typical edge and grid radius.
"""

from __future__ import annotations

import sys

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

import spatial.grids._halves as halves
from spatial.core._procs import one_pool
from spatial.grids._bisect import recursive_bisection
from spatial.grids._graph import sub_graph
from spatial.grids._objective import EQUAL_FINISH, EQUAL_WEIGHTS, Shapes, _norms, _targets, framed, objective
from spatial.grids._search import local_search
from test_grids_workers import lumpy_town

KW = dict(min_hh=300, max_hh=500)


@pytest.fixture(scope="module")
def town():
    """``test_grids_workers``' lumpy town, 48 x 48 cells (about 140 grids), its cells' shapes, and
    a plan settled by the main passes' search."""
    adj, hh, xy = lumpy_town(side=48, seed=5)
    shared = adj.copy()
    shared.data = np.full(adj.nnz, 40.0)
    shapes = Shapes(np.full(len(hh), 1600.0), np.full(len(hh), 160.0), shared)
    k = int(round(hh.sum() / 400))
    start = local_search(adj, hh, xy, recursive_bisection(adj, hh, xy, k, workers=1), **KW, weights=EQUAL_WEIGHTS)
    state = (adj, hh, xy, k, 300.0, 500.0, EQUAL_FINISH, 40, shapes)
    return state, start


def settle(state, labels, seed):
    """A finish for the tests: the greedy search under the finish's weights (module level, so a
    worker can be sent it)."""
    adj, hh, xy, _, min_hh, max_hh, weights, max_rounds, shapes = state
    return local_search(adj, hh, xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights, shapes=shapes,
                        seed=seed, max_rounds=max_rounds)


def test_a_piece_framed_is_scored_by_the_whole_towns_mean_grid_edge_and_radius():
    # a row of six cells: grids {0, 1}, {2, 3} (the piece) and {4, 5} (held still, 100 households)
    hh = np.array([10.0, 10, 20, 20, 50, 50])
    xy = np.column_stack([np.arange(6) * 10.0, np.zeros(6)])
    g = nx.path_graph(6)
    nx.set_edge_attributes(g, {(i, i + 1): float(i + 1) for i in range(5)}, "cost")
    adj = sparse.csr_matrix(nx.to_scipy_sparse_array(g, weight="cost", format="csr"))
    whole = np.array([0, 0, 1, 1, 2, 2])
    mean = hh.sum() / 3  # 160 / 3 households: the whole town's mean grid
    ref_len = float(np.median([1, 2, 3, 4, 5]))  # the median edge, counted both ways
    r2 = max(50.0 * 0.0 / 3 / np.pi, ref_len**2)  # (a row: no area, so the edge squared)
    piece = sub_graph(adj, np.arange(4))
    own = np.array([0, 0, 1, 1])
    assert _targets(piece, own, hh[:4], 2).tolist() == [30.0, 30.0]  # unframed: the piece's own mean
    with framed(piece, np.full(4, mean), ref_len=ref_len, r2=r2):
        np.testing.assert_allclose(_targets(piece, own, hh[:4], 2), [mean, mean])
        w_band, _, w_cut, w_spread = _norms(piece, xy[:4], 2, np.full(2, mean), EQUAL_FINISH)
        assert w_cut == pytest.approx(EQUAL_FINISH.cut / ref_len)
        assert w_spread == pytest.approx(EQUAL_FINISH.spread / r2)
        other = sub_graph(adj, np.arange(3))  # another matrix (a region's sub-graph) is not framed
        assert _targets(other, np.array([0, 0, 1]), hh[:3], 2).tolist() == [20.0, 20.0]  # (its own: 40 / 2)
        # a move inside the piece changes its objective as it changes the whole's
        moved = np.array([0, 1, 1, 1])
        piece_gain = (objective(piece, hh[:4], xy[:4], own, **KW, weights=EQUAL_FINISH)
                      - objective(piece, hh[:4], xy[:4], moved, **KW, weights=EQUAL_FINISH))
    whole_gain = (objective(adj, hh, xy, whole, **KW, weights=EQUAL_FINISH)
                  - objective(adj, hh, xy, np.array([0, 1, 1, 1, 2, 2]), **KW, weights=EQUAL_FINISH))
    assert piece_gain == pytest.approx(whole_gain)


def test_the_sides_of_each_level_share_no_border_and_every_grid_is_finished(town, monkeypatch):
    state, start = town
    adj = state[0]
    seen = []

    def spy(job_state, grids):
        labels = job_state[1]
        seen.append((labels.copy(), np.asarray(grids)))
        return real(job_state, grids)

    real = halves._side
    monkeypatch.setattr(halves, "_side", spy)
    monkeypatch.setattr(halves, "PROCESSES", 1)  # (the spy sees every side in this process)
    monkeypatch.setattr(halves, "_LEAST", 30)
    halves.in_halves(state, start, 0, settle)
    k = int(start.max()) + 1
    assert len(seen) >= 3  # two sides, then the seam's region (at least)
    assert sorted(np.concatenate([g for _, g in seen[:2]]).tolist()) != list(range(k))  # a seam held still
    touched = set()
    for (labels, a), (labels_b, b) in zip(seen[0::2], seen[1::2]):
        if len(b) == 0 or not np.array_equal(labels, labels_b):
            continue
        g = nx.Graph()
        coo = adj.tocoo()
        g.add_edges_from((int(labels[i]), int(labels[j])) for i, j in zip(coo.row, coo.col) if labels[i] != labels[j])
        assert not any(g.has_edge(int(x), int(y)) for x in a for y in b)  # the two sides never meet
    for _, grids in seen:
        touched |= set(grids.tolist())
    assert touched == set(range(k))  # every grid was in some side
    assert len(seen[-1][1]) <= 30  # the last region is finished whole


def test_halves_never_raise_the_objective_keep_grids_whole_and_two_cores_give_the_plan_of_one(town, monkeypatch):
    state, start = town
    adj, hh, xy, k = state[:4]
    kw = dict(**KW, weights=EQUAL_FINISH, shapes=state[8])
    monkeypatch.setattr(halves, "_LEAST", 30)
    monkeypatch.setattr(halves, "PROCESSES", 1)
    one = halves.in_halves(state, start, 0, settle)
    assert (one != start).any()
    assert objective(adj, hh, xy, one, **kw) <= objective(adj, hh, xy, start, **kw) + 1e-9
    g = nx.from_scipy_sparse_array(adj)
    for p in range(k):
        assert nx.is_connected(g.subgraph(np.flatnonzero(one == p).tolist()))
    if sys.platform.startswith("linux"):
        monkeypatch.setattr(halves, "PROCESSES", 2)
        with one_pool():
            two = halves.in_halves(state, start, 0, settle)
        np.testing.assert_array_equal(two, one)
