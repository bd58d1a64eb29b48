"""Size and speed of offline coverage maps: 5,000 and 50,000 building footprints on the Futian network.

Run ``.venv/bin/python -m benchmarks.bench_maps`` (5,000 and 50,000 buildings; target: the
50,000-building map under 25 MB) or ``--quick`` (5,000 only, under a minute). With Chromium
installed (``--browser``) it also times loading the saved page offline in headless Chromium.

``--town`` writes the four pages an official is forwarded (grids, coverage, overview, grid
editor) for a 10,000-unit town (``benchmarks._towns.uneven_town``, 250 grids) and checks each
against ``TOWN_TARGET_MB``, the size that WeChat passes on and a phone parses in seconds; with
``--browser`` it also times the first paint of each at 390x844 with the CPU slowed 4x (a
mid-range phone), offline, against ``TOWN_TARGET_PAINT_S``.
Footprints are synthetic chamfered rectangles (9 vertices each, 8-25 m) around Futian, with the
demand columns of docs/layers.md; the walking network is the real one in data/futian_walk.graphml.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import shapely
from shapely.geometry import Point

from spatial.maps.interactive import coverage_map, save_map

REPO = Path(__file__).resolve().parents[1]
TARGET_MB = {5_000: 5.0, 50_000: 25.0}
#: 10,000-unit town: MB of each page (measured 0.42 / 1.10 / 1.20 / 2.55 MB; 0.55 / 1.97 / 2.20 /
#: 2.55 MB before lines and polygons were written as integer steps) and seconds to first paint
#: at 4x CPU (measured 3-7 s on a shared 2-core machine).
TOWN_TARGET_MB = {"grids": 1.0, "coverage": 2.0, "overview": 2.0, "grid_editor": 3.5}
TOWN_TARGET_PAINT_S = 10.0


def _layers(n: int, edges: gpd.GeoDataFrame, rng: np.random.Generator) -> dict:
    crs = edges.estimate_utm_crs()
    net = edges.to_crs(crs)
    x0, y0, x1, y1 = net.total_bounds
    xy = rng.uniform([x0, y0], [x1, y1], size=(n, 2))
    w, h = rng.uniform(8, 25, n), rng.uniform(8, 25, n)
    boxes = shapely.box(xy[:, 0] - w / 2, xy[:, 1] - h / 2, xy[:, 0] + w / 2, xy[:, 1] + h / 2)
    foot = shapely.buffer(boxes, 1.5, quad_segs=1, join_style="bevel")
    walk_m = rng.gamma(2.0, 400.0, n)
    band = np.select([walk_m <= 333, walk_m <= 667, walk_m <= 1000], ["5min", "10min", "15min"], "beyond")
    demand = gpd.GeoDataFrame(
        {"unit_id": [f"B{i:06d}" for i in range(n)], "households": rng.integers(5, 120, n),
         "population": rng.integers(10, 300, n), "walk_m": walk_m, "walk_min": walk_m / 4000 * 60,
         "nearest_station": rng.choice([f"S{i:02d}" for i in range(20)], n), "band": band,
         "reason": "", "community_id": rng.choice([f"C{i:02d}" for i in range(12)], n), "synthetic": True},
        geometry=foot, crs=crs)
    st_xy = rng.uniform([x0, y0], [x1, y1], size=(20, 2))
    stations = gpd.GeoDataFrame({"station_id": [f"S{i:02d}" for i in range(20)],
                                 "name": [f"党群服务站{i}" for i in range(20)]},
                                geometry=[Point(x, y) for x, y in st_xy], crs=crs)
    iso = gpd.GeoDataFrame(
        {"station_id": np.repeat(stations["station_id"], 3).to_numpy(), "band": ["5min", "10min", "15min"] * 20},
        geometry=[Point(x, y).buffer(r, quad_segs=32) for x, y in st_xy for r in (300, 600, 900)], crs=crs)
    return {"demand": demand, "stations": stations, "isochrones": iso, "network_edges": net[["geometry"]]}


def _browser_seconds(path: Path) -> float | None:
    from spatial.maps import screenshot as _screenshot

    if _screenshot.find_chromium() is None:
        return None
    t = time.perf_counter()
    _screenshot.dump_dom(path, wait_ms=2000)
    return time.perf_counter() - t


def _first_paint_s(paths: list[Path]) -> list[float | None]:
    """Seconds to first paint of each page in headless Chromium, 390x844, CPU 4x slower, offline."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return [None] * len(paths)
    if not Path("/usr/bin/chromedriver").exists():
        return [None] * len(paths)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=390,844",
                "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    out: list[float | None] = []
    try:
        driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
        for path in paths:
            driver.get(path.resolve().as_uri())
            paint = None
            for _ in range(50):  # the paint entry may come a moment after the load event
                paint = driver.execute_script(
                    "var p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null")
                if paint is not None:
                    break
                time.sleep(0.1)
            out.append(None if paint is None else paint / 1000)
    finally:
        driver.quit()
    return out


def town(browser: bool) -> None:
    """The four pages of a 10,000-unit town: size (and first paint) against their targets."""
    from benchmarks._towns import uneven_town
    from spatial import partition_grids
    from spatial.maps.editor import save_grid_editor
    from spatial.maps.interactive import grid_map, overview_map

    units, communities, _ = uneven_town(10_000, 250)
    result = partition_grids(units, communities)
    grids = result.grids
    rng = np.random.default_rng(0)
    demand = gpd.GeoDataFrame({"unit_id": units["unit_id"], "households": units["households"],
                               "band": rng.choice(["5min", "10min", "15min", "beyond"], len(units))},
                              geometry=units.geometry, crs=units.crs)
    x0, y0, x1, y1 = units.total_bounds
    stations = gpd.GeoDataFrame({"station_id": [f"S{i:02d}" for i in range(20)],
                                 "name": [f"党群服务站{i}" for i in range(20)]},
                                geometry=[Point(p) for p in rng.uniform([x0, y0], [x1, y1], (20, 2))], crs=units.crs)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        paths = {"grids": save_map(grid_map(grids), out / "grids.html"),
                 "coverage": save_map(coverage_map(demand, stations), out / "coverage.html"),
                 "overview": save_map(overview_map(grids, demand, stations), out / "overview.html"),
                 "grid_editor": save_grid_editor(result.units, out / "grid_editor.html", communities)}
        paints = _first_paint_s(list(paths.values())) if browser else [None] * len(paths)
        print(f"{'page':>12} {'MB':>6} {'target':>6} {'ok':>3} {'paint s':>8} {'target':>6}")
        for (name, path), paint in zip(paths.items(), paints):
            mb = path.stat().st_size / 1e6
            shown = "-" if paint is None else f"{paint:.1f}"
            ok = mb < TOWN_TARGET_MB[name] and (paint is None or paint < TOWN_TARGET_PAINT_S)
            print(f"{name:>12} {mb:6.2f} {TOWN_TARGET_MB[name]:6.1f} {'yes' if ok else 'NO':>3} {shown:>8} "
                  f"{TOWN_TARGET_PAINT_S:6.0f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 buildings only (under a minute)")
    parser.add_argument("--browser", action="store_true", help="also time an offline load in Chromium")
    parser.add_argument("--town", action="store_true",
                        help="the four pages of a 10,000-unit town against their size (and paint) targets")
    args = parser.parse_args(argv)
    if args.town:
        town(args.browser)
        return
    sizes = [5_000] if args.quick else [5_000, 50_000]
    graph = ox.load_graphml(REPO / "data" / "futian_walk.graphml")
    edges = ox.graph_to_gdfs(graph, nodes=False)[["geometry"]].reset_index(drop=True)
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            layers = _layers(n, edges, rng)
            t0 = time.perf_counter()
            m = coverage_map(layers["demand"], layers["stations"], isochrones=layers["isochrones"],
                             network_edges=layers["network_edges"])
            t1 = time.perf_counter()
            path = save_map(m, Path(tmp) / f"coverage_{n}.html")
            t2 = time.perf_counter()
            mb = path.stat().st_size / 1e6
            load = _browser_seconds(path) if args.browser else None
            rows.append((n, len(edges), t1 - t0, t2 - t1, mb, path.stat().st_size / n, TARGET_MB[n], load))
    print(f"{'buildings':>10} {'edges':>6} {'build s':>8} {'save s':>7} {'MB':>6} {'B/bldg':>7} "
          f"{'target MB':>9} {'ok':>3} {'chromium s':>10}")
    for n, e, tb, ts, mb, per, target, load in rows:
        shown = f"{load:10.1f}" if load is not None else f"{'-':>10}"
        print(f"{n:>10,} {e:>6} {tb:8.2f} {ts:7.2f} {mb:6.2f} {per:7.0f} {target:9.0f} "
              f"{'yes' if mb < target else 'NO':>3} {shown}")


if __name__ == "__main__":
    main()
