"""A ceiling on the share of grid border that can lie on streets in an uneven benchmark town.

``python -m benchmarks.street_ceiling --units 10000 --grids 500 --seeds 1-6``

From the superblocks alone (``benchmarks._towns``): a block of ``h`` households is touched by at
least ``ceil(h / (1.05 * mean))`` grids when every grid is within 5% of the mean (``ceil(h /
500)`` for grids of the 300-500 band). Each block is cut into that many pieces of equal area by
the shortest guillotine cuts (straight cuts across it, each piece cut again), and every street
is counted as grid border. The share of street in all border is then an upper bound that is
generous: towers, empty blocks that join a grid across a street, and cuts that follow the
cells' ragged edges all lower what a plan can reach. It says how far a plan is from what the
town allows, not what it should reach. (Borders on streets in ``bench_grids`` are measured on
the units' shared edges, which count a few metres of each edge that meets a street; this counts
the street lines.)
"""

from __future__ import annotations

import argparse
import functools
import math

from benchmarks._towns import uneven_town


@functools.lru_cache(maxsize=None)
def guillotine_m(width: float, height: float, n: int) -> float:
    """Shortest total length of straight cuts splitting a ``width`` x ``height`` rectangle into
    ``n`` pieces of equal area, each cut going across the piece it splits (metres)."""
    if n <= 1:
        return 0.0
    best = math.inf
    for n1 in range(1, n // 2 + 1):
        n2 = n - n1
        across_w = height + guillotine_m(round(width * n1 / n, 3), height, n1) + \
            guillotine_m(round(width * n2 / n, 3), height, n2)
        across_h = width + guillotine_m(width, round(height * n1 / n, 3), n1) + \
            guillotine_m(width, round(height * n2 / n, 3), n2)
        best = min(best, across_w, across_h)
    return best


def ceiling(units, roads, n_grids: int, *, max_hh: float | None = None) -> dict:
    """Street length, the least cut through blocks and the ceiling (percent) of a town from
    :func:`benchmarks._towns.uneven_town` cut into ``n_grids`` grids.

    ``max_hh``: the largest grid (default: 5% over the mean grid)."""
    mean = units["households"].sum() / n_grids
    top = 1.05 * mean if max_hh is None else max_hh
    street_m = float(roads.length.sum())
    cut_m = 0.0
    for _, block in units.groupby("block"):
        x0, y0, x1, y1 = block.total_bounds
        pieces = max(math.ceil(block["households"].sum() / top - 1e-9), 1)
        cut_m += guillotine_m(round(x1 - x0, 3), round(y1 - y0, 3), pieces)
    return {"street m": round(street_m), "least cut m": round(cut_m),
            "ceiling %": round(100 * street_m / (street_m + cut_m), 1)}


def main(argv=None) -> None:
    from benchmarks.bench_grids import _seeds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10000)
    ap.add_argument("--grids", type=int, default=500)
    ap.add_argument("--seeds", type=_seeds, default=[1], help="1, 1-9 or 1,4,7 (default 1)")
    a = ap.parse_args(argv)
    for seed in a.seeds:
        units, _, roads = uneven_town(a.units, a.grids, seed=seed)
        eq = ceiling(units, roads, a.grids)
        band = ceiling(units, roads, a.grids, max_hh=500)
        print(f"seed {seed}: {a.units} units -> {a.grids} grids: streets {eq['street m']} m; equal grids: "
              f"cuts through blocks >= {eq['least cut m']} m, on streets <= {eq['ceiling %']}%; band grids: "
              f"<= {band['ceiling %']}%")


if __name__ == "__main__":
    main()
