"""Equal grids for a street (街道) of many communities: time and quality as one call.

The uneven town of ``benchmarks._towns`` (superblocks of towers, walk-ups, mixed and empty blocks,
gated estates) cut along its own streets into communities of ``--per`` x ``--per`` superblocks,
its units placed in them by location, and drawn with ``partition_grids(n_grids=K)`` (equal
grids) in one call, as a planner draws a street. The communities share one budget of restarts
(``_engine._RESTART_NODES``); ``--restarts N`` gives each community N instead, as the library
did before. Deviation is each grid's ``deviation_pct``: from its own community's mean grid.

    .venv/bin/python -m benchmarks.bench_streets                 # 10,000 units in 16 communities -> 500 grids
    .venv/bin/python -m benchmarks.bench_streets --restarts 19   # the old budget: 19 restarts per community
    .venv/bin/python -m benchmarks.bench_streets --quick         # 2,000 units in 4 communities -> 30 grids
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks._towns import uneven_town
from benchmarks.bench_grids import MAX_HH, MIN_HH, score
from spatial.core.checks import Report
from spatial.grids._prep import prepare
from spatial.grids.partition import partition_grids


def street_of_communities(n_units: int, n_grids: int, per: int, seed: int = 1):
    """The uneven town's units (placed by location), communities of ``per`` x ``per`` superblocks, roads."""
    units, comms, roads = uneven_town(n_units, n_grids, seed=seed)
    x0, y0, x1, y1 = comms.total_bounds
    coords = [np.asarray(g.coords) for g in roads.geometry]
    xs = sorted({float(c[0, 0]) for c in coords if c[0, 0] == c[1, 0]})  # north-south streets
    ys = sorted({float(c[0, 1]) for c in coords if c[0, 1] == c[1, 1]})  # east-west streets
    cx, cy = [x0, *xs[per - 1::per], x1], [y0, *ys[per - 1::per], y1]  # the streets lie inside the town
    polys = [shapely.box(cx[i], cy[j], cx[i + 1], cy[j + 1]) for i in range(len(cx) - 1) for j in range(len(cy) - 1)]
    communities = gpd.GeoDataFrame({"community_id": [f"C{i:02d}" for i in range(len(polys))]}, geometry=polys,
                                   crs=comms.crs)
    return units.drop(columns="community_id"), communities, roads


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 units -> 30 grids")
    ap.add_argument("--per", type=int, default=4, help="superblocks a side per community (default 4)")
    ap.add_argument("--restarts", type=int, default=None, help="restarts per community (default: the shared budget)")
    ap.add_argument("--seed", type=int, default=1, help="the town's random seed (default 1)")
    args = ap.parse_args(argv)
    n, k = (2000, 30) if args.quick else (10000, 500)
    per = args.per
    units, communities, roads = street_of_communities(n, k, per, seed=args.seed)
    t = time.perf_counter()
    res = partition_grids(units, communities, roads=roads, n_grids=k, min_households=MIN_HH, max_households=MAX_HH,
                          restarts=args.restarts)
    secs = time.perf_counter() - t
    dev = res.grids["deviation_pct"].abs()
    prep = prepare(units, communities, Report(), roads=roads)
    s = score(prep, units["gated"].to_numpy(), pd.factorize(res.units["grid_id"])[0])
    row = {"units": n, "communities": len(communities), "grids": len(res.grids),
           "restarts": "shared" if args.restarts is None else args.restarts, "time s": round(secs, 2),
           "max dev from own community's mean %": round(float(dev.max()), 1),
           "within 5% %": round(100 * float((dev <= 5).mean()), 1), "in band %": s["in band %"],
           "contiguous %": s["contiguous %"], "mean PP": s["mean PP"], "estates cut": s["estates cut"]}
    print(pd.DataFrame([row]).to_string(index=False))


if __name__ == "__main__":
    main()
