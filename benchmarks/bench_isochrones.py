"""Isochrones benchmark: Futian walking network with ~20 stations, and the river-with-one-bridge case.

Run ``python -m benchmarks.bench_isochrones`` (``--quick``: 5 stations, 20 m cells, under a minute).
Also times ``coverage_gaps`` on random demand over Futian. Prints tables: time per step and per band on Futian, and, on the hand-made river case, the
share of each method's area that no resident could walk to (wrongly claimed) and the share of the
truly reachable area it misses, for convex hulls of reached nodes, 50 m edge buffers and the raster.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from scipy.cluster.vq import kmeans2
from scipy.sparse.csgraph import dijkstra

from spatial.coverage.bands import make_bands
from spatial.coverage.service_areas import isochrones, walk_grid
from spatial.network.read import read_network
from spatial.network.snapping import snap_points

REPO = Path(__file__).resolve().parents[1]


def futian_stations(network, k: int) -> gpd.GeoDataFrame:
    """``k`` stations spread over the network: k-means centres moved to their nearest node."""
    centres, _ = kmeans2(network.node_xy, k, seed=1, minit="++")
    d = np.hypot(*(network.node_xy[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    nodes = np.unique(d.argmin(axis=0))
    xy = network.node_xy[nodes] + [5.0, 5.0]  # a few metres off the street, like a building door
    return gpd.GeoDataFrame({"station_id": [f"S{i:02d}" for i in range(len(nodes))]},
                            geometry=shapely.points(xy), crs=network.crs)


def bench_futian(k: int, cell_m: float) -> None:
    t = time.perf_counter()
    network = read_network(REPO / "data" / "futian_walk.graphml")
    t_read = time.perf_counter() - t
    stations = futian_stations(network, k)
    bands = make_bands(minutes=(5, 10, 15))
    xy = shapely.get_coordinates(stations.geometry.values)
    snap = snap_points(network, xy, max_snap_m=100.0)
    print(f"\nFutian: {network.n_nodes:,} nodes, {network.n_edges:,} edges, {len(stations)} stations, "
          f"{cell_m:g} m cells (network read in {t_read:.1f} s)")
    print(f"{'step':<28}{'seconds':>10}")
    t = time.perf_counter()
    grid = walk_grid(network, snap, xy, reach_m=bands[-1].limit_m, cell_m=cell_m, max_snap_m=100.0)
    print(f"{'walk grid (snap + route)':<28}{time.perf_counter() - t:>10.2f}   "
          f"{grid.shape[0] * grid.shape[1]:,} cells in bbox, {grid.n_snapped:,} scored")
    t = time.perf_counter()
    iso = isochrones(stations, network, minutes=(5, 10, 15), cell_m=cell_m)
    total = time.perf_counter() - t
    n_vertices = int(shapely.get_num_coordinates(iso.geometry.values).sum())
    print(f"{'isochrones() total':<28}{total:>10.2f}   {len(iso)} rows, {n_vertices:,} vertices")
    for band in bands:  # the areas of one band tile (each place to its nearest station)
        area = iso.loc[iso["band"] == band.label, "area_m2"].sum() / 1e6
        print(f"{'  areas ' + band.label:<28}{'':>10}   {area:.2f} km2")
    t = time.perf_counter()
    one = isochrones(stations, network, minutes=(5, 10, 15), cell_m=cell_m, dissolve=True)
    print(f"{'isochrones(dissolve=True)':<28}{time.perf_counter() - t:>10.2f}   "
          f"15 min: {one['area_m2'].iloc[-1] / 1e6:.2f} km2")
    t = time.perf_counter()
    full = isochrones(stations, network, minutes=(5, 10, 15), cell_m=cell_m, overlap=True)
    print(f"{'isochrones(overlap=True)':<28}{time.perf_counter() - t:>10.2f}   "
          f"15 min areas sum to {full.loc[full['band'] == '15min', 'area_m2'].sum() / 1e6:.2f} km2")


def bench_river(limit_m: float, cell_m: float, st_xy: tuple[float, float] = (100.0, -160.0)) -> None:
    from spatial.datasets.synthetic import (
        X0,
        Y0,
        oracle_walk,
        river_network,
        stations_at,
    )

    network, nodes = river_network()
    max_snap = 50.0
    gx, gy = np.meshgrid(np.arange(-700, 900, 5.0) + 1.3, np.arange(-800, 500, 5.0) + 1.7)
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    walk, leg = oracle_walk(network, nodes, st_xy, xy)
    truth = (walk <= limit_m) & (leg <= max_snap)
    # nodes reached within the limit (station stands on a node)
    dist = dijkstra(network.graph, indices=nodes[st_xy], limit=limit_m)
    reached = np.isfinite(dist)
    reached_edges = reached[network.edge_u] & reached[network.edge_v]
    methods = {
        "convex hull of nodes": shapely.convex_hull(shapely.multipoints(network.node_xy[reached])),
        "50 m edge buffers": shapely.union_all(shapely.buffer(network.geometry[reached_edges], 50.0)),
    }
    t = time.perf_counter()
    methods[f"raster {cell_m:g} m (spatial)"] = isochrones(
        stations_at(st_xy), network, meters=(limit_m,), max_snap_m=max_snap, cell_m=cell_m,
        max_off_network_m=None).geometry.iloc[0]  # the truth ends at max_snap_m: no estimated walks
    t_raster = time.perf_counter() - t
    print(f"\nRiver with one bridge at x=400, station at {st_xy}, {limit_m:g} m, snap <= {max_snap:g} m "
          f"(raster drawn in {t_raster:.2f} s)")
    print(f"{'method':<26}{'wrongly claimed %':>19}{'of it far bank %':>18}{'missed %':>10}")
    far = xy[:, 1] > 0
    for name, poly in methods.items():
        inside = shapely.contains_xy(poly, xy[:, 0] + X0, xy[:, 1] + Y0)
        wrong = inside & ~truth
        print(f"{name:<26}{100 * wrong.sum() / inside.sum():>19.1f}{100 * (wrong & far).sum() / inside.sum():>18.1f}"
              f"{100 * (truth & ~inside).sum() / truth.sum():>10.1f}")


def bench_gaps(k: int, sizes: tuple[int, ...]) -> None:
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.walks import walking_coverage

    network = read_network(REPO / "data" / "futian_walk.graphml")
    stations = futian_stations(network, k)
    rng = np.random.default_rng(0)
    lo, hi = network.node_xy.min(axis=0), network.node_xy.max(axis=0)
    print(f"\nGaps beyond 10 min on Futian, {len(stations)} stations, random demand in the network's bbox")
    print(f"{'points':>8}{'uncovered':>11}{'gaps':>7}{'coverage s':>12}{'gaps s':>9}")
    for n in sizes:
        demand = gpd.GeoDataFrame({"unit_id": np.arange(n), "households": rng.integers(0, 80, n)},
                                  geometry=shapely.points(rng.uniform(lo, hi, size=(n, 2))), crs=network.crs)
        t = time.perf_counter()
        scored = walking_coverage(demand, stations, network, minutes=(5, 10, 15))
        t_cov = time.perf_counter() - t
        t = time.perf_counter()
        gaps = coverage_gaps(scored, network, band="10min", link_m=150.0)
        t_gaps = time.perf_counter() - t
        print(f"{n:>8,}{int(gaps['n_points'].sum()):>11,}{len(gaps):>7}{t_cov:>12.2f}{t_gaps:>9.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 stations and 20 m cells")
    args = parser.parse_args(argv)
    if args.quick:
        bench_futian(5, 20.0)
        bench_river(600.0, 10.0)
        bench_gaps(8, (2_000,))
    else:
        bench_futian(20, 10.0)
        for station in ((100.0, -160.0), (300.0, -160.0)):
            for limit in (400.0, 600.0):
                bench_river(limit, 10.0, station)
        bench_gaps(8, (5_000, 20_000))


if __name__ == "__main__":
    main()
