"""The last two passes of the finish on large graphs, block-piece moves (``spatial.grids._pieces``)
and FM passes (``spatial.grids._fm``), on their own: each town's plan with and without them, and
what they cost.

Each uneven benchmark town is drawn by the engine (``balance="equal"``, the prepared graph of
``bench_grids``); the plan that reaches the FM passes (after the compound exchanges) is kept, and
the last search alone (the plan as before) and the passes then the search (the plan now) are run
again on it, timed in CPU seconds of this process (``time.process_time``). Both plans are scored
as ``bench_grids`` scores them (the furthest grid, grids within 5%, mean Polsby-Popper of the
dissolved grids, border on streets), with the pieces of grids in street blocks holding
households, and the fall of the finish's objective is printed beside the passes' own sums of gains
(their log lines: the two agree). ``--no-pieces`` or ``--no-fm`` leaves one of them out.

    .venv/bin/python -m benchmarks.fm_probe --seeds 1-6              # 10,000 units -> 500 grids
    .venv/bin/python -m benchmarks.fm_probe --seeds 1-6 --no-pieces  # the FM passes alone
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
import pandas as pd

from benchmarks import bench_grids as bg
from benchmarks.exchange_probe import COLUMNS, compared, reaching
from spatial.grids import _engine
from spatial.grids._blockcut import street_blocks
from spatial.grids._objective import objective
from spatial.grids._pieces import block_pieces



def run(seed: int, size: tuple[int, int], pieces: bool = True, fm: bool = True) -> dict:
    """Scores of one town's plan without and with the passes, and their CPU seconds."""
    real, real_fm = _engine.piece_pass, _engine.fm_pass
    case, prep, node, args = reaching("piece_pass", seed, size)
    if args is None:
        raise SystemExit(f"seed {seed}: the passes did not run (a graph of 5,000 nodes or fewer, or no shapes)")
    adj, hh, xy, start, kw = args
    before = _engine.local_search(adj, hh, xy, start, **kw, seed=0)
    loggers = [logging.getLogger(f"spatial.grids.{m}") for m in ("_pieces", "_fm")]
    for log in loggers:  # the passes' own sums of gains, printed beside the fall measured
        log.setLevel(logging.DEBUG)
    t = time.process_time()
    mid = real(adj, hh, xy, start, **kw) if pieces else start
    t_pieces = time.process_time() - t
    t = time.process_time()
    mid2 = real_fm(adj, hh, xy, mid, **kw) if fm else mid
    t_fm = time.process_time() - t
    for log in loggers:
        log.setLevel(logging.NOTSET)
    after = _engine.local_search(adj, hh, xy, mid2, **kw, seed=0)
    gated = bg._labels_from("gated", case[0], prep.unit_ids, "gated")
    old, new = bg.score(prep, gated, before[node]), bg.score(prep, gated, after[node])
    blocks = street_blocks(adj, kw["shapes"])
    row = compared(seed, old, new, adj, hh, xy, before, after, kw)
    row["pieces in blocks"] = f"{block_pieces(before, blocks, hh)} -> {block_pieces(after, blocks, hh)}"
    row["passes' fall"] = round(objective(adj, hh, xy, start, **kw) - objective(adj, hh, xy, mid2, **kw), 1)
    row["pieces CPU-s"] = round(t_pieces, 2)
    row["FM CPU-s"] = round(t_fm, 2)
    row["_old"], row["_new"] = old, new
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-6", type=bg._seeds, help="the uneven towns' seeds: 1-6 or 1,3 (default 1-6)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500; past 5,000 nodes only)")
    ap.add_argument("--no-pieces", action="store_true", help="leave the block-piece moves out")
    ap.add_argument("--no-fm", action="store_true", help="leave the FM passes out")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING, format="  %(name)s: %(message)s")
    size = tuple(int(v) for v in args.size.split(":"))
    rows = [run(s, size, pieces=not args.no_pieces, fm=not args.no_fm) for s in args.seeds]
    table = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows])
    print(table.to_string(index=False))
    means = {c: (np.mean([r["_old"][c] for r in rows]), np.mean([r["_new"][c] for r in rows])) for c in COLUMNS}
    print("mean over towns: " + "; ".join(f"{c} {a:.3f} -> {b:.3f}" for c, (a, b) in means.items()))


if __name__ == "__main__":
    main()
