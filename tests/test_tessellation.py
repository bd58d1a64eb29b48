"""Units from buildings: street blocks, enclosed tessellation, tiling and conservation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from spatial import ColumnError, CRSError, DuplicateIdError, Report
from spatial.grids.tessellation import (
    building_units,
    largest_remainder,
    spread_by_floor_area,
    units_from_buildings,
)

CRS = "EPSG:32650"


def _communities():
    return gpd.GeoDataFrame(
        {"community_id": ["A", "B"]}, geometry=[box(0, 0, 300, 200), box(300, 0, 600, 200)], crs=CRS
    )


def _roads():
    # a cross cutting A into 4 blocks; a dangling stub in B cuts nothing
    return gpd.GeoDataFrame(
        geometry=[LineString([(150, -10), (150, 210)]), LineString([(-10, 100), (310, 100)]),
                  LineString([(400, 50), (420, 60)])],
        crs=CRS,
    )


def _buildings():
    geoms = [box(x, y, x + 15, y + 20) for x in range(10, 130, 30) for y in (20, 130)]  # west blocks of A
    geoms += [box(200, 20, 220, 40)]  # one building alone in the south-east block of A
    geoms += [box(350, 50, 360, 60), Point(520, 100), Point(520.3, 100.2)]  # B: footprint + 2 close points
    return gpd.GeoDataFrame(
        {"households": np.arange(1, len(geoms) + 1) * 3, "name": [f"b{i}" for i in range(len(geoms))]},
        geometry=geoms, crs=CRS, index=[100 + i for i in range(len(geoms))],
    )


def _check_tiling(units, communities):
    for cid, geom in communities.set_index("community_id").geometry.items():
        mine = units[units["community_id"] == cid]
        assert abs(mine.area.sum() - geom.area) / geom.area < 1e-4  # no overlaps, no gaps
        assert abs(mine.union_all().area - geom.area) / geom.area < 1e-4
        assert mine.union_all().symmetric_difference(geom).area < 1e-4 * geom.area


def test_units_tile_each_community_and_conserve_households():
    bld = _buildings()
    report = Report()
    units = units_from_buildings(bld, _communities(), roads=_roads(), report=report)
    _check_tiling(units, _communities())
    assert units["households"].sum() == bld["households"].sum()
    assert units["buildings"].sum() == len(bld)
    assert units["unit_id"].is_unique
    # the north-east block of A has no building: one unit of its own with 0 households
    ne = units[units.intersects(Point(225, 150)) & (units["community_id"] == "A")]
    assert len(ne) == 1 and ne["households"].iloc[0] == 0 and ne["buildings"].iloc[0] == 0
    assert ne["building_index"].isna().all()
    # no unit of A has the roads of the cross through its interior
    in_a = units[units["community_id"] == "A"]
    for line in _roads().geometry[:2]:
        assert not in_a.buffer(-0.01).intersects(line).any()
    assert (in_a["block_id"].nunique(), units["block_id"].nunique()) == (4, 5)
    assert {"name", "households", "population", "unit_id", "community_id", "area_m2"} <= set(units.columns)
    assert len(report) == 0


def test_every_building_in_exactly_one_unit_with_its_attributes():
    bld = _buildings()
    units = units_from_buildings(bld, _communities(), roads=_roads())
    where = building_units(bld, units)
    assert where.notna().all()
    by_unit = bld.groupby(where)["households"].sum()
    assert (units.set_index("unit_id")["households"].reindex(by_unit.index) == by_unit).all()
    own = units.dropna(subset=["building_index"]).set_index("building_index")
    assert (own["name"] == bld.loc[own.index, "name"]).all()
    # each footprint lies (almost) wholly in its own unit
    for label, row in own.iterrows():
        assert bld.geometry.loc[label].difference(row.geometry).area < 0.05 * max(bld.geometry.loc[label].area, 1)


def test_far_land_becomes_units_of_its_own():
    comm = gpd.GeoDataFrame({"community_id": ["A"]}, geometry=[box(0, 0, 500, 100)], crs=CRS)
    bld = gpd.GeoDataFrame({"households": [10, 20]}, geometry=[box(10, 40, 30, 60), box(40, 40, 60, 60)], crs=CRS)
    units = units_from_buildings(bld, comm, limit_m=50)
    _check_tiling(units, comm)
    empty = units[units["buildings"] == 0]
    assert len(empty) >= 1 and empty["households"].sum() == 0
    assert empty.union_all().contains(Point(400, 50))
    assert units.loc[units["buildings"] > 0].total_bounds[2] <= 60 + 50 + 1e-6


def test_without_roads_population_floors_and_geographic_crs():
    bld = _buildings().to_crs(4326)
    bld["floors"] = 3
    units = units_from_buildings(bld, _communities().to_crs(4326), floors_col="floors", persons_per_household=2)
    assert units.crs.to_epsg() == 4326
    assert units["population"].sum() == pytest.approx(2 * bld["households"].sum())
    # rel 1e-2: the test data sit at the west edge of zone 50, and UTM 49 is chosen for them
    assert units["floor_area_m2"].sum() == pytest.approx(3 * (8 * 300 + 400 + 100), rel=1e-2)
    assert units["block_id"].nunique() == 2


def test_buildings_outside_are_reported_not_dropped_silently():
    bld = _buildings()
    bld.loc[999] = [5, "stray", box(700, 0, 710, 10)]
    report = Report()
    units = units_from_buildings(bld, _communities(), report=report)
    assert units["households"].sum() == bld["households"].sum() - 5
    assert report.to_frame().query("row_id == '999'")["problem"].iloc[0] == "outside every community"


@settings(max_examples=10, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 28), st.integers(0, 18), st.integers(0, 40)), min_size=1, max_size=25,
                unique_by=lambda t: (t[0], t[1])))
@example([(15, 7, 0), (17, 1, 0), (23, 12, 0), (27, 11, 0)])  # GEOS clipped two cells into overlapping pieces
def test_tiling_and_conservation_hold_for_any_layout(cells):
    geoms = [box(10 * x + 1, 10 * y + 1, 10 * x + 8, 10 * y + 8) for x, y, _ in cells]
    bld = gpd.GeoDataFrame({"households": [h for _, _, h in cells]}, geometry=geoms, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["A"]}, geometry=[box(0, 0, 290, 190)], crs=CRS)
    roads = gpd.GeoDataFrame(geometry=[LineString([(145, -5), (145, 195)])], crs=CRS)
    units = units_from_buildings(bld, comm, roads=roads)
    _check_tiling(units, comm)
    assert units["households"].sum() == bld["households"].sum()
    assert building_units(bld, units).notna().all()


def test_duplicate_and_nested_footprints_share_a_unit_and_are_reported():
    comm = gpd.GeoDataFrame({"community_id": ["A"]}, geometry=[box(0, 0, 100, 100)], crs=CRS)
    bld = gpd.GeoDataFrame({"households": [3, 4, 5, 6]}, crs=CRS, geometry=[
        box(10, 10, 30, 30), box(10, 10, 30, 30), box(60, 60, 80, 80), box(12, 12, 14, 14)])
    report = Report()
    units = units_from_buildings(bld, comm, report=report)
    _check_tiling(units, comm)
    # the twins (3 and 4 households, one footprint drawn twice) and the 2 m square drawn inside them
    # (6) are one building counted once, the outline's or its parts' together, whichever is more:
    # max(3, max(4, 6)) = 6 (before 8 December 2026: 4 + 6 = 10, the square counted again)
    assert units.set_index("unit_id")["households"].to_dict() == {"A-0001": 6, "A-0002": 5}
    assert building_units(bld, units).tolist() == ["A-0001", "A-0001", "A-0002", "A-0001"]
    reported = report.to_frame()["row_id"].tolist()
    assert len(reported) == 2 and "3" in reported  # the nested one, and one of the twins
    assert report.to_frame()["action"].str.contains("counted (?:once with it )?in unit A-0001").all()


def test_overlapping_communities_are_reported():
    comm = gpd.GeoDataFrame({"community_id": ["A", "B"]}, geometry=[box(0, 0, 100, 100), box(90, 0, 200, 100)], crs=CRS)
    bld = gpd.GeoDataFrame({"households": [5, 6]}, geometry=[box(10, 10, 20, 20), box(150, 10, 160, 20)], crs=CRS)
    report = Report()
    units = units_from_buildings(bld, comm, report=report)
    assert units["households"].sum() == 11
    assert report.to_frame()["problem"].tolist() == ["overlaps community 'B' by 1000 m2"]


def test_units_bad_input():
    with pytest.raises(CRSError, match="'buildings' has no CRS"):
        units_from_buildings(_buildings().set_crs(None, allow_override=True), _communities())
    with pytest.raises(ColumnError, match="'buildings' has no column 'hh'"):
        units_from_buildings(_buildings(), _communities(), households_col="hh")
    comm = _communities()
    comm.loc[1, "community_id"] = "A"
    with pytest.raises(DuplicateIdError, match="'communities'.*A"):
        units_from_buildings(_buildings(), comm)


def test_largest_remainder_is_exact():
    assert largest_remainder(np.array([1, 1, 1]), 10).tolist() == [4, 3, 3]
    # quotas 3.5, 1.75, 1.75: floors 3, 1, 1; the two largest remainders (.75) get the 2 left
    assert largest_remainder(np.array([0.5, 0.25, 0.25]), 7).tolist() == [3, 2, 2]
    assert largest_remainder(np.array([2.0, 0.0]), 0).tolist() == [0, 0]


def test_spread_by_floor_area():
    comm = gpd.GeoDataFrame({"community_id": ["A", "B"], "households": [100, 7]},
                            geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)
    bld = gpd.GeoDataFrame(
        {"floors": [1, 3, None, 2]},
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10), box(300, 0, 310, 10)],
        crs=CRS, index=["a", "b", "c", "out"],
    )
    report = Report()
    out = spread_by_floor_area(bld, comm, default_floors=1, report=report)
    # floor areas 100 : 300 : 100 -> 20, 60, 20
    assert out.loc[["a", "b", "c"], "households"].tolist() == [20, 60, 20]
    assert (out.loc[["a", "b", "c"], "households_source"] == "spread by floor area").all()
    assert np.isnan(out.loc["out", "households"]) and out.loc["out", "households_source"] == "outside every community"
    assert set(report.to_frame()["row_id"]) == {"B", "out"}  # B has 7 households and no building


def test_spread_keeps_given_values_and_rounds_exactly():
    comm = gpd.GeoDataFrame({"community_id": ["A"], "households": [10]}, geometry=[box(0, 0, 100, 100)], crs=CRS)
    bld = gpd.GeoDataFrame({"households": [4, None, None, None]},
                           geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10), box(60, 0, 70, 10)],
                           crs=CRS)
    out = spread_by_floor_area(bld, comm)
    assert out["households"].tolist() == [4, 2, 2, 2]
    assert out["households_source"].tolist() == ["given"] + ["spread by floor area"] * 3
    comm["households"] = [10.5]
    with pytest.raises(ColumnError, match="whole numbers; rows: A"):
        spread_by_floor_area(bld, comm)
    comm["households"] = [3]
    with pytest.raises(ColumnError, match="community 'A': buildings already hold 4"):
        spread_by_floor_area(bld, comm)


# a unit of the demo's C11 tessellated from footprints shrunk 8 m: valid in degrees, a
# self-intersecting bow in UTM metres (its two parts meet 3 nm apart once reprojected)
_BOW_WKT = (
    "MULTIPOLYGON (((114.0143529 22.5306793, 114.01420949470263 22.5306276032121, 114.01420949467195 "
    "22.530627603432926, 114.0143529 22.5306793)), ((114.01421260652991 22.530605209407938, "
    "114.01423482940264 22.530543669573568, 114.0161814 22.530943399999995, 114.01354010000001 "
    "22.530400999999998, 114.01379450000002 22.530477999999995, 114.01420949470263 22.5306276032121, "
    "114.01421260652991 22.530605209407938)))"
)


def test_unit_made_invalid_by_reprojection_is_repaired_not_a_crash():
    import shapely

    from spatial.datasets.embedded import load_demo
    from spatial.grids.partition import partition_grids

    comm = load_demo()["communities"].query("community_id == 'C11'")
    bow = shapely.from_wkt(_BOW_WKT)
    assert shapely.is_valid(bow)
    assert not shapely.is_valid(gpd.GeoSeries([bow], crs="EPSG:4326").to_crs(CRS).iloc[0])
    rest = shapely.difference(comm.geometry.iloc[0], bow)
    units = gpd.GeoDataFrame({"unit_id": ["bow", "rest"], "households": [0, 400]}, geometry=[bow, rest],
                             crs="EPSG:4326")
    res = partition_grids(units, comm)
    assert res.units["grid_id"].notna().all()
    assert int(res.grids["households"].sum()) == 400


def test_building_points_with_a_real_walking_network_give_units_with_area(futian_graphml):
    """Demo C02 homes as points, cut by the Futian walking network (two-way streets drawn twice
    polygonize into faces of no area): every unit has land and the grids accept them all."""
    from spatial.datasets.embedded import load_demo
    from spatial.grids.partition import partition_grids
    from spatial.network.graph import edges_frame
    from spatial.network.read import read_network

    demo = load_demo()
    comm = demo["communities"].query("community_id == 'C02'")
    homes = demo["units"].query("community_id == 'C02'")
    points = gpd.GeoDataFrame({"households": homes["households"]},
                              geometry=homes.to_crs(CRS).representative_point().to_crs(homes.crs), crs=homes.crs)
    units = units_from_buildings(points, comm, roads=edges_frame(read_network(futian_graphml)))
    assert (units.to_crs(CRS).area > 1.0).all()
    res = partition_grids(units, comm)
    assert res.units["grid_id"].notna().all()
    assert res.grids["households"].sum() == homes["households"].sum()


def test_whole_household_counts_come_back_whole():
    """Integer households in, integer households out (a unit of 20 households, not 20.0: the
    grids' tables, the CSVs and the editor then show 20); whole counts stored as floats (a
    spreadsheet's 20.0) are whole too, as the grids judge them; fractional counts stay floats."""
    bld = _buildings().astype({"households": "int64"})
    units = units_from_buildings(bld, _communities(), roads=_roads())
    assert units["households"].dtype == np.int64 and units["households"].sum() == bld["households"].sum()
    floats = units_from_buildings(bld.astype({"households": float}), _communities(), roads=_roads())
    assert floats["households"].dtype == np.int64
    assert floats["households"].tolist() == units["households"].tolist()
    halves = units_from_buildings(bld.astype({"households": float}).assign(households=lambda d: d["households"] + 0.5),
                                  _communities(), roads=_roads())
    assert halves["households"].dtype == float
