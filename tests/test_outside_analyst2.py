"""An analyst in Jupyter, GeoDataFrame in and out (second pass): the functions that carry a
layer's columns into their results say when one of their own columns replaces one of the
layer's, as the others do; awkward but legal frames come back as they went in."""

from __future__ import annotations

import logging

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box

import spatial

CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def town():
    """A 2,000 m footway along y = 0 and a station at x = 0 (15 minutes at 4 km/h: 1,000 m)."""
    lines = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (2000, 0)])], crs=CRS)
    station = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["一站"]}, geometry=[Point(0, 0)], crs=CRS)
    area = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(-100, -100, 2100, 100)], crs=CRS)
    return spatial.read_network(lines), station, area


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_isochrones_say_they_replace_a_stations_own_area_m2(town, caplog):
    # a stations table with each room's floor space as 'area_m2' came back with the service
    # area's square metres in that column and not a word (station_load, station_fca and
    # walking_coverage each say which column they replace)
    net, station, area = town
    rooms = station.assign(area_m2=[350.0])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        areas = spatial.isochrones(rooms, net, minutes=15, study_area=area)
    assert _warnings(caplog) == [
        "'stations' already has column 'area_m2'; isochrones replaces it with its own (to keep the old values, "
        "rename it first, in the file or with stations.rename(columns={'area_m2': 'old_area_m2'}))"]
    assert areas["area_m2"].iloc[0] == pytest.approx(areas.geometry.area.iloc[0]) != 350.0
    # renamed as the warning says, the floor space comes through beside the area
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        kept = spatial.isochrones(rooms.rename(columns={"area_m2": "old_area_m2"}), net, minutes=15, study_area=area)
    assert _warnings(caplog) == [] and kept["old_area_m2"].tolist() == [350.0]


def test_isochrones_say_nothing_of_a_station_id_column_they_write_again(town, caplog):
    net, station, area = town
    with caplog.at_level(logging.WARNING, logger="spatial"):
        spatial.isochrones(station, net, minutes=15, study_area=area)
        spatial.isochrones(station.rename(columns={"station_id": "sid"}).assign(station_id="S1"), net, minutes=15,
                           study_area=area, station_id_col="sid")
    assert _warnings(caplog) == []
    with caplog.at_level(logging.WARNING, logger="spatial"):
        out = spatial.isochrones(station.rename(columns={"station_id": "sid"}).assign(station_id="旧编号"), net,
                                 minutes=15, study_area=area, station_id_col="sid")
    assert _warnings(caplog) == [
        "'stations' already has column 'station_id'; isochrones replaces it with its own (to keep the old values, "
        "rename it first, in the file or with stations.rename(columns={'station_id': 'old_station_id'}))"]
    assert out["station_id"].tolist() == ["S1"]


def test_evaluate_grids_lists_the_grids_of_units_in_their_own_order():
    # evaluate_grids(plan.units) listed Futian's C01 as C01-01, C01-03, C01-02, C01-05 ... (the
    # order the units met them), beside plan.grids' C01-01, C01-02 ...: compared row by row, each
    # grid was set against another's households
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 400, 100)], crs=CRS)
    units = gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3", "u4"], "community_id": "C1", "households": [310, 320, 330, 340],
         "grid_id": ["C1-02", "C1-10", "C1-01", "C1-02"]},
        geometry=[box(100, 0, 200, 100), box(300, 0, 400, 100), box(0, 0, 100, 100), box(200, 0, 300, 100)],
        crs=CRS, index=[7, 5, 3, 1])
    grids = spatial.evaluate_grids(units, communities).grids
    assert grids["grid_id"].tolist() == ["C1-01", "C1-02", "C1-10"]
    assert grids["households"].tolist() == [330, 310 + 340, 320]
    assert grids["band_status"].tolist() == ["in", "over", "in"]
    # grid polygons keep the rows they were given
    polygons = grids.iloc[[2, 0, 1]]
    assert spatial.evaluate_grids(polygons, communities).grids["grid_id"].tolist() == ["C1-10", "C1-01", "C1-02"]


@pytest.mark.parametrize(("ids", "read_back", "said"), [
    (["001"], 1, "3 with leading zeros lost, as Excel saves codes it reads as numbers (1 as '001')"),
    ([7], "7", "3 stored as another type ('7' as 7)"),
])
def test_station_load_takes_a_demand_read_back_with_its_station_ids_as_numbers(town, caplog, ids, read_back, said):
    # walking_coverage's demand saved to CSV and read back holds nearest_station 1 for '001':
    # station_load refused it ("demand names stations ['1'] that are not in stations'
    # 'station_id'; score the demand with these stations"), though it was scored with them;
    # station_fca and the maps took it
    net, station, _ = town
    station = station.assign(station_id=ids, floor_area_m2=[60.0])
    homes = gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "households": [10, 20, 30]},
                             geometry=[Point(300, 0), Point(1100, 0), Point(1150, 0)], crs=CRS)
    demand = spatial.walking_coverage(homes, station, net).assign(nearest_station=read_back)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        load = spatial.station_load(demand, station)
    assert _warnings(caplog) == [f"'demand' column 'nearest_station': ids matched to the ids of 'stations': {said}"]
    assert load["station_id"].tolist() == ids and load["households_served"].tolist() == [60]
    assert load["m2_per_100hh"].tolist() == [100.0]  # 60 m² x 100 / 60 households
    with pytest.raises(spatial.SpatialError, match=r"^demand names stations \['2'\] that are not in stations' "
                                                   r"'station_id'; score the demand with these stations$"):
        spatial.station_load(demand.assign(nearest_station=2), station)


def test_a_band_past_the_scored_ones_names_every_band_the_walks_were_scored_for(town):
    # walks scored for 5, 10 and 15 minutes, no home between 5 and 15: coverage_summary(bands=
    # "20min") said "not among the bands the walks were scored for (5min)", as if 10 and 15
    # minutes had never been asked
    net, station, _ = town
    homes = gpd.GeoDataFrame({"unit_id": ["a", "b"], "households": [10, 20]},
                             geometry=[Point(300, 0), Point(1100, 0)], crs=CRS)  # 4.5 and 16.5 minutes
    demand = spatial.walking_coverage(homes, station, net, minutes=(5, 10, 15))
    assert demand["band"].tolist() == ["5min", "beyond"]
    with pytest.raises(spatial.SpatialError, match=r"^band='20min' is not among the bands the walks were scored for "
                                                   r"\(5min, 10min, 15min\); give one of them"):
        spatial.coverage_summary(demand, bands="20min")
    # a demand read back from a file carries no note: the bands in its column are named
    with pytest.raises(spatial.SpatialError, match=r"scored for \(5min\); give one of them"):
        spatial.coverage_summary(_without_notes(demand), bands="20min")


def _without_notes(frame):
    frame = frame.copy()
    frame.attrs.clear()
    return frame


def _two_communities():
    """C1: four 100 m units of 150 households; C2: four of 200 households (800: two grids of 400
    in the 300-500 band), side by side."""
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                                   geometry=[box(0, 0, 400, 100), box(400, 0, 800, 100)], crs=CRS)
    units = gpd.GeoDataFrame(
        {"unit_id": [f"u{i}" for i in range(8)], "community_id": ["C1"] * 4 + ["C2"] * 4,
         "households": [150] * 4 + [200] * 4},
        geometry=[box(100 * i, 0, 100 * (i + 1), 100) for i in range(8)], crs=CRS)
    return communities, units


def test_a_community_n_grids_leaves_out_is_drawn_by_the_band_and_named(caplog):
    # n_grids={"C1": 2} drew C2 as one grid of all its 800 households, and the warning said "2
    # grids asked for, 3 drawn: each of the 2 communities gets at least one grid", naming no one
    communities, units = _two_communities()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        grids = spatial.partition_grids(units, communities, n_grids={"C1": 2}).grids
    assert _warnings(caplog) == [
        "n_grids gives no count for 1 community: C2 (800 households, 2 grids); drawn by the band (300-500 "
        "households); add them to n_grids to set their grids"]
    assert grids.groupby("community_id")["households"].apply(list).to_dict() == {"C1": [300, 300],
                                                                                 "C2": [400, 400]}
    # every community named: nothing said, the counts asked for
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="spatial"):
        grids = spatial.partition_grids(units, communities, n_grids={"C1": 1, "C2": 4}).grids
    assert _warnings(caplog) == [] and grids.groupby("community_id").size().to_dict() == {"C1": 1, "C2": 4}


def test_evaluate_grids_on_outlines_alone_says_to_score_the_units_inside_them():
    # a 网格边界 layer read from a shapefile (grid ids and outlines, no counts): "'plan' has no
    # column 'households' ... Rename the column or pass its name with the matching *_col option",
    # though no column of the layer holds households; the units inside the outlines do
    communities, units = _two_communities()
    outlines = gpd.GeoDataFrame({"grid_id": ["G1", "G2"]}, geometry=[box(0, 0, 400, 100), box(400, 0, 800, 100)],
                                crs=CRS)
    with pytest.raises(spatial.ColumnError, match=r"^'plan' has no column 'households': grid outlines alone carry no "
                                                  r"households; score the units inside them: evaluate_grids\(units\."
                                                  r"merge\(spatial\.plan_from_polygons\(outlines, units\)"):
        spatial.evaluate_grids(outlines, communities)
    # ... which scores them
    scored = units.merge(spatial.plan_from_polygons(outlines, units)[["unit_id", "grid_id"]])
    assert spatial.evaluate_grids(scored, communities).grids["households"].tolist() == [600, 800]
    # units without the column are still told to name it
    with pytest.raises(spatial.ColumnError, match=r"'plan' has no column 'households'; it has: unit_id, "):
        spatial.evaluate_grids(scored.drop(columns="households"), communities)


@pytest.mark.parametrize("speed", [40, 1.2])
def test_a_speed_that_is_no_walking_speed_is_said(town, caplog, speed):
    # speed_kmh=40 (4.0 mistyped) or 1.2 (metres a second, as papers give it) scored every walk
    # without a word: at 1.2 km/h the 15-minute circle is 300 m, not 1,000 m
    net, station, _ = town
    homes = gpd.GeoDataFrame({"unit_id": ["a"], "households": [10]}, geometry=[Point(600, 0)], crs=CRS)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        demand = spatial.walking_coverage(homes, station, net, minutes=15, speed_kmh=speed)
    assert _warnings(caplog) == [
        f"speed_kmh={speed:g} km/h is no walking speed (2-7 km/h; GB 50180-2018's 800-1,000 m in 15 minutes is "
        "3.2-4): every walk is timed at it as given; a speed in metres a second is 3.6 times as many km/h "
        "(1.2 m/s is 4.32 km/h)"]
    assert demand["walk_min"].iloc[0] == pytest.approx(600 * 60 / (speed * 1000))  # as given


def test_walking_speeds_from_an_elderly_pace_to_a_brisk_one_are_taken_without_a_word(town, caplog):
    net, station, _ = town
    homes = gpd.GeoDataFrame({"unit_id": ["a"], "households": [10]}, geometry=[Point(600, 0)], crs=CRS)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        for speed in (3.0, 3.6, 4.0, 5.1, 6.0):
            spatial.walking_coverage(homes, station, net, minutes=15, speed_kmh=speed)
    assert _warnings(caplog) == []
