"""Specification of spatial.coverage.bands and spatial.coverage.walks: bands, walking coverage, weighted summaries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from spatial import ColumnError, CRSError, DuplicateIdError, NetworkError
from spatial.coverage.bands import (
    BEYOND,
    DEFAULT_SPEED_KMH,
    ELDERLY_SPEED_KMH,
    GB50180_METERS,
    UNREACHABLE,
    assign_band,
    make_bands,
)
from spatial.coverage.walks import (
    NO_STATION,
    coverage_summary,
    uncovered,
    walking_coverage,
)
from spatial.network.read import read_network
from spatial.network.snapping import DROPPED_COMPONENT, TOO_FAR

METRIC = "EPSG:32650"


def test_minute_bands_at_the_gb50180_speed():
    bands = make_bands()
    assert [b.label for b in bands] == ["5min", "10min", "15min"]
    assert bands[-1].limit_m == pytest.approx(1000) and bands[-1].limit_min == 15
    assert DEFAULT_SPEED_KMH == 4.0
    slow = make_bands(minutes=(15,), speed_kmh=ELDERLY_SPEED_KMH)
    assert slow[0].limit_m == pytest.approx(750)


def test_distance_bands_sorted_and_labelled():
    bands = make_bands(meters=(1000, 300, 500))
    assert [b.label for b in bands] == ["300m", "500m", "1000m"]
    assert bands[0].limit_min == pytest.approx(4.5)
    assert tuple(b.limit_m for b in bands) == GB50180_METERS
    with pytest.raises(ValueError, match="not both"):
        make_bands(minutes=(5,), meters=(300,))
    with pytest.raises(ValueError, match="positive"):
        make_bands(minutes=(0, 5))


def test_assign_band_picks_the_smallest_reaching_band():
    bands = make_bands(meters=(300, 500, 1000))
    got = assign_band(np.array([0, 300, 300.5, 999, 1000, 1000.01, np.inf, np.nan]), bands)
    assert got.tolist() == ["300m", "300m", "500m", "1000m", "1000m", BEYOND, UNREACHABLE, UNREACHABLE]


@pytest.fixture(scope="module")
def street():
    """A 2 km street along y=0 and a detached 50 m lane at y=3000 (kept: keep='all')."""
    roads = gpd.GeoDataFrame(
        {"highway": ["residential", "footway"]},
        geometry=[LineString([(0, 0), (1000, 0), (2000, 0)]), LineString([(0, 3000), (50, 3000)])],
        crs=METRIC,
    )
    return read_network(roads, keep="all")


@pytest.fixture()
def stations():
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一号站"]}, geometry=[shapely.Point(0, 10)], crs=METRIC)


@pytest.fixture()
def units():
    # walks from S1 (leg 10 m at x=0): leg_s + x + leg_u
    pts = [(100, 10), (400, -20), (900, 0), (1500, 0), (20, 2000), (20, 3010)]
    return gpd.GeoDataFrame(
        {"unit_id": list("abcdef"), "households": [10, 20, 30, 40, 50, 60],
         "population": [25, 50, 75, 100, 125, 150], "community_id": ["C1", "C1", "C1", "C2", "C2", "C2"]},
        geometry=shapely.points(pts), crs=METRIC, index=[11, 12, 13, 14, 15, 16],
    )


def test_walking_coverage_columns_distances_and_bands(street, stations, units):
    out = walking_coverage(units.to_crs("EPSG:4326"), stations, street)
    assert out.index.tolist() == units.index.tolist()
    assert list(out.columns[: len(units.columns)]) == list(units.columns)
    assert out.crs == "EPSG:4326"  # results keep the input's geometry
    np.testing.assert_allclose(out.walk_m.iloc[:4], [120, 430, 910, 1510], atol=0.05)
    np.testing.assert_allclose(out.walk_min.iloc[:4], np.array([120, 430, 910, 1510]) * 60 / 4000, atol=0.01)
    assert out.band.tolist() == ["5min", "10min", "15min", "beyond", "unreachable", "unreachable"]
    assert out.reason.tolist() == ["", "", "", "", TOO_FAR, NO_STATION]
    assert out.nearest_station.tolist()[:4] == ["S1"] * 4 and out.nearest_station.isna().sum() == 2


def test_distance_bands_and_elderly_speed(street, stations, units):
    out = walking_coverage(units, stations, street, meters=GB50180_METERS, speed_kmh=ELDERLY_SPEED_KMH)
    assert out.band.tolist()[:4] == ["300m", "500m", "1000m", "beyond"]
    assert out.walk_min.iloc[0] == pytest.approx(120 * 60 / 3000, abs=0.01)


def test_polygon_units_use_a_point_inside(street, stations):
    poly = gpd.GeoDataFrame({"unit_id": ["p"], "households": [5]}, geometry=[box(190, 20, 210, 40)], crs=METRIC)
    out = walking_coverage(poly, stations, street)
    assert out.geometry.iloc[0].geom_type == "Polygon"
    assert 10 + 190 + 20 <= out.walk_m.iloc[0] <= 10 + 210 + 40


def test_point_in_a_dropped_component_is_explained(stations, units):
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (2000, 0)]), LineString([(0, 3000), (50, 3000)])],
                             crs=METRIC)
    out = walking_coverage(units, stations, read_network(roads))
    assert out.reason.iloc[5] == DROPPED_COMPONENT and out.band.iloc[5] == UNREACHABLE


def test_bad_inputs(street, stations, units):
    with pytest.raises(CRSError, match="'demand' has no CRS"):
        walking_coverage(units.set_crs(None, allow_override=True), stations, street)
    with pytest.raises(ColumnError, match="'station_id'"):
        walking_coverage(units, stations.rename(columns={"station_id": "sid"}), street)
    with pytest.raises(DuplicateIdError, match="S1"):
        walking_coverage(units, pd.concat([stations, stations]), street)
    far = stations.set_geometry([shapely.Point(0, 9000)], crs=METRIC)
    with pytest.raises(NetworkError, match="no station lies within"):
        walking_coverage(units, far, street)


def test_summary_weights_conserve_households_and_match_hand_counts(street, stations, units):
    out = walking_coverage(units, stations, street)
    summary = coverage_summary(out, bands=make_bands())
    overall = summary[summary.level == "overall"].iloc[0]
    assert overall.households == 210 and overall.n_points == 6
    # covered: 5min a(10); 10min a,b (30); 15min a,b,c (60)
    assert [overall.hh_5min, overall.hh_10min, overall.hh_15min] == [10, 30, 60]
    assert overall.pct_hh_15min == pytest.approx(100 * 60 / 210)
    assert overall.pct_pop_10min == pytest.approx(100 * 75 / 525)
    comm = summary[summary.level == "community"].set_index("id")
    assert comm.households.sum() == overall.households
    assert comm.loc["C1", "pct_hh_15min"] == pytest.approx(100)
    assert comm.loc["C2", "pct_hh_15min"] == pytest.approx(0)
    assert comm.loc["C2", "hh_15min"] == 0


def test_summary_assigns_communities_streets_and_grids_by_polygon(street, stations, units):
    out = walking_coverage(units.drop(columns="community_id"), stations, street)
    communities = gpd.GeoDataFrame(
        {"community_id": ["W", "E"], "street": ["街道甲", "街道甲"]},
        geometry=[box(-100, -100, 450, 2500), box(450, -100, 2100, 2500)], crs=METRIC,
    )
    grids = gpd.GeoDataFrame({"grid_id": ["g1"]}, geometry=[box(-100, -100, 200, 100)], crs=METRIC).to_crs("EPSG:4326")
    summary = coverage_summary(out, bands=["15min"], communities=communities, grids=grids)
    by = {(r.level, r.id): r for r in summary.itertuples()}
    assert by[("community", "W")].households == 10 + 20 + 50
    assert by[("community", "E")].households == 30 + 40
    assert by[("community", "(none)")].households == 60  # unit f lies in no community
    assert by[("street", "街道甲")].households == 150
    assert by[("grid", "g1")].households == 10 and by[("grid", "(none)")].households == 200
    for level in ("street", "community", "grid"):
        assert summary[summary.level == level].households.sum() == 210
    assert by[("community", "W")].pct_hh_15min == pytest.approx(100 * 30 / 80)


def test_summary_without_population_and_with_bad_weights(street, stations, units):
    out = walking_coverage(units.drop(columns="population"), stations, street)
    summary = coverage_summary(out, bands=make_bands(minutes=(15,)))
    assert "population" not in summary and "pct_hh_15min" in summary
    out.loc[11, "households"] = -1
    with pytest.raises(ColumnError, match="households"):
        coverage_summary(out, bands=["15min"])
    with pytest.raises(ColumnError, match="run walking_coverage first"):
        coverage_summary(units, bands=["15min"])


def test_uncovered_lists_points_outside_a_band(street, stations, units):
    out = walking_coverage(units, stations, street)
    assert uncovered(out, "15min").unit_id.tolist() == ["d", "e", "f"]
    assert uncovered(out, "5min").unit_id.tolist() == ["b", "c", "d", "e", "f"]
    with pytest.raises(ValueError, match="ask for a band in the same unit"):
        uncovered(out, "500m")


def test_coverage_on_futian_is_plausible(futian_graphml):
    net = read_network(futian_graphml)
    rng = np.random.default_rng(1)
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    st = gpd.GeoDataFrame({"station_id": [f"S{i}" for i in range(10)]},
                          geometry=shapely.points(rng.uniform(lo, hi, (10, 2))), crs=net.crs)
    dem = gpd.GeoDataFrame({"households": rng.integers(0, 300, 500)},
                           geometry=shapely.points(rng.uniform(lo, hi, (500, 2))), crs=net.crs).to_crs(4326)
    out = walking_coverage(dem, st, net)
    ok = out.reason == ""
    assert ok.sum() > 300
    # a walk is never shorter than the straight line to the station it names
    st_xy = st.set_index("station_id").geometry
    reach = out[np.isfinite(out.walk_m)].to_crs(net.crs)
    crow = reach.geometry.distance(gpd.GeoSeries(st_xy.loc[reach.nearest_station].values, index=reach.index,
                                                 crs=net.crs))
    assert (reach.walk_m >= crow - 1e-6).all()
    summary = coverage_summary(out, bands=make_bands())
    row = summary.iloc[0]
    assert row.pct_hh_5min <= row.pct_hh_10min <= row.pct_hh_15min


def test_cli_coverage_writes_layers_and_summary(tmp_path, capsys):
    import pyogrio

    from spatial.cli import main

    roads = gpd.GeoDataFrame(
        {"highway": ["residential", "footway", "motorway"]},
        geometry=[LineString([(0, 0), (1000, 0), (2000, 0)]), LineString([(1000, 0), (1000, 800)]),
                  LineString([(0, -50), (2000, -50)])],
        crs=METRIC,
    )
    roads.to_file(tmp_path / "roads.gpkg")
    st = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["站"]}, geometry=[shapely.Point(100, 5)], crs=METRIC)
    lonlat = st.to_crs(4326).geometry
    pd.DataFrame({"station_id": ["S1"], "name": ["站"], "lon": lonlat.x, "lat": lonlat.y}).to_csv(
        tmp_path / "stations.csv", index=False)
    units = gpd.GeoDataFrame(
        {"unit_id": ["a", "b", "c"], "households": [100, 200, 300], "population": [1, 2, 3],
         "community_id": ["C1", "C1", "C2"]},
        geometry=[box(200, 10, 220, 30), box(900, 300, 920, 320), box(1900, 10, 1920, 30)], crs=METRIC,
    )
    units.to_file(tmp_path / "units.gpkg")
    out = tmp_path / "cov.gpkg"
    code = main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "stations.csv"),
                 str(tmp_path / "units.gpkg"), "--out", str(out), "--meters", "300,1000,1500"])
    assert code == 0
    assert {"demand", "stations", "isochrones", "gaps", "report"} <= set(pyogrio.list_layers(out)[:, 0])
    demand = gpd.read_file(out, layer="demand")
    # a: 5 + 100 + ~20; b: 5 + 900 + ~310; c: 5 + 1800 + ~20
    assert demand.band.tolist() == ["300m", "1500m", "beyond"]
    summary = pd.read_csv(tmp_path / "cov_summary.csv", encoding="utf-8-sig")
    overall = summary[summary.level == "overall"].iloc[0]
    assert overall.households == 600 and overall.pct_hh_1500m == pytest.approx(50)
    assert set(summary[summary.level == "community"].id) == {"C1", "C2"}
    assert "300m 16.7%" in capsys.readouterr().out
    # the search may stop at the largest band: same bands, and c's walk is not searched to its end
    assert np.isfinite(demand.walk_m).all()
    cut = tmp_path / "cut.gpkg"
    assert main(["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "stations.csv"),
                 str(tmp_path / "units.gpkg"), "--out", str(cut), "--meters", "300,1000,1500",
                 "--max-walk-m", "1500"]) == 0
    cut_demand = gpd.read_file(cut, layer="demand")
    assert cut_demand.band.tolist() == ["300m", "1500m", "beyond"]
    np.testing.assert_allclose(cut_demand.walk_m[:2], demand.walk_m[:2])
    assert not np.isfinite(cut_demand.walk_m[2]) and cut_demand.reason[2] == ""  # as without the limit
    assert main(["coverage", str(tmp_path / "nope.graphml"), "x.csv", "y.gpkg", "--out", str(out)]) == 2


def test_summary_by_street_column_alone(street, stations, units):
    out = walking_coverage(units.drop(columns="community_id").assign(street=["甲", "甲", "乙", "乙", "乙", "乙"]),
                           stations, street)
    summary = coverage_summary(out, bands=["10min"])
    streets = summary[summary.level == "street"].set_index("id")
    assert streets.households.to_dict() == {"乙": 180, "甲": 30}
    assert streets.loc["甲", "pct_hh_10min"] == pytest.approx(100)
    assert "community" not in set(summary.level)
