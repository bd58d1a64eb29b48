"""Grid partition benchmark: spatial.partition_grids side by side with spopt, METIS and GerryChain.

Same synthetic inputs for every method: a Voronoi tessellation of random points in one square
community, households Poisson around 400 x grids / units, roads = outlines of street blocks
(groups of cells). Each method gets the same rook graph (shared-edge length, pysal/pysal#889
avoided) and runs in a child process killed at ``--cap`` seconds. Scores come from
``spatial.grids.evaluate.evaluate_grids`` on the units labelled by each method. Also measures
``redraw_grids`` on a plan where one block's households grew 60%.

    .venv/bin/python -m benchmarks.bench_grids            # 2,000 -> 30 and 10,000 -> 500, all peers
    .venv/bin/python -m benchmarks.bench_grids --quick    # 2,000 -> 30, spatial + GerryChain
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
import warnings

import numpy as np
import pandas as pd

from spatial.datasets.synthetic import voronoi_units
from spatial.grids._adjacency import rook_adjacency
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids
from spatial.grids.redraw import redraw_grids

MIN_HH, MAX_HH = 300, 500


def make_case(n_units: int, n_grids: int, seed: int = 1):
    units, comms, roads = voronoi_units(n_units, n_communities=1, mean_households=400 * n_grids / n_units,
                                        n_blocks=max(n_units // 15, 4), seed=seed)
    return units, comms, roads


def _graph(units):
    g = np.asarray(units.geometry.values, dtype=object)
    return rook_adjacency(g)


def run_spatial(units, comms, roads, k):
    res = partition_grids(units, comms, roads=roads, n_grids=k, min_households=MIN_HH, max_households=MAX_HH)
    return res.units["grid_id"].to_numpy()


def run_pymetis(units, comms, roads, k, contig=False):
    import pymetis

    adj = _graph(units)
    m = adj.matrix(np.ones(len(adj.i)))
    opts = pymetis.Options(contig=True) if contig else None
    _, parts = pymetis.part_graph(k, xadj=m.indptr, adjncy=m.indices,
                                  vweights=units["households"].astype(int).tolist(), options=opts)
    return np.asarray(parts)


def run_gerrychain(units, comms, roads, k):
    import networkx as nx
    from gerrychain import Graph
    from gerrychain.partition.initial_partition_generators import recursive_tree_part

    adj = _graph(units)
    g = nx.Graph()
    g.add_nodes_from((i, {"households": int(h)}) for i, h in enumerate(units["households"]))
    g.add_edges_from(zip(adj.i.tolist(), adj.j.tolist()))
    target = units["households"].sum() / k
    assign = recursive_tree_part(Graph.from_networkx(g), range(k), target, "households", 0.05, rng=0)
    return np.array([assign[i] for i in range(len(units))])


def _w(units):
    from libpysal.weights import W

    adj = _graph(units)
    nb = {i: [] for i in range(len(units))}
    for a, b in zip(adj.i.tolist(), adj.j.tolist()):
        nb[a].append(b)
        nb[b].append(a)
    return W(nb, silence_warnings=True)


def _spopt_frame(units):
    df = units[["households", "geometry"]].reset_index(drop=True).copy()
    c = df.geometry.centroid
    df["x"], df["y"] = c.x, c.y
    return df


def run_skater(units, comms, roads, k):
    from spopt.region import Skater

    df = _spopt_frame(units)
    model = Skater(df, _w(units), ["x", "y"], n_clusters=k, floor=len(df) // (2 * k), trace=False)
    model.solve()
    return np.asarray(model.labels_)


def run_maxp(units, comms, roads, k):
    from spopt.region import MaxPHeuristic

    df = _spopt_frame(units)
    model = MaxPHeuristic(df, _w(units), ["x", "y"], "households", MIN_HH, top_n=2)
    model.solve()
    return np.asarray(model.labels_)


def run_azp(units, comms, roads, k):
    from spopt.region import AZP

    df = _spopt_frame(units)
    model = AZP(df, _w(units), ["x", "y"], n_clusters=k, random_state=0)
    model.solve()
    return np.asarray(model.labels_)


METHODS = {
    "spatial": run_spatial,
    "pymetis": run_pymetis,
    "pymetis contig": lambda *a: run_pymetis(*a, contig=True),
    "gerrychain tree": run_gerrychain,
    "spopt SKATER": run_skater,
    "spopt MaxP": run_maxp,
    "spopt AZP": run_azp,
}


def _child(name, case, k, q):
    warnings.simplefilter("ignore")
    units, comms, roads = case
    t = time.perf_counter()
    try:
        labels = METHODS[name](units, comms, roads, k)
        q.put(("ok", time.perf_counter() - t, labels))
    except Exception as exc:  # report any failure of a peer as a row
        q.put(("error", time.perf_counter() - t, f"{type(exc).__name__}: {exc}"[:80]))


def timed(name, case, k, cap):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(name, case, k, q))
    p.start()
    try:
        status, secs, payload = q.get(timeout=cap)
    except Exception:
        p.kill()
        p.join()
        return None, f"> {cap:.0f} s (killed)"
    p.join()
    return (payload, f"{secs:.2f}") if status == "ok" else (None, payload)


def score(units, comms, roads, labels):
    u = units.copy()
    u["grid_id"] = [str(x) for x in labels]
    ev = evaluate_grids(u, comms, min_households=MIN_HH, max_households=MAX_HH, roads=roads)
    g, s = ev.grids, ev.summary.iloc[0]
    mean = g["households"].sum() / len(g)
    return {
        "grids": len(g),
        "max dev %": round(100 * float((g["households"] - mean).abs().max() / mean), 1),
        "in band %": round(float(s["pct_in_band"]), 1),
        "contiguous %": round(100 * float((g["components"] == 1).mean()), 1),
        "mean PP": round(float(s["mean_polsby_popper"]), 3),
        "road share": round(float(s["mean_road_share"]), 3),
    }


def _matched_share(old, new) -> float:
    """Share of units that keep their grid when the new grids are matched one-to-one to the old ones
    (Hungarian matching on shared units): the fewest moves that could explain ``new``."""
    from scipy.optimize import linear_sum_assignment

    o, oi = np.unique(old.astype(str), return_inverse=True)
    w, wi = np.unique(new.astype(str), return_inverse=True)
    table = np.zeros((len(o), len(w)))
    np.add.at(table, (oi, wi), 1)
    r, c = linear_sum_assignment(table, maximize=True)
    return table[r, c].sum() / len(old)


def bench_redraw(case, k):
    units, comms, roads = case
    base = partition_grids(units, comms, roads=roads, n_grids=k)
    grown = units.copy()
    c = grown.geometry.centroid
    d = np.hypot(c.x - c.x.median(), c.y - c.y.median())
    block = d <= np.quantile(d, 0.10)  # a block holding 10% of the units
    grown.loc[block, "households"] = np.round(grown.loc[block, "households"] * 1.6).astype(int)
    t = time.perf_counter()
    res = redraw_grids(grown, comms, base.units[["unit_id", "grid_id"]], roads=roads)
    secs = time.perf_counter() - t
    t = time.perf_counter()
    scratch = partition_grids(grown, comms, roads=roads)
    secs_scratch = time.perf_counter() - t
    same = _matched_share(base.units["grid_id"].to_numpy(), scratch.units["grid_id"].to_numpy())
    g = res.grids
    return {
        "redraw s": round(secs, 2),
        "moved %": round(100 * len(res.moves) / len(units), 1),
        "grids": f"{len(base.grids)} -> {len(g)}",
        "in band %": round(100 * float((g["band_status"] == "in").mean()), 1),
        "mean PP": round(float(g["polsby_popper"].mean()), 3),
        "from scratch s": round(secs_scratch, 2),
        "from scratch moved %": round(100 * (1 - same), 1),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 units only, spatial + GerryChain")
    ap.add_argument("--cap", type=float, default=120.0, help="seconds before a method is killed (default 120)")
    ap.add_argument("--peers-10k", default="pymetis,pymetis contig,gerrychain tree",
                    help="peers to run at 10,000 units (spopt ones passed 300 s in the field notes)")
    ap.add_argument("--methods", default=None, help="comma-separated methods to run (default: all that fit)")
    ap.add_argument("--sizes", default=None, help="e.g. 10000:500 (default 2000:30 and 10000:500)")
    args = ap.parse_args(argv)
    sizes = [(2000, 30)] if args.quick else [(2000, 30), (10000, 500)]
    if args.sizes:
        sizes = [tuple(int(v) for v in item.split(":")) for item in args.sizes.split(",")]
    rows, redraws = [], []
    for n, k in sizes:
        case = make_case(n, k)
        if args.quick:
            names = ["spatial", "gerrychain tree"]
        elif n <= 2000:
            names = list(METHODS)
        else:
            names = ["spatial"] + [s.strip() for s in args.peers_10k.split(",") if s.strip()]
        if args.methods:
            names = [m.strip() for m in args.methods.split(",") if m.strip()]
        for name in names:
            labels, secs = timed(name, case, k, args.cap)
            row = {"units": n, "target grids": k, "method": name, "time s": secs}
            if labels is not None:
                row.update(score(*case, labels))
            rows.append(row)
            print(pd.DataFrame([row]).to_string(index=False, header=len(rows) == 1), flush=True)
        redraws.append({"units": n, **bench_redraw(case, k)})
    print("\nPartition (max dev vs the mean grid; band 300-500 households; PP = Polsby-Popper; road share = "
          "share of internal grid borders on roads)")
    print(pd.DataFrame(rows).to_string(index=False))
    print("\nRedraw after one block (10% of units) grew 60%")
    print(pd.DataFrame(redraws).to_string(index=False))


if __name__ == "__main__":
    main()
