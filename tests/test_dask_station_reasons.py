"""A Dask run says why a station serves nobody as one process says it, for stations near no
part's homes too.

The town (EPSG:32650): one street along y = 0 from 0 to 6,000 m, split by city at x = 1,250
(西: H1 at 100, H2 at 600; 东: H3 at 1,500, H4 at 2,500; 100 households each). Stations: S1 on
the street at 0, S2 at 2,400, S3 on the street at 5,900 (nearer no home than S2 is), S4 3 km
north of S3 (3,000 m from the street, past the 300 m of an estimated leg), S5 1,000 m north of
H2 inside walls with no gate. With ``max_walk_m`` 1,000 the parts get the stations within reach
of their homes: S3, S4 and S5 go to none.

Until 7 December 2026 ``run_coverage_distributed`` said the reasons of the stations its parts
walked from only: S4's 'too far from network' and S5's walls were missing from
``attrs["station_reasons"]``, and a map drawn in Python of the Dask walks said S4's and S5's
homes "are all nearer" another station, where one process says why no walk reaches them.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

CRS = "EPSG:32650"
HOMES = {"H1": (100, 20), "H2": (600, 20), "H3": (1500, 20), "H4": (2500, 20)}
CITY = {"H1": "西", "H2": "西", "H3": "东", "H4": "东"}
STATIONS = {"S1": (0, 0), "S2": (2400, 0), "S3": (5900, 0), "S4": (5900, 3000), "S5": (600, 1000)}
WALL = box(500, 900, 700, 1100)  # round S5, no gate


@pytest.fixture(scope="module")
def town():
    from spatial.network.graph import network_from_arrays

    xs = np.arange(0, 6001, 500, dtype=float)
    network = network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)
    homes = gpd.GeoDataFrame({"unit_id": list(HOMES), "households": 100, "city": list(CITY.values())},
                             geometry=[Point(p) for p in HOMES.values()], crs=CRS)
    stations = gpd.GeoDataFrame({"station_id": list(STATIONS), "name": ["甲站", "乙站", "丙站", "丁站", "戊站"]},
                                geometry=[Point(p) for p in STATIONS.values()], crs=CRS)
    walls = gpd.GeoDataFrame({"名称": ["戊站围墙"]}, geometry=[WALL], crs=CRS)
    return network, homes, stations, walls


@pytest.fixture(scope="module")
def client():
    from spatial.project.distributed import make_client

    c = make_client(n_workers=2, processes=False)
    yield c
    c.close()


def _said(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "not on the network" in r.getMessage()]


def test_stations_near_no_homes_keep_their_reasons_on_dask(town, client, caplog):
    from spatial.coverage.walks import walking_coverage
    from spatial.maps._data import with_station_reasons
    from spatial.project.distributed import run_coverage_distributed

    network, homes, stations, walls = town
    with caplog.at_level(logging.WARNING, logger="spatial"):
        one = walking_coverage(homes, stations, network, max_walk_m=1000, barriers=walls)
        said_one = _said(caplog)
        caplog.clear()
        got = run_coverage_distributed(homes, stations, network, by="city", client=client, max_walk_m=1000,
                                       barriers=walls)
        said_got = _said(caplog)
    # each reason once, as one process says it: S5's by both parts until 7 December 2026 (this
    # client's workers are threads of this process, which logged their warnings as they came)
    assert sorted(said_got) == sorted(said_one) == sorted([
        "1 station is not on the network (too far from network): S4; it serves nobody",
        "1 station is not on the network (in walls with no gate given): S5; it serves nobody"])
    # the distances by shapely: S4 3,000 m from the street, past any leg; S5 inside walls with no gate
    assert Point(STATIONS["S4"]).distance(LineString([(0, 0), (6000, 0)])) == 3000
    assert one.attrs["station_reasons"]["reasons"] == {"S4": "too far from network", "S5": "in walls with no gate given"}
    assert got.attrs["station_reasons"] == one.attrs["station_reasons"]
    assert list(got.attrs["station_reasons"]["reasons"]) == ["S4", "S5"]  # in the stations' order
    # what a map of these walks says on each station: S3 serves nobody as its homes are nearer 乙站
    said = with_station_reasons(stations, got)["reason"].tolist()
    assert said == with_station_reasons(stations, one)["reason"].tolist()
    assert said == ["", "", "its homes are all nearer 乙站", "too far from network", "in walls with no gate given"]


def test_spatial_run_on_dask_lists_the_stations_of_one_process(town, tmp_path):
    from spatial.cli import main

    network, homes, stations, walls = town
    gpd.GeoDataFrame(geometry=[LineString(c) for c in network.geometry], crs=CRS).to_file(tmp_path / "streets.gpkg")
    homes.assign(geometry=homes.buffer(10)).drop(columns="city").to_file(tmp_path / "units.gpkg")
    stations.to_file(tmp_path / "stations.gpkg")
    walls.to_file(tmp_path / "walls.gpkg")
    gpd.GeoDataFrame({"community_id": ["C01", "C02"], "street": ["西街道", "东街道"]},
                     geometry=[box(-200, -200, 1250, 1200), box(1250, -200, 6200, 3200)], crs=CRS
                     ).to_file(tmp_path / "c.gpkg")
    p = tmp_path / "p.toml"
    p.write_text(f"""
[project]
name = "五站镇"
[inputs]
network = "{(tmp_path / 'streets.gpkg').as_posix()}"
communities = "{(tmp_path / 'c.gpkg').as_posix()}"
units = "{(tmp_path / 'units.gpkg').as_posix()}"
stations = "{(tmp_path / 'stations.gpkg').as_posix()}"
barriers = "{(tmp_path / 'walls.gpkg').as_posix()}"
[grids]
min_households = 1
max_households = 900
[coverage]
max_walk_m = 1000
[siting]
enabled = false
[outputs]
maps = false
png = false
workbook = false
""", encoding="utf-8")
    assert main(["-q", "run", str(p), "--out", str(tmp_path / "one")]) == 0
    assert main(["-q", "run", str(p), "--out", str(tmp_path / "dask"), "--scheduler", "local"]) == 0
    for layer in ("report", "stations"):
        one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer=layer)
        got = gpd.read_file(tmp_path / "dask" / "results.gpkg", layer=layer)
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(one))
    stations_one = gpd.read_file(tmp_path / "one" / "results.gpkg", layer="stations").set_index("station_id")
    assert stations_one.loc["S4", "reason"] == "too far from network"
    assert stations_one.loc["S3", "reason"] == "its homes are all nearer 乙站"
