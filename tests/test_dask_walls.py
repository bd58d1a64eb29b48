"""A Dask run says what one process says of walls given with no gate: one report row per walled
area (its homes and households), the line of a station inside walls, and the headline's
households in such walls; each warning once.

The town (EPSG:32650, ``tests/test_gateless_walls.py``'s, two cities): one street along y = 0
from 0 to 2,000 m; 乙小区's walls 800-1,200 x 50-450 with no gate hold IN1 (100 households), IN2
(50) and IN3 (60) and station S2; 丙小区's walls 1,400-1,800 x 50-450 with a gate at (1,600, 50)
hold IN4 (40); O1 (80) is outside. S1 is on the street at 0. Cities: 西 (IN1, IN2, O1) and 东
(IN3, IN4), so 乙小区's homes lie in two parts.

Until 7 December 2026 ``run_coverage_distributed`` (``spatial run --scheduler``) kept none of
``walking_coverage``'s ``attrs``: the report had no 'barriers' row and no station row, README.txt
no 围墙 line, and each worker printed its own part's warnings, with 1 household a home (the
parts carry no households column), under ``-q`` too.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

CRS = "EPSG:32650"
WALL = Polygon([(800, 50), (1200, 50), (1200, 450), (800, 450)])
WALL2 = Polygon([(1400, 50), (1800, 50), (1800, 450), (1400, 450)])
HOMES = {"IN1": (900, 300), "IN2": (1000, 200), "IN3": (1100, 400), "O1": (300, 20), "IN4": (1600, 200)}
HH = {"IN1": 100, "IN2": 50, "IN3": 60, "O1": 80, "IN4": 40}
CITY = {"IN1": "西", "IN2": "西", "O1": "西", "IN3": "东", "IN4": "东"}


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


@pytest.fixture(scope="module")
def town():
    from spatial.network.graph import network_from_arrays

    xs = np.arange(0, 2001, 500, dtype=float)
    network = network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)
    homes = _points(HOMES.values(), unit_id=list(HOMES), households=list(HH.values()), city=list(CITY.values()))
    stations = _points([(0, 0), (1000, 250)], station_id=["S1", "S2"])
    walls = gpd.GeoDataFrame({"名称": ["乙小区围墙", "丙小区围墙"]}, geometry=[WALL, WALL2], crs=CRS)
    gates = _points([(1600, 50)], gate_id=["M2"])
    return network, homes, stations, walls, gates


@pytest.fixture(scope="module")
def client():
    from spatial.project.distributed import make_client

    c = make_client(n_workers=2, processes=False)
    yield c
    c.close()


@pytest.mark.parametrize("with_gates", [True, False])
def test_dask_coverage_keeps_the_walls_rows_of_one_process(town, client, with_gates, caplog):
    from spatial.core.checks import Report
    from spatial.coverage.walks import report_reasons, walking_coverage
    from spatial.project.distributed import run_coverage_distributed

    network, homes, stations, walls, gates = town
    gates = gates if with_gates else None
    one = walking_coverage(homes, stations, network, gates=gates, barriers=walls, max_walk_m=1000)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        got = run_coverage_distributed(homes, stations, network, by="city", client=client, max_walk_m=1000,
                                       gates=gates, barriers=walls)
    # the households counted by hand, not by the package
    inside = {"乙小区围墙": ["IN1", "IN2", "IN3"], **({} if with_gates else {"丙小区围墙": ["IN4"]})}
    rows = {ids: (n, hh) for ids, _, n, hh in got.attrs["gateless"]}
    assert rows == {k: (len(v), sum(HH[u] for u in v)) for k, v in inside.items()}
    assert got.attrs["gateless"] == one.attrs["gateless"]
    assert got.attrs["enclosed"] == one.attrs["enclosed"]
    assert got.attrs["enclosed"][0][1][0].endswith("with 3 homes (210 households): neither it nor they have a walk "
                                                   "until the gates are given")
    for key in ("bands", "speed_kmh", "station_id_col", "station_reasons"):
        assert got.attrs[key] == one.attrs[key], key
    pd.testing.assert_frame_equal(report_reasons(Report(), got, "demand", id_col="unit_id").to_frame(),
                                  report_reasons(Report(), one, "demand", id_col="unit_id").to_frame())
    said = [r.getMessage() for r in caplog.records if ": walls with no gate given" in r.getMessage()
            or "inside walls no mapped path enters" in r.getMessage()]
    assert len(said) == len(set(said)) == len(inside) + 1  # each once: the walls, S2 inside them
    assert all("(210 households)" in m or "(40 households)" in m for m in said)  # not 1 a home, as parts had


def test_dask_coverage_finds_the_homes_walking_across_to_their_station(town, client):
    """With a gate in 乙小区's walls, IN1-IN3 walk straight across to S2 (x1.25): the station's
    line counts 210 households walking across, as one process does."""
    from spatial.coverage.walks import walking_coverage
    from spatial.project.distributed import run_coverage_distributed

    network, homes, stations, walls, gates = town
    both = gpd.GeoDataFrame(pd.concat([gates, _points([(1000, 50)], gate_id=["M1"])], ignore_index=True), crs=CRS)
    one = walking_coverage(homes, stations, network, gates=both, barriers=walls, max_walk_m=1000)
    got = run_coverage_distributed(homes, stations, network, by="city", client=client, max_walk_m=1000, gates=both,
                                   barriers=walls)
    walk = got.set_index("unit_id")["walk_m"]
    for uid in ("IN1", "IN2", "IN3"):  # shapely's straight line times the detour factor
        assert walk[uid] == pytest.approx(1.25 * Point(HOMES[uid]).distance(Point(1000, 250)))
    assert got.attrs["gateless"] == [] and got.attrs["enclosed"] == one.attrs["enclosed"]
    assert "210 households walk straight across to it" in got.attrs["enclosed"][0][1][0]


def _files(d, town) -> None:
    network, homes, stations, walls, gates = town
    gpd.GeoDataFrame(geometry=[LineString(c) for c in network.geometry], crs=CRS).to_file(d / "streets.gpkg")
    homes.assign(geometry=homes.buffer(10)).drop(columns="city").to_file(d / "units.gpkg")
    stations.to_file(d / "stations.gpkg")
    walls.to_file(d / "walls.gpkg")
    gates.to_file(d / "gates.gpkg")
    gpd.GeoDataFrame({"community_id": ["C01", "C02"], "street": ["西街道", "东街道"]},
                     geometry=[box(-200, -200, 1050, 700), box(1050, -200, 2200, 700)], crs=CRS).to_file(d / "c.gpkg")


def test_spatial_run_on_dask_writes_the_report_and_readme_of_one_process(town, tmp_path, capfd):
    from spatial.cli import main

    _files(tmp_path, town)
    p = tmp_path / "p.toml"
    p.write_text(f"""
[project]
name = "围墙镇"
[inputs]
network = "{(tmp_path / 'streets.gpkg').as_posix()}"
communities = "{(tmp_path / 'c.gpkg').as_posix()}"
units = "{(tmp_path / 'units.gpkg').as_posix()}"
stations = "{(tmp_path / 'stations.gpkg').as_posix()}"
barriers = "{(tmp_path / 'walls.gpkg').as_posix()}"
gates = "{(tmp_path / 'gates.gpkg').as_posix()}"
[grids]
min_households = 1
max_households = 900
[siting]
enabled = false
[outputs]
maps = false
png = false
workbook = false
""", encoding="utf-8")
    assert main(["-q", "run", str(p), "--out", str(tmp_path / "one")]) == 0
    capfd.readouterr()
    assert main(["-q", "run", str(p), "--out", str(tmp_path / "dask"), "--scheduler", "local"]) == 0
    assert "SpatialWarning" not in capfd.readouterr().err  # the workers' warnings, shown raw under -q
    one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer="report")
    got = gpd.read_file(tmp_path / "dask" / "results.gpkg", layer="report")
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(one))
    assert one.loc[one["layer"] == "barriers", "row_id"].tolist() == ["乙小区围墙"]
    readme = (tmp_path / "dask" / "README.txt").read_text(encoding="utf-8-sig")
    assert readme == (tmp_path / "one" / "README.txt").read_text(encoding="utf-8-sig")
    assert "其中 210 户在 1 处未给出大门的围墙内" in readme
