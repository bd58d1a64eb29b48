"""What README.md, docs/*.md and the docstrings promise, checked by running it as a user would."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import spatial

ROOT = Path(__file__).resolve().parents[1]


def _modules() -> list[str]:
    names = (m.name for m in pkgutil.walk_packages(spatial.__path__, "spatial."))
    return sorted(n for n in names if not n.endswith("__main__"))  # importing these runs the CLI


@pytest.mark.parametrize("name", _modules())
def test_every_module_docstring_parses_as_doctests(name):
    # `python -m pytest --doctest-modules spatial` stopped at collection: read_table's example
    # wrote "\n" in a plain docstring, so its CSV lines landed unindented in the example.
    module = importlib.import_module(name)
    doctest.DocTestFinder().find(module)


def test_the_core_and_io_examples_pass_under_plain_doctest_modules():
    # atomic_path's example left a file open (ResourceWarning, an error under the project's
    # filterwarnings); natural_key's said '(none)' sorts first, the key puts it after the numbers.
    files = ["spatial/core/atomic.py", "spatial/core/checks.py", "spatial/io/layers.py"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--doctest-modules", *files, "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]


def test_python_dash_m_spatial_is_the_spatial_command(tmp_path):
    # `python -m spatial coverage --help` said "No module named spatial.__main__": only
    # `python -m spatial.cli` worked, while a notebook's `!python -m spatial ...` is what users type.
    run = subprocess.run([sys.executable, "-m", "spatial", "coverage", "--help"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: spatial coverage")


def _footway_town(tmp_path, length_m: int, floor_area_m2: float, homes: dict) -> None:
    """roads.gpkg (a footway along y = 0 in 100 m edges), stations.gpkg (station S at its west
    end) and homes.gpkg (``unit_id -> (x, households)``, 5 m off the footway) in ``tmp_path``."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    from spatial.network.graph import network_from_arrays

    xs = np.arange(0.0, length_m + 1.0, 100.0)
    n = len(xs) - 1
    net = network_from_arrays(np.column_stack([xs, np.zeros_like(xs)]), list(range(n)), list(range(1, n + 1)),
                              crs="EPSG:32650")
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=list(net.geometry),
                     crs="EPSG:32650").to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S"], "floor_area_m2": [floor_area_m2]}, geometry=[Point(0, 0)],
                     crs="EPSG:32650").to_file(tmp_path / "stations.gpkg")
    gpd.GeoDataFrame({"unit_id": list(homes), "households": [h for _, h in homes.values()]},
                     geometry=[Point(x, 5) for x, _ in homes.values()], crs="EPSG:32650").to_file(tmp_path / "homes.gpkg")


def test_coverage_with_max_walk_says_the_station_load_leaves_out_the_homes_farther(tmp_path, capsys):
    # README's `--max-walk-m 1000 # stop the search at the largest band: faster` on the demo gave
    # 52,843 households served instead of 62,149 and 11 stations under 30 m² per 100 households
    # instead of 13, without a word: homes past the limit have no nearest station to be counted at.
    import geopandas as gpd

    from spatial.cli import main

    _footway_town(tmp_path, 2000, 30.0, {"near": (100, 100.0), "far": (1500, 300.0)})
    args = ["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg"),
            "--meters", "300,1000", "--no-isochrones"]
    assert main([*args, "--out", str(tmp_path / "whole.gpkg")]) == 0
    whole = capsys.readouterr().out
    assert "station load counts" not in whole and "1 station under 30 m²" in whole  # 30 m² / 400 households
    assert main([*args, "--out", str(tmp_path / "cut.gpkg"), "--max-walk-m", "1000"]) == 0
    cut = capsys.readouterr().out
    assert ("station load counts homes within --max-walk-m 1000 m only: 1 unit (300 households) farther "
            "is in no station's catchment") in cut
    load = gpd.read_file(tmp_path / "cut.gpkg", layer="stations")
    assert load["households_served"].tolist() == [100]


def test_the_project_file_shown_in_the_readme_is_data_demo_project_toml():
    # README showed `kml = false` under "See data/demo_project.toml", whose line is `kml = true`
    # (the demo writes results.kmz, as the README's table of outputs says).
    import re
    import tomllib

    block = re.search(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S).group(1)
    shown = tomllib.loads(block)
    actual = tomllib.loads((ROOT / "data" / "demo_project.toml").read_text(encoding="utf-8"))
    assert shown == actual
    assert shown["outputs"]["kml"] is True


def test_a_station_every_place_is_nearer_another_of_has_a_reason_for_its_empty_area():
    # City run (80 stations on Futian's real network): S035, 11 m from S011 and snapped behind it,
    # got three empty 5/10/15-minute areas with reason '' (the docstring: "empty, or why the
    # station has no area"), and the map dropped them with a warning naming no cause.
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    from spatial.coverage.service_areas import isochrones
    from spatial.network.graph import network_from_arrays

    xs = np.arange(0.0, 1001.0, 100.0)
    net = network_from_arrays(np.column_stack([xs, np.zeros_like(xs)]), list(range(10)), list(range(1, 11)),
                              crs="EPSG:32650")
    stations = gpd.GeoDataFrame({"station_id": ["A", "B"]}, geometry=[Point(500, 2), Point(500, 9)],
                                crs="EPSG:32650")  # B walks 7 m more to the same spot of the street
    areas = isochrones(stations, net, meters=(300,), cell_m=10.0)
    a, b = areas.iloc[0], areas.iloc[1]
    assert a.area_m2 > 0 and a.reason == ""
    assert b.area_m2 == 0 and b.geometry.is_empty
    assert b.reason == "every place it reaches is nearer another station on foot"
    both = isochrones(stations, net, meters=(300,), cell_m=10.0, overlap=True)
    assert (both["area_m2"] > 0).all() and (both["reason"] == "").all()


def test_spatial_run_prints_each_step_as_it_ends_so_ctrl_c_shows_how_far_it_got(tmp_path, capsys, monkeypatch):
    # `spatial run` printed its step lines only after the whole run: on the city run (19,072 units,
    # 40 s) Ctrl-C at 34 s, with read, validate, grids and coverage done, left stdout empty, and a
    # run logged to a file said nothing until it ended.
    from spatial.cli import main
    from spatial.project import pipeline

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "_siting", stop)
    out = tmp_path / "out"
    assert main(["run", str(ROOT / "data" / "demo_project.toml"), "--out", str(out)]) == 130
    said = capsys.readouterr()
    steps = [line.split(":")[0] for line in said.out.splitlines()]
    assert steps == ["read", "validate", "grids", "coverage"]
    assert "read: 4 inputs (" in said.out and "grids: 149 grids, 149 in band, 0 under, 0 over (" in said.out
    assert "interrupted; no output was written" in said.err
    assert not out.exists()


def _brute_components(xy, located, on, cause, r):
    """Reference: every pair within r (one of them off the network, same cause), union-find."""
    import numpy as np

    parent = list(range(len(xy)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for ii, i in enumerate(located):
        for j in located[ii + 1:]:
            if cause[i] == cause[j] and (not on[i] or not on[j]) and np.hypot(*(xy[i] - xy[j])) <= r:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(xy))]


@pytest.mark.parametrize("seed", range(12))
def test_straight_links_join_the_homes_all_pairs_within_link_m_join(seed):
    import numpy as np

    from spatial.coverage._gapsplit import straight_links

    rng = np.random.default_rng(seed)
    n = 120
    xy = [rng.uniform(0, 1500, (n, 2)),                               # scattered
          rng.integers(0, 8, (n, 2)) * 150.0,                           # a lattice at link_m, with duplicates
          np.column_stack([rng.uniform(0, 3000, n), np.zeros(n)])][seed % 3]  # on one line: no triangulation
    xy[rng.random(n) < 0.05] = np.nan
    located = np.flatnonzero(np.isfinite(xy).all(axis=1))
    on = rng.random(n) < 0.4
    cause = rng.choice(np.array(["service", "no mapped path"], dtype=object), n)
    src, tgt = straight_links(xy, located, on, cause, 150.0, chunk=7)
    assert (np.hypot(*(xy[src] - xy[tgt]).T) <= 150.0).all() and (cause[src] == cause[tgt]).all()
    assert (~on[src] | ~on[tgt]).all()
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in zip(src, tgt):
        parent[find(a)] = find(b)
    ref = _brute_components(xy, located, on, cause, 150.0)
    got = [find(i) for i in range(n)]
    assert len(set(zip(ref, got))) == len(set(ref)) == len(set(got))  # the same partition


def test_gaps_of_many_homes_off_the_network_do_not_pair_every_two(tmp_path):
    # 200,000 homes over Futian's real network (36,035 more than 300 m from any walkway): coverage_gaps
    # took 9.9 s and its peak memory rose from 476 MB to 1,679 MB, every two uncovered homes within
    # 150 m in a straight line made into a pair (13M pairs). Here 6,000 such homes in a 300 m square:
    # 18M pairs before; the Delaunay edges within 150 m give the same one gap.
    import tracemalloc

    import geopandas as gpd
    import numpy as np
    import shapely

    import spatial
    from spatial.network.graph import network_from_arrays

    net = network_from_arrays([[0.0, 0.0], [500.0, 0.0]], [0], [1], crs="EPSG:32650")
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=shapely.points([[0.0, 0.0]]), crs="EPSG:32650")
    rng = np.random.default_rng(1)
    homes = gpd.GeoDataFrame({"unit_id": np.arange(6000).astype(str), "households": 1.0},
                             geometry=shapely.points(rng.uniform([0, 2000], [300, 2300], (6000, 2))),
                             crs="EPSG:32650")
    demand = spatial.walking_coverage(homes, stations, net, meters=(1000,))
    assert (demand["access"] == "unreachable").all()
    tracemalloc.start()
    try:
        gaps = spatial.coverage_gaps(demand, net, band="1000m")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(gaps) == 1 and gaps["households"].iloc[0] == 6000 and gaps["cause"].iloc[0] == "no mapped path"
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"


def test_a_home_on_a_dropped_part_walks_estimated_to_the_kept_network_as_docs_networks_says():
    # docs/networks.md said homes on dropped parts are `in a dropped network component`; on the
    # city run 11 of 200 sampled estimated homes lay 3-160 m from a dropped service road (6- and
    # 5-node parts) and walked over unmapped ground to the kept network (U009440: 3.4 m from a
    # dropped part, 100.4 m off the kept one, walk x1.25). The docs now say which happens when.
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import Point

    from spatial.coverage.walks import walking_coverage
    from spatial.network.read import read_network

    roads = gpd.GeoDataFrame({"highway": ["footway", "footway", "service", "service"]},
                             geometry=[shapely_line([(0, 0), (1000, 0)]), shapely_line([(0, 0), (0, 100)]),
                                       shapely_line([(500, 150), (600, 150)]),  # parts no way joins
                                       shapely_line([(500, 450), (600, 450)])],
                             crs="EPSG:32650")
    net = read_network(roads)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs="EPSG:32650")
    homes = gpd.GeoDataFrame({"unit_id": ["near", "far"], "households": [1.0, 1.0]},
                             geometry=[Point(550, 155), Point(550, 455)], crs="EPSG:32650")
    got = walking_coverage(homes, stations, net, meters=(1000,))
    assert got["access"].tolist() == ["estimated", "unreachable"]
    assert got["reason"].tolist() == ["", "in a dropped network component"]
    assert np.isclose(got["walk_m"].iloc[0], 550 + 155 * 1.25)
    text = " ".join((ROOT / "docs" / "networks.md").read_text(encoding="utf-8").split())
    assert "else it is `in a dropped network component`" in text


def shapely_line(coords):
    from shapely.geometry import LineString

    return LineString(coords)


def test_dask_grids_repair_polygons_the_reprojection_to_degrees_breaks(monkeypatch):
    # City run on Dask (19,072 units, 1,674 grids, Futian): 57 grid polygons in results.gpkg were
    # invalid (self-intersections: a hair-thin spike valid in UTM crossed itself once rounded to
    # degrees), none in the one-process run of the same project, whose partition_grids reprojects
    # with to_crs_valid. Here a grid made with a 1e-9 m spike: valid in UTM, not in EPSG:4326.
    import functools

    import geopandas as gpd
    import shapely
    from shapely.geometry import Polygon, box

    import spatial.grids.partition as partition
    from spatial.project.distributed import make_client, run_grids_distributed

    x0, y0 = 191724.12849693053, 2493037.178902476
    spike = Polygon([(x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 100), (x0 + 50 + 1e-9, y0 + 100), (x0 + 50, y0 + 160),
                     (x0 + 50, y0 + 100), (x0, y0 + 100)])
    assert spike.is_valid and not gpd.GeoSeries([spike], crs=32650).to_crs(4326).is_valid.iloc[0]
    real = partition.partition_grids

    @functools.wraps(real)  # the same signature: run_grids_distributed checks the options against it
    def spiky(*args, **kwargs):
        res = real(*args, **kwargs)
        res.grids.loc[res.grids.index[0], res.grids.geometry.name] = spike
        return res

    monkeypatch.setattr(partition, "partition_grids", spiky)
    comms = gpd.GeoDataFrame({"community_id": ["C1"], "street": ["S1"]}, geometry=[box(x0, y0, x0 + 100, y0 + 100)],
                             crs=32650).to_crs(4326)
    units = gpd.GeoDataFrame({"unit_id": ["a", "b"], "households": [100.0, 100.0]},
                             geometry=[box(x0, y0, x0 + 50, y0 + 100), box(x0 + 50, y0, x0 + 100, y0 + 100)],
                             crs=32650).to_crs(4326)
    with make_client(n_workers=1, processes=False) as client:
        res = run_grids_distributed(units, comms, client=client, min_households=100, max_households=300)
    assert len(res.grids) == 1 and res.grids.crs.to_epsg() == 4326
    assert shapely.is_valid(res.grids.geometry.values).all()


def test_coverage_says_a_warning_once_though_two_tables_meet_it(tmp_path, capsys):
    # `spatial coverage ... --communities` on 200,000 homes printed "1 demand points lie in no
    # communities polygon; summarised under id '(none)'" twice: the summary and the 2SFCA table
    # each placed the homes in communities.
    import geopandas as gpd
    from shapely.geometry import box

    from spatial.cli import main

    _footway_town(tmp_path, 1000, 300.0, {"in": (100, 100.0), "out": (900, 50.0)})
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, -50, 500, 50)],
                     crs="EPSG:32650").to_file(tmp_path / "comms.gpkg")
    assert main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--out", str(tmp_path / "cov.gpkg"), "--meters", "300,1000", "--no-isochrones",
                 "--communities", str(tmp_path / "comms.gpkg")]) == 0
    err = capsys.readouterr().err
    assert err.count("1 demand point lies in no communities polygon") == 1, err
