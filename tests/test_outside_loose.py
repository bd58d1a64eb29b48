"""Loose ends of the planner's workflow: 联户长 vs 十联户 groups, outside units, input messages."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from spatial.grids.workforce import staffing, ten_household_groups

CRS = "EPSG:32650"


@pytest.mark.parametrize(("households", "leads"), [(305, 31), (5, 1), (10, 1), (15, 2), (14, 2)])
def test_household_leads_and_ten_household_groups_agree(households, leads):
    # one grid, one unit, one household a point along a row
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["g1"]},
                             geometry=[box(0, 0, 1000, 10)], crs=CRS)
    points = gpd.GeoDataFrame(geometry=[Point(1 + 3 * i, 5) for i in range(households)], crs=CRS)
    groups = ten_household_groups(points, units).groups
    table = staffing(pd.DataFrame({"grid_id": ["g1"], "households": [households], "n_buildings": [1]}))
    assert len(groups) == table["household_leads"].iloc[0] == leads


def test_a_large_building_point_does_not_swallow_a_group():
    # 305 households in 8 building points, one of 150: still 31 groups (one 联户长 each) would need
    # 31 points; with 8 points carrying households, 8 groups, each a building never split
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["g1"]},
                             geometry=[box(0, 0, 100, 10)], crs=CRS)
    points = gpd.GeoDataFrame({"hh": [150, 20, 20, 20, 20, 25, 25, 25]},
                              geometry=[Point(5 + 10 * i, 5) for i in range(8)], crs=CRS)
    groups = ten_household_groups(points, units, households_col="hh").groups
    assert sorted(groups["households"].tolist()) == [20, 20, 20, 20, 25, 25, 25, 150]
    # 25 households, 3 points of which one of 20: 3 leads, 3 groups
    few = points.iloc[:3].assign(hh=[20, 3, 2])
    groups = ten_household_groups(few, units, households_col="hh").groups
    assert sorted(groups["households"].tolist()) == [2, 3, 20]
