"""The compound exchanges of the finish (``spatial.grids._exchange``) on their own: the plan before
and after them, and what they cost.

Each uneven benchmark town is drawn by the engine (``balance="equal"``, the prepared graph of
``bench_grids``); the plan that reaches the exchanges (after the block re-cut; on graphs small
enough for restarts, the last of the plans finished) is kept, and the exchanges and the search
after them are run again on it alone, timed in CPU
seconds of this process (``time.process_time``). Both plans are scored as ``bench_grids`` scores
them (the furthest grid, grids within 5%, mean Polsby-Popper of the dissolved grids, border on
streets), and the fall of the finish's objective is checked against the sum of the exchanges'
own gains (the log line of the pass).

    .venv/bin/python -m benchmarks.exchange_probe --seeds 1-6     # 10,000 units -> 500 grids
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from benchmarks import bench_grids as bg
from spatial.grids import _engine
from spatial.grids._objective import objective
from spatial.grids.partition import node_shapes

COLUMNS = ["max dev %", "within 5% %", "mean PP", "on streets %"]


def reaching(name: str, seed: int, size: tuple[int, int]):
    """What the engine's pass ``name`` (an attribute of ``_engine``, e.g. ``"exchange_pass"``) is
    given on the uneven town of ``seed`` and ``size`` (units, grids): the town's case, prepared
    units, nodes and the pass's arguments ``(adj, hh, xy, labels, kw)``, or None when it does not
    run there."""
    seen = {}
    real = getattr(_engine, name)

    def spy(adj, hh, xy, labels, **kw):
        seen["args"] = (adj, hh, xy, labels.copy(), kw)
        return real(adj, hh, xy, labels, **kw)

    case = bg.make_case("uneven", size[0], size[1], seed=seed)
    prep, node, hh, xy, cost = bg.prepared(case)
    setattr(_engine, name, spy)
    try:
        _engine.partition(cost, hh, xy, size[1], min_hh=bg.MIN_HH, max_hh=bg.MAX_HH, weights=bg.EQUAL_WEIGHTS,
                          shapes=node_shapes(prep, node))
    finally:
        setattr(_engine, name, real)
    return case, prep, node, seen.get("args")


def run(seed: int, size: tuple[int, int]) -> dict:
    """Scores of one town's plan before and after the exchanges, and their CPU seconds."""
    real = _engine.exchange_pass
    case, prep, node, args = reaching("exchange_pass", seed, size)
    if args is None:
        raise SystemExit(f"seed {seed}: the exchanges did not run (no finish with shapes)")
    adj, hh, xy, before, kw = args
    t = time.process_time()
    mid = real(adj, hh, xy, before, **kw)
    t_pass = time.process_time() - t
    t = time.process_time()
    after = _engine.local_search(adj, hh, xy, mid, **kw, seed=0)
    t_search = time.process_time() - t
    gated = bg._labels_from("gated", case[0], prep.unit_ids, "gated")
    old, new = bg.score(prep, gated, before[node]), bg.score(prep, gated, after[node])
    row = compared(seed, old, new, adj, hh, xy, before, after, kw)
    row["units moved"] = int((before != after).sum())
    row["pass CPU-s"] = round(t_pass, 2)
    row["search CPU-s"] = round(t_search, 2)
    row["_old"], row["_new"] = old, new
    return row


def compared(seed: int, old: dict, new: dict, adj, hh, xy, before, after, kw) -> dict:
    """A probe's row: the benchmark's columns and the objective, before -> after."""
    row = {"seed": seed, **{col: f"{old[col]} -> {new[col]}" for col in COLUMNS}}
    row["objective"] = f"{objective(adj, hh, xy, before, **kw):.0f} -> {objective(adj, hh, xy, after, **kw):.0f}"
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-6", type=bg._seeds, help="the uneven towns' seeds: 1-6 or 1,3 (default 1-6)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    size = tuple(int(v) for v in args.size.split(":"))
    rows = [run(s, size) for s in args.seeds]
    table = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    print(table.to_string(index=False))
    means = {c: (np.mean([r["_old"][c] for r in rows]), np.mean([r["_new"][c] for r in rows])) for c in COLUMNS}
    print("mean over towns: " + "; ".join(f"{c} {a:.3f} -> {b:.3f}" for c, (a, b) in means.items()))


if __name__ == "__main__":
    main()
