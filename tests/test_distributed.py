"""Province scale on Dask: split runs give exactly the single-process results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dask.distributed  # noqa: F401  (the dask extra is installed for the test suite)
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial import ColumnError, CRSError, NetworkError
from spatial.coverage.walks import walking_coverage
from spatial.datasets.province import lattice_province
from spatial.datasets.synthetic import voronoi_units
from spatial.grids.partition import partition_grids
from spatial.network.graph import network_from_arrays
from spatial.network.read import read_network
from spatial.project._split import read_edges
from spatial.project.distributed import (
    make_client,
    network_to_parquet,
    run_coverage_distributed,
    run_grids_distributed,
)

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo.gpkg"
COV = ["walk_m", "walk_min", "nearest_station", "band", "reason"]


@pytest.fixture(scope="module")
def client():
    c = make_client(n_workers=2, processes=False)
    yield c
    c.close()


@pytest.fixture(scope="module")
def demo():
    layers = {name: gpd.read_file(DEMO, layer=name) for name in ("communities", "units", "stations")}
    assert layers["communities"]["street"].nunique() >= 2
    return layers


@pytest.fixture(scope="module")
def province():
    # 3 cities of 400 m side, a 50 m street lattice across all of them
    return lattice_province(n_cities=3, communities_per_city=4, units_per_community=64, unit_m=25.0,
                            street_m=50.0, stations_per_city=2, seed=3)


def assert_same_grids(ref, got):
    pd.testing.assert_frame_equal(ref.units, got.units)
    assert list(ref.grids.columns) == list(got.grids.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(ref.grids.drop(columns="geometry")),
                                  pd.DataFrame(got.grids.drop(columns="geometry")))
    assert ref.grids.crs == got.grids.crs
    assert ref.grids.geometry.geom_equals_exact(got.grids.geometry, tolerance=0).all()
    rows = ["layer", "row_id", "problem", "action"]
    assert sorted(map(tuple, ref.report[rows].to_numpy())) == sorted(map(tuple, got.report[rows].to_numpy()))


def assert_same_coverage(ref, got):
    assert list(ref.columns) == list(got.columns)
    assert ref.index.equals(got.index)
    pd.testing.assert_series_equal(got["walk_m"], ref["walk_m"], check_exact=False, rtol=0, atol=1e-6)
    pd.testing.assert_series_equal(got["walk_min"], ref["walk_min"], check_exact=False, rtol=0, atol=1e-7)
    for c in ("nearest_station", "band", "reason"):
        pd.testing.assert_series_equal(got[c], ref[c])
    pd.testing.assert_frame_equal(pd.DataFrame(ref.drop(columns=COV)), pd.DataFrame(got.drop(columns=COV)))


# ----------------------------------------------------------------------------- grids


def test_grids_by_street_on_demo_data_equal_single_process(demo, client):
    units, comms = demo["units"], demo["communities"]
    ref = partition_grids(units, comms)
    got = run_grids_distributed(units, comms, by="street", client=client)
    assert_same_grids(ref, got)
    assert got.grids["grid_code"].str.len().eq(20).all()


def test_grids_by_city_on_synthetic_province_equal_single_process(province, client):
    units, comms = province.units, province.communities.to_crs("EPSG:4326")  # layers in different CRSs
    ref = partition_grids(units, comms, min_households=150, max_households=250)
    got = run_grids_distributed(units, comms, by="city", client=client, min_households=150, max_households=250)
    assert_same_grids(ref, got)
    assert got.grids["community_id"].nunique() == 12 and len(got.grids) > 12


def test_grids_report_strays_and_empty_communities_like_single_process(province, client):
    units = province.units.drop(columns="community_id").iloc[:200].copy()  # placed by location
    comms = province.communities.copy()
    stray = units.iloc[[0]].copy()
    stray["unit_id"] = "far"
    stray = stray.set_geometry([shapely.box(0, 0, 10, 10)], crs=units.crs)
    units = pd.concat([units, stray])
    units.loc[units.index[5], "street"] = "x"  # extra columns travel untouched
    ref = partition_grids(units, comms)
    got = run_grids_distributed(units, comms, by="street", client=client)
    assert_same_grids(ref, got)
    assert got.units.loc[got.units["unit_id"] == "far", "grid_id"].isna().all()
    # 200 units of 64 per community fill 4 of the 12 communities
    assert (got.report["problem"] == "holds no units").sum() == 8


def test_grids_with_roads_locked_units_and_point_units_equal_single_process(client):
    units, comms, roads = voronoi_units(600, n_communities=4, n_blocks=12, seed=2)
    comms["street"] = ["A", "A", "B", "B"]
    locked = {units["unit_id"].iloc[0]: "KEEP", units["unit_id"].iloc[1]: "KEEP"}
    opts = dict(min_households=150, max_households=250, roads=roads, locked=locked)
    ref = partition_grids(units, comms, **opts)
    got = run_grids_distributed(units, comms, by="street", client=client, **opts)
    assert_same_grids(ref, got)
    assert got.grids["road_share"].notna().all() and "KEEP" in set(got.grids["grid_id"])
    points = units.set_geometry(units.geometry.centroid)  # point units: Voronoi cells per community
    assert_same_grids(partition_grids(points, comms, min_households=150, max_households=250),
                      run_grids_distributed(points, comms, by="street", client=client, min_households=150,
                                            max_households=250))


def test_grids_refuse_a_province_total_and_missing_split_column(province, client):
    with pytest.raises(ValueError, match="n_grids only as a mapping"):
        run_grids_distributed(province.units, province.communities, by="city", client=client, n_grids=30)
    with pytest.raises(ColumnError, match="'communities' has no column 'county'"):
        run_grids_distributed(province.units, province.communities, by="county", client=client)
    with pytest.raises(TypeError, match="partition_grids has no option 'min_hh'"):
        run_grids_distributed(province.units, province.communities, client=client, min_hh=100)
    with pytest.raises(CRSError, match="set_crs"):
        run_grids_distributed(province.units.set_crs(None, allow_override=True), province.communities,
                              client=client)


# ----------------------------------------------------------------------------- coverage


def test_walking_coverage_max_walk_m_cuts_long_walks():
    # a 1 km street; station at 0 m, homes at 100 m and 600 m along it
    net = network_from_arrays(np.array([[0.0, 0.0], [1000.0, 0.0]]), [0], [1], crs="EPSG:32650")
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:32650")
    homes = gpd.GeoDataFrame(geometry=[shapely.Point(100, 0), shapely.Point(600, 0)], crs="EPSG:32650")
    out = walking_coverage(homes, stations, net, meters=(300, 500), max_walk_m=500.0)
    assert out["walk_m"].tolist()[0] == pytest.approx(100.0)
    assert np.isinf(out["walk_m"].iloc[1]) and pd.isna(out["nearest_station"].iloc[1])
    assert out["band"].tolist() == ["300m", "beyond"]
    assert out["reason"].iloc[1] == ""  # beyond, as without the limit
    full = walking_coverage(homes, stations, net, meters=(300, 500))
    assert full["walk_m"].tolist() == pytest.approx([100.0, 600.0])


def _demand(province):
    d = province.units.copy()
    d.geometry = d.geometry.centroid
    return d


def test_coverage_by_city_equal_single_process_across_city_borders(province, client, tmp_path):
    demand = _demand(province)
    stations = province.stations[province.stations["city"] != "city02"]  # city02 has no station
    opts = dict(meters=(100, 200), max_snap_m=40.0)
    ref = walking_coverage(demand, stations, province.network, max_walk_m=300.0, **opts)
    edges = network_to_parquet(province.network, tmp_path / "edges.parquet")
    got = run_coverage_distributed(demand, stations, edges, by="city", client=client, max_walk_m=300.0,
                                   workdir=tmp_path / "work", **opts)
    assert_same_coverage(ref, got)
    # the split matters: homes served across a border, and homes beyond the limit
    served_from = stations.set_index("station_id")["city"]
    crossed = got["nearest_station"].notna() & (got["nearest_station"].map(served_from) != got["city"])
    assert crossed.sum() > 20
    assert (got["band"] == "beyond").sum() > 20 and (got["band"] == "100m").sum() > 20


def test_a_worker_reads_only_the_edges_near_its_city(province, tmp_path):
    net = province.network
    edges = network_to_parquet(net, tmp_path / "edges.parquet")
    box = (500_000.0, 2_500_000.0, 500_200.0, 2_500_200.0)  # the first city's south-west quarter
    sub = read_edges(str(edges), box)
    inside = shapely.intersects(net.geometry, shapely.box(*box))
    assert 0 < sub.n_edges < net.n_edges / 4
    assert sub.n_edges >= inside.sum()  # whole edges meeting the box (a bbox filter, never clipped)
    full = dict(zip(shapely.to_wkb(net.geometry), net.length_m))
    assert [full[w] for w in shapely.to_wkb(sub.geometry)] == sub.length_m.tolist()  # same edges, same lengths


def test_coverage_default_limit_is_largest_band_and_network_may_be_a_walknetwork(province, client):
    demand = _demand(province)
    ref = walking_coverage(demand, province.stations, province.network, meters=(150, 250), max_walk_m=250.0)
    got = run_coverage_distributed(demand, province.stations, province.network, client=client,
                                   meters=(150, 250))
    assert_same_coverage(ref, got)


def test_coverage_of_a_city_without_network_or_location_equal_single_process(province, client):
    demand = _demand(province).iloc[:40]
    far = demand.iloc[:2].assign(city="far").set_geometry(shapely.points([[0, 0], [10, 0]]), crs=demand.crs)
    empty = demand.iloc[:1].assign(city="empty").set_geometry([shapely.Point()], crs=demand.crs)
    demand = pd.concat([demand, far, empty], ignore_index=True)
    ref = walking_coverage(demand, province.stations, province.network, meters=(100, 200), max_walk_m=200.0)
    got = run_coverage_distributed(demand, province.stations, province.network, client=client,
                                   meters=(100, 200))
    assert_same_coverage(ref, got)
    assert got["reason"].tail(3).tolist() == ["too far from network"] * 2 + ["no location (empty geometry)"]


def test_coverage_by_street_on_demo_data_equal_single_process(demo, futian_graphml, tmp_path):
    comms, stations = demo["communities"], demo["stations"]
    demand = demo["units"].merge(comms[["community_id", "street"]], on="community_id", how="left")
    net = read_network(futian_graphml)
    ref = walking_coverage(demand, stations, net, max_walk_m=1000.0)
    with make_client(n_workers=2, memory_limit="1GiB") as procs:  # real worker processes
        got = run_coverage_distributed(demand, stations, futian_graphml, by="street", client=procs,
                                       workdir=tmp_path)
    assert_same_coverage(ref, got)
    assert got["band"].isin(["5min", "10min", "15min"]).mean() > 0.5


def test_coverage_errors_name_the_problem(province, client):
    demand = _demand(province)
    with pytest.raises(ColumnError, match="'demand' has no column 'county'"):
        run_coverage_distributed(demand, province.stations, province.network, by="county", client=client)
    with pytest.raises(TypeError, match="walking_coverage has no option 'speed'"):
        run_coverage_distributed(demand, province.stations, province.network, client=client, speed=4.0)
    with pytest.raises(ValueError, match="max_walk_m must be a positive number"):
        run_coverage_distributed(demand, province.stations, province.network, client=client, max_walk_m=np.inf)
    xy = shapely.get_coordinates(province.stations.geometry.values) // 50 * 50 + 25  # block centres, >20 m off
    off = province.stations.set_geometry(shapely.points(xy), crs=province.stations.crs)
    # stations are walked to as homes are: off the mapped paths within max_off_network_m, too
    with pytest.raises(NetworkError, match="no station lies within 10"):
        walking_coverage(demand, off, province.network, max_snap_m=10.0, max_off_network_m=None)
    with pytest.raises(NetworkError, match="no station lies within 10"):
        run_coverage_distributed(demand, off, province.network, client=client, max_snap_m=10.0,
                                 max_off_network_m=None)
    with pytest.raises(CRSError, match="set_crs"):
        run_coverage_distributed(demand.set_crs(None, allow_override=True), province.stations,
                                 province.network, client=client)


def test_import_spatial_without_dask_and_clear_error():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('dask', 'distributed'):\n"
        "            raise ImportError('no ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import spatial, spatial.project.distributed\n"
        "try:\n"
        "    spatial.project.distributed.make_client()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "pip install 'spatial[dask]'" in out.stdout


def test_grid_counts_per_community_on_dask_equal_single_process(client):
    units, comms, _ = voronoi_units(600, n_communities=4, n_blocks=12, seed=2)
    comms["street"] = ["A", "A", "B", "B"]
    ids = comms["community_id"].tolist()
    # each part draws the counts of its own communities; a key naming no community is said once
    counts = {ids[0]: 2, ids[1]: 3, ids[2]: 2, ids[3]: 2, "nowhere": 4}
    opts = dict(n_grids=counts, min_households=150, max_households=250)
    ref = partition_grids(units, comms, **opts)
    got = run_grids_distributed(units, comms, by="street", client=client, **opts)
    assert_same_grids(ref, got)
    assert got.grids.groupby("community_id").size().to_dict() == {c: counts[c] for c in ids}
    assert got.report["problem"].str.contains("n_grids names communities").sum() == 1
