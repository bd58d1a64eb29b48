"""Speed of coordinate conversion, GBK CSV station tables and GBK shapefiles without .cpg.

Run ``.venv/bin/python -m benchmarks.bench_io`` (or ``--quick`` for a small size, under a minute).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from spatial.io.coords import bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_gcj02
from spatial.io.layers import read_layer, read_points_table, write_shapefile


def _timed(func, *args, **kwargs):
    t = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    args = parser.parse_args(argv)
    n_points = 100_000 if args.quick else 1_000_000
    n_rows = 10_000 if args.quick else 100_000
    rng = np.random.default_rng(0)
    rows = []

    lon = rng.uniform(73.7, 134.7, n_points)
    lat = rng.uniform(18.3, 53.4, n_points)
    g, t = _timed(wgs84_to_gcj02, lon, lat)
    rows.append(("wgs84_to_gcj02", n_points, t))
    _, t = _timed(gcj02_to_wgs84, *g)
    rows.append(("gcj02_to_wgs84 (iterative)", n_points, t))
    _, t = _timed(bd09_to_wgs84, *g)
    rows.append(("bd09_to_wgs84 (iterative)", n_points, t))

    names = np.array(["福田街道党群服务中心", "华强北站", "莲花北社区站", "岗厦社区"])
    table = pd.DataFrame({
        "编号": [f"{i:06d}" for i in range(n_rows)],
        "名称": names[rng.integers(0, 4, n_rows)],
        "经度": rng.uniform(113.9, 114.2, n_rows).round(6),
        "纬度": rng.uniform(22.5, 22.7, n_rows).round(6),
        "户数": rng.integers(0, 2000, n_rows),
    })
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "stations.csv"
        table.to_csv(csv, index=False, encoding="gbk")
        gdf, t = _timed(read_points_table, csv, coord_sys="gcj02")
        rows.append(("read_points_table GBK CSV + GCJ-02", n_rows, t))
        _, t = _timed(pd.read_csv, csv, encoding="gbk")
        rows.append(("  (pandas.read_csv, encoding given)", n_rows, t))
        shp = Path(tmp) / "stations.shp"
        _, t = _timed(write_shapefile, gdf, shp)
        rows.append(("write_shapefile GBK", n_rows, t))
        shp.with_suffix(".cpg").unlink()
        _, t = _timed(read_layer, shp)
        rows.append(("read_layer GBK .shp without .cpg", n_rows, t))
        _, t = _timed(pyogrio.read_dataframe, shp, encoding="gbk")
        rows.append(("  (pyogrio, encoding given)", n_rows, t))

    print(f"{'step':<40} {'rows':>10} {'seconds':>9} {'rows/s':>12}")
    for step, n, sec in rows:
        print(f"{step:<40} {n:>10,} {sec:>9.3f} {n / sec:>12,.0f}")


if __name__ == "__main__":
    main()
