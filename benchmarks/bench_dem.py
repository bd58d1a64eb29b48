"""Cost of walking on slopes (``--dem``): the same coverage run flat and with a DEM, side by side.

Run ``python -m benchmarks.bench_dem`` (quick: Futian and the 100k-node lattice, well under a
minute); ``--full`` adds the 1M-node lattice with 1M homes and 1,000 stations (``--sides 1000``
alone runs just that one).

Each network gets a synthetic DEM written as a GeoTIFF (rolling hills of about ±40 m plus a 3%
tilt): Futian's in EPSG:4326 at 1 arc-second (SRTM's grid, about 30 m), so every sample is
reprojected as a real SRTM tile would be; the lattices' in their UTM zone at 30 m. Rows:

* ``flat``: ``walking_coverage(homes, stations, network, max_walk_m=1000)`` (GeoDataFrames in and
  out; snapping index built inside, as a user's first call does);
* ``dem``: the same call with ``dem=<the GeoTIFF>``: the DEM window read and sampled at nodes and
  every cell along each edge, directed Tobler costs, the directed pass (quickest walk home ->
  station) with the metres of that walk added up its tree;
* ``sampling``: ``edge_times(network, dem)`` alone; ``directed pass``: ``nearest_source_timed``
  alone on already snapped points (``flat pass``: ``nearest_source`` on the same).

Each row is the fastest of ``--repeats`` runs in this process (the first run of each also pays
first touches of fresh memory); the ratio is given in wall time and in CPU seconds of all threads
(steadier on a shared machine). The target of issue 20 is ``dem`` under 2x ``flat``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
import shapely
from affine import Affine

from spatial.coverage.walks import walking_coverage
from spatial.network import snapping
from spatial.network.elevation import edge_times
from spatial.network.routing import nearest_source, nearest_source_timed

REPO = Path(__file__).resolve().parents[1]
LIMIT_M = 1000.0


def hills(x: np.ndarray, y: np.ndarray, x0: float, y0: float) -> np.ndarray:
    """Rolling hills of about ±40 m on a 3% tilt, in metres from (x0, y0)."""
    dx, dy = x - x0, y - y0
    return 200 + 40 * np.sin(dx / 350) * np.cos(dy / 470) + 0.03 * dx


def write_dem(path: Path, net, *, crs: str, cell: float) -> Path:
    """A GeoTIFF over the network (plus 500 m) in ``crs`` with ``cell`` units a side."""
    lo, hi = net.node_xy.min(axis=0) - 500, net.node_xy.max(axis=0) + 500
    to_dem = pyproj.Transformer.from_crs(net.crs, crs, always_xy=True)
    to_net = pyproj.Transformer.from_crs(crs, net.crs, always_xy=True)
    xs, ys = to_dem.transform([lo[0], hi[0], lo[0], hi[0]], [lo[1], lo[1], hi[1], hi[1]])
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    w, h = math.ceil((right - left) / cell), math.ceil((top - bottom) / cell)
    cx, cy = np.meshgrid(left + (np.arange(w) + 0.5) * cell, top - (np.arange(h) + 0.5) * cell)
    nx_, ny_ = to_net.transform(cx, cy)
    z = hills(nx_, ny_, lo[0], lo[1]).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=crs,
                       transform=Affine(cell, 0, left, 0, -cell, top), nodata=-9999.0, tiled=True,
                       compress="deflate") as dst:
        dst.write(z, 1)
    return path


def best(fn, repeats: int, cpu: list | None = None) -> tuple[float, object]:
    """Fastest wall time of ``repeats`` runs (and its CPU seconds, all threads, appended to ``cpu``)."""
    out, times = None, []
    for _ in range(repeats):
        snapping.clear_cache()
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append((time.perf_counter() - t, time.process_time() - c))
    wall, used = min(times)
    if cpu is not None:
        cpu.append(used)
    return wall, out


def bench(name: str, net, homes: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, dem: Path, repeats: int) -> dict:
    cpu: list = []
    flat_s, flat = best(lambda: walking_coverage(homes, stations, net, max_walk_m=LIMIT_M), repeats, cpu)
    dem_s, hilly = best(lambda: walking_coverage(homes, stations, net, max_walk_m=LIMIT_M, dem=dem), repeats, cpu)
    sample_s, times = best(lambda: edge_times(net, dem), repeats)
    ss = snapping.snap_points(net, snapping.layer_xy(stations, net, name="stations"))
    ds = snapping.snap_points(net, snapping.layer_xy(homes, net, name="homes"))
    pass_s, _ = best(lambda: nearest_source(net, ss, ds, limit_m=LIMIT_M), repeats)
    times._cache.clear()  # the directed graph is built in the timed pass
    directed_s = min(_timed(lambda: nearest_source_timed(net, ss, ds, times, limit_m=LIMIT_M), times)
                     for _ in range(repeats))
    ratio = dem_s / flat_s
    within = ["5min", "10min", "15min"]
    row = {"network": name, "nodes": net.n_nodes, "homes": len(homes), "flat_s": flat_s, "dem_s": dem_s,
           "ratio": ratio, "cpu_ratio": cpu[1] / cpu[0], "sampling_s": sample_s, "flat_pass_s": pass_s,
           "directed_pass_s": directed_s, "share": times.share,
           "in_15": (float(flat["band"].isin(within).mean()), float(hilly["band"].isin(within).mean()))}
    print(f"{name:<26} {net.n_nodes:>9,} {len(homes):>9,}  flat {flat_s:6.2f} s  dem {dem_s:6.2f} s "
          f"({ratio:4.2f}x wall, {row['cpu_ratio']:4.2f}x CPU)  | sampling {sample_s:5.2f} s, flat pass "
          f"{pass_s:5.2f} s, directed pass "
          f"{directed_s:5.2f} s | elevations on {times.share * 100:.1f}% of edges; within 15 min "
          f"{row['in_15'][0] * 100:.1f}% flat, {row['in_15'][1] * 100:.1f}% on the hills", flush=True)
    return row


def _timed(fn, times) -> float:
    times._cache.clear()
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def futian(tmp: Path, repeats: int) -> dict:
    from spatial.cli import main as cli
    from spatial.datasets.embedded import demo_paths, load_demo

    demo = load_demo()
    net = demo["network"]
    dem = write_dem(tmp / "futian_srtm.tif", net, crs="EPSG:4326", cell=1 / 3600)
    row = bench("Futian (OSM), demo units", net, demo["units"], demo["stations"], dem, repeats)
    # end to end: the whole command (read, snap, route, isochrones, gaps, write)
    paths = demo_paths()
    args = ["-q", "coverage", str(paths["network"]), str(paths["layers"]), str(paths["layers"])]
    cpu: list = []
    flat_s, _ = best(lambda: cli([*args, "--out", str(tmp / "flat.gpkg")]), repeats, cpu)
    dem_s, _ = best(lambda: cli([*args, "--out", str(tmp / "dem.gpkg"), "--dem", str(dem)]), repeats, cpu)
    print(f"{'Futian: spatial coverage':<26} {net.n_nodes:>9,} {len(demo['units']):>9,}  flat {flat_s:6.2f} s  "
          f"dem {dem_s:6.2f} s ({dem_s / flat_s:4.2f}x wall, {cpu[1] / cpu[0]:4.2f}x CPU)  | the whole command, "
          "isochrones on the same times", flush=True)
    return row


def lattice_case(side: int, n_homes: int, tmp: Path, repeats: int) -> dict:
    from benchmarks.bench_coverage import lattice, near_streets

    rng = np.random.default_rng(0)
    net = lattice(side)
    n_st = 1000 if side >= 1000 else 100
    stations = gpd.GeoDataFrame({"station_id": [f"S{i}" for i in range(n_st)]},
                                geometry=shapely.points(near_streets(net, n_st, rng, spread_m=10)), crs=net.crs)
    homes = gpd.GeoDataFrame({"households": np.ones(n_homes)}, geometry=shapely.points(near_streets(net, n_homes, rng)),
                             crs=net.crs)
    dem = write_dem(tmp / f"lattice{side}.tif", net, crs=str(net.crs), cell=30.0)
    return bench(f"lattice {side}x{side}", net, homes, stations, dem, repeats)


def main(argv: list[str] | None = None) -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Futian and the 100k-node lattice (the default)")
    parser.add_argument("--full", action="store_true", help="also the 1M-node lattice with 1M homes")
    parser.add_argument("--sides", type=int, nargs="*", default=None, help="lattice sides to run (e.g. 1000)")
    parser.add_argument("--repeats", type=int, default=2, help="keep the fastest of this many runs (default 2)")
    args = parser.parse_args(argv)
    sides = args.sides if args.sides is not None else ([316, 1000] if args.full else [316])
    with tempfile.TemporaryDirectory() as tmp:
        if args.sides is None:
            futian(Path(tmp), args.repeats)
        for side in sides:
            lattice_case(side, min(side * side, 1_000_000), Path(tmp), args.repeats)


if __name__ == "__main__":
    main()
