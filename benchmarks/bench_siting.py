"""Siting benchmark: spatial's greedy + exact MCLP/LSCP side by side with spopt.locate.

Synthetic but network-shaped coverage: a 50 m street lattice with 15% of the blocks' edges
removed and detours of 0-30% on every edge; demand points and candidates on random nodes;
coverage = walking distance within 1,000 m (15 minutes at 4 km/h), from one bounded
scipy Dijkstra pass over the candidates. The same coverage goes to spopt (dense cost matrix,
PuLP + CBC) and to spatial.siting._cover (sparse, HiGHS).

    .venv/bin/python -m benchmarks.bench_siting            # 200 x 5,500 (k=5), 400 x 10,000 (k=20)
    .venv/bin/python -m benchmarks.bench_siting --quick    # 100 x 2,000 (k=5), under a minute
    .venv/bin/python -m benchmarks.bench_siting --no-spopt # only spatial
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from spatial.siting import _cover, _exact

LIMIT_M = 1000.0
SPOPT_LIMIT_S = 300


def lattice(side: int, step_m: float, rng: np.random.Generator) -> sp.csr_matrix:
    """A side x side street lattice, some edges removed, lengths with random detours."""
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(u)) > 0.15
    u, v = u[keep], v[keep]
    w = step_m * (1.0 + 0.3 * rng.random(len(u)))
    g = sp.coo_matrix((w, (u, v)), shape=(side * side,) * 2)
    return (g + g.T).tocsr()


def instance(n_cand: int, n_pts: int, seed: int):
    """(distance matrix candidates x points within LIMIT_M as CSR, households)."""
    rng = np.random.default_rng(seed)
    side = 121  # 6 km x 6 km at 50 m
    g = lattice(side, 50.0, rng)
    n = side * side
    cand = rng.choice(n, n_cand, replace=False)
    pts = rng.choice(n, n_pts, replace=True)
    dist = dijkstra(g, indices=cand, limit=LIMIT_M)[:, pts]  # inf beyond the limit
    reach = sp.csr_matrix(np.isfinite(dist))
    households = rng.integers(20, 400, n_pts).astype(float)
    return reach, dist, households


def ours_mclp(a, w, k, rel_gap=1e-4):
    t0 = time.perf_counter()
    prob = _cover.reduce_problem(a, w)
    t1 = time.perf_counter()
    greedy = _cover.greedy_max_cover(prob, k, swaps=True)
    t2 = time.perf_counter()
    exact = _exact.exact_max_cover(prob, k, time_limit_s=30.0, start=greedy.chosen, rel_gap=rel_gap)
    t3 = time.perf_counter()
    best = max(greedy.value, exact.value)
    gap = 100.0 * (exact.bound - best) / exact.bound if exact.bound else 0.0
    return {
        "greedy_value": greedy.value, "exact_value": exact.value, "bound": exact.bound,
        "status": exact.status, "gap_pct": gap, "groups": prob.matrix.shape[1],
        "t_reduce": t1 - t0, "t_greedy": t2 - t1, "t_exact": t3 - t2, "t_total": t3 - t0,
    }


def ours_lscp(a, w, share: float = 1.0):
    t0 = time.perf_counter()
    prob = _cover.reduce_problem(a, w)
    need = share * prob.weight.sum()  # 1.0: every reachable household, like spopt's LSCP
    greedy = _cover.greedy_set_cover(prob, need)
    t1 = time.perf_counter()
    exact = _exact.exact_set_cover(prob, need, time_limit_s=30.0,
                                   start=greedy.chosen if greedy.feasible else None)
    t2 = time.perf_counter()
    return {"greedy_sites": len(greedy.chosen), "exact_sites": exact.value, "bound": exact.bound,
            "status": exact.status, "t_greedy": t1 - t0, "t_total": t2 - t0, "share": share}


def spopt_mclp(dist, w, k):
    import pulp
    from spopt.locate import MCLP

    t0 = time.perf_counter()
    model = MCLP.from_cost_matrix(dist.T, w, service_radius=LIMIT_M, p_facilities=k)
    t1 = time.perf_counter()
    # CBC did not finish 20 of 400 in 9 minutes here: stop it at SPOPT_LIMIT_S, keep its best plan
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=SPOPT_LIMIT_S))
    t2 = time.perf_counter()
    chosen = [i for i, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    cov = (dist[chosen] <= LIMIT_M).any(axis=0) if chosen else np.zeros(dist.shape[1], bool)
    return {"value": float(w[cov].sum()), "t_build": t1 - t0, "t_total": t2 - t0,
            "stopped": t2 - t1 >= SPOPT_LIMIT_S - 1}


def spopt_lscp(dist):
    import pulp
    from spopt.locate import LSCP

    reach = np.isfinite(dist).any(axis=0)
    t0 = time.perf_counter()
    model = LSCP.from_cost_matrix(dist[:, reach].T, LIMIT_M)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    t1 = time.perf_counter()
    status = "optimal" if model.problem.sol_status == pulp.LpSolutionOptimal else "limit"
    return {"sites": sum((v.value() or 0) > 0.5 for v in model.fac_vars), "t_total": t1 - t0,
            "status": status}


def futian_case(n_pts: int, n_cand: int | None, seed: int):
    """Demand scattered along the Futian walking network; stations and candidates on its nodes."""
    import geopandas as gpd
    import shapely

    from spatial.network.read import read_network

    net = read_network("data/futian_walk.graphml")
    rng = np.random.default_rng(seed)
    e = rng.choice(len(net.length_m), n_pts, p=net.length_m / net.length_m.sum())
    at = shapely.line_interpolate_point(net.geometry[e], rng.random(n_pts), normalized=True)
    xy = shapely.get_coordinates(at) + rng.uniform(-40, 40, (n_pts, 2))
    demand = gpd.GeoDataFrame({"unit_id": np.arange(n_pts), "households": rng.integers(20, 400, n_pts)},
                              geometry=gpd.points_from_xy(*xy.T), crs=net.crs)
    s = rng.choice(net.n_nodes, 4, replace=False)
    stations = gpd.GeoDataFrame({"station_id": [f"S{i}" for i in range(4)]},
                                geometry=gpd.points_from_xy(*net.node_xy[s].T), crs=net.crs)
    cands = None
    if n_cand is not None:
        c = rng.choice(net.n_nodes, n_cand, replace=False)
        cands = gpd.GeoDataFrame({"candidate_id": [f"C{i}" for i in range(n_cand)]},
                                 geometry=gpd.points_from_xy(*net.node_xy[c].T), crs=net.crs)
    return net, demand, stations, cands


def futian(quick: bool) -> None:
    from spatial.siting.sites import site_stations

    print()
    print(f"{'Futian end to end':>44} | {'cands':>5} {'before%':>7} {'after%':>7} {'greedy':>9} {'exact':>9} "
          f"{'gap%':>5} {'plan%':>5} {'status':>8} {'total s':>7}")
    runs = [(2000, 100, {"k": 5})] if quick else [
        (5500, 200, {"k": 5}), (5500, None, {"k": 5}), (5500, 200, {"target": 0.99}),
        (5500, None, {"target": 0.99})]
    for n_pts, n_cand, goal in runs:
        net, demand, stations, cands = futian_case(n_pts, n_cand, 0)
        t0 = time.perf_counter()
        res = site_stations(demand, stations, net, candidates=cands, **goal)
        secs = time.perf_counter() - t0
        o = res.optimality
        label = f"{n_pts} pts, {'generated' if n_cand is None else n_cand} cands, {goal}"
        print(f"{label:>44} | {o['candidates']:>5} "
              f"{res.before_after['pct_before'].iloc[0]:>7.2f} {res.before_after['pct_after'].iloc[0]:>7.2f} "
              f"{o['greedy_value']:>9.0f} {o['exact_value']:>9.0f} {o['gap_pct']:>5.2f} {o['plan_gap_pct']:>5.2f} "
              f"{o['status']:>8} "
              f"{secs:>7.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small size, under a minute")
    parser.add_argument("--no-spopt", action="store_true", help="skip spopt")
    parser.add_argument("--seeds", type=int, default=1, help="instances per size (default 1)")
    parser.add_argument("--spopt-lscp", action="store_true",
                        help="also run spopt's LSCP at full sizes (CBC ran > 8 min on 200 x 5,500 here)")
    args = parser.parse_args(argv)
    sizes = [(100, 2000, 5)] if args.quick else [(200, 5500, 5), (400, 10000, 20)]
    print("greedy = lazy greedy + 1-swap search; gap% = (bound - best plan) / bound; "
          "ours s = reduce + greedy + exact search (to 0.01% or the 30 s limit); "
          "1% s = the same run told to stop at a proven 1%")
    print(f"{'size':>18} {'seed':>4} | {'greedy hh':>10} {'exact hh':>10} {'bound':>10} {'gap%':>6} "
          f"{'status':>10} {'groups':>6} {'greedy ms':>9} {'ours s':>7} {'1% s':>6} | {'spopt hh':>10} "
          f"{'spopt s':>8} {'speed-up':>8}")
    lscp_rows = []
    for n_cand, n_pts, k in sizes:
        for seed in range(args.seeds):
            a, dist, w = instance(n_cand, n_pts, seed)
            ours = ours_mclp(a, w, k)
            to_1pct = ours_mclp(a, w, k, rel_gap=0.01)
            if args.no_spopt:
                theirs = {"value": float("nan"), "t_total": float("nan")}
            else:
                theirs = spopt_mclp(dist, w, k)
            print(f"{f'{k} of {n_cand} / {n_pts}':>18} {seed:>4} | {ours['greedy_value']:>10.0f} "
                  f"{ours['exact_value']:>10.0f} {ours['bound']:>10.0f} {ours['gap_pct']:>6.2f} "
                  f"{ours['status']:>10} {ours['groups']:>6} {1000 * ours['t_greedy']:>9.2f} "
                  f"{ours['t_total']:>7.3f} {to_1pct['t_total']:>6.2f} | {theirs['value']:>10.0f} {theirs['t_total']:>8.2f} "
                  f"{theirs['t_total'] / ours['t_total']:>7.1f}x" + (" (CBC stopped at its limit)" if theirs.get("stopped") else ""))
            ol = ours_lscp(a, w)
            skip = args.no_spopt or not (args.quick or args.spopt_lscp)
            tl = {"sites": float("nan"), "t_total": float("nan"), "status": "skipped"} if skip \
                else spopt_lscp(dist)
            lscp_rows.append((n_cand, n_pts, seed, ol, tl))
            lscp_rows.append((n_cand, n_pts, seed, ours_lscp(a, w, 0.95),
                              {"sites": float("nan"), "t_total": float("nan"), "status": "n/a"}))
    print()
    print(f"{'LSCP (share of reachable)':>26} {'seed':>4} | {'greedy':>6} {'exact':>6} {'bound':>6} "
          f"{'status':>8} {'greedy ms':>9} {'ours s':>7} | {'spopt':>6} {'spopt s':>8} {'status':>8}")
    for n_cand, n_pts, seed, ol, tl in lscp_rows:
        label = f"{n_cand} / {n_pts}, {100 * ol['share']:.0f}%"
        print(f"{label:>26} {seed:>4} | {ol['greedy_sites']:>6} {ol['exact_sites']:>6.0f} "
              f"{ol['bound']:>6.0f} {ol['status']:>8} {1000 * ol['t_greedy']:>9.2f} {ol['t_total']:>7.3f} | "
              f"{tl['sites']:>6} {tl['t_total']:>8.2f} {tl['status']:>8}")
    futian(args.quick)


if __name__ == "__main__":
    main()
