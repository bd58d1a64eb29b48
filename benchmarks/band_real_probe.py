"""The band on real polygons: which draws leave a grid out of it, and is any plan in the band?

Towns not ours: libpysal's 32 Mexican states and 49 Columbus neighbourhoods, North Carolina's 100
counties (``sids2``), momepy's Bubeneč tessellation, each one community with made-up households
(lognormal about 60 a unit, 8% towers of 180-419, 12% empty, two estates of a unit and up to two
neighbours, each under 450: the recipe of ``tests/test_outside_band_islands.py``), for town seeds
and grid counts (the town's households over 400, 460 or 340), 26 cases, each drawn with
``balance="equal"`` and ``"band"`` (seed 0): 52 draws. For each draw: the grids out of 300-500,
and how many of them the report proves (a row on their units or community, not "try another
--seed").

With ``--exact``, each case with a draw out of the band is decided by an integer program of our
own (scipy's HiGHS), apart from the engine: can the units (an estate one node, rook neighbours
sharing 1 m of boundary, shapely) be cut into exactly k connected parts, each in the band? Each
part is named by its lowest node (its representative), a unit belongs to one representative at
or below it, and a flow from each representative reaches every unit of its part through units
of that part only. "feasible" plans are checked again with networkx; "unknown" is a time limit.

    .venv/bin/python -m benchmarks.band_real_probe                  # 52 draws, about 2 CPU-minutes
    .venv/bin/python -m benchmarks.band_real_probe --exact --time-limit 600
    .venv/bin/python -m benchmarks.band_real_probe --exact --search  # our own search (search_band_plan)
    .venv/bin/python -m benchmarks.band_real_probe --shuffle 10     # the engine's search_band, rows shuffled

With ``--shuffle N``, no draws: the engine's own search (``_bandsearch.search_band``, its budget,
nodes swept south to north) on each case of at most 64 nodes, for the rows as read and N - 1
random permutations of them: CPU-s min/median/max and the answers (plan / none / budget), each
plan checked with networkx; compare with ``--exact --search``.
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import math
import os
import time
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

#: (town, town seeds, households a grid the count is drawn from)
CASES = [("mexico", (1, 2, 3), (400, 460, 340)), ("columbus", (1, 2, 3), (400, 460, 340)),
         ("sids2", (1, 2), (400, 460)), ("bubenec", (1, 2), (400, 460))]


def polygons(name: str) -> gpd.GeoDataFrame:
    """The town's polygons in metres."""
    if name == "bubenec":
        import momepy

        path = os.path.join(os.path.dirname(momepy.__file__), "datasets", "bubenec.gpkg")
        if not os.path.exists(path):
            path = glob.glob(os.path.join(os.path.dirname(os.path.dirname(momepy.__file__)), "**", "bubenec.gpkg"),
                             recursive=True)[0]
        g = gpd.read_file(path, layer="tessellation")[["geometry"]]
    else:
        import libpysal.examples as ex

        g = gpd.read_file(ex.get_path({"sids2": "sids2.shp", "columbus": "columbus.shp",
                                       "mexico": "mexicojoin.shp"}[name]))[["geometry"]]
        if name == "columbus":  # coordinates of about 6 x 4: read as km
            g = gpd.GeoDataFrame(geometry=g.geometry.scale(1000, 1000, origin=(0, 0)).values, crs="EPSG:32617")
        elif g.crs is None:
            g = g.set_crs("EPSG:4326")
    if g.crs.is_geographic:
        g = g.to_crs(g.estimate_utm_crs())
    return g


def town(name: str, seed: int):
    """Units (unit_id, households, gated) and one community over them."""
    return made_up(polygons(name).reset_index(drop=True), seed)


def made_up(g, seed: int):
    """Units (unit_id, households, gated) on the polygons ``g`` (metres) and one community over
    them: households lognormal about 60 a unit, 8% towers of 180-419, 12% empty, two estates of
    three units (at most 450 households each)."""
    g = g.copy()
    g["geometry"] = shapely.make_valid(g.geometry.values)
    rng = np.random.default_rng(seed)
    n = len(g)
    hh = rng.lognormal(np.log(60), 0.9, n)
    towers = rng.random(n) < 0.08
    hh[towers] = rng.integers(180, 420, towers.sum())
    hh[rng.random(n) < 0.12] = 0
    g.insert(0, "unit_id", [f"U{i:03d}" for i in range(n)])
    g.insert(1, "households", np.round(hh).clip(0, 480).astype(int))
    gated = np.array([None] * n, dtype=object)
    for e in range(2):
        i = int(rng.integers(n))
        for j in [i, *np.flatnonzero(g.geometry.touches(g.geometry.iloc[i]).to_numpy())[:2]]:
            gated[j] = f"E{e}"
    g["gated"] = gated
    for e in ("E0", "E1"):
        m = g["gated"] == e
        if g.loc[m, "households"].sum() > 450:
            g.loc[m, "households"] = (g.loc[m, "households"] * 450 / g.loc[m, "households"].sum()).astype(int)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.union_all(g.geometry.values).buffer(0.01)],
                            crs=g.crs)
    return g, comm


def node_graph(units) -> tuple[nx.Graph, np.ndarray]:
    """Rook graph (1 m of shared boundary) with each estate one node, and the nodes' households."""
    geoms = units.geometry.values
    key = [f"E:{e}" if isinstance(e, str) else f"U:{i}" for i, e in enumerate(units["gated"])]
    names = list(dict.fromkeys(key))
    node = np.array([names.index(k) for k in key])
    g = nx.Graph()
    g.add_nodes_from(range(len(names)))
    tree = shapely.STRtree(geoms)
    for i, j in zip(*tree.query(geoms, predicate="intersects")):
        if i < j and node[i] != node[j] and \
                shapely.length(shapely.intersection(geoms[i].boundary, geoms[j].boundary)) >= 1.0:
            g.add_edge(int(node[i]), int(node[j]))
    return g, np.bincount(node, weights=units["households"].to_numpy(), minlength=len(names))


def exact_band_plan(g: nx.Graph, w: np.ndarray, k: int, lo: float, hi: float, *, time_limit: float = 600.0):
    """("feasible", labels) / ("infeasible", None) / ("unknown", None): ``k`` connected parts of
    ``g``, each holding ``lo``-``hi`` of ``w`` (representative formulation with a flow a part)."""
    n = g.number_of_nodes()
    x = {(v, u): i for i, (v, u) in enumerate((v, u) for u in range(n) for v in range(u, n))}
    f = {}
    for u in range(n):
        for a, b in g.edges():
            if a >= u and b >= u:
                for s, t in ((a, b), (b, a)):
                    if t != u:
                        f[u, s, t] = len(x) + len(f)
    rows, cols, vals, lb, ub = [], [], [], [], []

    def add(entries, low, high):
        for c, v in entries:
            rows.append(len(lb))
            cols.append(c)
            vals.append(v)
        lb.append(low)
        ub.append(high)

    add([(x[u, u], 1) for u in range(n)], k, k)
    for v in range(n):
        add([(x[v, u], 1) for u in range(v + 1)], 1, 1)
    for u in range(n):
        for v in range(u + 1, n):
            add([(x[v, u], 1), (x[u, u], -1)], -np.inf, 0)
        add([(x[v, u], w[v]) for v in range(u, n)] + [(x[u, u], -lo)], 0, np.inf)
        add([(x[v, u], w[v]) for v in range(u, n)] + [(x[u, u], -hi)], -np.inf, 0)
    flows: dict = {}
    for (u, s, t), c in f.items():
        flows.setdefault((u, t), []).append((c, 1))
        flows.setdefault((u, s), []).append((c, -1))
        add([(c, 1), (x[s, u], -n)], -np.inf, 0)
        add([(c, 1), (x[t, u], -n)], -np.inf, 0)
    for u in range(n):
        for v in range(u + 1, n):
            add(flows.get((u, v), []) + [(x[v, u], -1)], 0, np.inf)
    nv = len(x) + len(f)
    a = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lb), nv))
    integrality = np.r_[np.ones(len(x)), np.zeros(len(f))]
    res = milp(np.zeros(nv), constraints=LinearConstraint(a, lb, ub), integrality=integrality,
               bounds=Bounds(0, np.r_[np.ones(len(x)), np.full(len(f), float(n))]),
               options={"time_limit": time_limit})
    if res.status == 2:
        return "infeasible", None
    if res.x is None:
        return "unknown", None
    reps = [u for u in range(n) if res.x[x[u, u]] > 0.5]
    lab = np.array([next(i for i, u in enumerate(reps) if u <= v and res.x[x[v, u]] > 0.5) for v in range(n)])
    sums = np.bincount(lab, weights=w, minlength=k)
    ok = ((sums >= lo) & (sums <= hi)).all() and all(nx.is_connected(g.subgraph(np.flatnonzero(lab == p).tolist()))
                                                   for p in range(k))
    return ("feasible" if ok else "unknown"), lab


def search_band_plan(g: nx.Graph, w: np.ndarray, k: int, lo: float, hi: float, *, order=None,
                     time_limit: float = 600.0):
    """As :func:`exact_band_plan`, by an exhaustive search of our own instead of HiGHS: the first
    node left (in ``order``, a sweep across the town) starts a part, each connected group holding it
    within ``lo``-``hi`` tried in turn; a state (nodes left, parts left) that failed is not tried
    again, and one is cut off where a component of the nodes left holds more than its nodes or
    ``hi`` a part allow, or too little for ``lo`` a part (the parts left must fit the sum of what
    each component can take). Sets of nodes are Python integers (one bit a node)."""
    n = g.number_of_nodes()
    w = [float(x) for x in w]
    rank = {v: i for i, v in enumerate(range(n) if order is None else order)}
    nb = [0] * n
    for a, b in g.edges():
        nb[a] |= 1 << b
        nb[b] |= 1 << a
    failed: set = set()
    t0 = time.process_time()

    def nodes(m):
        while m:
            b = m & -m
            m ^= b
            yield b.bit_length() - 1

    def fits(rest, j):  # parts each component of ``rest`` can take, summed, hold ``j``?
        low = high = 0
        while rest:
            seen = front = rest & -rest
            while front:
                grow = 0
                for v in nodes(front):
                    grow |= nb[v]
                front = grow & rest & ~seen
                seen |= front
            rest &= ~seen
            total = sum(w[v] for v in nodes(seen))
            a, b = math.ceil(total / hi - 1e-9), min(math.floor(total / lo + 1e-9), bin(seen).count("1"))
            if a > b:
                return False
            low, high = low + a, high + b
        return low <= j <= high

    def groups(v, rest):  # connected groups of ``rest`` holding v within lo-hi, each once
        out = []

        def grow(part, held, cand, banned):
            if held >= lo - 1e-9:
                out.append(part)
            while cand:
                b = cand & -cand
                cand ^= b
                u = b.bit_length() - 1
                if held + w[u] <= hi + 1e-9:
                    grow(part | b, held + w[u], cand | (nb[u] & rest & ~part & ~banned & ~b), banned)
                banned |= b

        grow(1 << v, w[v], nb[v] & rest, 1 << v)
        return out

    def go(rest, j):
        if time.process_time() - t0 > time_limit:
            raise TimeoutError
        if j == 0 or rest == 0:
            return [] if j == 0 and rest == 0 else None
        if (rest, j) in failed or not fits(rest, j):
            failed.add((rest, j))
            return None
        v = min(nodes(rest), key=rank.__getitem__)
        for part in groups(v, rest):
            found = go(rest & ~part, j - 1)
            if found is not None:
                return [part, *found]
        failed.add((rest, j))
        return None

    try:
        parts = go((1 << n) - 1, k)
    except TimeoutError:
        return "unknown", None
    if parts is None:
        return "infeasible", None
    lab = np.zeros(n, dtype=np.int64)
    for p, part in enumerate(parts):
        lab[list(nodes(part))] = p
    sums = np.bincount(lab, weights=w, minlength=k)
    ok = ((sums >= lo) & (sums <= hi)).all() and all(nx.is_connected(g.subgraph(np.flatnonzero(lab == p).tolist()))
                                                   for p in range(k))
    return ("feasible" if ok else "unknown"), lab


def node_y(units) -> np.ndarray:
    """Each node's mean unit centroid northing (the sweep of :func:`search_band_plan`), nodes as
    :func:`node_graph` numbers them."""
    key = [f"E:{e}" if isinstance(e, str) else f"U:{i}" for i, e in enumerate(units["gated"])]
    node = np.unique(np.array([list(dict.fromkeys(key)).index(x) for x in key]), return_inverse=True)[1]
    y = units.geometry.centroid.y.to_numpy()
    return np.bincount(node, weights=y) / np.bincount(node)


def shuffled(name: str, ts: int, k: int, times: int) -> dict:
    """The engine's ``search_band`` on the case under ``times`` orders of its rows (the first as read)."""
    from spatial.grids._bandsearch import MAX_NODES, search_band

    units0, _ = town(name, ts)
    cpu, answers = [], []
    for p in range(times):
        units = units0 if p == 0 else \
            units0.iloc[np.random.default_rng(p).permutation(len(units0))].reset_index(drop=True)
        g, w = node_graph(units)
        n = g.number_of_nodes()
        if n > MAX_NODES:
            return {"town": name, "seed": ts, "k": k, "nodes": n, "searched": False}
        adj = sparse.csr_matrix(nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr"))
        t = time.process_time()
        lab, decided = search_band(adj, w, k, min_hh=300, max_hh=500, order=np.argsort(node_y(units), kind="stable"))
        cpu.append(time.process_time() - t)
        if lab is not None:
            sums = np.bincount(lab, weights=w, minlength=k)
            assert ((sums >= 300) & (sums <= 500)).all() and all(
                nx.is_connected(g.subgraph(np.flatnonzero(lab == q).tolist())) for q in range(k)), (name, ts, k)
        answers.append("plan" if lab is not None else "none" if decided else "budget")
    return {"town": name, "seed": ts, "k": k, "nodes": n, "cpu_s": [round(min(cpu), 2), round(float(np.median(cpu)), 2),
            round(max(cpu), 2)], "answers": {a: answers.count(a) for a in sorted(set(answers))}}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--exact", action="store_true", help="decide each case with a draw out of the band (HiGHS)")
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds HiGHS may take a case")
    p.add_argument("--search", action="store_true",
                   help="with --exact: decide by our own exhaustive search, not HiGHS")
    p.add_argument("--shuffle", type=int, default=0,
                   help="time the engine's search_band on each case under this many orders of its rows (no draws)")
    p.add_argument("--only", nargs="*", default=None, help="towns to run (mexico columbus sids2 bubenec)")
    args = p.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    from spatial.grids.partition import partition_grids

    totals = {"draws": 0, "out": 0, "grids_out": 0, "hh_out": 0.0, "proven": 0, "cpu": 0.0}
    for name, seeds, per_grid in CASES:
        if args.only and name not in args.only:
            continue
        for ts in seeds:
            units, comm = town(name, ts)
            for per in per_grid:
                k = int(round(units["households"].sum() / per))
                if args.shuffle:
                    print(json.dumps(shuffled(name, ts, k, args.shuffle)), flush=True)
                    continue
                any_out = False
                for bal in ("equal", "band"):
                    t = time.process_time()
                    res = partition_grids(units, comm, n_grids=k, gated_col="gated", seed=0, balance=bal)
                    cpu = time.process_time() - t
                    h = res.grids["households"].to_numpy()
                    out = h[(h < 300) | (h > 500)]
                    rows = res.report[res.report["layer"] == "grids"]
                    proven = int(rows["action"].str.contains("the rows on it|row says why").sum())
                    print(json.dumps({"town": name, "seed": ts, "k": k, "balance": bal, "out": out.tolist(),
                                      "proven": proven, "cpu_s": round(cpu, 1)}), flush=True)
                    totals["draws"] += 1
                    totals["out"] += bool(len(out))
                    totals["grids_out"] += len(out)
                    totals["hh_out"] += float(np.maximum(out - 500, 0).sum() + np.maximum(300 - out, 0).sum())
                    totals["proven"] += proven
                    totals["cpu"] += cpu
                    any_out |= bool(len(out))
                if args.exact and any_out:
                    g, w = node_graph(units)
                    t = time.process_time()
                    if args.search:
                        status, _ = search_band_plan(g, w, k, 300, 500, order=np.argsort(node_y(units), kind="stable"),
                                                     time_limit=args.time_limit)
                    else:
                        status, _ = exact_band_plan(g, w, k, 300, 500, time_limit=args.time_limit)
                    print(json.dumps({"town": name, "seed": ts, "k": k, "exact": status, "by": "search" if args.search
                                      else "HiGHS",
                                      "cpu_s": round(time.process_time() - t, 1)}), flush=True)
    print(json.dumps({k: round(v, 1) for k, v in totals.items()}))


if __name__ == "__main__":
    main()
