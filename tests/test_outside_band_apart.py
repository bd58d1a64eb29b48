"""Grids out of the band proved by heavy units cutting the rest apart, and what follows.

Units no two of which fit one grid each take a grid of their own; every other grid holds none of
them, so it lies inside one group of the units left between them, and a group of fewer than the
minimum's households makes no grid. Where the groups cannot make the other grids, no plan of the
count is in the band, though the households add up (libpysal's Columbus neighbourhoods with
made-up households, seed 1, 13 grids: proved only by an integer program before). Each answer is
checked here by my own code: brute force over every labelling (networkx), or my own rook graph.
"""

from __future__ import annotations

import sys
from pathlib import Path

import networkx as nx
import numpy as np
from scipy import sparse

from spatial.grids._bandwalk import into_band
from spatial.grids.partition import partition_grids

sys.path.insert(0, str(Path(__file__).parent))
from test_outside_band_proofs import _grid_town, _plans_in_band, _rook, columbus  # noqa: E402

# two columns, three rows:   140 | 150
#                            260 | 280
#                            200 | 300
# 300, 280 and 260: no two fit one grid of 500. The others, 140 + 150 above and 200 below, touch
# each other only through them: groups of 290 and 200, neither a grid of 300.
HH = [140, 150, 260, 280, 200, 300]


def test_heavy_units_cutting_the_rest_into_groups_too_small_are_proved_by_a_row():
    units, comm = _grid_town(HH, cols=2)
    assert _plans_in_band(units, 4) == []  # my own proof: no plan of 4 grids is in 300-500
    assert _plans_in_band(units, 3) != []  # while the fewer grids the row asks for fit
    res = partition_grids(units, comm, n_grids=4)
    row = res.report[(res.report["layer"] == "communities") & res.report["problem"].str.contains("share no edge")]
    assert row["problem"].tolist() == [
        "3 units or estates (U5, U3, U2) hold 260–300 households each and no two fit one grid (any two pass 500): "
        "3 of the 4 grids hold one each, and the other one must lie inside one of the 2 groups the rest fall into "
        "between them, which share no edge (290 and 200 households): these make at most 0 and 0 grids of 300 or "
        "more (0 in all, not 1)"]
    assert row["action"].tolist() == ["no plan of 4 grids is in the band: ask for fewer grids, or lower the minimum"]
    assert not res.report["action"].str.contains("another --seed").any()


def test_the_rows_of_grids_a_community_row_proves_out_point_to_it():
    units, comm = _grid_town(HH, cols=2)
    res = partition_grids(units, comm, n_grids=4)
    out = res.grids.loc[~res.grids["households"].between(300, 500), "grid_id"]
    assert len(out)  # (no plan puts all four in the band)
    rows = res.report[(res.report["layer"] == "grids") & res.report["row_id"].isin(out)]
    assert sorted(rows["row_id"]) == sorted(out)
    assert rows["action"].str.endswith("; community C1's row says why: no plan of 4 grids is in the band").all()
    assert rows["action_zh"].str.endswith("社区 C1 的说明行给出原因：4 个网格的任何方案都无法全部落在区间内").all()


def test_a_count_the_groups_can_make_gets_no_such_row():
    # the same town in 3 grids: 140 + 260, 150 + 280, 200 + 300 are all in the band
    units, comm = _grid_town(HH, cols=2)
    res = partition_grids(units, comm, n_grids=3)
    assert res.grids["households"].between(300, 500).all()
    assert not res.report["problem"].str.contains("share no edge").any()


def test_columbus_thirteen_grids_are_proved_by_the_groups_the_three_heaviest_leave():
    units, comm = columbus(1)
    res = partition_grids(units, comm, n_grids=13, gated_col="gated", balance="band")
    row = res.report[res.report["problem"].str.contains("share no edge")]
    assert len(row) == 1
    # my own reading of the town: estates one node on my own rook graph, the three heaviest out
    key = units["gated"].fillna(units["unit_id"]).to_numpy()
    g = nx.quotient_graph(_rook(list(units.geometry)), [set(np.flatnonzero(key == k).tolist()) for k in
                                                         dict.fromkeys(key)], relabel=True)
    w = units.groupby(key, sort=False)["households"].sum().to_numpy()
    heavy = np.argsort(-w, kind="stable")[:3]
    assert sorted(w[heavy]) == [377, 404, 430] and np.sort(w)[-4] + np.sort(w)[-3] > 500
    rest = g.subgraph([v for v in g if v not in set(heavy.tolist())])
    groups = sorted((sum(w[v] for v in c) for c in nx.connected_components(rest)), reverse=True)
    assert groups == [2582, 468] and sum(int(x // 300) for x in groups) == 9  # 10 grids needed
    assert "(2,582 and 468 households): these make at most 8 and 1 grids of 300 or more (9 in all, not 10)" \
        in row["problem"].iloc[0]
    grids = res.report[(res.report["layer"] == "grids") & res.report["problem"].str.contains("outside 300")]
    assert len(grids) and grids["action"].str.contains("community C1's row says why").all()


def test_band_restarts_are_not_drawn_when_a_node_proves_no_plan_is_in_the_band():
    # a path 600 - 100 - 300 - 200 in parts {600}, {100, 300}, {200}: the 600 is over 500 alone
    # (no plan is all in the band), and no single move brings the 200 up without taking more out
    adj = sparse.csr_matrix((np.ones(6), ([0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2])), shape=(4, 4))
    hh = np.array([600.0, 100, 300, 200])
    labels = np.array([0, 1, 1, 2])
    none = np.zeros(4, dtype=bool)
    # the proof given; none given and no search; none given and the search (which finds no plan)
    for proof, search, drawn in ((np.array([True, False, False, False]), True, 0), (none, False, 3), (none, True, 0)):
        seeds = []

        def redraw(s):
            seeds.append(s)
            return labels

        into_band(adj, hh, labels, min_hh=300, max_hh=500, seed=0, stuck=lambda: proof, finish=lambda x: x,
                  redraw=redraw, restarts=3, search=search)
        assert len(seeds) == drawn  # (with neither, three restarts are drawn and walked)


# ------------------------------------------------------------------ the exhaustive search


def test_the_search_finds_a_plan_exactly_where_brute_force_does():
    from spatial.grids._bandsearch import search_band

    rng = np.random.default_rng(7)
    for trial in range(12):  # 3 x 3 squares of 40-260 households, 2-4 grids of 300-500
        hh = rng.integers(40, 260, 9).tolist()
        units, _ = _grid_town(hh, cols=3)
        g = _rook(list(units.geometry))
        adj = nx.to_scipy_sparse_array(g, nodelist=range(9), format="csr")
        for k in (2, 3, 4):
            plans = _plans_in_band(units, k)  # my own: every labelling checked by networkx
            lab, decided = search_band(sparse.csr_matrix(adj), np.array(hh, dtype=float), k, min_hh=300, max_hh=500)
            assert decided and (lab is not None) == bool(plans), (hh, k)
            if lab is not None:
                sums = np.bincount(lab, weights=hh, minlength=k)
                assert ((sums >= 300) & (sums <= 500)).all() and len(set(lab.tolist())) == k
                assert all(nx.is_connected(g.subgraph(np.flatnonzero(lab == p).tolist())) for p in range(k))


def test_the_search_agrees_with_brute_force_where_towers_crowd_the_grids():
    from spatial.grids._bandsearch import search_band

    rng = np.random.default_rng(11)
    for trial in range(10):  # 3 x 3 squares with two or three towers of 380-480 (the count bound fires)
        hh = rng.integers(20, 200, 9)
        hh[rng.choice(9, int(rng.integers(2, 4)), replace=False)] = rng.integers(380, 480, 3)[:1]
        hh = hh.tolist()
        units, _ = _grid_town(hh, cols=3)
        g = _rook(list(units.geometry))
        adj = sparse.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=range(9), format="csr"))
        for k in (2, 3, 4):
            plans = _plans_in_band(units, k)  # my own: every labelling checked by networkx
            lab, decided = search_band(adj, np.array(hh, dtype=float), k, min_hh=300, max_hh=500)
            assert decided and (lab is not None) == bool(plans), (hh, k)
            if lab is not None:
                def parts(x):
                    return frozenset(frozenset(np.flatnonzero(np.asarray(x) == p).tolist()) for p in range(k))

                assert parts(lab) in {parts(p) for p in plans}


def test_heavy_units_cutting_the_rest_apart_decide_the_search_before_any_group_is_tried():
    from spatial.grids._bandsearch import search_band

    # 100 | 400 | 100 | 420 | 100 in three grids of 300-500: the households fit (1,120), but 400
    # and 420 each take a grid and leave groups of 100: the third grid has nowhere to lie.
    i = np.arange(4)
    adj = sparse.csr_matrix((np.ones(8), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(5, 5))
    hh = np.array([100.0, 400, 100, 420, 100])
    assert search_band(adj, hh, 3, min_hh=300, max_hh=500, budget=0) == (None, True)
    cuts = [(a, b) for a in range(1, 4) for b in range(a + 1, 5)]  # my own: every row cut in three
    assert not any(all(300 <= x <= 500 for x in (hh[:a].sum(), hh[a:b].sum(), hh[b:].sum())) for a, b in cuts)


def test_the_search_does_not_depend_on_the_order_of_the_rows():
    from spatial.grids._bandsearch import search_band

    rng = np.random.default_rng(5)
    hh = rng.integers(40, 260, 16).astype(float)
    units, _ = _grid_town(hh.tolist(), cols=4)
    g = _rook(list(units.geometry))
    sweep = np.argsort(units.geometry.centroid.y.to_numpy() * 1000 + units.geometry.centroid.x.to_numpy())
    adj = sparse.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=range(16), format="csr"))
    first, _ = search_band(adj, hh, 5, min_hh=300, max_hh=500, order=sweep)
    assert first is not None
    for seed in range(4):  # the same nodes numbered otherwise: the same plan
        perm = np.random.default_rng(seed).permutation(16)  # new node i is old node perm[i]
        where = np.argsort(perm)
        adj_p = sparse.csr_matrix(nx.to_scipy_sparse_array(nx.relabel_nodes(g, dict(zip(perm.tolist(), range(16)))),
                                                           nodelist=range(16), format="csr"))
        lab, decided = search_band(adj_p, hh[perm], 5, min_hh=300, max_hh=500, order=where[sweep])
        assert decided and lab is not None
        same = {frozenset(perm[np.flatnonzero(lab == p)].tolist()) for p in range(5)}
        assert same == {frozenset(np.flatnonzero(first == p).tolist()) for p in range(5)}
        lab, decided = search_band(adj_p, hh[perm], 5, min_hh=300, max_hh=500)  # (the order the graph chooses)
        assert decided and lab is not None
        sums = np.bincount(lab, weights=hh[perm], minlength=5)
        assert ((sums >= 300) & (sums <= 500)).all()


def test_the_search_gives_up_at_its_budget_and_says_it_did_not_decide():
    from spatial.grids._bandsearch import search_band

    units, _ = _grid_town([100] * 9, cols=3)  # 9 x 100 in 3 grids of 300: found, but not in one group
    adj = sparse.csr_matrix(nx.to_scipy_sparse_array(_rook(list(units.geometry)), nodelist=range(9), format="csr"))
    assert search_band(adj, np.full(9, 100.0), 3, min_hh=300, max_hh=300)[1] is True
    assert search_band(adj, np.full(9, 100.0), 3, min_hh=300, max_hh=300, budget=1) == (None, False)


def test_columbus_eleven_grids_all_in_the_band_where_walks_and_restarts_left_one_at_502():
    units, comm = columbus(2)
    for balance in ("band", "equal"):
        res = partition_grids(units, comm, n_grids=11, gated_col="gated", balance=balance)
        grid = res.units["grid_id"].to_numpy()
        sums = units.assign(g=grid).groupby("g")["households"].sum()  # my own sums
        assert len(sums) == 11 and sums.between(300, 500).all(), (balance, sorted(sums.tolist()))
        g = _rook(list(units.geometry))  # each grid connected on my own rook graph, each estate whole
        assert all(nx.is_connected(g.subgraph(np.flatnonzero(grid == x).tolist())) for x in sums.index)
        assert units.assign(g=grid).dropna(subset=["gated"]).groupby("gated")["g"].nunique().eq(1).all()
