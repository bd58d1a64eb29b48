"""Grid partition benchmark: spatial.partition_grids next to METIS + repair, GerryChain and the previous engine.

Two families of towns, one community each:

* ``uneven``: superblocks of high-rise estates (~120 households a building), walk-ups (~35),
  mixed, non-residential and empty blocks, a park and water, gated estates, an arterial and a
  river (``benchmarks._towns``); the streets between superblocks are the roads.
* ``uniform``: the old case, a Voronoi tessellation of uniform points with Poisson households,
  roads = outlines of groups of cells.

Every method gets the same prepared graph: the units' rook graph (shared-edge length, one rule
for partition, evaluation and polygons), gated estates contracted into one node, cut costs a
fifth of the shared length along a road. Methods run in a child process killed at ``--cap`` s:

* ``spatial``: ``partition_grids`` end to end (reading, graph, engine, polygons, codes), given
  the grid count, so ``balance="equal"``: grids near the mean size;
* ``spatial band``: the same with ``balance="band"`` (the default without a grid count): any
  size in the 300-500 band, borders on streets and compact grids first;
* ``engine``: ``spatial.grids._engine.partition`` on the prepared graph (``balance="equal"``);
* ``previous engine``: the engine as it was (``--previous``, a git ``REV:PATH``, loaded from git);
* ``pymetis + repair``: METIS k-way with the cut costs as edge weights, households as vertex
  weights, then this package's contiguity repair (stray pieces to the lightest neighbour);
* ``pymetis + repair + search``: the same, then this package's local search of single boundary
  moves, border swaps and the search again (``balance="equal"`` weights; no recombination, no
  rebalancing): METIS with a contiguity repair and a local search, as the issue's peer was;
* ``gerrychain tree``: GerryChain's ``recursive_tree_part`` (epsilon 5%).

Scores on the units (the same rook graph): max deviation from the mean grid (and among grids that
can be within 5% of it: ``unevenable``, a gated estate whose every neighbour overshoots), share
of grids within 5% of the mean, share of grids in
the 300-500 band (and among grids that can be in it: see ``hemmed_in``), share contiguous, mean
Polsby-Popper (of each grid's units dissolved with shapely, as a planner sees the grid; not from
the engine's shared edges), share of grid border length on streets (on uneven towns next to the
most the town allows, ``benchmarks.street_ceiling``), gated estates cut. Also
``redraw_grids`` after one block's households grew 60%, with the band alone and within
``--max-deviation`` (default 5%) of the mean: units moved, households keeping their grid and the
furthest grid.

    .venv/bin/python -m benchmarks.bench_grids            # uneven + uniform, 2,000 -> 30 and 10,000 -> 500
    .venv/bin/python -m benchmarks.bench_grids --quick    # uneven 2,000 -> 30 only
    .venv/bin/python -m benchmarks.bench_grids --families uneven --sizes 2000:30 --seeds 1-9 \
        --methods spatial,"pymetis + repair" --no-redraw  # the spread over nine towns
    .venv/bin/python -m benchmarks.bench_grids --methods spatial --max-deviation 10 --no-redraw  # a ±10% rule

With several ``--seeds`` (the town's random seed; default 1, the town the README quotes) a last
table gives, per town size and method, the mean and the worst over the towns: one town can be
kinder than the rest.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from benchmarks._towns import uneven_town
from benchmarks.street_ceiling import ceiling
from spatial.core.checks import Report
from spatial.datasets.synthetic import voronoi_units
from spatial.grids._engine import hemmed_in, local_search, partition, repair_contiguity, unevenable
from spatial.grids._objective import EQUAL_WEIGHTS
from spatial.grids._prep import prepare
from spatial.grids._swap import swap_pass
from spatial.grids.partition import _labels_from, contract, node_arrays, node_shapes, partition_grids
from spatial.grids.redraw import redraw_grids

MIN_HH, MAX_HH = 300, 500
PREVIOUS = "5f69c8a:spatial/_partition.py"  # the engine before issue 14


def make_case(family: str, n_units: int, n_grids: int, seed: int = 1):
    if family == "uneven":
        return uneven_town(n_units, n_grids, seed=seed)
    units, comms, roads = voronoi_units(n_units, n_communities=1, mean_households=400 * n_grids / n_units,
                                        n_blocks=max(n_units // 15, 4), seed=seed)
    units["gated"] = None
    return units, comms, roads


def prepared(case):
    """The graph every method gets: prep arrays, unit -> node, node households, centroids, cut costs."""
    units, comms, roads = case
    prep = prepare(units, comms, Report(), roads=roads)
    gated = _labels_from("gated", units, prep.unit_ids, "gated")
    node = contract(prep, [("gated", gated)], Report())
    hh, xy, _, cost = node_arrays(prep, node)
    return prep, node, hh, xy, cost


def _previous_module(spec: str):
    rev, path = spec.split(":", 1)
    src = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout
    tmp = tempfile.NamedTemporaryFile("w", suffix="_previous_engine.py", delete=False)
    tmp.write(src)
    tmp.close()
    modspec = importlib.util.spec_from_file_location("previous_engine", tmp.name)
    mod = importlib.util.module_from_spec(modspec)
    sys.modules["previous_engine"] = mod  # its dataclasses look themselves up there
    modspec.loader.exec_module(mod)
    os.unlink(tmp.name)
    return mod


def run_spatial(case, graph, k, args, balance=None):
    units, comms, roads = case
    res = partition_grids(units, comms, roads=roads, n_grids=k, min_households=MIN_HH, max_households=MAX_HH,
                          balance=balance, max_deviation_pct=args.max_deviation if balance is None else None)
    _, lab = np.unique(res.units["grid_id"].astype(str).to_numpy(), return_inverse=True)
    return lab


def run_spatial_band(case, graph, k, args):
    return run_spatial(case, graph, k, args, balance="band")


def run_engine(case, graph, k, args):
    prep, node, hh, xy, cost = graph
    return partition(cost, hh, xy, k, min_hh=MIN_HH, max_hh=MAX_HH, weights=EQUAL_WEIGHTS,
                     shapes=node_shapes(prep, node))[node]


def run_previous(case, graph, k, args):
    prep, node, hh, xy, cost = graph
    mod = _previous_module(args.previous)
    return mod.partition(cost, hh, xy, k, min_hh=MIN_HH, max_hh=MAX_HH)[node]


def _pymetis_nodes(graph, k):
    """METIS k-way on the prepared graph, each part's stray pieces to the lightest neighbour (node labels)."""
    import pymetis

    prep, node, hh, xy, cost = graph
    ew = np.maximum(np.round(cost.data), 1).astype(np.int64)
    vw = (np.round(hh) * 20 + 1).astype(np.int64)  # households, and a little for empty units
    _, parts = pymetis.part_graph(k, adjacency=pymetis.CSRAdjacency(cost.indptr, cost.indices), vweights=vw,
                                  eweights=ew)
    return repair_contiguity(cost, np.asarray(parts, dtype=np.int64), hh)


def run_pymetis(case, graph, k, args):
    return _pymetis_nodes(graph, k)[graph[1]]


def run_pymetis_search(case, graph, k, args):
    prep, node, hh, xy, cost = graph
    kw = dict(min_hh=MIN_HH, max_hh=MAX_HH, weights=EQUAL_WEIGHTS)
    lab = local_search(cost, hh, xy, _pymetis_nodes(graph, k), **kw, max_rounds=200)
    lab = local_search(cost, hh, xy, swap_pass(cost, hh, xy, lab, **kw), **kw, max_rounds=200)
    return lab[node]


def run_gerrychain(case, graph, k, args):
    import networkx as nx
    from gerrychain import Graph
    from gerrychain.partition.initial_partition_generators import recursive_tree_part

    prep, node, hh, xy, cost = graph
    up = sparse.triu(cost).tocoo()
    g = nx.Graph()
    g.add_nodes_from((i, {"households": int(h)}) for i, h in enumerate(hh))
    g.add_edges_from(zip(up.row.tolist(), up.col.tolist()))
    assign = recursive_tree_part(Graph.from_networkx(g), range(k), hh.sum() / k, "households", 0.05, rng=0)
    return np.array([assign[i] for i in range(len(hh))])[node]


METHODS = {
    "spatial": run_spatial,
    "spatial band": run_spatial_band,
    "engine": run_engine,
    "previous engine": run_previous,
    "pymetis + repair": run_pymetis,
    "pymetis + repair + search": run_pymetis_search,
    "gerrychain tree": run_gerrychain,
}


def _child(name, case, graph, k, args, q):
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    try:
        labels = METHODS[name](case, graph, k, args)
        q.put(("ok", time.perf_counter() - t, labels))
    except Exception as exc:  # report any failure of a peer as a row
        q.put(("error", time.perf_counter() - t, f"{type(exc).__name__}: {exc}"[:80]))


def timed(name, case, graph, k, args):
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(name, case, graph, k, args, q))
    p.start()
    try:
        status, secs, payload = q.get(timeout=args.cap)
    except Exception:
        p.kill()
        p.join()
        return None, f"> {args.cap:.0f} s (killed)"
    p.join()
    return (payload, f"{secs:.2f}") if status == "ok" else (None, payload)


#: Households of a unit counted as a high-rise tower in the scores (the uneven towns' towers hold
#: about 120, walk-ups about 35, mixed blocks 8-60).
TOWER_HH = 80


def score(prep, gated, labels, stuck=None, uneven=None) -> dict:
    """Scores of unit labels on the units' rook graph (the engine's own adjacency rule).

    ``stuck`` marks units that no grid in the band can hold (``hemmed_in``: an estate under the
    minimum whose every neighbour would push it over the maximum); "in band where feasible" leaves
    out the grids holding one. ``uneven`` marks units that no grid within 5% of the mean can hold
    (``unevenable``); "max dev where feasible" leaves out the grids holding one. "beyond 5%, towers
    only" counts the grids more than 5% off whose households all live in buildings of
    ``TOWER_HH`` or more (three such towers of about 115 fall short of 380, four pass 420: at
    10,000 units, 45 of the 50 such grids of seeds 1-2; no proof that no plan evens them).
    """
    adj = prep.adj
    lab = np.asarray(labels, dtype=np.int64)
    k = int(lab.max()) + 1
    ph = np.bincount(lab, weights=prep.hh, minlength=k)
    mean = ph.mean()
    cut = lab[adj.i] != lab[adj.j]
    # each grid's units' pieces dissolved: the polygon a planner sees (a hole counts in its perimeter)
    grids = np.array([shapely.union_all(prep.pieces[lab == g]) for g in range(k)], dtype=object)
    pp = 4 * np.pi * shapely.area(grids) / np.maximum(shapely.length(grids), 1e-9) ** 2
    m = sparse.csr_matrix((np.ones((~cut).sum()), (adj.i[~cut], adj.j[~cut])), shape=(adj.n, adj.n))
    _, comp = connected_components(m, directed=False)
    pieces = pd.Series(comp).groupby(lab).nunique().to_numpy()
    hemmed, held = np.zeros(k, dtype=bool), np.zeros(k, dtype=bool)
    if stuck is not None:
        hemmed[np.unique(lab[np.asarray(stuck, dtype=bool)])] = True
    if uneven is not None:
        held[np.unique(lab[np.asarray(uneven, dtype=bool)])] = True
    dev = np.abs(ph - mean) / mean
    low_rise = np.bincount(lab, weights=np.where(prep.hh >= TOWER_HH, 0.0, prep.hh), minlength=k)
    has = pd.notna(gated)
    estates = pd.Series(lab[has]).groupby(gated[has]).nunique()
    return {
        "grids": k,
        "max dev %": round(100 * float(dev.max()), 1),
        "max dev where feasible %": round(100 * float(dev[~held].max(initial=0.0)), 1),
        "within 5% %": round(100 * float((dev <= 0.05).mean()), 1),
        "beyond 5%, towers only": int(((dev > 0.05) & (ph > 0) & (low_rise == 0)).sum()),
        "in band %": round(100 * float(((ph >= MIN_HH) & (ph <= MAX_HH)).mean()), 1),
        "in band where feasible %": round(100 * float(((ph >= MIN_HH) & (ph <= MAX_HH))[~hemmed].mean()), 1),
        "contiguous %": round(100 * float((pieces == 1).mean()), 1),
        "mean PP": round(float(pp.mean()), 3),
        "on streets %": round(100 * float(adj.road_m[cut].sum() / max(adj.shared_m[cut].sum(), 1e-9)), 1),
        "estates cut": int((estates > 1).sum()),
    }


def bench_redraw(case, k, rules=(None,)):
    """Redraw after the households of one block (the one holding households nearest the middle)
    grew 60%: one row per ``max_deviation_pct`` in ``rules`` (None: the band only).

    Only blocks holding households are drawn from: the block nearest the middle is often a park,
    a school or shops (on the uneven towns of seeds 1, 5, 6, 9-12 and 15 at 2,000 units), where
    60% more of nothing is nothing and the redraw has nothing to do."""
    units, comms, roads = case
    base = partition_grids(units, comms, roads=roads, n_grids=k)
    grown = units.copy()
    if "block" in grown.columns:
        c = grown.geometry.centroid
        homes = grown["households"].groupby(grown["block"]).sum() > 0
        mid = ((c.x - c.x.median()) ** 2 + (c.y - c.y.median()) ** 2).groupby(grown["block"]).mean()[homes]
        block = grown["block"] == mid.idxmin()
    else:
        c = grown.geometry.centroid
        d = np.hypot(c.x - c.x.median(), c.y - c.y.median())
        block = d <= np.quantile(d, 0.02)
    before = int(grown.loc[block, "households"].sum())
    grown.loc[block, "households"] = np.round(grown.loc[block, "households"] * 1.6).astype(int)
    after = int(grown.loc[block, "households"].sum())
    old = base.units.set_index("unit_id")["grid_id"].astype(str)
    hh = grown.set_index("unit_id")["households"].reindex(old.index)
    rows = []
    for rule in rules:
        t = time.perf_counter()
        res = redraw_grids(grown, comms, base.units[["unit_id", "grid_id"]], roads=roads, max_deviation_pct=rule)
        secs = time.perf_counter() - t
        new = res.units.set_index("unit_id")["grid_id"].astype(str).reindex(old.index)
        g = res.grids
        rows.append({
            "rule": "band only" if rule is None else f"within {rule:g}%",
            "block units": int(block.sum()),
            "block households": f"{before} -> {after}",
            "redraw s": round(secs, 2),
            "units moved %": round(100 * len(res.moves) / len(units), 1),
            "households keep grid %": round(100 * float(hh[old == new].sum() / max(hh.sum(), 1)), 1),
            "grids": f"{len(base.grids)} -> {len(g)}",
            "in band %": round(100 * float((g["band_status"] == "in").mean()), 1),
            "max dev %": round(float(g["deviation_pct"].abs().max()), 1),
            "within 5% %": round(100 * float((g["deviation_pct"].abs() <= 5 + 1e-9).mean()), 1),
        })
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="uneven 2,000 -> 30 only")
    ap.add_argument("--cap", type=float, default=60.0, help="seconds before a method is killed (default 60)")
    ap.add_argument("--families", default="uneven,uniform", help="uneven, uniform or both (default)")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods to run")
    ap.add_argument("--sizes", default=None, help="e.g. 10000:500 (default 2000:30 and 10000:500)")
    ap.add_argument("--previous", default=PREVIOUS, help=f"git REV:PATH of the previous engine (default {PREVIOUS})")
    ap.add_argument("--no-redraw", action="store_true", help="skip the redraw rows")
    ap.add_argument("--max-deviation", type=float, default=None, metavar="PCT",
                    help="the 'spatial' method's max_deviation_pct, and the redraw's next to the band alone "
                         "(default 5)")
    ap.add_argument("--seeds", default="1", type=_seeds, help="towns' random seeds: 1, 1-9 or 1,4,7 (default 1)")
    args = ap.parse_args(argv)
    seeds = args.seeds
    sizes = [(2000, 30)] if args.quick else [(2000, 30), (10000, 500)]
    if args.sizes:
        sizes = [tuple(int(v) for v in item.split(":")) for item in args.sizes.split(",")]
    families = ["uneven"] if args.quick else [f.strip() for f in args.families.split(",") if f.strip()]
    names = [m.strip() for m in args.methods.split(",") if m.strip()]
    rows, redraws = [], []
    for family in families:
        for (n, k), seed in ((size, seed) for size in sizes for seed in seeds):
            case = make_case(family, n, k, seed=seed)
            t = time.perf_counter()
            graph = prepared(case)
            prep_s = time.perf_counter() - t
            gated = case[0]["gated"].to_numpy() if "gated" in case[0].columns else np.full(n, None)
            stuck = hemmed_in(graph[4], graph[2], min_hh=MIN_HH, max_hh=MAX_HH)[graph[1]]
            uneven = unevenable(graph[4], graph[2], k, within=0.05)[graph[1]]
            for name in names:
                labels, secs = timed(name, case, graph, k, args)
                row = {"town": family, "seed": seed, "units": n, "target grids": k, "method": name, "time s": secs}
                if labels is not None:
                    row.update(score(graph[0], gated, labels, stuck, uneven))
                rows.append(row)
                print(pd.DataFrame([row]).to_string(index=False, header=len(rows) == 1), flush=True)
            print(f"  (graph shared by the methods below 'spatial band' built in {prep_s:.2f} s)", flush=True)
            if family == "uneven":
                eq, band = ceiling(case[0], case[2], k), ceiling(case[0], case[2], k, max_hh=MAX_HH)
                print(f"  (on streets at most {eq['ceiling %']}% for grids within 5%, {band['ceiling %']}% in the band: "
                      "benchmarks.street_ceiling)", flush=True)
            if not args.no_redraw:
                for r in bench_redraw(case, k, (None, args.max_deviation or 5.0)):
                    redraws.append({"town": family, "seed": seed, "units": n, **r})
    print("\nPartition (max dev vs the mean grid; band 300-500 households; PP = Polsby-Popper; on streets = "
          "share of grid border length on roads; 'spatial' and 'spatial band' are end to end, the others run on the prepared graph)")
    print(pd.DataFrame(rows).to_string(index=False))
    if redraws:
        print("\nRedraw after one block's households grew 60%")
        print(pd.DataFrame(redraws).to_string(index=False))
    if len(seeds) > 1:
        print(f"\nOver the towns of seeds {', '.join(map(str, seeds))} (mean, and the worst town)")
        print(spread(pd.DataFrame(rows)).to_string(index=False))


def _seeds(text: str) -> list[int]:
    """``"1"``, ``"1-9"`` or ``"1,4,7"`` as a list of seeds (an argparse type)."""
    out = []
    try:
        for item in text.split(","):
            lo, _, hi = item.strip().partition("-")
            lo, hi = int(lo), int(hi or lo)
            if hi < lo:
                raise ValueError
            out.extend(range(lo, hi + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds must read like 1, 1-9 or 1,4,7, got {text!r}") from None
    return out


def spread(rows: pd.DataFrame) -> pd.DataFrame:
    """Per town, size and method over the seeds: mean and worst of the scores; ``towns`` counts the
    runs scored (a run killed or failed is left out, so a method killed every time shows 0)."""
    out = []
    for (town, n, k, method), g in rows.groupby(["town", "units", "target grids", "method"], sort=False):
        g = g.dropna(subset=["max dev %"]) if "max dev %" in g else g.iloc[:0]
        row = {"town": town, "units": n, "grids": k, "method": method, "towns": len(g)}
        if len(g):
            row.update({
                "max dev % mean": round(g["max dev %"].mean(), 1), "max dev % worst": g["max dev %"].max(),
                "towns all within 5%": int((g["within 5% %"] == 100).sum()),
                "towns all feasible within 5%": int((g["max dev where feasible %"] <= 5).sum()),
                "beyond 5%, towers only mean": round(g["beyond 5%, towers only"].mean(), 1),
                "in band % worst": g["in band %"].min(),
                "mean PP mean": round(g["mean PP"].mean(), 3), "mean PP worst": g["mean PP"].min(),
                "on streets % mean": round(g["on streets %"].mean(), 1), "on streets % worst": g["on streets %"].min(),
                "estates cut worst": int(g["estates cut"].max()),
            })
        out.append(row)
    return pd.DataFrame(out)


if __name__ == "__main__":
    sys.exit(main())
