"""A grid holding homes across an arterial or a river is named in the report, with those homes."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from spatial.grids.partition import partition_grids

CRS = "EPSG:32650"


def row_of_plots(hh):
    """Square plots 100 m wide in a row from x = 0, and their community."""
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(len(hh))], "households": hh},
                             geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(len(hh))], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 100 * len(hh), 100)], crs=CRS)
    return units, comm


def across_rows(plan):
    rep = plan.report
    return rep[(rep["layer"] == "grids") & rep["problem"].str.startswith("holds units on both sides")]


@pytest.mark.parametrize("kind", ["river", "arterial", "primary"])
def test_homes_across_a_river_or_an_arterial_are_named(kind):
    # plots of 250, 250 and 50 households, a line at x = 300, then two of 150: in 300-500 the only
    # plan is U0+U1 (500) and U2+U3+U4 (350), which takes U2's 50 households across the line, while
    # U2 touches U0+U1's grid on its own side
    units, comm = row_of_plots([250, 250, 50, 150, 150])
    line = shapely.LineString([(300, -20), (300, 120)])
    roads = gpd.GeoDataFrame({"kind": [kind]}, geometry=[line], crs=CRS)
    plan = partition_grids(units, comm, roads=roads, min_households=300, max_households=500)
    grids = plan.units.groupby("grid_id")["unit_id"].apply(sorted).tolist()
    assert sorted(grids) == [["U0", "U1"], ["U2", "U3", "U4"]]
    rows = across_rows(plan)
    assert rows["row_id"].tolist() == [plan.units.set_index("unit_id").loc["U2", "grid_id"]]
    # the reference: the plots of that grid west of the line, and their shared border along it
    grid = units[units["unit_id"].isin(["U2", "U3", "U4"])]
    west = grid[grid.geometry.centroid.x < line.centroid.x]
    assert west["unit_id"].tolist() == ["U2"]
    along = shapely.intersection(west.geometry.iloc[0].boundary, line).length
    assert rows["problem"].iloc[0] == (f"holds units on both sides of an arterial or a river: 50 households in 1 unit "
                                       f"(U2) lie across it from the rest ({along:.0f} m of their shared borders run "
                                       "along it)")
    assert rows["action"].iloc[0].startswith("check that its households and grid worker can cross there")


def test_homes_no_other_grid_can_reach_without_crossing_are_said_to_be_ringed():
    # 50 households alone west of a river at x = 100, four plots of 100 east of it: one grid in
    # 300-500 must take them across, and no other grid lies on their side
    units, comm = row_of_plots([50, 100, 100, 100, 100])
    roads = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[shapely.LineString([(100, -20), (100, 120)])], crs=CRS)
    plan = partition_grids(units, comm, roads=roads, min_households=300, max_households=500)
    assert plan.units["grid_id"].nunique() == 1
    rows = across_rows(plan)
    assert rows["row_id"].tolist() == [plan.units["grid_id"].iloc[0]]
    assert rows["problem"].iloc[0].startswith("holds units on both sides of an arterial or a river: 50 households in "
                                              "1 unit (U0) lie across it from the rest (100 m")
    assert rows["problem"].iloc[0].endswith("; no other grid lies on their side: arterials or rivers ring them")
    assert rows["action"].iloc[0].startswith("any grid must cross to reach them: check that homes really stand there")


def test_a_street_or_a_line_the_grid_reaches_round_is_no_crossing():
    units, comm = row_of_plots([50, 100, 100, 100, 100])
    street = gpd.GeoDataFrame({"kind": ["street"]}, geometry=[shapely.LineString([(100, -20), (100, 120)])], crs=CRS)
    plan = partition_grids(units, comm, roads=street, min_households=300, max_households=500)
    assert across_rows(plan).empty
    # two rows of plots; the river runs between the bottom two plots on the left and ends at the
    # top row's edge: the grid's plots meet round its end, so nobody is across it
    top, _ = row_of_plots([70, 70, 70])
    top["unit_id"] = ["T0", "T1", "T2"]
    top["geometry"] = top.geometry.translate(0, 100)
    bottom, _ = row_of_plots([70, 70, 70])
    units = gpd.GeoDataFrame(gpd.pd.concat([bottom, top], ignore_index=True), crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 300, 200)], crs=CRS)
    river = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[shapely.LineString([(100, -20), (100, 100)])], crs=CRS)
    plan = partition_grids(units, comm, roads=river, min_households=300, max_households=500)
    assert plan.units["grid_id"].nunique() == 1
    assert across_rows(plan).empty


def test_land_with_no_homes_across_is_not_named():
    units, comm = row_of_plots([0, 100, 100, 100, 100])
    roads = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[shapely.LineString([(100, -20), (100, 120)])], crs=CRS)
    plan = partition_grids(units, comm, roads=roads, min_households=300, max_households=500)
    assert across_rows(plan).empty


def test_an_evaluated_plan_names_homes_across_as_the_drawing_does():
    # a plan made by hand (the editor's CSV): U0+U1 across the river at x = 100, U2-U4 on one side
    from spatial.grids.evaluate import evaluate_grids

    units, comm = row_of_plots([50, 100, 100, 100, 100])
    units["grid_id"] = ["A", "A", "B", "B", "B"]
    roads = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[shapely.LineString([(100, -20), (100, 120)])], crs=CRS)
    res = evaluate_grids(units, comm, roads=roads)
    rows = across_rows(res)
    assert rows["row_id"].tolist() == ["A"]
    assert rows["problem"].iloc[0].startswith("holds units on both sides of an arterial or a river: 50 households in "
                                              "1 unit (U0) lie across it from the rest (100 m")
    # the same plan without the river as a major line: nothing to say
    roads["kind"] = ["street"]
    assert across_rows(evaluate_grids(units, comm, roads=roads)).empty
