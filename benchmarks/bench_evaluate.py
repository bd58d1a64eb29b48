"""Speed of scoring a plan (``evaluate_grids``) next to drawing it (``partition_grids``).

Cases: the demo's units (158 grids) and, where libpysal is installed, its Tokyo municipalities
(``examples/tokyo``, 262 units in one community, the union of them: a 5,436-point outline each
unit is clipped to) and North Carolina's counties (``examples/sids2``), households drawn with a
fixed seed. Each figure is the fastest of ``--repeats`` passes in this process, wall and CPU
seconds (threads make wall less than CPU on free cores; on a busy machine they are alike).
Run ``.venv/bin/python -m benchmarks.bench_evaluate`` (``--quick``: one pass each).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
import warnings

import geopandas as gpd
import numpy as np

import spatial
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids


def _best(func, repeats: int, *args):
    """Fastest (wall, CPU) seconds of ``repeats`` calls."""
    wall = cpu = float("inf")
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        func(*args)
        wall, cpu = min(wall, time.perf_counter() - t), min(cpu, time.process_time() - c)
    return wall, cpu


def _libpysal(name: str, shp: str, seed: int):
    """Units (households 30-199, seed ``seed``) of a libpysal example, and their union as the one community."""
    spec = importlib.util.find_spec("libpysal")
    if spec is None:
        return None
    raw = gpd.read_file(os.path.join(os.path.dirname(spec.origin), "examples", name, shp))
    if raw.crs is None:
        raw = raw.set_crs(4326)
    rng = np.random.default_rng(seed)
    units = gpd.GeoDataFrame({"unit_id": [f"u{i:03d}" for i in range(len(raw))],
                              "households": rng.integers(30, 200, len(raw))}, geometry=raw.geometry.values,
                             crs=raw.crs)
    return units, gpd.GeoDataFrame({"community_id": ["T"]}, geometry=[units.union_all()], crs=units.crs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one pass of each")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    warnings.simplefilter("ignore")  # Tokyo's wards overlap their neighbours: said once, in the report
    demo = spatial.load_demo()
    cases = {"demo": (demo["units"], demo["communities"]), "tokyo": _libpysal("tokyo", "tokyomet262.shp", 0),
             "north carolina": _libpysal("sids2", "sids2.shp", 1)}
    print(f"{'case':<16}{'units':>7}{'grids':>7}  {'partition wall/CPU s':>22}  {'evaluate wall/CPU s':>21}")
    for name, case in cases.items():
        if case is None:
            print(f"{name:<16} (libpysal not installed)")
            continue
        units, communities = case
        plan = partition_grids(units, communities)
        pw, pc = _best(partition_grids, repeats, units, communities)
        ew, ec = _best(evaluate_grids, repeats, plan.units, communities)
        print(f"{name:<16}{len(units):>7}{len(plan.grids):>7}  {pw:>10.2f} / {pc:<9.2f}  {ew:>9.2f} / {ec:<9.2f}")


if __name__ == "__main__":
    main()
