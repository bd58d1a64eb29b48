"""Where grid borders run when the streets come from the roads, from block outlines, or nowhere.

On ``benchmarks._towns.uneven_town`` (units tile their superblocks, a ``block`` column): grids
drawn with the roads, with ``blocks="block"`` and no roads, and with neither; then the same town
with every superblock pulled back 6 m from its streets (12 m street gaps), drawn with the roads
and with nothing (the gaps are the streets). Every plan is scored by ``bench_grids.score`` on the
units' rook graph against the true streets (the roads).

    .venv/bin/python -m benchmarks.bench_blocks            # 2,000 units -> 30 grids and 10,000 -> 500
    .venv/bin/python -m benchmarks.bench_blocks --quick    # 2,000 -> 30 only
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
import shapely

from benchmarks._towns import uneven_town
from benchmarks.bench_grids import score
from spatial.core.checks import Report
from spatial.grids._prep import prepare
from spatial.grids.partition import partition_grids


def gap_town(units, street_m: float = 12.0):
    """The units with every superblock pulled back ``street_m / 2`` from its streets."""
    blocks = units.dissolve("block").geometry.buffer(-street_m / 2, join_style="mitre")
    out = units.copy()
    out["geometry"] = shapely.intersection(units.geometry.values, blocks.reindex(units["block"]).values)
    return out[~out.geometry.is_empty & (out.geometry.area > 1)]


def run(units, comms, roads, k, cases) -> pd.DataFrame:
    truth = prepare(units, comms, Report(), roads=roads)  # the true streets, on the units as drawn
    rows = []
    for name, opts in cases:
        t = time.perf_counter()
        res = partition_grids(units, comms, n_grids=k, **opts)
        secs = time.perf_counter() - t
        s = score(truth, units["gated"].to_numpy(), pd.factorize(res.units["grid_id"])[0])
        rows.append({"streets from": name, "s": round(secs, 2), "max dev %": s["max dev %"],
                     "mean PP": s["mean PP"], "on streets %": s["on streets %"],
                     "contiguous %": s["contiguous %"]})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 units -> 30 grids only")
    args = ap.parse_args(argv)
    for n, k in ((2000, 30),) if args.quick else ((2000, 30), (10000, 500)):
        units, comms, roads = uneven_town(n, k)
        print(f"\n{n} units -> {k} grids, units tiling their superblocks")
        print(run(units, comms, roads, k, [("roads", {"roads": roads}), ("blocks='block'", {"blocks": "block"}),
                                           ("neither", {})]).to_string(index=False))
        gaps = gap_town(units)
        print(f"\n{n} units -> {k} grids, superblocks 12 m apart ({len(gaps)} units)")
        print(run(gaps, comms, roads, k, [("roads", {"roads": roads}), ("street gaps", {})]).to_string(index=False))


if __name__ == "__main__":
    main()
