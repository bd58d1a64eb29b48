"""Specification of the finish's simulated annealing (``spatial.grids._anneal``).

The references are built without the engine: the best plan of a small lattice town by trying
every split (its Polsby-Popper counted from the lattice's cells and edges), and the roundness of
annealed plans from the dissolved polygons with shapely.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.grids._anneal import anneal
from spatial.grids._engine import partition
from spatial.grids._objective import BAND_WEIGHTS, EQUAL_FINISH, EQUAL_WEIGHTS, Shapes, Weights, _targets, objective
from spatial.grids._search import local_search

from test_grids_shape import connected, pp_of, town

#: shape alone decides, inside a wide size window (the band, and 25% of the mean)
SHAPE_FIRST = Weights(deviation=0.0, beyond=0.0, cut=0.0, spread=0.0, shape=1.0, tolerance=0.25)


def lattice(rows, cols, side=100.0):
    """Square cells of ``side`` metres, their rook graph and their shapes."""
    polys = np.array([shapely.box(j * side, i * side, (j + 1) * side, (i + 1) * side)
                      for i in range(rows) for j in range(cols)], dtype=object)
    r, c = [], []
    for i in range(rows):
        for j in range(cols):
            u = i * cols + j
            if j + 1 < cols:
                r += [u, u + 1]
                c += [u + 1, u]
            if i + 1 < rows:
                r += [u, u + cols]
                c += [u + cols, u]
    adj = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(rows * cols, rows * cols))
    sh = Shapes(np.full(rows * cols, side * side), np.full(rows * cols, 4 * side), adj * side)
    return polys, adj, sh, shapely.get_coordinates(shapely.centroid(polys))


def best_split(adj, n, sizes):
    """The largest sum of two parts' Polsby-Popper over every split into two connected parts
    whose cell counts lie in ``sizes`` (cells of 100 m: area and perimeter counted by hand)."""
    i, j = sparse.triu(adj).nonzero()
    best = -1.0
    for bits in range(2 ** (n - 1)):  # cell n-1 in part 1: each split once
        lab = np.append((bits >> np.arange(n - 1)) & 1, 1)
        cnt = np.bincount(lab, minlength=2)
        if not (sizes[0] <= cnt[0] <= sizes[1]):
            continue
        if any(connected_components(adj[m][:, m], directed=False)[0] != 1
               for m in (np.flatnonzero(lab == 0), np.flatnonzero(lab == 1))):
            continue
        inner = np.bincount(lab[i], weights=(lab[i] == lab[j]).astype(float), minlength=2)
        per = 400.0 * cnt - 200.0 * inner
        best = max(best, float((4 * np.pi * 1e4 * cnt / per**2).sum()))
    return best


def test_annealing_reaches_the_roundest_split_where_the_greedy_search_stops():
    polys, adj, sh, xy = lattice(4, 4)
    hh = np.full(16, 20.0)  # 20 households a cell: a part of 6-10 cells is in the band 120-200
    kw = dict(min_hh=120, max_hh=200, weights=SHAPE_FIRST, shapes=sh)
    start = np.array([[0, 0, 0, 1],
                      [0, 1, 0, 1],
                      [0, 1, 1, 1],
                      [0, 0, 0, 1]]).ravel()
    want = best_split(adj, 16, (6, 10))
    assert want == np.float64(2 * 4 * np.pi * 8 / 12**2)  # two halves of 2 x 4 cells
    greedy = local_search(adj, hh, xy, start, **kw, max_rounds=200)
    assert pp_of(polys, greedy).sum() < want - 0.1  # the greedy moves stop short ...
    for seed in range(3):
        out = anneal(adj, hh, xy, start, **kw, sweeps=500, seed=seed)
        assert connected(adj, out)
        assert 6 <= np.bincount(out).min() and np.bincount(out).max() <= 10
        assert pp_of(polys, out).sum() >= want - 1e-9  # ... annealing gets there


def test_annealing_keeps_parts_whole_fixed_nodes_home_and_sizes_no_further_out():
    polys, sh, adj, xy, start = town(120, 2, 6)
    rng = np.random.default_rng(2)
    hh = np.where(rng.random(120) < 0.3, 0.0, rng.poisson(30, 120).astype(float))  # empty lots among homes
    fixed = rng.random(120) < 0.1
    # no charge on size at all: only the rule that no move takes a part further out holds sizes
    w = dataclasses.replace(EQUAL_FINISH, tolerance=0.1, band=0.0, deviation=0.0, beyond=0.0)
    kw = dict(min_hh=300, max_hh=700, weights=w, shapes=sh)
    out = anneal(adj, hh, xy, start, **kw, sweeps=300, seed=4, fixed=fixed)
    assert (out != start).sum() > 10
    assert connected(adj, out) and set(out) == set(start)
    np.testing.assert_array_equal(out[fixed], start[fixed])
    tgt = _targets(adj, start, hh, 6)
    lo, hi = np.maximum(tgt * 0.9, 300), np.minimum(tgt * 1.1, 700)

    def past(labels):  # how far each part lies outside what it may hold
        ph = np.bincount(labels, weights=hh, minlength=6)
        return np.maximum.reduce([lo - ph, ph - hi, np.zeros(6)])

    assert past(start).max() > 0  # the ragged start has parts out: they may only come nearer
    assert (past(out) <= past(start) + 1e-9).all()
    assert pp_of(polys, out).sum() > pp_of(polys, start).sum()
    again = anneal(adj, hh, xy, start, **kw, sweeps=300, seed=4, fixed=fixed)
    np.testing.assert_array_equal(out, again)  # the same seed, the same plan


def test_a_border_keeps_moving_as_far_as_the_objective_asks():
    # a street of ten houses split 8 | 2: each move of the border brings the next house onto it
    # (a new pair of neighbours in two parts, to be tried next); the even split is 5 | 5
    polys, adj, sh, xy = lattice(1, 10)
    hh = np.full(10, 10.0)
    start = np.array([0] * 8 + [1] * 2)
    w = Weights(band=0.0, deviation=1.0, beyond=0.0, cut=0.0, spread=0.0, shape=1e-9, tolerance=1.0)
    out = anneal(adj, hh, xy, start, min_hh=0, max_hh=100, weights=w, shapes=sh, sweeps=200)
    np.testing.assert_array_equal(out, [0] * 5 + [1] * 5)


def test_the_engine_anneals_three_plans_of_its_restarts_and_only_for_equal_grids_with_shapes(monkeypatch):
    import spatial.grids._engine as engine

    calls = []
    real = engine.anneal

    def spy(adj, hh, xy, labels, **kw):
        calls.append((kw["weights"], kw["sweeps"]))
        return real(adj, hh, xy, labels, **kw)

    monkeypatch.setattr(engine, "anneal", spy)
    polys, sh, adj, xy, _ = town(120, 2, 6)
    hh = np.full(120, 20.0)
    kw = dict(min_hh=300, max_hh=500)
    out = partition(adj, hh, xy, 6, **kw, weights=EQUAL_WEIGHTS, shapes=sh, restarts=2)
    # the plan graded best and the finish's two picks of the others (``_engine._finish_best``)
    assert calls == [(EQUAL_FINISH, EQUAL_FINISH.anneal)] * 3 and EQUAL_FINISH.anneal > 0
    assert connected(adj, out) and len(set(out)) == 6
    calls.clear()
    partition(adj, hh, xy, 6, **kw, weights=EQUAL_WEIGHTS, shapes=sh, restarts=0)  # one plan, annealed once
    assert calls == [(EQUAL_FINISH, EQUAL_FINISH.anneal)]
    calls.clear()
    partition(adj, hh, xy, 6, **kw, weights=EQUAL_WEIGHTS, restarts=0)  # no shapes: nothing to anneal
    partition(adj, hh, xy, 6, **kw, weights=BAND_WEIGHTS, shapes=sh)  # "band" has no finish
    assert calls == []


@pytest.mark.parametrize("street", [False, True])
def test_restarts_keep_the_plan_the_finish_makes_roundest_unless_it_cuts_more_off_the_streets(monkeypatch, street):
    """Of the restarts' plans graded alike, the finished plan of the lowest finish objective is
    kept, not that of the plan graded best, but never one cutting more off the streets."""
    from spatial.grids import _engine

    # 4 x 6 cells of 100 m, 800 households: columns 0-1 hold 400, column 2 12, columns 3-5 388
    _, adj, sh, xy = lattice(4, 6)
    col = np.tile(np.arange(6), 4)
    hh = np.where(col < 2, 50.0, np.where(col == 2, 3.0, 32.0))
    hh[np.flatnonzero(col >= 3)[:4]] += 1
    if street:  # a street between columns 1 and 2: a fifth of the cost
        adj = adj.tolil()
        for i in range(4):
            adj[i * 6 + 1, i * 6 + 2] = adj[i * 6 + 2, i * 6 + 1] = 0.2
        adj = adj.tocsr()
    exact = (col >= 2).astype(np.int64)  # 400 | 400, a 2 x 4 and a 4 x 4 grid (Polsby-Popper 0.70, 0.79)
    round_ = (col >= 3).astype(np.int64)  # 412 | 388 (3% off), two 3 x 4 grids (0.77 each)
    kw = dict(min_hh=300, max_hh=500)
    stuck = _engine.hemmed_in(adj, hh, **kw)
    g_exact, g_round = (_engine._grade(adj, hh, xy, p, stuck, **kw, weights=EQUAL_WEIGHTS) for p in (exact, round_))
    assert g_exact[:3] == g_round[:3] and g_exact < g_round  # graded alike, the exact plan first
    f_exact, f_round = (objective(adj, hh, xy, p, **kw, weights=EQUAL_FINISH, shapes=sh) for p in (exact, round_))
    assert f_round < f_exact  # the finish prefers the round one, on the street or not
    monkeypatch.setattr(_engine, "_one_seed", lambda state, seed: exact if seed == 0 else round_)
    monkeypatch.setattr(_engine, "_anneal_finish", lambda state, labels, seed: labels)  # plans finish as drawn
    out = partition(adj, hh, xy, 2, **kw, weights=EQUAL_WEIGHTS, shapes=sh, restarts=2)
    np.testing.assert_array_equal(out, exact if street else round_)


def test_of_the_plans_finished_the_cheapest_cutting_no_more_off_the_streets_is_kept(monkeypatch):
    """``_FINISHED`` plans are finished (three here): the one graded best and the two next by the
    finish's objective; the finish's first pick cuts more off the streets, so its second, cheaper
    than the plan graded best, is kept; a fourth plan, cheaper still after a finish, is never
    finished."""
    from spatial.grids import _engine

    monkeypatch.setattr(_engine, "_FINISHED", 3)

    _, adj, sh, xy = lattice(1, 4)
    hh = np.full(4, 100.0)
    plans = {0: [0, 0, 1, 1], 1: [0, 1, 1, 1], 2: [0, 0, 0, 1], 3: [0, 1, 0, 1]}  # by seed
    before = {0: 3.0, 1: 1.0, 2: 2.0, 3: 4.0}  # the finish's objective of each plan as drawn ...
    after = {0: 3.0, 1: 1.0, 2: 2.0, 3: 0.5}  # ... and finished (plan 3 would win, were it finished)
    cut = {0: 1.0, 1: 2.0, 2: 1.0, 3: 1.0}  # plan 1 cuts more off the streets than plan 0
    key = {tuple(v): s for s, v in plans.items()}
    finished = []

    def fake_finish(state, labels, seed):
        finished.append(key[tuple(labels)])
        return -np.asarray(labels) - 1  # marked as finished, still told apart

    def seed_of(labels):
        lab = np.asarray(labels)
        return key[tuple(-lab - 1)] if lab.min() < 0 else key[tuple(lab)]

    monkeypatch.setattr(_engine, "_one_seed", lambda state, seed: np.array(plans[seed]))
    monkeypatch.setattr(_engine, "_grade", lambda adj, hh, xy, labels, stuck, uneven, **kw: (-2, 0, 0.0, seed_of(labels)))
    monkeypatch.setattr(_engine, "_anneal_finish", fake_finish)
    monkeypatch.setattr(_engine, "_into_band", lambda state, labels, seed: labels)  # every plan here is in the band
    monkeypatch.setattr(_engine, "objective", lambda adj, hh, xy, labels, **kw: (
        after if np.asarray(labels).min() < 0 else before)[seed_of(labels)])
    monkeypatch.setattr(_engine, "cut_cost", lambda adj, labels: cut[seed_of(labels)])
    out = partition(adj, hh, xy, 2, min_hh=150, max_hh=250, weights=EQUAL_WEIGHTS, shapes=sh, restarts=3)
    assert sorted(finished) == [0, 1, 2] and seed_of(out) == 2


def test_large_graphs_finish_charges_off_street_border_more(monkeypatch):
    """Past ``_RESTART_MAX_NODES`` nodes (no restarts choose the plan) the finish charges
    off-street border ``_LARGE_CUT`` times its own; smaller graphs and ``"band"`` keep theirs."""
    from spatial.grids import _engine

    assert _engine._sized_weights(EQUAL_WEIGHTS, _engine._RESTART_MAX_NODES) is EQUAL_WEIGHTS
    big = _engine._sized_weights(EQUAL_WEIGHTS, _engine._RESTART_MAX_NODES + 1)
    assert big.finish.cut == EQUAL_FINISH.cut * _engine._LARGE_CUT > EQUAL_FINISH.cut
    assert dataclasses.replace(big.finish, cut=EQUAL_FINISH.cut) == EQUAL_FINISH  # nothing else changes
    assert dataclasses.replace(big, finish=EQUAL_FINISH) == EQUAL_WEIGHTS
    assert _engine._sized_weights(BAND_WEIGHTS, 10 ** 6) is BAND_WEIGHTS
    # and partition hands the sized weights to its passes
    _, adj, sh, xy = lattice(4, 4)
    seen = []
    real = _engine._anneal_finish

    def spy(state, labels, seed):
        seen.append(state[6])
        return real(state, labels, seed)

    monkeypatch.setattr(_engine, "_anneal_finish", spy)
    monkeypatch.setattr(_engine, "_RESTART_MAX_NODES", 10)
    partition(adj, np.full(16, 100.0), xy, 4, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS, shapes=sh)
    assert seen and seen[-1].finish.cut == EQUAL_FINISH.cut * _engine._LARGE_CUT
