"""Specification of new-station siting: the array core (_cover) and the GeoDataFrame wrapper."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from spatial.siting import _branch, _cover, _exact

# ---------------------------------------------------------------- the array core
# Greedy's classic trap. Points L1 L2 R1 R2 (5 households each) and E (1 household).
# A reaches {L1, L2}, B reaches {R1, R2}, M reaches {L1, R1, E}.
# Greedy takes M first (11) and then A or B (+5) = 16; the optimum for k=2 is A+B = 20.
TRAP = np.array(
    [
        # L1 L2 R1 R2 E
        [1, 1, 0, 0, 0],  # A
        [0, 0, 1, 1, 0],  # B
        [1, 0, 1, 0, 1],  # M
    ]
)
TRAP_W = np.array([5.0, 5.0, 5.0, 5.0, 1.0])


def brute_max_cover(a, w, k, covered=None):
    a = np.asarray(a, bool)
    base = np.zeros(a.shape[1], bool) if covered is None else np.asarray(covered, bool)
    best = 0.0
    for r in range(0, min(k, a.shape[0]) + 1):
        for combo in itertools.combinations(range(a.shape[0]), r):
            cov = base | a[list(combo)].any(axis=0) if combo else base
            best = max(best, float(w[cov & ~base].sum()))
    return best


def test_greedy_falls_in_the_trap_and_the_exact_model_gets_out():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    greedy = _cover.greedy_max_cover(prob, 2)
    assert greedy.chosen[0] == 2  # M first
    assert greedy.value == pytest.approx(16.0)
    assert list(greedy.gain) == pytest.approx([11.0, 5.0])
    exact = _exact.exact_max_cover(prob, 2)
    assert exact.status == "optimal"
    assert sorted(exact.chosen) == [0, 1]
    assert exact.value == pytest.approx(20.0)
    assert exact.bound == pytest.approx(20.0)
    # one swap (M out, B in) gets the greedy out of the trap too
    swapped = _cover.greedy_max_cover(prob, 2, swaps=True)
    assert sorted(swapped.chosen) == [0, 1] and swapped.value == pytest.approx(20.0)


def test_existing_stations_count_as_covered():
    # an existing station already covers L1 and L2: A adds nothing, so B + M is best (10 + 1)
    covered = np.array([True, True, False, False, False])
    prob = _cover.reduce_problem(TRAP, TRAP_W, covered)
    assert prob.base == pytest.approx(10.0)
    exact = _exact.exact_max_cover(prob, 2)
    assert exact.value == pytest.approx(11.0)
    assert sorted(exact.chosen) == [1, 2]
    greedy = _cover.greedy_max_cover(prob, 2)
    assert list(greedy.chosen) == [1, 2]
    assert greedy.value == pytest.approx(11.0)


def test_greedy_stops_when_no_candidate_adds_anything():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    greedy = _cover.greedy_max_cover(prob, 10)
    assert len(greedy.chosen) == 3
    assert greedy.value == pytest.approx(21.0)


def test_identical_points_are_merged_and_unreachable_points_leave_the_model():
    a = np.array([[1, 1, 0, 0], [0, 0, 1, 0]])
    prob = _cover.reduce_problem(a, np.array([2.0, 3.0, 4.0, 7.0]))
    assert prob.matrix.shape == (2, 2)
    assert sorted(prob.weight) == [4.0, 5.0]
    assert prob.group_of[0] == prob.group_of[1]
    assert prob.group_of[3] == -1
    assert prob.total == 16.0


def test_set_cover_reaches_the_target_with_the_fewest_sites():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    need = 20.0  # 20 of 21 households
    greedy = _cover.greedy_set_cover(prob, need)
    assert greedy.feasible
    assert sorted(greedy.chosen) == [0, 1]  # M, A and B picked; then M is redundant and dropped
    exact = _exact.exact_set_cover(prob, need)
    assert exact.status == "optimal"
    assert sorted(exact.chosen) == [0, 1]
    assert exact.value == 2
    assert exact.bound == 2


def test_set_cover_target_exactly_met_counts():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    exact = _exact.exact_set_cover(prob, 11.0)  # M alone reaches exactly 11
    assert list(exact.chosen) == [2]
    greedy = _cover.greedy_set_cover(prob, 11.0)
    assert list(greedy.chosen) == [2] and greedy.feasible


def test_set_cover_unreachable_target_is_reported_not_hidden():
    a = np.hstack([TRAP, np.zeros((3, 1))])  # a sixth point F no candidate reaches
    w = np.append(TRAP_W, 2.0)
    prob = _cover.reduce_problem(a, w)
    greedy = _cover.greedy_set_cover(prob, 23.0)
    assert not greedy.feasible
    assert greedy.value == pytest.approx(21.0)  # the most the candidates can add
    exact = _exact.exact_set_cover(prob, 23.0)
    assert exact.status == "infeasible"
    assert prob.group_of[5] == -1


def test_capacity_is_respected_and_used_well():
    # each new site serves at most 6 households
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    exact = _exact.exact_max_cover(prob, 2, capacity=6.0)
    assert exact.value == pytest.approx(12.0)
    served = _cover.assign_capacity(prob, exact.chosen, 6.0)
    assert np.all(served <= 6.0 + 1e-9)
    greedy = _cover.greedy_max_cover(prob, 2, capacity=6.0)
    assert np.all(greedy.gain <= 6.0 + 1e-9)
    assert greedy.value <= exact.value + 1e-9
    # capacity 100 is no constraint: same as uncapacitated
    assert _exact.exact_max_cover(prob, 2, capacity=100.0).value == pytest.approx(20.0)


def test_capacitated_set_cover_needs_more_sites():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    exact = _exact.exact_set_cover(prob, 20.0, capacity=7.0)
    assert exact.value == 3  # 20 households at 7 per site
    served = _cover.assign_capacity(prob, exact.chosen, 7.0)
    assert served.sum() >= 20.0 - 1e-6
    greedy = _cover.greedy_set_cover(prob, 20.0, capacity=7.0)
    assert greedy.feasible and len(greedy.chosen) >= 3


def test_rank_sites_orders_by_marginal_gain():
    prob = _cover.reduce_problem(TRAP, TRAP_W)
    ranked = _cover.rank_sites(prob, [0, 2, 1])
    assert ranked.chosen[0] == 2 and sorted(ranked.chosen[1:]) == [0, 1]  # A and B tie
    assert list(ranked.gain) == pytest.approx([11.0, 5.0, 5.0])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 7).flatmap(
        lambda n: st.tuples(
            st.lists(st.lists(st.booleans(), min_size=9, max_size=9), min_size=n, max_size=n),
            st.lists(st.integers(0, 9), min_size=9, max_size=9),
            st.lists(st.booleans(), min_size=9, max_size=9),
            st.integers(1, n),
        )
    )
)
def test_exact_is_optimal_and_greedy_within_its_guarantee(case):
    rows, w, covered, k = case
    a = np.array(rows, dtype=bool)
    w = np.array(w, dtype=float)
    covered = np.array(covered)
    prob = _cover.reduce_problem(sp.csr_matrix(a), w, covered)
    best = brute_max_cover(a, w, k, covered)
    exact = _exact.exact_max_cover(prob, k)
    greedy = _cover.greedy_max_cover(prob, k)
    assert exact.value == pytest.approx(best)
    assert len(exact.chosen) <= k and len(greedy.chosen) <= k
    swapped = _cover.greedy_max_cover(prob, k, swaps=True)
    assert greedy.value - 1e-9 <= swapped.value <= best + 1e-9
    assert greedy.value <= best + 1e-9
    assert greedy.value >= (1 - 1 / np.e) * best - 1e-9
    # the gains add up to what the chosen set really covers
    cov = a[greedy.chosen].any(axis=0) if len(greedy.chosen) else np.zeros(9, bool)
    assert greedy.value == pytest.approx(w[cov & ~covered].sum())


def test_full_set_cover_agrees_with_a_plain_set_cover_model():
    from scipy.optimize import LinearConstraint, milp

    a = sp.random(100, 2000, density=0.03, random_state=3, format="csr") > 0
    w = np.random.default_rng(3).integers(20, 400, 2000).astype(float)
    prob = _cover.reduce_problem(a, w)
    exact = _exact.exact_set_cover(prob, prob.weight.sum())
    n = prob.matrix.shape[0]
    plain = milp(np.ones(n), constraints=[LinearConstraint(prob.matrix.T.astype(float), 1, np.inf)],
                 integrality=np.ones(n), bounds=(0, 1))
    assert exact.status == "optimal"
    assert exact.value == round(plain.fun)


def test_time_limit_keeps_the_greedy_plan_and_reports_a_bound():
    rng = np.random.default_rng(0)
    a = sp.random(300, 4000, density=0.05, random_state=1, format="csr") > 0
    prob = _cover.reduce_problem(a, rng.integers(1, 100, 4000).astype(float))
    greedy = _cover.greedy_max_cover(prob, 10)
    exact = _exact.exact_max_cover(prob, 10, time_limit_s=0.0)
    assert exact.status == "time limit"
    assert exact.value >= greedy.value  # warm-started from the greedy
    assert greedy.value <= exact.bound <= _exact.max_cover_bound(prob, 10)
    need = 0.9 * prob.weight.sum()
    lscp = _exact.exact_set_cover(prob, need, time_limit_s=0.0)
    assert lscp.status == "time limit"
    assert _exact.set_cover_bound(prob, need) <= lscp.bound <= lscp.value
    assert lscp.value <= len(_cover.greedy_set_cover(prob, need).chosen)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.tuples(
            # few points, so that subsets and identical candidates are common
            st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=n, max_size=n),
            st.lists(st.integers(0, 9), min_size=6, max_size=6),
            st.lists(st.booleans(), min_size=6, max_size=6),
            st.integers(1, n),
            st.floats(0.1, 1.0),
        )
    )
)
def test_dropping_dominated_candidates_keeps_the_optimum(case):
    rows, w, covered, k, share = case
    a = np.array(rows, dtype=bool)
    w = np.array(w, dtype=float)
    covered = np.array(covered)
    prob = _cover.reduce_problem(sp.csr_matrix(a), w, covered)
    red, kept = _cover.drop_dominated(prob)
    assert red.matrix.shape[0] == len(kept) and red.weight.sum() == pytest.approx(prob.weight.sum())
    # no kept candidate is empty or a subset of another kept one; every dropped one is a subset of a kept one
    reach = [set(prob.matrix[i].indices) for i in range(prob.matrix.shape[0])]
    for i in kept:
        assert reach[i] and not any(reach[i] <= reach[j] for j in kept if j != i)
    for i in np.setdiff1d(np.arange(len(reach)), kept):
        assert not reach[i] or any(reach[i] <= reach[j] for j in kept)  # empty ones add nothing
    # the reduced problem maps back: the same weight for the same original rows, and groups agree
    assert np.array_equal(red.group_of >= 0, prob.group_of >= 0)
    for rr in range(len(kept)):
        assert _cover._value(red, np.array([rr]), None) == pytest.approx(
            _cover._value(prob, kept[[rr]], None))
    # the optimum (brute force on the original matrix) is unchanged: MCLP and LSCP
    sub = a[:, ~covered]
    best = brute_max_cover(a, w, k, covered)
    best_red = 0.0
    for r in range(0, min(k, len(kept)) + 1):
        for combo in itertools.combinations(kept, r):
            best_red = max(best_red, _cover._value(prob, np.array(combo, np.int64), None))
    assert best_red == pytest.approx(best)
    exact = _exact.exact_max_cover(prob, k)
    assert exact.value == pytest.approx(best) and len(exact.chosen) <= k
    assert exact.value <= exact.bound + 1e-9
    need = share * prob.weight.sum()
    if need > 0:
        fewest = next(r for r in range(len(a) + 1) for combo in itertools.combinations(range(len(a)), r)
                      if w[~covered][sub[list(combo)].any(axis=0)].sum() >= need - 1e-9) \
            if sub.any() else None
        lscp = _exact.exact_set_cover(prob, need)
        if fewest is not None:
            assert lscp.value == fewest
            assert _cover._value(prob, lscp.chosen, None) >= need - 1e-9


def dense_instance(n_cand=40, n_pts=300, radius=0.3, seed=0):
    """Candidates and points in a unit square, reach within ``radius``: overlapping enough that
    the LP relaxation is fractional and above the optimum."""
    rng = np.random.default_rng(seed)
    c, p = rng.random((n_cand, 2)), rng.random((n_pts, 2))
    a = np.hypot(*(c[:, None, :] - p[None, :, :]).transpose(2, 0, 1)) <= radius
    return a, rng.integers(1, 50, n_pts).astype(float)


DENSE_BEST = 6874.0  # brute_max_cover(*dense_instance(), 4), checked in the test below


def test_the_dense_instance_optimum_is_the_brute_force_one():
    a, w = dense_instance()
    assert brute_max_cover(a, w, 4) == DENSE_BEST


def lp_bound(prob, k):
    from scipy.optimize import linprog

    a = prob.matrix.astype(float)
    n, ng = a.shape
    rows = sp.vstack([sp.hstack([-a.T, sp.identity(ng)]), sp.csr_matrix(np.r_[np.ones(n), np.zeros(ng)])])
    res = linprog(-np.r_[np.zeros(n), prob.weight], A_ub=rows, b_ub=np.r_[np.zeros(ng), k], bounds=(0, 1))
    return -res.fun


def test_branch_and_bound_proves_the_optimum_where_the_lp_relaxation_does_not():
    a, w = dense_instance()
    prob = _cover.reduce_problem(a, w)
    k = 4
    best = DENSE_BEST
    assert lp_bound(prob, k) > best + 1.0  # the root alone proves nothing: the search must branch
    plan, value, bound, status = _branch.max_cover_bb(prob, k, np.array([0, 1, 2]), time_limit_s=60.0)
    assert status == "optimal"
    assert value == pytest.approx(best) and _cover._value(prob, plan, None) == pytest.approx(best)
    assert best <= bound <= best * (1 + 1e-4) + 1e-6
    exact = _exact.exact_max_cover(prob, k)
    assert exact.status == "optimal" and exact.value == pytest.approx(best)


@pytest.mark.parametrize("limit", [0.0, 0.05, 0.3])
def test_branch_and_bound_stopped_early_still_bounds_the_optimum(limit):
    a, w = dense_instance()
    prob = _cover.reduce_problem(a, w)
    k = 4
    best = DENSE_BEST
    start = _cover.greedy_max_cover(prob, k).chosen
    plan, value, bound, status = _branch.max_cover_bb(prob, k, start, time_limit_s=limit)
    assert len(plan) <= k and value == pytest.approx(_cover._value(prob, plan, None))
    assert _cover._value(prob, start, None) <= value <= best + 1e-9
    assert bound >= best - 1e-9  # whatever the stopping point, an upper bound on the optimum
    assert status in ("optimal", "time limit")


def test_partial_set_cover_descends_to_the_fewest_sites_and_proves_it():
    a, w = dense_instance()
    prob = _cover.reduce_problem(a, w)
    need = DENSE_BEST  # only the best 4-site plans add this much; no 3 sites do
    assert brute_max_cover(a, w, 3) < need
    assert len(_cover.greedy_set_cover(prob, need).chosen) > 4  # the greedy needs more
    exact = _exact.exact_set_cover(prob, need)
    assert exact.status == "optimal" and exact.value == 4 and exact.bound == 4
    assert _cover._value(prob, exact.chosen, None) >= need


def test_tabu_search_leaves_the_one_swap_optimum_and_is_repeatable():
    a, w = dense_instance()
    prob = _cover.reduce_problem(a, w)
    k = 4
    start = _cover.greedy_max_cover(prob, k, swaps=True).chosen
    assert _cover._value(prob, start, None) < DENSE_BEST  # no single swap improves it
    found = _cover.tabu_search(prob, start, iterations=300)
    again = _cover.tabu_search(prob, start, iterations=300)
    assert np.array_equal(found, again) and len(found) == k
    assert _cover._value(prob, found, None) >= _cover._value(prob, start, None)
    assert _cover._value(prob, found, None) == pytest.approx(DENSE_BEST)
    # the greedy's trap: from (M, A) the search reaches A + B
    trap = _cover.reduce_problem(TRAP, TRAP_W)
    assert sorted(_cover.tabu_search(trap, np.array([2, 0]))) == [0, 1]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.lists(st.booleans(), min_size=8, max_size=8), min_size=2, max_size=6),
    st.lists(st.integers(1, 9), min_size=8, max_size=8),
    st.floats(0.1, 1.0),
)
def test_exact_set_cover_is_the_fewest_sites(rows, w, share):
    a = np.array(rows, dtype=bool)
    w = np.array(w, dtype=float)
    prob = _cover.reduce_problem(a, w)
    need = share * prob.weight.sum()
    fewest = None
    for r in range(0, a.shape[0] + 1):
        for combo in itertools.combinations(range(a.shape[0]), r):
            cov = a[list(combo)].any(axis=0) if combo else np.zeros(8, bool)
            if w[cov].sum() >= need - 1e-9:
                fewest = r
                break
        if fewest is not None:
            break
    exact = _exact.exact_set_cover(prob, need)
    greedy = _cover.greedy_set_cover(prob, need)
    assert exact.value == fewest
    assert greedy.feasible and len(greedy.chosen) >= fewest


# ---------------------------------------------------------------- the GeoDataFrame wrapper
import geopandas as gpd  # noqa: E402
import pandas as pd  # noqa: E402
from shapely.geometry import Point  # noqa: E402

from spatial import SpatialError  # noqa: E402
from spatial.coverage.walks import walking_coverage  # noqa: E402
from spatial.network.graph import network_from_arrays  # noqa: E402
from spatial.siting.sites import site_stations, sites_for_map  # noqa: E402

CRS = "EPSG:32650"  # UTM 50N (Shenzhen); x, y in metres
X0, Y0 = 500_000.0, 2_500_000.0


def street():
    """One straight street 4 km long, a node every 200 m."""
    xs = np.arange(0, 4001, 200.0)
    xy = np.column_stack([X0 + xs, np.full(len(xs), Y0)])
    u = np.arange(len(xs) - 1)
    return network_from_arrays(xy, u, u + 1, crs=CRS)


def pts(xs, ys=None):
    ys = [10.0] * len(xs) if ys is None else ys
    return [Point(X0 + x, Y0 + y) for x, y in zip(xs, ys)]


def demand_layer():
    # d1 covered by the station at x=0; d5 lies 500 m off the street (too far from network)
    return gpd.GeoDataFrame(
        {
            "unit_id": ["d1", "d2", "d3", "d4", "d5"],
            "households": [100, 50, 80, 30, 20],
            "population": [250, 120, 200, 70, 50],
            "community_id": ["west", "west", "east", "east", "east"],
        },
        geometry=pts([500, 1800, 2600, 3900, 2000], [10, 10, 10, 10, 500]),
        crs=CRS,
    )


def station_layer():
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["西站"]}, geometry=pts([0]), crs=CRS)


def candidate_layer():
    # A reaches d2, d3 (130 hh); B reaches d3, d4 (110); C reaches d1, d2 (50 new); D is too small
    cands = gpd.GeoDataFrame(
        {
            "candidate_id": ["A", "B", "C", "D"],
            "floor_area_m2": [800, 650, 900, 100],
            "land_use": ["public", "public", "public", "public"],
        },
        geometry=pts([2200, 3500, 1000, 3000], [20, 20, 20, 20]),
        crs=CRS,
    )
    return cands.to_crs(4326)  # another CRS on purpose: converted at the edge


def covered_by_walking_coverage(result, demand, stations, network):
    """Independent check: rerun coverage with the new sites added as stations."""
    new = result.sites[["site_id", "geometry"]].rename(columns={"site_id": "station_id"}).to_crs(CRS)
    both = gpd.GeoDataFrame(pd.concat([stations[["station_id", "geometry"]], new], ignore_index=True),
                            crs=CRS)
    scored = walking_coverage(demand, both, network, minutes=(15,))
    return (scored["band"] == "15min").to_numpy()


def test_maximal_coverage_on_a_street_matches_walking_coverage():
    net, demand, stations = street(), demand_layer(), station_layer()
    res = site_stations(demand, stations, net, candidates=candidate_layer(), k=2, minutes=(15,),
                        min_floor_area_m2=500)
    assert list(res.sites.columns[:6]) == ["site_id", "rank", "candidate_id", "gain_households",
                                         "gain_population", "cum_coverage_pct"]
    assert res.sites["candidate_id"].iloc[0] == "A"  # 130 households first
    assert res.sites["gain_households"].sum() == pytest.approx(60 + 100)  # d2, d3, d4 added
    assert res.sites["cum_coverage_pct"].iloc[-1] == pytest.approx(100 * 260 / 280)
    assert res.sites.crs == demand.crs
    assert res.optimality["problem"] == "MCLP"
    assert res.optimality["gap_pct"] == pytest.approx(0.0)
    assert res.optimality["plan_gap_pct"] == pytest.approx(0.0)
    assert res.optimality["status"] == "optimal"
    # D (100 m²) was left out and says why
    assert "D" in set(res.report.loc[res.report["layer"] == "candidates", "row_id"])
    # the independent check
    after = covered_by_walking_coverage(res, demand, stations, net)
    assert list(res.demand["covered_after"]) == list(after)
    assert list(res.demand["covered_before"]) == [True, False, False, False, False]
    # input index and columns kept
    assert list(res.demand.index) == list(demand.index)
    assert set(demand.columns) <= set(res.demand.columns)
    overall = res.before_after.set_index(["level", "id"])
    assert overall.loc[("overall", "all"), "pct_before"] == pytest.approx(100 * 100 / 280)
    assert overall.loc[("overall", "all"), "pct_after"] == pytest.approx(100 * 260 / 280)
    assert overall.loc[("community", "west"), "pct_after"] == pytest.approx(100.0)
    assert list(res.unreachable["unit_id"]) == ["d5"]
    assert res.unreachable["reason"].iloc[0] == "too far from network"
    wgs = sites_for_map(res)
    assert wgs.crs.to_epsg() == 4326 and len(wgs) == 2


def test_set_cover_reaches_the_target_with_two_sites():
    res = site_stations(demand_layer(), station_layer(), street(), candidates=candidate_layer(),
                        target=0.9, minutes=(15,))
    assert res.optimality["target_reached"]
    assert sorted(res.sites["candidate_id"]) == ["A", "B"]
    assert res.optimality["exact_value"] == 2 and res.optimality["bound"] == 2
    assert res.sites["cum_coverage_pct"].iloc[-1] >= 90.0


def test_set_cover_unreachable_target_names_the_households():
    res = site_stations(demand_layer(), station_layer(), street(), candidates=candidate_layer(),
                        target=0.99, minutes=(15,))
    assert not res.optimality["target_reached"]
    assert "cannot be reached" in res.optimality["message"]
    assert list(res.unreachable["unit_id"]) == ["d5"]
    # sited for the most that can be reached instead
    assert res.sites["cum_coverage_pct"].iloc[-1] == pytest.approx(100 * 260 / 280)


def test_capacity_limits_what_each_site_serves():
    res = site_stations(demand_layer(), station_layer(), street(), candidates=candidate_layer(),
                        k=2, minutes=(15,), capacity_households=60)
    assert (res.sites["gain_households"] <= 60 + 1e-6).all()
    assert res.sites["gain_households"].sum() == pytest.approx(120.0)
    assert res.demand["new_households_served"].sum() == pytest.approx(120.0)
    assert res.optimality["exact_value"] == pytest.approx(120.0)


def test_generated_candidates_from_network_nodes():
    net, demand, stations = street(), demand_layer(), station_layer()
    res = site_stations(demand, stations, net, k=1, minutes=(15,))
    assert res.sites["candidate_id"].iloc[0].startswith("node:")
    # one node between 2,000 and 2,400 m reaches d2 and d3 (130 households)
    assert res.sites["gain_households"].iloc[0] == pytest.approx(130.0)
    after = covered_by_walking_coverage(res, demand, stations, net)
    assert list(res.demand["covered_after"]) == list(after)


def test_bad_requests_are_refused_clearly():
    net, demand, stations = street(), demand_layer(), station_layer()
    with pytest.raises(SpatialError, match="exactly one of k="):
        site_stations(demand, stations, net, k=2, target=0.9)
    with pytest.raises(SpatialError, match="band='20min' is not one of"):
        site_stations(demand, stations, net, k=2, band="20min")
    with pytest.raises(SpatialError, match="target is a share"):
        site_stations(demand, stations, net, target=99)
    with pytest.raises(SpatialError, match="has no CRS"):
        site_stations(demand.set_crs(None, allow_override=True), stations, net, k=1)
    with pytest.raises(SpatialError, match="'candidates' has no column 'floor_area_m2'"):
        site_stations(demand, stations, net, k=1, min_floor_area_m2=500,
                      candidates=candidate_layer().drop(columns="floor_area_m2"))


def test_cli_site_writes_sites_before_after_and_unreachable(tmp_path, capsys):
    import pyogrio

    from spatial.cli import main
    from spatial.network.graph import edges_frame

    net = street()
    lines = edges_frame(net)[["geometry"]]
    lines.to_file(tmp_path / "street.gpkg", layer="street")
    station_layer().to_file(tmp_path / "stations.gpkg")
    demand_layer().to_file(tmp_path / "demand.gpkg")
    candidate_layer().to_file(tmp_path / "candidates.geojson")
    out = tmp_path / "sites.gpkg"
    code = main(["site", str(tmp_path / "street.gpkg"), str(tmp_path / "stations.gpkg"),
                 str(tmp_path / "demand.gpkg"), "--candidates", str(tmp_path / "candidates.geojson"),
                 "--k", "2", "--band", "15min", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "greedy gap 0.00%" in printed
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"sites", "before_after", "unreachable"} <= layers
    sites = gpd.read_file(out, layer="sites")
    assert sorted(sites["candidate_id"])[0] == "A" and len(sites) == 2
    assert list(gpd.read_file(out, layer="unreachable")["unit_id"]) == ["d5"]


def test_polygon_demand_and_no_existing_stations():
    demand = demand_layer()
    demand["geometry"] = demand.geometry.buffer(5.0)  # small building footprints
    res = site_stations(demand, None, street(), candidates=candidate_layer(), k=1, minutes=(15,))
    assert not res.demand["covered_before"].any()
    assert res.before_after["pct_before"].iloc[0] == pytest.approx(0.0)
    # C reaches d1 and d2 (150), A d2 and d3 (130): C first
    assert res.sites["candidate_id"].iloc[0] == "C"
    assert res.sites["gain_households"].iloc[0] == pytest.approx(150.0)
    assert res.sites["gain_population"].iloc[0] == pytest.approx(370.0)


def test_capacitated_set_cover_on_the_street():
    # 152 more households are needed for 90%; 60 per site means three sites (A, B and C)
    res = site_stations(demand_layer(), station_layer(), street(), candidates=candidate_layer(),
                        target=0.9, minutes=(15,), capacity_households=60, min_floor_area_m2=500)
    assert sorted(res.sites["candidate_id"]) == ["A", "B", "C"]
    assert (res.sites["gain_households"] <= 60 + 1e-6).all()
    assert res.before_after["pct_after"].iloc[0] >= 90.0
    assert res.optimality["bound"] == 3


def filtered_siting():
    """Siting where candidate A's land use is not allowed, C has no floor area and D is too small."""
    cands = candidate_layer()
    cands.loc[cands["candidate_id"] == "A", "land_use"] = "commercial"
    cands.loc[cands["candidate_id"] == "C", "floor_area_m2"] = np.nan
    return site_stations(demand_layer(), station_layer(), street(), candidates=cands, k=1, minutes=(15,),
                         min_floor_area_m2=500, allowed_land_use=["public"])


def test_candidate_filters_report_every_candidate_left_out():
    res = filtered_siting()
    left = res.report[res.report["layer"] == "candidates"].set_index("row_id")["problem"]
    assert left["A"] == "land use 'commercial' not allowed"
    assert left["C"] == "no floor_area_m2"
    assert left["D"].startswith("floor area 100 m²")
    assert list(res.sites["candidate_id"]) == ["B"]  # the only one left


def test_a_site_serves_homes_with_estimated_walks_like_any_other():
    """A 2 km street; homes 150-320 m north of it with no mapped paths walk out at x1.25."""
    from shapely.geometry import LineString, Point

    from spatial.network.read import read_network
    from spatial.siting.sites import site_stations

    crs = "EPSG:32650"
    net = read_network(gpd.GeoDataFrame({"highway": ["residential"]},
                                        geometry=[LineString([(0, 0), (2000, 0)])], crs=crs))
    demand = gpd.GeoDataFrame({"unit_id": ["a", "b", "c", "far"], "households": [10, 20, 30, 40]},
                              geometry=[Point(1500, y) for y in (150.0, 200.0, 280.0, 320.0)], crs=crs)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(0, 0)], crs=crs)
    cand = gpd.GeoDataFrame({"candidate_id": ["c1", "c2"]},
                            geometry=[Point(1100, 0), Point(1500, 0)], crs=crs)
    result = site_stations(demand, stations, net, candidates=cand, k=1, meters=(500,), band="500m",
                           exact=False)
    # c2 at the foot of their legs reaches a, b, c (1.25 x 280 = 350 m); c1 400 m away reaches none;
    # "far" is beyond the 300 m second limit: no walk, no site reaches it
    assert result.sites["candidate_id"].tolist() == ["c2"]
    assert result.sites["gain_households"].tolist() == [60.0]
    assert result.demand["covered_after"].tolist() == [True, True, True, False]
    assert result.unreachable["unit_id"].tolist() == ["far"]
    # the same walks as walking_coverage with the new site as a station
    after = walking_coverage(demand, cand.iloc[[1]].rename(columns={"candidate_id": "station_id"}), net,
                             meters=(500,))
    assert (after["band"] == "500m").tolist() == [True, True, True, False]
    # without estimated walks nobody can be served
    off = site_stations(demand, stations, net, candidates=cand, k=1, meters=(500,), band="500m",
                        exact=False, max_off_network_m=None)
    assert off.sites["gain_households"].sum() == 0 and len(off.unreachable) == 4


@pytest.mark.parametrize("order", [["P", "Q"], ["Q", "P"]])
def test_of_candidates_adding_the_same_households_the_first_by_id_is_taken(order):
    """A tie between candidates goes to the smallest id, so the same file gives the same sites
    in any row order (the exact search replaces the greedy plan only when it covers more)."""
    demand = gpd.GeoDataFrame({"unit_id": ["d"], "households": [100]}, geometry=pts([2000]), crs=CRS)
    at = {"P": 1800.0, "Q": 2200.0}  # both 200 m from the one home: each covers all of it
    cands = gpd.GeoDataFrame({"candidate_id": order}, geometry=pts([at[c] for c in order]), crs=CRS)
    res = site_stations(demand, None, street(), candidates=cands, k=1)
    assert res.sites["candidate_id"].tolist() == ["P"]
