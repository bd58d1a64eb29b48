"""Specification of spatial.io.validate.validate_inputs: one test per kind of bad input."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from spatial import ColumnError, CRSError, DuplicateIdError, GeometryError, NetworkError
from spatial.core.checks import OUTSIDE_ACTION
from spatial.io.coords import from_wgs84
from spatial.io.validate import validate_inputs

CRS = "EPSG:32650"  # UTM 50N (Shenzhen), metres: hand-made layers below are in metres


def _communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"community_id": ["C1", "C2"], "名称": ["岗厦", "皇岗"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000)],
        crs=CRS,
    )


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"unit_id": ["U1", "U2", "U3"], "households": [120, 80, 0], "community_id": ["C1", "C2", "C2"]},
        geometry=[box(100, 100, 200, 200), Point(1500, 500), box(1800, 800, 1900, 900)],
        index=[10, 11, 12],
        crs=CRS,
    )


def _stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"station_id": ["S1", "S2"], "name": ["岗厦站", "皇岗站"]},
        geometry=[Point(500, 505), Point(1500, 530)],
        crs=CRS,
    )


def _edges() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"highway": ["footway", "residential"]},
        geometry=[LineString([(0, 500), (2000, 500)]), LineString([(1000, 0), (1000, 1000)])],
        crs=CRS,
    )


def _all(**over):
    layers = {"communities": _communities(), "units": _units(), "stations": _stations(), "network_edges": _edges()}
    layers.update(over)
    return validate_inputs(**layers)


def test_clean_inputs_pass_unchanged_with_an_empty_report():
    layers, report = _all()
    assert len(report) == 0
    assert set(layers) == {"communities", "units", "stations", "network_edges"}
    units = layers["units"]
    assert list(units.index) == [10, 11, 12] and list(units.columns) == list(_units().columns)
    assert units["households"].dtype == "int64"  # whole counts as given (was turned into float64)
    nothing, empty = validate_inputs()
    assert nothing == {} and len(empty) == 0


def test_no_crs_is_refused_naming_the_layer():
    with pytest.raises(CRSError, match=r"'stations' has no CRS; set it with gdf.set_crs"):
        _all(stations=_stations().set_crs(None, allow_override=True))


def test_mixed_crs_is_reprojected_and_reported():
    layers, report = _all(stations=_stations().to_crs(4326))
    assert layers["stations"].crs == _communities().crs
    assert layers["stations"].geometry.iloc[0].distance(Point(500, 505)) < 1e-6
    row = report.to_frame().iloc[0]
    assert row["layer"] == "stations" and "differs from 'communities'" in row["problem"]
    assert row["action"].startswith("reprojected to EPSG:32650")


def test_the_walking_network_in_its_own_utm_zone_is_not_reported():
    """The network reader holds every network in metres; its CRS is not the user's to fix (a
    project in degrees used to get a row telling the user to reproject 'network_edges')."""
    layers, report = _all(communities=_communities().to_crs(4326))
    assert layers["network_edges"].crs == layers["communities"].crs
    assert not (report.to_frame()["layer"] == "network_edges").any()
    assert (report.to_frame()["layer"] == "units").any()  # the units' own CRS still is


def test_invalid_geometry_is_repaired_and_reported():
    bowtie = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    comm = _communities()
    comm.loc[0, "geometry"] = bowtie
    layers, report = _all(communities=comm)
    assert layers["communities"].is_valid.all()
    frame = report.to_frame()
    assert frame[["layer", "row_id"]].values.tolist()[0] == ["communities", "C1"]
    assert "Self-intersection" in frame["problem"].iloc[0] and "make_valid" in frame["action"].iloc[0]


def test_empty_geometry_is_refused_naming_the_id():
    units = _units()
    units.loc[11, "geometry"] = Polygon()
    with pytest.raises(GeometryError, match=r"'units' has 1 row with empty or missing geometry \(unit_id U2\); draw it or remove the row"):
        _all(units=units)


def test_duplicate_ids_are_refused():
    stations = _stations()
    stations["station_id"] = ["S1", "S1"]
    with pytest.raises(DuplicateIdError, match="'stations' column 'station_id' holds duplicate ids: S1"):
        _all(stations=stations)


def test_missing_id_column_is_refused():
    with pytest.raises(ColumnError, match=r"'units' has no column 'unit_id'.*matching \*_col option"):
        _all(units=_units().rename(columns={"unit_id": "楼栋编号"}))


@pytest.mark.parametrize("value, shown", [(None, "U2=None"), ("many", "U2='many'"), (-5, "U2=-5")])
def test_missing_or_negative_households_are_refused(value, shown):
    units = _units().astype({"households": object})
    units.loc[11, "households"] = value
    with pytest.raises(ColumnError, match=f"'units' column 'households' must be a number >= 0.*{shown}"):
        _all(units=units)


def test_households_column_name_is_an_option():
    units = _units().rename(columns={"households": "户数"})
    layers, _ = validate_inputs(units=units, households_col="户数")
    assert layers["units"]["户数"].tolist() == [120.0, 80.0, 0.0]


def test_units_outside_every_community_are_reported_by_id():
    units = _units()
    units.loc[12, "geometry"] = box(2500, 2500, 2600, 2600)
    units.loc[10, "community_id"] = "C9"
    layers, report = _all(units=units)
    assert len(layers["units"]) == 3  # kept, not dropped
    frame = report.to_frame().set_index("row_id")
    assert "outside every community (nearest: C2, 1645 m away)" in frame.loc["U3", "problem"]
    assert "'C9' is not in 'communities'" in frame.loc["U1", "problem"]


def test_a_unit_outside_every_outline_but_naming_its_community_is_said_to_be_placed_by_its_id():
    """The grids place a unit by its ``community_id`` wherever it lies, so its row must not say
    "no community": a point is placed in C2 (its cell there), an outline is clipped to C2 and
    keeps no area, so no grid (the grids' own row for it says no more); a unit with no id is
    left out of every grid, and says so."""
    units = _units()
    units.loc[12, "geometry"] = box(2500, 2500, 2600, 2600)  # U3 names C2 but lies outside both
    _, report = _all(units=units)
    row = report.to_frame(zh_columns=True).set_index("row_id").loc["U3"]
    assert row["problem"] == ("has no area inside its community C2: outside every community (nearest: C2, "
                              "1645 m away); check the unit's location or its community_id")
    assert row["action"] == "not given a grid" and row["action_zh"] == "未划入网格"
    units.loc[12, "geometry"] = Point(2550, 2550)  # a point outside both
    _, report = _all(units=units)
    row = report.to_frame(zh_columns=True).set_index("row_id").loc["U3"]
    assert "outside every community (nearest: C2, 1645 m away)" in row["problem"]
    assert "no grid" not in row["action"] and "placed in community C2 by its community_id" in row["action"]
    assert "已按 community_id 归入社区 C2" in row["action_zh"]
    units.loc[12, "community_id"] = None  # no id: placed by location, and outside every community
    _, report = _all(units=units)
    assert report.to_frame().set_index("row_id").loc["U3", "action"] == OUTSIDE_ACTION[0]


def test_stations_far_from_the_network_are_reported_with_the_distance():
    stations = _stations()
    stations.loc[1, "geometry"] = Point(1500, 850)
    layers, report = _all(stations=stations)
    frame = report.to_frame()
    assert frame["row_id"].tolist() == ["S2"]
    assert "350 m from the nearest network edge (limit 100 m)" in frame["problem"].iloc[0]
    _, report = validate_inputs(stations=stations, network_edges=_edges(), max_station_offset_m=400.0)
    assert len(report) == 0


def test_gcj02_stations_left_unconverted_are_flagged():
    # stations typed in from Amap (GCJ-02) but labelled WGS-84 sit hundreds of metres off
    def to_shenzhen(gdf):  # move the hand-made layer from (0, 0) to Futian, then to lon/lat
        return gdf.set_geometry(gdf.translate(815000, 2494000)).to_crs(4326)

    # one east-west street; GCJ-02 moves Futian points about 440 m east and 290 m south
    edges, stations = to_shenzhen(_edges().iloc[:1]), to_shenzhen(_stations())
    assert len(validate_inputs(stations=stations, network_edges=edges)[1]) == 0
    shifted = from_wgs84(stations, "gcj02")
    _, report = validate_inputs(stations=shifted, network_edges=edges)
    assert sorted(report.to_frame()["row_id"]) == ["S1", "S2"]


def test_station_polygons_become_points_and_are_reported():
    stations = _stations()
    stations.loc[0, "geometry"] = box(450, 480, 550, 530)
    layers, report = _all(stations=stations)
    assert (layers["stations"].geom_type == "Point").all()
    assert layers["stations"].geometry.iloc[0].within(box(450, 480, 550, 530))
    assert report.to_frame()["action"].tolist() == ["replaced by a point inside it"]


def test_wrong_geometry_types_are_refused():
    comm = _communities()
    comm.loc[1, "geometry"] = Point(1500, 500)
    with pytest.raises(GeometryError, match=r"'communities' rows must be Polygon or MultiPolygon.*C2 \(Point\)"):
        _all(communities=comm)
    with pytest.raises(NetworkError, match="'network_edges' must hold lines but has Point"):
        _all(network_edges=gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=CRS))


def test_empty_layer_is_refused():
    with pytest.raises(GeometryError, match="'stations' has no rows"):
        _all(stations=_stations().iloc[:0])


def test_a_column_of_text_names_the_first_rows_and_counts_the_rest():
    import pandas as pd

    from spatial.core.checks import check_households

    df = pd.DataFrame({"households": ["many"] * 20 + [5]})
    with pytest.raises(ColumnError, match=r"bad rows: 0='many', 1='many', 2='many', 3='many', 4='many' "
                                          r"\(and 15 more\)\. Fill in"):
        check_households(df, "households", "buildings")


def test_overlapping_units_are_reported_pair_by_pair_and_kept():
    units = _units()
    units.loc[12, "geometry"] = box(150, 150, 200, 230)  # overlaps U1 by 50 x 50 m
    units.loc[13] = ["U4", 10, "C1", box(200, 100, 300, 200)]  # touches U1 along an edge only
    layers, report = _all(units=units)
    assert len(layers["units"]) == 4
    frame = report.to_frame()
    rows = frame[frame["problem"].str.startswith("overlaps unit")]
    assert rows[["row_id", "problem"]].values.tolist() == [["U1", "overlaps unit U3 by 2,500 m²"]]


def test_counts_typed_as_text_are_read_and_said_once(caplog):
    # 203户, thousands commas, full-width digits (WPS, Excel text cells), a unit word after a space
    from spatial.core.checks import check_households

    df = pd.DataFrame({"households": ["203户", "1,203", "２０３", "12 人", 7, "0"]}, index=[5, 5, 6, 7, 8, 9])
    with caplog.at_level("WARNING"):
        got = check_households(df, "households", "units")
        check_households(df, "households", "units")
    assert got.tolist() == [203.0, 1203.0, 203.0, 12.0, 7.0, 0.0] and list(got.index) == [5, 5, 6, 7, 8, 9]
    assert caplog.text.count("4 values written as text read as counts ('203户' as 203)") == 1
    for bad in ("约200户", "200-300户", "二百户", "1,20"):
        with pytest.raises(ColumnError, match="must be a number >= 0 in every row"):
            check_households(pd.DataFrame({"households": [bad]}), "households", "units")
