"""Speed of units from buildings, 十联户 groups, grid codes and 多网合一 on a synthetic city.

The city is a row of 600 m square communities with roads every 150 m and 20 x 30 m buildings
on a jittered 40 m lattice. Run ``.venv/bin/python -m benchmarks.bench_units`` (or ``--quick``
for two communities, under a minute).
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, box

from spatial.grids.codes import assign_grid_codes
from spatial.grids.merge import merge_grid_layers
from spatial.grids.tessellation import building_units, units_from_buildings
from spatial.grids.workforce import staffing, ten_household_groups

CRS = "EPSG:32650"
SIDE = 600.0


def _timed(func, *args, **kwargs):
    """Result and (wall, CPU) seconds: CPU time is the fair figure on a shared machine."""
    t, c = time.perf_counter(), time.process_time()
    out = func(*args, **kwargs)
    return out, (time.perf_counter() - t, time.process_time() - c)


def _city(n_comm: int, rng: np.random.Generator):
    comm = gpd.GeoDataFrame(
        {"community_id": [f"C{i:02d}" for i in range(n_comm)],
         "code": [f"440304001{i + 1:03d}" for i in range(n_comm)]},
        geometry=[box(SIDE * i, 0, SIDE * (i + 1), SIDE) for i in range(n_comm)], crs=CRS,
    )
    width = SIDE * n_comm
    lines = [LineString([(x, -5), (x, SIDE + 5)]) for x in np.arange(150, width, 150)]
    lines += [LineString([(-5, y), (width + 5, y)]) for y in (150, 300, 450)]
    roads = gpd.GeoDataFrame(geometry=lines, crs=CRS)
    xs, ys = np.meshgrid(np.arange(8, width - 30, 40), np.arange(8, SIDE - 35, 40))
    xs, ys = xs.ravel() + rng.uniform(-3, 3, xs.size), ys.ravel() + rng.uniform(-3, 3, ys.size)
    on_road = (np.mod(xs + 25, 150) < 30) | (np.mod(ys + 35, 150) < 40)
    xs, ys = xs[~on_road], ys[~on_road]
    bld = gpd.GeoDataFrame(
        {"households": rng.integers(0, 120, xs.size)},
        geometry=[box(x, y, x + 20, y + 30) for x, y in zip(xs, ys)], crs=CRS,
    )
    return comm, roads, bld


def _grid_layer(n_comm: int, cell: float, x0: float, prefix: str):
    cells = [box(x, y, x + cell, y + cell) for x in np.arange(x0, SIDE * n_comm, cell)
             for y in np.arange(0, SIDE, cell)]
    return gpd.GeoDataFrame({"grid_id": [f"{prefix}{i}" for i in range(len(cells))]}, geometry=cells, crs=CRS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="two communities only")
    args = parser.parse_args(argv)
    n_comm = 2 if args.quick else 12
    rng = np.random.default_rng(0)
    comm, roads, bld = _city(n_comm, rng)
    rows = []

    units, t = _timed(units_from_buildings, bld, comm, roads=roads)
    err = abs(units.area.sum() - comm.area.sum()) / comm.area.sum()
    rows.append((f"units_from_buildings ({len(units):,} units)", len(bld), t,
                 f"area error {err:.1e}, households {units.households.sum() - bld.households.sum():+.0f}"))
    where, t = _timed(building_units, bld, units)
    rows.append(("building_units", len(bld), t, f"unplaced {int(where.isna().sum())}"))

    # grids: one per street block, as the partition engine would hand over
    grids = units.dissolve(by="block_id", aggfunc={"community_id": "first", "households": "sum",
                                                   "buildings": "sum"}).reset_index()
    grids = grids.rename(columns={"block_id": "grid_id", "buildings": "n_buildings"})
    coded, t = _timed(assign_grid_codes, grids, comm, layout="db11")
    rows.append(("assign_grid_codes", len(grids), t, f"{coded.grid_code.iloc[0]}"))
    _, t = _timed(staffing, coded)
    rows.append(("staffing", len(grids), t, ""))

    units = units.merge(grids[["grid_id"]], left_on="block_id", right_on="grid_id")
    n_hh = 20_000 if args.quick else 200_000
    minx, miny, maxx, maxy = comm.total_bounds
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(rng.uniform(minx, maxx, n_hh),
                                                       rng.uniform(miny, maxy, n_hh)), crs=CRS)
    res, t = _timed(ten_household_groups, pts, units)
    rows.append((f"ten_household_groups ({len(res.groups):,} groups)", n_hh, t,
                 f"unplaced {int(res.households.group_id.isna().sum())}"))

    layers = {"综治": _grid_layer(n_comm, 200, 0, "z"), "城管": _grid_layer(n_comm, 150, 75, "c"),
              "民政": _grid_layer(n_comm, 300, 0, "m")}
    n_grids = sum(len(g) for g in layers.values())
    merged, t = _timed(merge_grid_layers, layers, comm)
    rows.append((f"merge_grid_layers ({len(merged.unified)} unified)", n_grids, t,
                 f"{len(merged.conflicts):,} conflicts"))

    print(f"{'step':<44} {'rows in':>9} {'wall s':>7} {'CPU s':>7}  note")
    for step, n, (wall, cpu), note in rows:
        print(f"{step:<44} {n:>9,} {wall:>7.2f} {cpu:>7.2f}  {note}")


if __name__ == "__main__":
    main()
